"""Factories for community tests (also found by the cockpit-wide screen tests for every community model)."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta

import factory
from django.core.files.base import ContentFile
from django.utils import timezone
from factory.django import DjangoModelFactory

from community.models import (
    Campaign,
    CampaignDelivery,
    Comment,
    Commenter,
    CommentSyncState,
    LeadMagnet,
    Reply,
    ReplyTemplate,
    SocialPost,
    Subscriber,
    TrackRequest,
    TrackRequestVote,
    VideoStatsSnapshot,
)
from distribution.models import Platform, PlatformAccount, Publication
from lofi_site import text_scoring
from tests.factories import ReleaseFactory


class YouTubeAccountFactory(DjangoModelFactory):
    class Meta:
        model = PlatformAccount
        django_get_or_create = ("name",)

    platform = Platform.YOUTUBE
    name = "Main channel"
    external_account_name = "Lantern LoFi"


class PublishedVideoFactory(DjangoModelFactory):
    """A release published on YouTube: what comment sync and statistics read."""

    class Meta:
        model = Publication

    release = factory.SubFactory(ReleaseFactory)
    account = factory.SubFactory(YouTubeAccountFactory)
    status = Publication.Status.PUBLISHED
    scheduled_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=3))
    published_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=3))
    external_id = factory.Sequence(lambda n: f"vid{n:08d}")
    external_url = factory.LazyAttribute(lambda o: f"https://www.youtube.com/watch?v={o.external_id}")


class CommenterFactory(DjangoModelFactory):
    class Meta:
        model = Commenter

    channel_id = factory.Sequence(lambda n: f"UCfan{n:06d}")
    display_name = factory.Sequence(lambda n: f"Listener {n}")


class CommentFactory(DjangoModelFactory):
    class Meta:
        model = Comment

    publication = factory.SubFactory(PublishedVideoFactory)
    commenter = factory.SubFactory(CommenterFactory)
    youtube_thread_id = factory.Sequence(lambda n: f"thread{n}")
    youtube_comment_id = factory.LazyAttribute(lambda o: f"c-{o.youtube_thread_id}")
    author_name = factory.LazyAttribute(lambda o: o.commenter.display_name)
    text = "This is perfect for studying, thank you!"
    published_at = factory.LazyFunction(timezone.now)
    sentiment = 0.6
    sentiment_label = Comment.Sentiment.POSITIVE
    text_fingerprint = factory.LazyAttribute(
        lambda o: __import__("hashlib").sha256(text_scoring.normalise_text(o.text).encode()).hexdigest()
    )


class CommentSyncStateFactory(DjangoModelFactory):
    class Meta:
        model = CommentSyncState

    publication = factory.SubFactory(PublishedVideoFactory)
    last_synced_at = factory.LazyFunction(timezone.now)


class ReplyTemplateFactory(DjangoModelFactory):
    class Meta:
        model = ReplyTemplate

    name = factory.Sequence(lambda n: f"Thanks {n}")
    body = "Thanks {author}! {track_title} is on {channel}."


class ReplyFactory(DjangoModelFactory):
    class Meta:
        model = Reply

    comment = factory.SubFactory(CommentFactory)
    text = "Thank you for listening!"


class TrackRequestFactory(DjangoModelFactory):
    class Meta:
        model = TrackRequest

    mood = TrackRequest.Mood.CHILL
    activity = TrackRequest.Activity.STUDY
    tempo_feel = TrackRequest.TempoFeel.SLOW


class TrackRequestVoteFactory(DjangoModelFactory):
    class Meta:
        model = TrackRequestVote

    request = factory.SubFactory(TrackRequestFactory)
    session_hash = factory.Sequence(lambda n: f"s{n:063d}")
    ip_hash = factory.Sequence(lambda n: f"i{n:063d}")


class SubscriberFactory(DjangoModelFactory):
    class Meta:
        model = Subscriber

    email = factory.Sequence(lambda n: f"listener{n}@example.com")
    status = Subscriber.Status.CONFIRMED
    confirmed_at = factory.LazyFunction(timezone.now)


class CampaignFactory(DjangoModelFactory):
    class Meta:
        model = Campaign

    subject = factory.Sequence(lambda n: f"New music #{n}")
    text_body = "Three new tracks for rainy mornings."


class CampaignDeliveryFactory(DjangoModelFactory):
    class Meta:
        model = CampaignDelivery

    campaign = factory.SubFactory(CampaignFactory)
    subscriber = factory.SubFactory(SubscriberFactory)


def zip_bytes(files: dict[str, bytes] | None = None) -> bytes:
    """A real zip archive holding `files` (name -> content)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in (files or {"DUSK_keys_loop-01_Amin.wav": b"RIFF....WAVE"}).items():
            archive.writestr(name, content)
    return buffer.getvalue()


class LeadMagnetFactory(DjangoModelFactory):
    """Saved through the service, so the zip really is in the private storage."""

    class Meta:
        model = LeadMagnet

    headline = "Free: 20 dusty keys loops"
    is_active = False  # one active at a time: tests switch the one they use on

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from community import services

        upload = ContentFile(zip_bytes(), name="dusty-keys-free.zip")
        return services.lead_magnet_save(magnet=model_class(*args, **kwargs), actor=None, upload=upload)


class SocialPostFactory(DjangoModelFactory):
    class Meta:
        model = SocialPost

    release = factory.SubFactory(ReleaseFactory)
    platform = SocialPost.Platform.INSTAGRAM
    scheduled_at = factory.Sequence(lambda n: timezone.now() + timedelta(hours=n + 1))
    caption = "Rainy Window by Persona\n\n#lofi"


class VideoStatsSnapshotFactory(DjangoModelFactory):
    class Meta:
        model = VideoStatsSnapshot

    publication = factory.SubFactory(PublishedVideoFactory)
    day = factory.Sequence(lambda n: timezone.localdate() - timedelta(days=n))
    views = 1000
    likes = 50
    comments = 5
    taken_at = factory.LazyFunction(timezone.now)
