"""factory_boy factories for production records."""

from __future__ import annotations

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from production.models import (
    Batch,
    IngestUpload,
    MixRender,
    MoodModel,
    MoodSuggestion,
    RenderJob,
    StylePreset,
    TrackFingerprint,
)


class BatchFactory(DjangoModelFactory):
    class Meta:
        model = Batch

    name = factory.Sequence(lambda n: f"Batch {n}")
    styles = factory.LazyFunction(lambda: ["jazz"])
    bpms = factory.LazyFunction(lambda: [82.0])
    keys = factory.LazyFunction(lambda: ["A minor"])
    moods = factory.LazyFunction(lambda: ["chill"])
    duration_s = 8.0


class RenderJobFactory(DjangoModelFactory):
    class Meta:
        model = RenderJob

    style = "jazz"
    bpm = 82.0
    key = "A minor"
    duration_s = 8.0
    seed = factory.Sequence(lambda n: n)
    mood = "chill"


# --- Catalogue intelligence ------------------------------------------------------------------------------------


class IngestUploadFactory(DjangoModelFactory):
    class Meta:
        model = IngestUpload

    track = factory.SubFactory("tests.factories.TrackFactory", source="uploaded", is_ai_generated=False)
    original_filename = factory.Sequence(lambda n: f"upload-{n}.wav")
    format = "wav"
    size_bytes = 1_000_000
    sha256 = factory.Sequence(lambda n: f"{n:064x}")
    channel = IngestUpload.Channel.ADMIN


class TrackFingerprintFactory(DjangoModelFactory):
    class Meta:
        model = TrackFingerprint

    track = factory.SubFactory("tests.factories.TrackFactory")
    hash_count = 4000
    duration_s = 180.0
    fingerprinted_at = factory.LazyFunction(timezone.now)
    checked_at = factory.LazyFunction(timezone.now)


class MoodModelFactory(DjangoModelFactory):
    class Meta:
        model = MoodModel

    path = factory.Sequence(lambda n: f"models/mood/{n}.pt")
    sha256 = factory.Sequence(lambda n: f"{n:064x}")
    labels = factory.LazyFunction(lambda: ["chill", "cozy"])
    n_train = 40
    n_test = 10
    held_out_accuracy = 0.8
    confusion_matrix = factory.LazyFunction(lambda: [[4, 1], [1, 4]])


class MoodSuggestionFactory(DjangoModelFactory):
    class Meta:
        model = MoodSuggestion

    track = factory.SubFactory("tests.factories.TrackFactory")
    mood = factory.SubFactory("tests.factories.MoodFactory", slug=factory.Sequence(lambda n: f"mood-{n}"))
    probability = 0.7
    model = factory.SubFactory(MoodModelFactory)


class MixRenderFactory(DjangoModelFactory):
    class Meta:
        model = MixRender

    release = factory.SubFactory("tests.factories.ReleaseFactory", kind="mix")


class StylePresetFactory(DjangoModelFactory):
    """A preset row written straight to the table. The engine has seven styles and a preset is unique per style,
    so beyond those the slugs are made up (`style-8`, ...): the model's validator, which admits engine styles only,
    runs in `full_clean` and the services, not here. Lets the cockpit's list be measured at any number of rows."""

    class Meta:
        model = StylePreset

    style = factory.Sequence(lambda n: f"style-{n}")
    composition_overrides = factory.LazyAttribute(lambda _: {"swing": 0.6})
    fx_overrides = factory.LazyAttribute(lambda _: {"wow_depth_ms": 1.5})
