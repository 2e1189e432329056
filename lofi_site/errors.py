"""The site's 403 page: inside the cockpit a styled cockpit page with a way back; elsewhere the storefront's."""

from __future__ import annotations

from django.http import HttpResponseForbidden
from django.template.loader import render_to_string


def permission_denied(request, exception=None):
    in_cockpit = request.path.startswith("/admin/")
    template = "admin/403.html" if in_cockpit else "403.html"
    referer = request.META.get("HTTP_REFERER", "")
    back = referer if referer.startswith(request.build_absolute_uri("/")) else ""
    html = render_to_string(template, {"back_url": back, "title": "You cannot open this page"}, request=request)
    return HttpResponseForbidden(html)
