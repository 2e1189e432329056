"""Bounded uploads (issue 13): the header is held to limits before any decoding, large files are decoded only at
their ends in the request and whole in the background; simultaneous uploads of one file make one track;
`import_audio` tells scripts when a file was refused."""

from __future__ import annotations

import io
import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from catalog.models import Artist, Track
from catalog.services import artist_ensure
from production.models import IngestUpload
from production.services import ingest
from production.services.ingest import ANALYZE_TASK, FINGERPRINT_TASK, files_ingest, uploads_ingest
from tests.factories import ArtistFactory
from tests.production.flac_bomb import write_constant_flac
from tests.production.intel_audio import track_audio, write

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def short_tracks_allowed(settings):
    settings.INGEST_MIN_DURATION_S = 3.0


@pytest.fixture
def queued(monkeypatch) -> list[tuple]:
    calls: list[tuple] = []
    monkeypatch.setattr("lofi_site.queue.async_task", lambda func, *args, **kwargs: calls.append((func, args, kwargs)))
    return calls


def test_a_decompression_bomb_is_refused_from_its_header_in_under_a_second(editor, tmp_path, queued):
    # 1 h 55 min of eight channels at 96 kHz, a constant: a few hundred kB that took minutes to decode.
    bomb = write_constant_flac(tmp_path / "bomb.flac", seconds=115 * 60, sample_rate=96000, channels=8)
    assert bomb.stat().st_size < 5 * 2**20
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=editor).key}")
    upload = SimpleUploadedFile("bomb.flac", bomb.read_bytes(), content_type="audio/flac")
    # A first request pays for imports and URL resolution once; time the bomb's own request.
    api.post("/api/v1/uploads/", {"files": [SimpleUploadedFile("x.wav", b"RIFF")]}, format="multipart")

    started = time.perf_counter()
    response = api.post("/api/v1/uploads/", {"files": [upload]}, format="multipart")
    elapsed = time.perf_counter() - started

    assert response.status_code == 400
    assert "bomb.flac has 8 audio channels; uploads may have at most 2" in response.json()["results"][0]["error"]
    assert elapsed < 1.0, f"refusing the bomb took {elapsed:.2f} s"
    assert not Track.objects.exists() and not queued


def test_a_sample_rate_over_the_limit_is_refused_before_decoding(tmp_path, settings, queued):
    settings.INGEST_MAX_SAMPLE_RATE = 48000
    path = write_constant_flac(tmp_path / "hires.flac", seconds=30, sample_rate=96000, channels=2)

    [result] = files_ingest(paths=[path], channel=IngestUpload.Channel.CLI)

    assert result.error == "hires.flac is sampled at 96000 Hz; uploads may be at most 48000 Hz."


def test_a_long_file_is_decoded_at_both_ends_in_the_request_and_whole_in_the_background(
    tmp_path, settings, queued, django_capture_on_commit_callbacks
):
    settings.INGEST_FULL_DECODE_SAMPLES = 100_000  # everything in this test is "long"
    settings.INGEST_MAX_DURATION_S = 3 * 3600.0
    settings.INGEST_ANALYSIS_TIMEOUT_S = 900
    long_mix = write_constant_flac(tmp_path / "long mix.flac", seconds=100 * 60, sample_rate=48000, channels=2)

    started = time.perf_counter()
    with django_capture_on_commit_callbacks(execute=True):
        [result] = files_ingest(paths=[long_mix], channel=IngestUpload.Channel.CLI)
    elapsed = time.perf_counter() - started

    assert result.error is None and result.track.duration_s == pytest.approx(6000.0)
    assert elapsed < 1.0  # 100 minutes were not decoded in the request
    assert [(func, kwargs) for func, _args, kwargs in queued] == [
        (ANALYZE_TASK, {"cluster": settings.Q_BULK_CLUSTER, "timeout": 900}),
        (FINGERPRINT_TASK, {"cluster": settings.Q_BULK_CLUSTER, "timeout": 900}),
    ]


def test_a_truncated_long_file_is_still_refused(tmp_path, settings, queued):
    settings.INGEST_FULL_DECODE_SAMPLES = 100_000
    whole = write(tmp_path / "whole.wav", track_audio(seed=4, duration_s=40.0))
    cut = tmp_path / "cut.wav"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size * 2 // 3])  # header still declares 40 s

    [result] = files_ingest(paths=[cut], channel=IngestUpload.Channel.CLI)

    assert result.track is None and "cut.wav is truncated" in result.error


def test_import_audio_exits_with_status_1_when_any_file_was_refused(tmp_path, queued):
    good = write(tmp_path / "keeper.wav", track_audio(seed=11))
    junk = tmp_path / "notes.wav"
    junk.write_bytes(b"not audio at all" * 100)

    with pytest.raises(CommandError) as refused:
        call_command("import_audio", str(good), str(junk), stdout=io.StringIO())

    assert refused.value.returncode == 1
    assert Track.objects.count() == 1  # the good file still went in


def test_import_audio_exits_normally_when_every_file_went_in(tmp_path, queued):
    good = write(tmp_path / "keeper.wav", track_audio(seed=12))

    call_command("import_audio", str(good), stdout=io.StringIO())  # no CommandError: exit status 0

    assert Track.objects.count() == 1


def test_the_database_refuses_a_second_upload_of_the_same_bytes_that_the_early_check_missed(
    tmp_path, monkeypatch, queued
):
    data = write(tmp_path / "same.wav", track_audio(seed=14)).read_bytes()
    [first] = uploads_ingest(uploads=[SimpleUploadedFile("a.wav", data)], channel=IngestUpload.Channel.API)
    checks = []
    real_check = ingest._refuse_byte_identical
    # As in a race: the early check ran before the first upload committed, so it found nothing.
    monkeypatch.setattr(ingest, "_refuse_byte_identical", lambda name, digest: checks.append(name) or None)

    [second] = uploads_ingest(uploads=[SimpleUploadedFile("b.wav", data)], channel=IngestUpload.Channel.API)

    assert first.track is not None and second.track is None
    assert second.error == "b.wav is byte-identical to a file imported at the same moment; it was not imported again."
    assert Track.objects.count() == 1 and IngestUpload.objects.count() == 1
    assert checks and real_check  # the early check did run (and missed)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="threads on SQLite's in-memory test database lock tables")
def test_five_simultaneous_uploads_of_the_same_bytes_make_one_track(tmp_path, settings, queued):
    settings.INGEST_MIN_DURATION_S = 3.0
    data = write(tmp_path / "same.wav", track_audio(seed=13)).read_bytes()
    artist = ArtistFactory(name="Same Hands")  # the uploads race for the track, not for a new artist
    barrier = threading.Barrier(5)
    results = []

    def upload(i: int) -> None:
        try:
            barrier.wait()
            file = SimpleUploadedFile(f"same {i}.wav", data, content_type="audio/wav")
            results.extend(uploads_ingest(uploads=[file], channel=IngestUpload.Channel.API, artist=artist))
        finally:
            connection.close()

    threads = [threading.Thread(target=upload, args=(i,)) for i in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(results) == 5
    assert Track.objects.count() == 1 and IngestUpload.objects.count() == 1
    refused = [r.error for r in results if r.track is None]
    assert len(refused) == 4 and all("byte-identical" in error for error in refused)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="threads on SQLite's in-memory test database lock tables")
def test_simultaneous_uploads_naming_one_new_artist_all_go_in_under_one_artist(tmp_path, queued):
    files = [write(tmp_path / f"take {i}.wav", track_audio(seed=30 + i)).read_bytes() for i in range(5)]
    barrier = threading.Barrier(5)
    results = []

    def upload(i: int) -> None:
        try:
            barrier.wait()
            file = SimpleUploadedFile(f"take {i}.wav", files[i], content_type="audio/wav")
            results.extend(
                uploads_ingest(uploads=[file], channel=IngestUpload.Channel.API, artist_name="Brand New Hands")
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=upload, args=(i,)) for i in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert [r.error for r in results] == [None] * 5  # nobody is told the artist "already exists"
    [artist] = Artist.objects.filter(slug="brand-new-hands")
    assert Track.objects.filter(artist=artist).count() == 5


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="threads on SQLite's in-memory test database lock tables")
def test_artist_ensure_racing_in_open_transactions_makes_one_artist():
    """The widest race: every caller has checked the slug and is inserting before the first one commits."""
    barrier = threading.Barrier(4)
    made: list[int] = []
    errors: list[Exception] = []

    def ensure() -> None:
        try:
            with transaction.atomic():
                barrier.wait()
                made.append(artist_ensure(slug="same-moment", name="Same Moment", is_persona=False).pk)
                time.sleep(0.2)  # hold the transaction open: the others meet the uncommitted row
        except Exception as error:  # collected: a thread's exception would otherwise vanish
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=ensure) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(made) == 4 and len(set(made)) == 1 and Artist.objects.filter(slug="same-moment").count() == 1


def test_artist_ensure_still_refuses_a_name_another_artist_has(db):
    ArtistFactory(name="Taken Name", slug="taken-name")

    with pytest.raises(ValidationError):
        artist_ensure(slug="another-slug", name="Taken Name")
    assert Artist.objects.count() == 1
