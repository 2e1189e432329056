"""URLs for the listeners' browser tests: the site's own, plus public media from the test's MEDIA_ROOT served
with HTTP Range requests at /ranged-media/ (as `make run`, S3 and web servers serve it), so the mix player can
seek. The live server itself answers /media/ (Django's _MediaFilesHandler) without ranges."""

from django.urls import re_path

from lofi_site.media_views import media_serve
from lofi_site.urls import urlpatterns as site_urlpatterns

RANGED_MEDIA_URL = "/ranged-media/"

urlpatterns = [re_path(r"^ranged-media/(?P<path>.*)$", media_serve), *site_urlpatterns]
