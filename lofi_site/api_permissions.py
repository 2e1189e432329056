"""The API's default permission: reads are public, writes need the model permission (Editors)."""

from __future__ import annotations

from rest_framework import permissions


class ModelPermissionsOrPublicRead(permissions.DjangoModelPermissionsOrAnonReadOnly):
    """DRF's DjangoModelPermissionsOrAnonReadOnly, decided without building the view's queryset for a read.

    For GET, HEAD and OPTIONS that class requires no permission at all, yet it calls `get_queryset()` first only
    to learn the model: on a public list served from the cache that cost more than the rest of the answer.
    """

    def has_permission(self, request, view) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return super().has_permission(request, view)
