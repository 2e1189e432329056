"""REST endpoints of the catalogue: public reads, writes for staff with the model permission.

Objects are addressed by UUID (artists by slug), never by database id. Writes call catalog.services, which
run full_clean (so database constraints come back as 400s with a message, not 500s). There is no DELETE:
tracks are archived and releases withdrawn through their workflows.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from django.http import HttpResponse
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from catalog import selectors, services
from catalog.filters import ReleaseFilter, TrackFilter
from catalog.models import ReleaseTrack
from catalog.serializers import ArtistSerializer, ReleaseSerializer, TrackSerializer
from lofi_site.pagecache import public_data


def _is_staff(request) -> bool:
    return bool(request.user and request.user.is_authenticated and request.user.is_staff)


def _as_api_error(error: DjangoValidationError) -> serializers.ValidationError:
    detail = error.message_dict if hasattr(error, "error_dict") else {"non_field_errors": error.messages}
    return serializers.ValidationError(
        {"non_field_errors" if key == "__all__" else key: value for key, value in detail.items()}
    )


class _ServiceWriteViewSet(
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    # Create/update through a service function; Django validation errors become 400 responses.
    # (A comment, not a docstring: drf-spectacular would show a docstring to integrators.)

    def create_object(self, data: dict):
        raise NotImplementedError

    def update_object(self, instance, data: dict):
        raise NotImplementedError

    def list(self, request, *args, **kwargs):
        # What every anonymous caller gets is the same: served from the shared cache (lofi_site/pagecache.py).
        def data():
            return super(_ServiceWriteViewSet, self).list(request, *args, **kwargs).data

        if getattr(request.accepted_renderer, "format", "") == "json":
            # Rendering a page of tracks to JSON costs more than everything else a cached answer does: the bytes
            # are stored too (throttling and authentication still run on every call).
            body = public_data(request, lambda: JSONRenderer().render(data()), variant="json")
            return HttpResponse(body, content_type="application/json")
        return Response(public_data(request, data))

    def perform_create(self, serializer) -> None:
        try:
            serializer.instance = self.create_object(dict(serializer.validated_data))
        except DjangoValidationError as error:
            raise _as_api_error(error) from error

    def perform_update(self, serializer) -> None:
        try:
            serializer.instance = self.update_object(serializer.instance, dict(serializer.validated_data))
        except DjangoValidationError as error:
            raise _as_api_error(error) from error


_WRITE_NOTE = "Needs a staff token with permission to change the catalogue."


@extend_schema_view(
    list=extend_schema(
        summary="List tracks",
        description="Tracks you can hear and license: those whose release is out, and those the label offers "
        "before release. Filter by mood, style, artist, key, mode or BPM range; search titles and artists. "
        "`isrc` is null until the track's release is out; `releases` names the releases it is on that are out "
        "(each is in the releases list).",
    ),
    retrieve=extend_schema(summary="One track", description="A public track by UUID, with absolute preview URLs."),
    create=extend_schema(summary="Create a draft track", description=_WRITE_NOTE),
    update=extend_schema(summary="Replace a track's metadata", description=_WRITE_NOTE),
    partial_update=extend_schema(summary="Edit a track's metadata", description=_WRITE_NOTE),
)
class TrackViewSet(_ServiceWriteViewSet):
    serializer_class = TrackSerializer
    filterset_class = TrackFilter
    search_fields = ["title", "artist__name"]
    ordering_fields = ["bpm", "duration_s", "created_at", "title"]
    lookup_field = "uuid"

    def get_queryset(self):
        # Drafts and archived tracks are the label's business; the public sees what it can license.
        qs = selectors.track_list() if _is_staff(self.request) else selectors.public_tracks()
        # Each row names the releases that are out with it: one query for the page, not one per track.
        out = ReleaseTrack.objects.filter(release__in=selectors.releases_out()).select_related("release")
        out = out.order_by("-release__release_date", "-release__created_at")
        qs = qs.prefetch_related(Prefetch("release_tracks", queryset=out, to_attr="release_tracks_out"))
        return qs.distinct() if "mood" in self.request.query_params else qs

    def create_object(self, data: dict):
        return services.track_create(**data)

    def update_object(self, instance, data: dict):
        return services.track_update(track=instance, **data)


@extend_schema_view(
    list=extend_schema(
        summary="List releases",
        description="Releases that are out (published and past their release date), newest first, each with its "
        "tracklist. Every release a track names in its `releases` is here.",
    ),
    retrieve=extend_schema(summary="One release", description="A release that is out, by UUID."),
    create=extend_schema(summary="Create a draft release", description=_WRITE_NOTE),
    update=extend_schema(summary="Replace a release's metadata", description=_WRITE_NOTE),
    partial_update=extend_schema(summary="Edit a release's metadata", description=_WRITE_NOTE),
)
class ReleaseViewSet(_ServiceWriteViewSet):
    serializer_class = ReleaseSerializer
    filterset_class = ReleaseFilter
    search_fields = ["title", "artist__name"]
    ordering_fields = ["release_date", "created_at", "title"]
    lookup_field = "uuid"

    def get_queryset(self):
        return selectors.release_list() if _is_staff(self.request) else selectors.release_list_public()

    def create_object(self, data: dict):
        return services.release_create(**data)

    def update_object(self, instance, data: dict):
        return services.release_update(release=instance, **data)


@extend_schema_view(
    list=extend_schema(summary="List artists", description="The label's artists and personas."),
    retrieve=extend_schema(summary="One artist", description="An artist by slug."),
    create=extend_schema(summary="Create an artist", description=_WRITE_NOTE),
    update=extend_schema(summary="Replace an artist", description=_WRITE_NOTE),
    partial_update=extend_schema(summary="Edit an artist", description=_WRITE_NOTE),
)
class ArtistViewSet(_ServiceWriteViewSet):
    serializer_class = ArtistSerializer
    search_fields = ["name"]
    queryset = selectors.artist_list()
    lookup_field = "slug"

    def create_object(self, data: dict):
        return services.artist_create(**data)

    def update_object(self, instance, data: dict):
        return services.artist_update(artist=instance, **data)
