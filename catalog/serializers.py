"""Shapes of the catalogue in the API. Validation only; writes go through catalog.services (see api.py)."""

from __future__ import annotations

from rest_framework import serializers

from catalog.models import Artist, Asset, Mood, Release, ReleaseTrack, Style, Track


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
    preview_url = serializers.SerializerMethodField()
    waveform_url = serializers.SerializerMethodField()

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

    def get_preview_url(self, track: Track) -> str:
        asset = track.asset(Asset.Kind.PREVIEW)
        return asset.url if asset else ""

    def get_waveform_url(self, track: Track) -> str:
        asset = track.asset(Asset.Kind.WAVEFORM)
        return asset.url if asset else ""


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

    class Meta:
        model = Release
        fields = [
            "uuid",
            "title",
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
            "tracklist",
            "created_at",
        ]
        read_only_fields = ["status", "artwork"]
