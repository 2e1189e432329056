"""The fingerprint index in the database: look-ups find the right track and offset, duplicate verdicts
point at the earlier catalogue track, renders of different seeds stay clear, releases holding a
duplicate are blocked, and `identify_audio` prints what it found."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from django.core.management import call_command

from catalog.models import Track
from operations.models import AuditEvent
from production.engine import fingerprint as engine
from production.engine.brief import Brief, Key
from production.engine.render import render
from production.models import FingerprintHash, IngestUpload, TrackFingerprint
from production.services import fingerprints as fingerprint_store
from production.services.ingest import files_ingest
from production.tasks import track_fingerprint_task
from tests.factories import ReleaseFactory, ReleaseTrackFactory, TrackFactory
from tests.production.intel_audio import SAMPLE_RATE, track_audio, write
from tests.production.signals import add_noise

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def short_tracks_allowed(settings, monkeypatch, queued_tasks):
    settings.INGEST_MIN_DURATION_S = 3.0


def _indexed(audio: np.ndarray, **track_fields) -> Track:
    track = TrackFactory(
        duration_s=audio.shape[1] / SAMPLE_RATE, duplicate_verdict=Track.DuplicateVerdict.UNCHECKED, **track_fields
    )
    fingerprint_store.fingerprint_store(
        track=track, hashes=engine.fingerprint(audio, SAMPLE_RATE), duration_s=audio.shape[1] / SAMPLE_RATE
    )
    return track


def _upload(path) -> Track:
    [result] = files_ingest(paths=[path], channel=IngestUpload.Channel.CLI)
    assert result.error is None, result.error
    track_fingerprint_task(result.track.pk)
    return Track.objects.get(pk=result.track.pk)


def test_a_noisy_excerpt_is_found_in_its_track_at_the_right_offset():
    catalogue = [_indexed(track_audio(seed=seed, duration_s=12.0)) for seed in range(4)]
    source = track_audio(seed=2, duration_s=12.0)
    start_s = 3.5
    excerpt = add_noise(source[:, int(start_s * SAMPLE_RATE) : int((start_s + 6) * SAMPLE_RATE)], snr_db=10, seed=1)

    matches = fingerprint_store.catalogue_matches(engine.fingerprint(excerpt, SAMPLE_RATE))

    assert matches and matches[0].track_id == catalogue[2].pk
    assert matches[0].offset_s == pytest.approx(start_s, abs=0.1)
    assert all(m.confidence < matches[0].confidence / 3 for m in matches[1:])


def test_storing_again_replaces_the_rows_and_deleting_the_track_removes_them():
    audio = track_audio(seed=1)
    track = _indexed(audio)
    count = FingerprintHash.objects.filter(track=track).count()
    assert count == TrackFingerprint.objects.get(track=track).hash_count > 100

    fingerprint_store.fingerprint_store(track=track, hashes=engine.fingerprint(audio, SAMPLE_RATE), duration_s=6.0)
    assert FingerprintHash.objects.filter(track=track).count() == count

    track.delete()
    assert not FingerprintHash.objects.exists() and not TrackFingerprint.objects.exists()


def test_the_same_audio_in_another_format_is_an_exact_duplicate_of_the_earlier_track(tmp_path):
    audio = track_audio(seed=4, duration_s=8.0)
    original = _upload(write(tmp_path / "Lantern.wav", audio))
    reencoded = _upload(write(tmp_path / "lantern (export).mp3", audio))

    original.refresh_from_db()
    assert original.duplicate_verdict == Track.DuplicateVerdict.CLEAR and original.duplicate_of is None
    assert reencoded.duplicate_verdict == Track.DuplicateVerdict.EXACT
    assert reencoded.duplicate_of == original
    assert "It is an exact duplicate of a catalogue track." in reencoded.approval_blockers()
    check = TrackFingerprint.objects.get(track=reencoded)
    assert check.match_track == original and abs(check.match_offset_s) < 0.1
    assert check.match_confidence >= engine.EXACT_MIN_CONFIDENCE
    event = AuditEvent.objects.get(verb="track.duplicate_checked", object_id=str(reencoded.pk))
    assert event.changes["duplicate_verdict"] == ["unchecked", "exact"]


def test_a_file_that_contains_a_catalogue_track_is_flagged_with_a_pointer(tmp_path):
    catalogue_audio = track_audio(seed=5, duration_s=8.0)
    catalogue_track = _upload(write(tmp_path / "Ferry Lights.flac", catalogue_audio))
    medley = np.concatenate(
        [track_audio(seed=6, duration_s=7.0), catalogue_audio, track_audio(seed=7, duration_s=7.0)], axis=1
    )
    upload = _upload(write(tmp_path / "medley.wav", medley))

    assert upload.duplicate_verdict == Track.DuplicateVerdict.CONTAINS
    assert upload.duplicate_of == catalogue_track
    # The catalogue track starts 7 s into the medley.
    assert TrackFingerprint.objects.get(track=upload).match_offset_s == pytest.approx(-7.0, abs=0.1)
    reason = fingerprint_store.duplicate_reason(upload)
    assert "contains audio of 'Ferry Lights'" in reason and f"#{catalogue_track.pk}" in reason


def test_two_engine_renders_with_different_seeds_are_clear_of_each_other():
    def rendered(seed: int) -> np.ndarray:
        brief = Brief(style="jazz", bpm=82.0, key=Key.parse("A minor"), duration_s=10.0, seed=seed)
        return render(brief).master

    first = _indexed(rendered(101))
    second = _indexed(rendered(202))

    assert fingerprint_store.track_duplicate_check(track=first) == Track.DuplicateVerdict.CLEAR
    assert fingerprint_store.track_duplicate_check(track=second) == Track.DuplicateVerdict.CLEAR
    second.refresh_from_db()
    assert second.duplicate_of is None


def test_a_release_holding_a_duplicate_is_blocked_and_a_clear_one_is_not(tmp_path):
    audio = track_audio(seed=8, duration_s=8.0)
    original = _upload(write(tmp_path / "Kettle Steam.wav", audio))
    copy = _upload(write(tmp_path / "kettle.ogg", audio))
    other = _upload(write(tmp_path / "Paper Moon.wav", track_audio(seed=9, duration_s=8.0)))
    blocked, clean = ReleaseFactory(), ReleaseFactory()
    ReleaseTrackFactory(release=blocked, track=other, position=1)
    ReleaseTrackFactory(release=blocked, track=copy, position=2)
    ReleaseTrackFactory(release=clean, track=original, position=1)
    ReleaseTrackFactory(release=clean, track=other, position=2)

    blockers = fingerprint_store.release_duplicate_blockers(blocked)

    assert blockers == [f"kettle is an exact duplicate of 'Kettle Steam' (track #{original.pk})."]
    assert fingerprint_store.release_duplicate_blockers(clean) == []


def test_a_release_track_never_fingerprinted_is_checked_when_the_release_is(tmp_path):
    audio = track_audio(seed=10, duration_s=8.0)
    original = _upload(write(tmp_path / "Tram.wav", audio))
    [result] = files_ingest(paths=[write(tmp_path / "tram again.flac", audio)], channel=IngestUpload.Channel.CLI)
    release = ReleaseFactory()
    ReleaseTrackFactory(release=release, track=result.track, position=1)
    assert not TrackFingerprint.objects.filter(track=result.track).exists()

    blockers = fingerprint_store.release_duplicate_blockers(release)

    assert blockers == [f"tram again is an exact duplicate of 'Tram' (track #{original.pk})."]
    assert TrackFingerprint.objects.filter(track=result.track).exists()


def test_identify_audio_prints_the_matches_with_track_offset_and_confidence(tmp_path):
    tracks = [_indexed(track_audio(seed=seed, duration_s=12.0)) for seed in (11, 12)]
    excerpt = track_audio(seed=12, duration_s=12.0)[:, 4 * SAMPLE_RATE : 10 * SAMPLE_RATE]
    path = write(tmp_path / "clip.mp3", add_noise(excerpt, snr_db=20, seed=3))
    out = io.StringIO()

    call_command("identify_audio", str(path), stdout=out)

    document = json.loads(out.getvalue())
    assert list(document) == ["matches"]
    best = document["matches"][0]
    assert set(best) == {"track_id", "offset_s", "confidence"}
    assert best["track_id"] == tracks[1].pk and best["offset_s"] == pytest.approx(4.0, abs=0.1)
    assert 0 < best["confidence"] <= 1


def test_identify_audio_finds_nothing_for_audio_outside_the_catalogue(tmp_path):
    _indexed(track_audio(seed=13, duration_s=12.0))
    path = write(tmp_path / "stranger.wav", track_audio(seed=14, duration_s=8.0))
    out = io.StringIO()

    call_command("identify_audio", str(path), stdout=out)

    assert json.loads(out.getvalue()) == {"matches": []}
