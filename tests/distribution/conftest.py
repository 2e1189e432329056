"""Builders for distribution tests: short real audio masters, covers, and releases that pass every check."""

from __future__ import annotations

import io
from datetime import date

import numpy as np
import pytest
import soundfile as sf
from django.core.files.base import ContentFile
from PIL import Image

from catalog import services as catalog_services
from catalog.models import Asset, Release, Track
from distribution import services
from distribution.models import Platform, ReleaseMedia
from operations.selectors import checklists_for
from operations.services import checklist_item_tick
from tests.distribution.factories import PlatformAccountFactory
from tests.factories import ArtistFactory, MoodFactory, ReleaseFactory, TrackFactory

SAMPLE_RATE = 22_050
VALID_UPC = "036000291452"


def melody_wav(seconds: float, *, seed: int, sample_rate: int = SAMPLE_RATE) -> bytes:
    """A stereo 24-bit WAV of seeded random plucked notes: real audio that differs from seed to seed."""
    rng = np.random.default_rng(seed)
    frames = int(seconds * sample_rate)
    t = np.arange(frames) / sample_rate
    note_s = 0.25
    notes = rng.integers(48, 84, size=int(np.ceil(seconds / note_s)))
    freqs = 440.0 * 2 ** ((notes[(t // note_s).astype(int)] - 69) / 12)
    phase = 2 * np.pi * np.cumsum(freqs) / sample_rate
    envelope = np.exp(-6.0 * (t % note_s))
    mono = 0.3 * np.sin(phase) * envelope + 0.01 * rng.standard_normal(frames)
    stereo = np.stack([mono, 0.9 * mono], axis=1).astype(np.float32)
    buffer = io.BytesIO()
    sf.write(buffer, stereo, sample_rate, format="WAV", subtype="PCM_24")
    return buffer.getvalue()


def add_master(track: Track, *, seconds: float = 2.0, seed: int | None = None) -> Asset:
    data = melody_wav(seconds, seed=track.pk if seed is None else seed)
    track.duration_s = seconds
    track.save(update_fields=["duration_s"])
    return catalog_services.asset_store(
        track=track,
        kind=Asset.Kind.MASTER,
        content=data,
        filename="master.wav",
        format="wav",
        sample_rate=SAMPLE_RATE,
        bit_depth=24,
        channels=2,
        duration_s=seconds,
    )


def image_bytes(width: int, height: int, *, fmt: str = "JPEG", mode: str = "RGB") -> bytes:
    """A smooth gradient picture (real pixels, quick to make at 3000x3000)."""
    x = np.linspace(0, 255, width, dtype=np.float32)[None, :]
    y = np.linspace(0, 255, height, dtype=np.float32)[:, None]
    pixels = np.stack(
        [
            np.broadcast_to(x, (height, width)),
            np.broadcast_to(y, (height, width)),
            np.full((height, width), 120, np.float32),
        ],
        axis=-1,
    ).astype(np.uint8)
    image = Image.fromarray(pixels).convert(mode)
    buffer = io.BytesIO()
    image.save(buffer, fmt, quality=85)
    return buffer.getvalue()


def tick_release_qa(release: Release, user) -> None:
    for checklist in checklists_for(release):
        for item in checklist.items.all():
            checklist_item_tick(item=item, user=user)


def build_release(
    *,
    kind: str = Release.Kind.SINGLE,
    tracks: int = 1,
    seconds: float = 2.0,
    title: str = "Window Seat Tapes",
    upc: str | None = VALID_UPC,
) -> Release:
    """A release whose tracks are approved, QC-passed, duplicate-clear, with ISRCs and real masters, and a
    3000x3000 cover. Metadata, plan and checklist are left to the test."""
    artist = ArtistFactory(name="Mellow Fox", slug="mellow-fox")
    release = ReleaseFactory(
        title=title,
        artist=artist,
        kind=kind,
        upc=upc,
        release_date=date(2026, 12, 4),
        p_line="2026 Lantern LoFi",
        c_line="2026 Lantern LoFi",
    )
    chill = MoodFactory(slug="chill", name="Chill")
    chosen = []
    for n in range(tracks):
        track = TrackFactory(
            title=f"Side {chr(65 + n)} Rain", artist=artist, status=Track.Status.APPROVED, moods=[chill]
        )
        catalog_services.track_assign_isrc(track=track, year=2026)
        add_master(track, seconds=seconds)
        chosen.append(track)
    catalog_services.release_set_tracks(release=release, tracks=chosen)
    release.artwork.save("cover.jpg", ContentFile(image_bytes(3000, 3000)), save=True)
    return release


def make_complete(release: Release, editor, *, accounts=()) -> Release:
    """Generate metadata, choose the platforms and sign the QA checklist off: ready to be marked ready."""
    services.release_metadata_generate(release=release, actor=editor)
    services.release_plan_update(release=release, actor=editor, accounts=list(accounts))
    tick_release_qa(release, editor)
    if any(a.platform == Platform.YOUTUBE for a in accounts):
        media = ReleaseMedia.objects.get(release=release)
        media.video_status = ReleaseMedia.VideoStatus.DONE
        media.video_path = "releases/video.mp4"
        media.thumbnail_a.save("thumb.jpg", ContentFile(image_bytes(1280, 720)), save=False)
        media.save()
    return release


@pytest.fixture
def youtube_account(db):
    return PlatformAccountFactory(
        name="Main channel",
        platform=Platform.YOUTUBE,
        credentials_encrypted="stored",
        external_account_name="Lantern LoFi",
    )


@pytest.fixture
def distrokid_account(db):
    return PlatformAccountFactory(name="DistroKid", platform=Platform.DISTROKID)
