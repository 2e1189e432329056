"""REST endpoints of the radio: the public stations and what each plays now (GET /api/v1/radio/<slug>/now/)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from radio import selectors


class NowTrackSerializer(serializers.Serializer):
    id = serializers.CharField(allow_null=True, help_text="The track's UUID; null for station IDs and unknown files.")
    title = serializers.CharField()
    artist = serializers.CharField()


class NowPlayingSerializer(serializers.Serializer):
    station = serializers.CharField()
    track = NowTrackSerializer(allow_null=True)
    started_at = serializers.DateTimeField(allow_null=True)
    listeners = serializers.IntegerField(allow_null=True)
    stream_url = serializers.CharField(help_text="The Icecast URL a player can open.")
    cover_url = serializers.CharField(allow_blank=True)
    license_url = serializers.CharField(allow_blank=True, help_text="Where to license the track on the storefront.")
    hls_url = serializers.CharField(
        allow_blank=True, help_text="The HLS playlist (for a CDN), when the station writes one."
    )


class StationSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()
    description = serializers.CharField()
    stream_url = serializers.CharField()


def now_playing_data(station, request=None) -> dict:
    """The now-playing JSON of a station (shared by the API and the /radio/ page's refresh)."""
    from django.urls import reverse

    now = selectors.now_playing(station)
    track = None
    if now.title:
        track = {"id": now.track_id, "title": now.title, "artist": now.artist}
    cover = selectors.track_cover_url(now.track) if now.track else ""
    license_url = reverse("monetization:track_detail", args=[now.track.uuid]) if now.track else ""
    if request is not None:
        cover = request.build_absolute_uri(cover) if cover else ""
        license_url = request.build_absolute_uri(license_url) if license_url else ""
    return {
        "station": station.slug,
        "track": track,
        "started_at": now.started_at,
        "listeners": now.listeners,
        "stream_url": now.stream_url,
        "cover_url": cover,
        "license_url": license_url,
        "hls_url": selectors.station_hls_url(station),
    }


class StationViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = StationSerializer
    lookup_field = "slug"
    permission_classes = [permissions.AllowAny]
    pagination_class = None

    def get_queryset(self):
        return selectors.stations_public()

    @extend_schema(responses=NowPlayingSerializer)
    @action(detail=True, methods=["get"], url_path="now")
    def now(self, request: Request, slug: str | None = None) -> Response:
        """What the station plays now, as its Liquidsoap last reported."""
        station = self.get_object()
        return Response(NowPlayingSerializer(now_playing_data(station, request)).data)
