"""Ingest: every accepted format becomes a draft track with its original kept; every bad file is refused
with its reason and leaves nothing behind, while the good files of the same upload still go in."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import numpy as np
import pytest
from django.core.files.storage import storages
from django.core.management import CommandError, call_command

from catalog.models import Asset, Track
from operations.models import AuditEvent
from production.models import IngestUpload
from production.services.ingest import ANALYZE_TASK, FINGERPRINT_TASK, files_ingest
from tests.production.intel_audio import corrupt_wav, track_audio, truncated_copy, write

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def short_tracks_allowed(settings):
    settings.INGEST_MIN_DURATION_S = 3.0  # the test material is six seconds long
    settings.INGEST_MAX_DURATION_S = 60.0


def _stored_files() -> list[str]:
    found = []
    for name in ("default", "private"):
        storage = storages[name]
        root = storage.location
        found += [str(p) for p in Path(root).rglob("*") if p.is_file()]
    return found


@pytest.mark.parametrize("fmt", ["wav", "flac", "aiff", "mp3", "ogg"])
def test_each_format_becomes_a_draft_upload_with_its_original_kept_byte_for_byte(
    tmp_path, fmt, queued_tasks, django_capture_on_commit_callbacks
):
    # The extension lies on purpose: the format is read from the content.
    path = write(tmp_path / f"Night Walk_{fmt}.bin", track_audio(seed=3), fmt=fmt)

    with django_capture_on_commit_callbacks(execute=True):
        [result] = files_ingest(paths=[path], channel=IngestUpload.Channel.CLI, artist_name="Mira Sol")

    assert result.error is None
    track = Track.objects.select_related("artist").get(pk=result.track.pk)
    assert track.status == Track.Status.DRAFT and track.source == Track.Source.UPLOADED
    assert not track.is_ai_generated
    assert track.title == f"Night Walk {fmt}" and track.artist.name == "Mira Sol"
    assert track.duration_s == pytest.approx(6.0, abs=0.1)
    assert track.duplicate_verdict == Track.DuplicateVerdict.UNCHECKED
    original = track.assets.get(kind=Asset.Kind.ORIGINAL)
    assert original.storage == Asset.StorageName.PRIVATE and original.url == ""
    assert original.format == fmt and original.sample_rate == 44100 and original.channels == 2
    with original.open() as stored:
        assert stored.read() == path.read_bytes()
    assert original.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    upload = IngestUpload.objects.get(track=track)
    assert (upload.original_filename, upload.format, upload.sha256) == (path.name, fmt, original.sha256)
    # Analysis and the fingerprint with its duplicate check are queued for the worker, after commit.
    assert sorted(queued_tasks) == sorted([(ANALYZE_TASK, track.pk), (FINGERPRINT_TASK, track.pk)])
    assert AuditEvent.objects.filter(verb="track.uploaded", object_id=str(track.pk)).exists()


def _bad_files(tmp_path):
    good = write(tmp_path / "source.wav", track_audio(seed=1))
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    text = tmp_path / "liner notes.mp3"
    text.write_text("Track 1: recorded on a rainy night.\n" * 40)
    flac = write(tmp_path / "whole.flac", track_audio(seed=2))
    data = bytearray(flac.read_bytes())
    data[len(data) // 3 : 2 * len(data) // 3] = (
        np.random.default_rng(0).integers(0, 256, size=2 * len(data) // 3 - len(data) // 3, dtype=np.uint8).tobytes()
    )
    corrupt = tmp_path / "damaged.flac"
    corrupt.write_bytes(bytes(data))
    return {
        "empty": (empty, "empty (0 bytes)"),
        "non-audio": (text, "not an audio file"),
        "truncated": (truncated_copy(good, tmp_path / "cut short.wav"), "truncated"),
        "truncated mp3": (
            truncated_copy(write(tmp_path / "a.mp3", track_audio(seed=4)), tmp_path / "cut short.mp3"),
            "truncated",
        ),
        "corrupt": (corrupt, "corrupt"),
        "nan samples": (corrupt_wav(tmp_path / "garbage.wav"), "invalid (non-numeric) samples"),
        "too short": (write(tmp_path / "sting.wav", track_audio(seed=5, duration_s=1.5)), "at least 3 s"),
    }


def test_bad_files_are_refused_with_their_reason_and_leave_nothing_while_good_ones_go_in(tmp_path, queued_tasks):
    bad = _bad_files(tmp_path)
    good = [
        write(tmp_path / "keeper one.flac", track_audio(seed=6)),
        write(tmp_path / "keeper two.ogg", track_audio(seed=7)),
    ]
    paths = [good[0], *[path for path, _ in bad.values()], good[1]]
    files_before = set(_stored_files())

    results = files_ingest(paths=paths, channel=IngestUpload.Channel.CLI)

    by_file = {r.file: r for r in results}
    assert [r.file for r in results] == [str(p) for p in paths]  # one result per file, in order
    for label, (path, reason) in bad.items():
        result = by_file[str(path)]
        assert result.track is None, label
        assert path.name in result.error and reason in result.error, (label, result.error)
    assert all(by_file[str(p)].error is None for p in good)
    assert sorted(Track.objects.values_list("title", flat=True)) == ["keeper one", "keeper two"]
    assert IngestUpload.objects.count() == 2 and Asset.objects.count() == 2
    new_files = set(_stored_files()) - files_before
    assert len(new_files) == 2  # only the two originals


def test_a_header_that_makes_the_decoder_crash_is_refused_and_this_process_survives(tmp_path, settings, queued_tasks):
    settings.INGEST_MAX_DURATION_S = 7200.0  # the header's claimed length must not be what refuses it
    flac = write(tmp_path / "whole.flac", track_audio(seed=2))
    header = bytearray(flac.read_bytes())
    header[8:60] = b"\xff" * 52  # STREAMINFO overwritten: 1,048,575 Hz, 4,294,967,295 frames
    broken = tmp_path / "bad header.flac"
    broken.write_bytes(bytes(header))
    good = write(tmp_path / "fine.wav", track_audio(seed=3))

    results = files_ingest(paths=[broken, good], channel=IngestUpload.Channel.CLI)

    assert results[0].track is None and "bad header.flac is corrupt" in results[0].error
    assert results[1].error is None and Track.objects.count() == 1


def test_a_file_longer_than_the_limit_is_refused(tmp_path, settings, queued_tasks):
    settings.INGEST_MAX_DURATION_S = 5.0
    path = write(tmp_path / "long take.wav", track_audio(seed=1))

    [result] = files_ingest(paths=[path], channel=IngestUpload.Channel.CLI)

    assert result.track is None and "the limit is 5.0 s" in result.error
    assert not Track.objects.exists()


def test_a_byte_identical_file_is_refused_with_a_pointer_to_the_track_that_has_it(tmp_path, queued_tasks):
    first = write(tmp_path / "Dusk.wav", track_audio(seed=8))
    copy = tmp_path / "copy of dusk.wav"
    copy.write_bytes(first.read_bytes())
    [kept] = files_ingest(paths=[first], channel=IngestUpload.Channel.CLI)

    [refused] = files_ingest(paths=[copy], channel=IngestUpload.Channel.CLI)

    assert refused.track is None
    assert "byte-identical" in refused.error and "'Dusk'" in refused.error
    assert f"#{kept.track.pk}" in refused.error and str(kept.track.uuid) in refused.error
    assert Track.objects.count() == 1


def test_import_audio_prints_one_json_line_per_file_and_takes_folders(tmp_path, queued_tasks):
    folder = tmp_path / "drop"
    write(folder / "b side.wav", track_audio(seed=9))
    write(folder / "nested" / "a side.flac", track_audio(seed=10))
    (folder / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")  # hidden: skipped
    junk = tmp_path / "cover.jpg.mp3"
    junk.write_bytes(b"\xff\xd8\xff\xe0" + bytes(2000))
    out = io.StringIO()

    with pytest.raises(CommandError) as refused_one:  # one file refused: exit status 1
        call_command("import_audio", str(folder), str(junk), "--artist", "Kaito Rain", stdout=out)

    assert refused_one.value.returncode == 1 and "1 of 3 file(s) refused" in str(refused_one.value)

    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [set(line) for line in lines] == [{"file", "track_id", "error"}] * 3
    assert [line["file"] for line in lines] == [
        str(folder / "b side.wav"),
        str(folder / "nested" / "a side.flac"),
        str(junk),
    ]
    imported, refused = lines[:2], lines[2]
    assert all(line["error"] is None and line["track_id"] for line in imported)
    assert refused["track_id"] is None and "cover.jpg.mp3" in refused["error"]
    tracks = Track.objects.filter(pk__in=[line["track_id"] for line in imported]).select_related("artist")
    assert {t.artist.name for t in tracks} == {"Kaito Rain"}
    assert set(IngestUpload.objects.values_list("channel", flat=True)) == {IngestUpload.Channel.CLI}
