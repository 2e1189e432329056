"""factory_boy factories for listener records: accounts, playlists, feedback, alerts, mix streams, recommenders."""

from __future__ import annotations

import io

import factory
import numpy as np
from django.utils import timezone
from factory.django import DjangoModelFactory

from listeners.models import (
    Experiment,
    Feedback,
    Listener,
    MixStream,
    Playlist,
    Recommender,
    RecommenderModel,
    ReleaseAlert,
    Surface,
)
from tests.factories import ReleaseFactory
from tests.production.factories import MixRenderFactory


def _npy(rows: int, factors: int = 8, seed: int = 0) -> bytes:
    """float32 .npy bytes, as the trainer stores its factor matrices."""
    buffer = io.BytesIO()
    np.save(buffer, np.random.default_rng(seed).standard_normal((rows, factors)).astype(np.float32))
    return buffer.getvalue()


class ListenerFactory(DjangoModelFactory):
    class Meta:
        model = Listener

    email = factory.Sequence(lambda n: f"listener{n}@example.com")
    display_name = factory.Sequence(lambda n: f"Night Owl {n}")


class PlaylistFactory(DjangoModelFactory):
    class Meta:
        model = Playlist

    listener = factory.SubFactory(ListenerFactory)
    title = factory.Sequence(lambda n: f"Late study {n}")
    visibility = Playlist.Visibility.PUBLIC


class FeedbackFactory(DjangoModelFactory):
    class Meta:
        model = Feedback

    listener = factory.SubFactory(ListenerFactory)
    release = factory.SubFactory(ReleaseFactory)
    rating = 4
    text = "Lovely warm keys, perfect for reading."


class RecommenderModelFactory(DjangoModelFactory):
    class Meta:
        model = RecommenderModel

    params = factory.LazyFunction(lambda: {"factors": 8, "iterations": 15, "regularization": 0.05})
    listener_ids = factory.LazyFunction(lambda: [1, 2, 3])
    track_ids = factory.LazyFunction(lambda: [1, 2, 3, 4])
    listener_factors = factory.LazyFunction(lambda: _npy(3))
    track_factors = factory.LazyFunction(lambda: _npy(4, seed=1))
    interactions = 42
    metrics = factory.LazyFunction(
        lambda: {"listeners": 3, "hit_rate_at_10_learned": 0.412, "hit_rate_at_10_popular": 0.275}
    )


class ExperimentFactory(DjangoModelFactory):
    """Finished by default: only one experiment may run per surface."""

    class Meta:
        model = Experiment

    slug = factory.Sequence(lambda n: f"for-you-test-{n}")
    name = factory.Sequence(lambda n: f"For you: popular vs learned #{n}")
    surface = Surface.FOR_YOU
    variants = factory.LazyFunction(lambda: [Recommender.POPULAR.value, Recommender.LEARNED.value])
    status = Experiment.Status.FINISHED
    winner = Recommender.LEARNED
    finished_at = factory.LazyFunction(timezone.now)


class ReleaseAlertFactory(DjangoModelFactory):
    class Meta:
        model = ReleaseAlert

    release = factory.SubFactory(ReleaseFactory)
    status = ReleaseAlert.Status.SENT
    finished_at = factory.LazyFunction(timezone.now)


class MixStreamFactory(DjangoModelFactory):
    class Meta:
        model = MixStream

    render = factory.SubFactory(MixRenderFactory, status="succeeded")
    status = MixStream.Status.READY
    path = factory.LazyAttribute(lambda o: f"mixes/{o.render.uuid}.mp3")
    size_bytes = 2_880_000
    duration_s = 180.0
