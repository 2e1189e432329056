"""ReDoc served entirely from this site. The ReDoc bundle draws a "by Redocly" logo from cdn.redoc.ly; its page
gets a policy allowing images from this site only, so the browser never asks another host for anything."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.views import SpectacularRedocView

OWN_IMAGES = "img-src 'self' data:"


def _policy_with_own_images(policy: str) -> str:
    parts = [p.strip() for p in policy.split(";") if p.strip() and not p.strip().startswith("img-src")]
    return "; ".join([*parts, OWN_IMAGES])


class OfflineRedocView(SpectacularRedocView):
    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Content-Security-Policy"] = _policy_with_own_images(settings.CONTENT_SECURITY_POLICY or "")
        return response
