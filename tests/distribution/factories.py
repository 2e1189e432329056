"""factory_boy factories for distribution records (found by the cockpit-wide screen tests too)."""

from __future__ import annotations

from datetime import timedelta

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from distribution.models import (
    DeliveryPackage,
    MetadataPlatform,
    Platform,
    PlatformAccount,
    Publication,
    QuotaUsage,
    ReleaseMedia,
    ReleaseMetadata,
)
from tests.factories import ReleaseFactory


class PlatformAccountFactory(DjangoModelFactory):
    class Meta:
        model = PlatformAccount
        django_get_or_create = ("name",)

    platform = Platform.YOUTUBE
    name = factory.Sequence(lambda n: f"Channel {n}")


class PublicationFactory(DjangoModelFactory):
    class Meta:
        model = Publication

    release = factory.SubFactory(ReleaseFactory)
    account = factory.SubFactory(PlatformAccountFactory)
    status = Publication.Status.SCHEDULED
    scheduled_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=2))
    run_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=1))


class ReleaseMetadataFactory(DjangoModelFactory):
    class Meta:
        model = ReleaseMetadata

    release = factory.SubFactory(ReleaseFactory)
    platform = MetadataPlatform.YOUTUBE
    title = factory.Sequence(lambda n: f"Rainy Window {n} · lofi beats for study")
    description = "Slow beats for slow mornings."
    tags = factory.LazyFunction(lambda: ["lofi", "study music"])


class ReleaseMediaFactory(DjangoModelFactory):
    class Meta:
        model = ReleaseMedia

    release = factory.SubFactory(ReleaseFactory)
    thumbnail_a = factory.Sequence(lambda n: f"thumbnails/{n}-a.jpg")
    thumbnail_b = factory.Sequence(lambda n: f"thumbnails/{n}-b.jpg")


class DeliveryPackageFactory(DjangoModelFactory):
    class Meta:
        model = DeliveryPackage

    release = factory.SubFactory(ReleaseFactory)
    account = factory.SubFactory(PlatformAccountFactory, platform=Platform.DDEX_DISTRIBUTOR)
    status = DeliveryPackage.Status.READY
    path = factory.Sequence(lambda n: f"releases/{n}/delivery/package.zip")
    size_bytes = 1_000_000


class QuotaUsageFactory(DjangoModelFactory):
    class Meta:
        model = QuotaUsage

    account = factory.SubFactory(PlatformAccountFactory)
    day = factory.LazyFunction(lambda: timezone.localdate())
    units_used = 1650
