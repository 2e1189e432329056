from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from lofi_site.health import healthz

# A refused page: a styled cockpit page with a way back inside /admin/, the storefront's page elsewhere.
handler403 = "lofi_site.errors.permission_denied"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("lofi_site.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # No OPTIONS metadata for the HTML doc pages: DRF would render it through their template renderer (a 500).
    # The split view serves Swagger UI's start-up script as a file of its own: the CSP allows no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema", metadata_class=None), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="api-schema", metadata_class=None), name="api-redoc"),
    # Track requests at /requests/, the newsletter (sign-up, confirm, unsubscribe, free pack) at /newsletter/.
    path("", include("community.urls")),
    # Listener accounts, library, playlists, mixes and recommendation events (/account/, /library/, /mixes/ ...).
    path("", include("listeners.urls")),
    # The radio page at /radio/ and the AutoDJ endpoints stations call at /radio/autodj/<slug>/.
    path("", include("radio.urls")),
    # Storefront at /, Stripe's webhook at /stripe/webhook/, licence verification at /licences/verify/<code>/.
    path("", include("monetization.urls")),
]

if settings.SERVE_MEDIA and settings.MEDIA_URL.startswith("/"):
    from django.urls import re_path

    from lofi_site.media_views import media_serve

    # Public media only (private files are never served by URL), with Range requests so previews can seek.
    urlpatterns += [re_path(rf"^{settings.MEDIA_URL.lstrip('/')}(?P<path>.*)$", media_serve)]
