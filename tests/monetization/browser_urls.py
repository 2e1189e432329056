"""URLs for the real-browser test: the site's own, plus public media served from the test's MEDIA_ROOT.

The site serves media only when DEBUG was on as its URLconf was first imported, which under pytest depends
on test order; the browser test must hear its preview whatever ran before it.
"""

from django.conf import settings
from django.urls import re_path
from django.views.static import serve

from lofi_site.urls import handler403  # noqa: F401 - the site's refused page, as in production
from lofi_site.urls import urlpatterns as site_urlpatterns


def media(request, path):
    return serve(request, path, document_root=settings.MEDIA_ROOT)  # read per request: tests move it


urlpatterns = [re_path(r"^media/(?P<path>.*)$", media), *site_urlpatterns]
