"""Read-only public endpoints of what the storefront sells (licence tiers with their current terms, packs)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import permissions, serializers, viewsets

from monetization import selectors
from monetization.models import LicenceTier, SamplePack, SamplePackItem


class LicenceTierSerializer(serializers.ModelSerializer):
    terms_version = serializers.SerializerMethodField()
    terms_text = serializers.SerializerMethodField()
    permits = serializers.ListField(source="permits_list", child=serializers.CharField(), read_only=True)
    excludes = serializers.ListField(source="excludes_list", child=serializers.CharField(), read_only=True)

    class Meta:
        model = LicenceTier
        fields = [
            "slug",
            "name",
            "scope",
            "summary",
            "permits",
            "excludes",
            "price_minor",
            "currency",
            "max_channels",
            "terms_version",
            "terms_text",
        ]

    def get_terms_version(self, obj) -> int | None:
        terms = obj.current_terms()
        return terms.version if terms else None

    def get_terms_text(self, obj) -> str:
        terms = obj.current_terms()
        return terms.text if terms else ""


class SamplePackItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = SamplePackItem
        fields = ["filename", "kind", "instrument", "bpm", "key", "duration_s", "size_bytes"]


class SamplePackSerializer(serializers.ModelSerializer):
    tier = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    items = SamplePackItemSerializer(many=True, read_only=True)
    demo_url = serializers.CharField(read_only=True)

    class Meta:
        model = SamplePack
        fields = [
            "uuid",
            "slug",
            "title",
            "description",
            "price_minor",
            "currency",
            "tier",
            "demo_url",
            "archive_size_bytes",
            "items",
        ]


@extend_schema_view(
    list=extend_schema(
        summary="List licence tiers",
        description="What each licence allows, its price (in minor units: 2900 is 29.00) and the current terms.",
    ),
    retrieve=extend_schema(summary="One licence tier", description="A licence tier by slug, with its terms."),
)
class LicenceTierViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = LicenceTierSerializer
    permission_classes = [permissions.AllowAny]
    lookup_field = "slug"
    pagination_class = None

    def get_queryset(self):
        return selectors.all_public_tiers()


@extend_schema_view(
    list=extend_schema(
        summary="List sample packs",
        description="Sample packs on sale, newest first, with their files (loops, one-shots, MIDI) and a demo.",
    ),
    retrieve=extend_schema(summary="One sample pack", description="A sample pack on sale, by slug."),
)
class SamplePackViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = SamplePackSerializer
    permission_classes = [permissions.AllowAny]
    lookup_field = "slug"

    def get_queryset(self):
        return selectors.packs_on_sale().prefetch_related("items").order_by("-built_at", "pk")
