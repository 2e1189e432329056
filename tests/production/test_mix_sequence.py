"""Sequencing a long-mix release from the catalogue, and next-track suggestions for a track."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from catalog.models import Release, Track
from operations.models import AuditEvent
from production.selectors import next_track_suggestions
from production.services.mixes import release_apply_mix_sequence
from tests.factories import MoodFactory, ReleaseFactory, ReleaseTrackFactory, TrackFactory

pytestmark = pytest.mark.django_db


def _catalogue_track(
    title,
    *,
    bpm,
    key,
    mode,
    energy,
    moods=("chill",),
    status=Track.Status.APPROVED,
    duration_s=240.0,
    verdict=Track.DuplicateVerdict.CLEAR,
):
    return TrackFactory(
        title=title,
        bpm=bpm,
        key=key,
        mode=mode,
        energy=energy,
        status=status,
        duration_s=duration_s,
        duplicate_verdict=verdict,
        moods=[MoodFactory(slug=slug) for slug in moods],
    )


def test_suggestions_favour_camelot_neighbours_at_a_fitting_tempo_and_skip_duplicates():
    base = _catalogue_track("Base", bpm=80, key="A", mode="minor", energy=0.4)
    neighbour = _catalogue_track("Neighbour", bpm=82, key="E", mode="minor", energy=0.42)  # 9A next to 8A
    relative = _catalogue_track("Relative", bpm=40.5, key="C", mode="major", energy=0.4)  # half time
    _catalogue_track("Clash", bpm=81, key="D#", mode="minor", energy=0.4)
    _catalogue_track("Too fast", bpm=100, key="A", mode="minor", energy=0.4)
    _catalogue_track("Copy", bpm=80, key="A", mode="minor", energy=0.4, verdict=Track.DuplicateVerdict.EXACT)
    _catalogue_track("Archived", bpm=80, key="A", mode="minor", energy=0.4, status=Track.Status.ARCHIVED)

    suggestions = next_track_suggestions(base, n=5)

    titles = [track.title for track, _, _ in suggestions]
    assert {t for t, _, _ in suggestions[:2]} == {neighbour, relative}
    assert "Too fast" not in titles and "Copy" not in titles and "Archived" not in titles
    assert titles.index("Clash") > titles.index("Neighbour")
    _, score, reasons = suggestions[0]
    assert 0 < score <= 1 and any("key" in reason for reason in reasons)


def test_a_mix_release_is_filled_from_the_catalogue_to_about_its_target_length():
    keys = [("A", "minor"), ("E", "minor"), ("C", "major"), ("G", "major"), ("D", "minor"), ("F", "major")]
    pool = [
        _catalogue_track(
            f"T{i}", bpm=78 + (i % 4), key=keys[i % 6][0], mode=keys[i % 6][1], energy=0.2 + 0.05 * i, duration_s=180.0
        )
        for i in range(12)
    ]
    _catalogue_track("Draft", bpm=80, key="A", mode="minor", energy=0.4, status=Track.Status.DRAFT)
    release = ReleaseFactory(kind=Release.Kind.MIX)

    order = release_apply_mix_sequence(release=release, target_duration_s=20 * 60, crossfade_s=8.0)

    assert 6 <= len(order) <= 8  # 20 minutes of 3-minute tracks overlapping by 8 s
    assert len(set(order)) == len(order) and set(order) <= set(pool)
    positions = list(release.release_tracks.order_by("position").values_list("position", "track_id"))
    assert positions == [(i + 1, t.pk) for i, t in enumerate(order)]
    assert AuditEvent.objects.filter(verb="release.mix_sequenced", object_id=str(release.pk)).exists()


def test_a_release_with_tracks_is_reordered_from_its_own_tracks():
    release = ReleaseFactory(kind=Release.Kind.MIX)
    own = [
        _catalogue_track(f"Own {i}", bpm=80, key="A", mode="minor", energy=0.1 * (i + 1), status=Track.Status.DRAFT)
        for i in range(5)
    ]
    for position, track in enumerate(reversed(own), start=1):
        ReleaseTrackFactory(release=release, track=track, position=position)
    _catalogue_track("Outsider", bpm=80, key="A", mode="minor", energy=0.3)

    order = release_apply_mix_sequence(release=release, target_duration_s=3600)

    assert set(order) == set(own)  # everything it had, nothing else: the target is longer than the pool


@pytest.mark.parametrize(
    ("kind", "status", "message"),
    [
        (Release.Kind.ALBUM, Release.Status.DRAFT, "only long mixes"),
        (Release.Kind.MIX, Release.Status.SCHEDULED, "only a draft"),
    ],
)
def test_only_draft_mix_releases_are_sequenced(kind, status, message):
    release = ReleaseFactory(kind=kind, status=status)
    _catalogue_track("Any", bpm=80, key="A", mode="minor", energy=0.3)

    with pytest.raises(ValidationError, match=message):
        release_apply_mix_sequence(release=release, target_duration_s=600)
    assert not release.release_tracks.exists()
