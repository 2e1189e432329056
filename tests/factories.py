"""factory_boy factories for the records every app's tests need. Apps add theirs in tests/<app>/factories.py."""

from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from catalog.models import Artist, Mood, Release, ReleaseTrack, Style, Track


class ArtistFactory(DjangoModelFactory):
    class Meta:
        model = Artist
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Persona {n}")
    slug = factory.Sequence(lambda n: f"persona-{n}")


class StyleFactory(DjangoModelFactory):
    class Meta:
        model = Style
        django_get_or_create = ("slug",)

    slug = "jazz"
    name = factory.LazyAttribute(lambda o: o.slug.replace("_", " ").title())


class MoodFactory(DjangoModelFactory):
    class Meta:
        model = Mood
        django_get_or_create = ("slug",)

    slug = "chill"
    name = factory.LazyAttribute(lambda o: o.slug.title())


class TrackFactory(DjangoModelFactory):
    class Meta:
        model = Track
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Track {n}")
    artist = factory.SubFactory(ArtistFactory)
    style = factory.SubFactory(StyleFactory)
    bpm = 82.0
    key = "A"
    mode = "minor"
    duration_s = 180.0
    integrated_lufs = -14.0
    true_peak_dbtp = -1.2
    qc_passed = True
    qc_report = factory.LazyFunction(lambda: {"passed": True, "failures": []})
    duplicate_verdict = Track.DuplicateVerdict.CLEAR

    @factory.post_generation
    def moods(self, create, extracted, **kwargs):
        if create and extracted:
            self.moods.set(extracted)


class ReleaseFactory(DjangoModelFactory):
    class Meta:
        model = Release

    title = factory.Sequence(lambda n: f"Release {n}")
    artist = factory.SubFactory(ArtistFactory)
    kind = Release.Kind.SINGLE


class ReleaseTrackFactory(DjangoModelFactory):
    class Meta:
        model = ReleaseTrack

    release = factory.SubFactory(ReleaseFactory)
    track = factory.SubFactory(TrackFactory)
    position = factory.Sequence(lambda n: n + 1)
