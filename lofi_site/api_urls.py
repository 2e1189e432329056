"""/api/v1/: every app registers its viewsets on this one router."""

from rest_framework.routers import DefaultRouter

from catalog.api import ArtistViewSet, ReleaseViewSet, TrackViewSet
from monetization.api import LicenceTierViewSet, SamplePackViewSet
from production.ingest_api import IngestUploadViewSet
from radio.api import StationViewSet

router = DefaultRouter()
router.register("tracks", TrackViewSet, basename="track")
router.register("releases", ReleaseViewSet, basename="release")
router.register("artists", ArtistViewSet, basename="artist")
router.register("licence-tiers", LicenceTierViewSet, basename="licence-tier")
router.register("sample-packs", SamplePackViewSet, basename="sample-pack")
router.register("uploads", IngestUploadViewSet, basename="ingest-upload")
router.register("radio", StationViewSet, basename="radio-station")

urlpatterns = router.urls
