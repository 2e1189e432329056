"""Radio test records: released tracks with real (short, synthetic) audio, stations."""

from __future__ import annotations

import io
import itertools
from datetime import timedelta

import factory
import numpy as np
import soundfile
from django.utils import timezone
from factory.django import DjangoModelFactory

from catalog import services as catalog_services
from catalog.models import Asset, Release, Track
from production.engine.loudness import measure
from radio.models import Incident, ListenerRequest, Play, Station, StationProcess
from tests.factories import ArtistFactory, ReleaseFactory, ReleaseTrackFactory, TrackFactory

_ports = itertools.count()


def music(duration_s: float, *, sample_rate: int = 44100, level: float = 0.1, seed: int = 0) -> np.ndarray:
    """A few seconds of something music-like (a chord with a slow pulse and a little noise), stereo float32."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(duration_s * sample_rate)) / sample_rate
    root = 196.0 * (1 + 0.12 * seed)
    chord = sum(np.sin(2 * np.pi * root * ratio * t) for ratio in (1.0, 1.2, 1.5, 2.0))
    pulse = 0.6 + 0.4 * np.sin(2 * np.pi * 1.4 * t) ** 2
    mono = chord / 4 * pulse + 0.05 * rng.standard_normal(t.size)
    stereo = np.stack([mono, np.roll(mono, 60)]).astype(np.float32)
    return stereo * np.float32(level / np.max(np.abs(stereo)))


def wav_bytes(audio: np.ndarray, sample_rate: int) -> bytes:
    buffer = io.BytesIO()
    soundfile.write(buffer, audio.T, sample_rate, format="WAV", subtype="PCM_16")
    return buffer.getvalue()


def radio_track(
    *,
    title: str,
    artist=None,
    released: bool = True,
    status: str = Track.Status.APPROVED,
    audio: np.ndarray | None = None,
    sample_rate: int = 8000,
    **kwargs,
) -> Track:
    """A track with a master file; `released`: on a published release that is out (yesterday)."""
    audio = audio if audio is not None else music(1.0, sample_rate=sample_rate)
    loudness = measure(audio, sample_rate=sample_rate)
    kwargs.setdefault("integrated_lufs", round(loudness.integrated_lufs, 2))
    kwargs.setdefault("true_peak_dbtp", round(loudness.true_peak_dbtp, 2))
    kwargs.setdefault("duration_s", audio.shape[1] / sample_rate)
    track = TrackFactory(title=title, status=status, artist=artist or ArtistFactory(), **kwargs)
    catalog_services.asset_store(
        track=track,
        kind=Asset.Kind.MASTER,
        content=wav_bytes(audio, sample_rate),
        filename="master.wav",
        format="wav",
        sample_rate=sample_rate,
        channels=2,
        duration_s=audio.shape[1] / sample_rate,
    )
    if released:
        release = ReleaseFactory(
            title=f"{title} (single)",
            artist=track.artist,
            status=Release.Status.PUBLISHED,
            release_date=timezone.localdate() - timedelta(days=1),
        )
        ReleaseTrackFactory(release=release, track=track, position=1)
    return track


def station(**kwargs) -> Station:
    defaults = {
        "name": "Test FM",
        "slug": f"test-fm-{next(_ports)}",
        "mount": "/test",
        "no_repeat_hours": 1.0,
        "artist_separation_min": 0.0,
        "crossfade_s": 2.0,
        "loudness_target_lufs": -16.0,
        "on_air": True,
    }
    return Station.objects.create(**{**defaults, **kwargs})


# --- factory_boy factories (rows for the cockpit screens; no audio files) ----------------------------------


class StationFactory(DjangoModelFactory):
    class Meta:
        model = Station
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Lantern FM {n}")
    slug = factory.Sequence(lambda n: f"lantern-fm-{n}")
    description = "Beats to study to, around the clock."
    mount = factory.Sequence(lambda n: f"/lantern-{n}")
    icecast_port = factory.Sequence(lambda n: 8100 + n % 1000)


class ListenerRequestFactory(DjangoModelFactory):
    class Meta:
        model = ListenerRequest

    station = factory.SubFactory(StationFactory)
    track = factory.SubFactory(TrackFactory, status=Track.Status.APPROVED)
    visitor = factory.Sequence(lambda n: f"{n:064x}")  # stands in for the keyed hash: 64 hex characters


class PlayFactory(DjangoModelFactory):
    class Meta:
        model = Play

    station = factory.SubFactory(StationFactory)
    track = factory.SubFactory(TrackFactory, status=Track.Status.APPROVED)
    source = Play.Source.AUTODJ
    title = factory.LazyAttribute(lambda o: o.track.title)
    artist = factory.LazyAttribute(lambda o: o.track.artist.name)
    duration_s = factory.LazyAttribute(lambda o: o.track.duration_s)
    gain_db = -2.0
    started_at = factory.LazyFunction(timezone.now)
    listeners = 12


class StationProcessFactory(DjangoModelFactory):
    class Meta:
        model = StationProcess

    station = factory.SubFactory(StationFactory)
    piece = StationProcess.Piece.LIQUIDSOAP
    host = "radio-1"
    pid = factory.Sequence(lambda n: 4000 + n)
    running = True
    started_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=2))
    heartbeat_at = factory.LazyFunction(timezone.now)
    progress_at = factory.LazyFunction(timezone.now)


class IncidentFactory(DjangoModelFactory):
    class Meta:
        model = Incident

    station = factory.SubFactory(StationFactory)
    kind = Incident.Kind.PROCESS_EXITED
    piece = StationProcess.Piece.LIQUIDSOAP
    detail = "liquidsoap exited with code 1"
    action = "Restarted liquidsoap"
