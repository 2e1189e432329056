"""Site-wide request guards that every view would otherwise repeat."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponseBadRequest

NUL_REFUSED = "The address or form contains a NUL character (%00), which no page of this site accepts."


class RejectNulBytesMiddleware:
    """Answer 400 to a NUL byte in the path, the query string or a URL-encoded form.

    No legitimate link or form carries one, and PostgreSQL refuses it in any text parameter, so without this a
    NUL that reaches a lookup (`?session_id=%00`, `/api/v1/artists/%00/`) fails the request with a 500.
    Multipart bodies are left to the views (parsing them here would consume uploads before the view chooses how).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or "\x00" in request.path_info or _has_nul(request.GET):
            return HttpResponseBadRequest(NUL_REFUSED, content_type="text/plain; charset=utf-8")
        form = request.method == "POST" and request.content_type == "application/x-www-form-urlencoded"
        if form and _has_nul(request.POST):
            return HttpResponseBadRequest(NUL_REFUSED, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


def _has_nul(query) -> bool:
    return any("\x00" in key or any("\x00" in value for value in values) for key, values in query.lists())


class ContentSecurityPolicyMiddleware:
    """Send settings.CONTENT_SECURITY_POLICY on every response that does not set its own (Django 5.2 has no
    built-in CSP). Scripts come from this site only, never inline, so injected markup cannot run code."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = settings.CONTENT_SECURITY_POLICY
        if policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = policy
        return response
