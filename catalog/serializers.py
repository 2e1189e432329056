"""Shapes of the catalogue in the API. Validation only; writes go through catalog.services (see api.py)."""

from __future__ import annotations

from rest_framework import serializers

from catalog.models import Artist, Asset, Mood, Release, ReleaseTrack, Style, Track
from catalog.selectors import public_isrc, releases_out


def _absolute(serializer: serializers.Serializer, url: str) -> str:
    """Media URLs as absolute addresses, so integrators can fetch them as given."""
    request = serializer.context.get("request")
    if not url or request is None or "://" in url:
        return url
    return request.build_absolute_uri(url)


class ArtistSerializer(serializers.ModelSerializer):
    class Meta:
        model = Artist
        fields = ["uuid", "name", "slug", "bio", "is_persona"]


class TrackSerializer(serializers.ModelSerializer):
    artist = serializers.SlugRelatedField(slug_field="slug", queryset=Artist.objects.all())
    style = serializers.SlugRelatedField(
        slug_field="slug", queryset=Style.objects.all(), allow_null=True, required=False
    )
    moods = serializers.SlugRelatedField(slug_field="slug", queryset=Mood.objects.all(), many=True, required=False)
    camelot = serializers.CharField(source="camelot_code", read_only=True)
    preview_url = serializers.SerializerMethodField(help_text="Absolute URL of the short listening preview.")
    waveform_url = serializers.SerializerMethodField(help_text="Absolute URL of the waveform image.")
    releases = serializers.SerializerMethodField(help_text="UUIDs of the releases that are out with this track.")

    class Meta:
        model = Track
        fields = [
            "uuid",
            "title",
            "artist",
            "style",
            "moods",
            "status",
            "source",
            "is_ai_generated",
            "isrc",
            "bpm",
            "key",
            "mode",
            "camelot",
            "duration_s",
            "integrated_lufs",
            "true_peak_dbtp",
            "energy",
            "qc_passed",
            "duplicate_verdict",
            "preview_url",
            "waveform_url",
            "releases",
            "licensable_before_release",
            "created_at",
        ]
        # Status moves only through services (approval checks QC and duplicates); facts come from analysis.
        read_only_fields = [
            "status",
            "source",
            "duration_s",
            "integrated_lufs",
            "true_peak_dbtp",
            "energy",
            "qc_passed",
            "duplicate_verdict",
        ]

    def to_representation(self, track: Track) -> dict:
        data = super().to_representation(track)
        request = self.context.get("request")
        staff = bool(request and request.user.is_authenticated and request.user.is_staff)
        if not staff:
            data["isrc"] = public_isrc(track) or None  # an ISRC is public only once the release is out
        return data

    def get_preview_url(self, track: Track) -> str:
        asset = track.asset(Asset.Kind.PREVIEW)
        return _absolute(self, asset.url) if asset else ""

    def get_waveform_url(self, track: Track) -> str:
        asset = track.asset(Asset.Kind.WAVEFORM)
        return _absolute(self, asset.url) if asset else ""

    def get_releases(self, track: Track) -> list[str]:
        prefetched = getattr(track, "release_tracks_out", None)  # the list view prefetches them for the page
        if prefetched is not None:
            return [str(row.release.uuid) for row in prefetched]
        return [str(u) for u in releases_out().filter(release_tracks__track=track).values_list("uuid", flat=True)]


class ReleaseTrackSerializer(serializers.ModelSerializer):
    track = serializers.UUIDField(source="track.uuid", read_only=True)
    title = serializers.CharField(source="track.title", read_only=True)
    artist = serializers.CharField(source="track.artist.name", read_only=True)

    class Meta:
        model = ReleaseTrack
        fields = ["position", "track", "title", "artist"]


class ReleaseSerializer(serializers.ModelSerializer):
    artist = serializers.SlugRelatedField(slug_field="slug", queryset=Artist.objects.all())
    tracklist = ReleaseTrackSerializer(source="release_tracks", many=True, read_only=True)
    page_url = serializers.SerializerMethodField(help_text="Absolute URL of the release's public page.")

    def get_page_url(self, release: Release) -> str:
        return _absolute(self, release.get_absolute_url()) if release.slug else ""

    def to_representation(self, release: Release) -> dict:
        data = super().to_representation(release)
        data["artwork"] = _absolute(self, release.artwork.url) if release.artwork else None
        return data

    class Meta:
        model = Release
        fields = [
            "uuid",
            "title",
            "slug",
            "artist",
            "kind",
            "status",
            "upc",
            "catalogue_number",
            "release_date",
            "genre",
            "p_line",
            "c_line",
            "artwork",
            "page_url",
            "tracklist",
            "created_at",
        ]
        read_only_fields = ["status", "artwork"]
        extra_kwargs = {"slug": {"required": False}}
