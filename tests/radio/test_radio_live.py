"""The real programs on free local ports: Icecast, Liquidsoap calling a live Django server for every track, the
supervisor, and the ffmpeg RTMP push received by a local `ffmpeg -listen 1` server.

Skipped only when Liquidsoap or Icecast is not installed (`.ci/run` installs both). Kept few and short: the
station plays three ~9 s tracks."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile
from django.core.files.storage import storages

from production.engine.loudness import measure
from radio.liquidsoap.programs import ffmpeg_exe
from radio.models import Incident, Play, RtmpTarget, StationProcess
from radio.selectors import HLS_PLAYLIST
from radio.services.stations import rtmp_target_set_key
from radio.services.watchdog import process_restart_request, station_check
from tests.radio.factories import station
from tests.radio.live_helpers import SAMPLE_RATE, free_port, mount_stats, pump, three_tracks

pytestmark = [pytest.mark.django_db(transaction=True)]
TARGET_LUFS = -16.0


def hls_segments(playlist: Path) -> list[Path]:
    """The segments a (master or media) HLS playlist lists now, in order."""
    found = []
    for line in playlist.read_text().splitlines():
        if line and not line.startswith("#"):
            entry = playlist.parent / line
            found += hls_segments(entry) if line.endswith(".m3u8") else [entry]
    return found


def test_station_streams_at_its_loudness_reports_tracks_recovers_from_sigkill_and_falls_back_to_safety(
    runner_for, client, tmp_path, monkeypatch
):
    tracks = three_tracks()
    st = station(
        icecast_port=free_port(), mount="/live", loudness_target_lufs=TARGET_LUFS, crossfade_s=2.0, hls_enabled=True
    )
    st.safety_tracks.add(tracks[0])
    runner = runner_for(st)
    pump(runner, 40, lambda: (m := mount_stats(st)) is not None and m.total_bytes_read > 0)

    # 20 s read from the Icecast mount, as a listener hears it
    recording = tmp_path / "heard.wav"
    listener = subprocess.Popen(
        [
            ffmpeg_exe(),
            "-nostdin",
            "-loglevel",
            "error",
            "-y",
            "-i",
            st.stream_url,
            "-t",
            "20",
            "-ac",
            "2",
            "-ar",
            str(SAMPLE_RATE),
            str(recording),
        ]
    )
    pump(runner, 60, lambda: listener.poll() is not None)
    audio, rate = soundfile.read(recording, dtype="float32", always_2d=True)
    audio = audio.T
    assert audio.shape[1] / rate >= 19.5
    assert 20 * np.log10(np.sqrt(np.mean(audio**2)) + 1e-12) > -40  # not silence
    heard = measure(audio, sample_rate=rate).integrated_lufs
    assert abs(heard - TARGET_LUFS) <= 2.0, heard

    # the HLS output (for a CDN): a playlist of segments that decode to the same programme; the API points at it
    playlist = Path(storages["default"].path(HLS_PLAYLIST.format(slug=st.slug)))
    segments = hls_segments(playlist)  # as a CDN would fetch them now (a live playlist never ends)
    assert len(segments) >= 2 and all(segment.is_file() for segment in segments), segments
    hls_heard = tmp_path / "hls.wav"
    subprocess.run(
        [
            *(ffmpeg_exe(), "-nostdin", "-loglevel", "error", "-y"),
            *("-i", "concat:" + "|".join(str(segment) for segment in segments), "-ac", "2", str(hls_heard)),
        ],
        check=True,
        timeout=60,
    )
    hls_audio, hls_rate = soundfile.read(hls_heard, dtype="float32", always_2d=True)
    assert hls_audio.shape[0] / hls_rate >= 10
    assert abs(measure(hls_audio.T, sample_rate=hls_rate).integrated_lufs - TARGET_LUFS) <= 2.0

    # the now-playing API names the track Liquidsoap reported last
    reported = Play.objects.filter(station=st, started_at__isnull=False).order_by("-started_at", "-id").first()
    assert reported is not None and reported.title.startswith("Live Tune")
    now = client.get(f"/api/v1/radio/{st.slug}/now/").json()
    assert now["track"]["title"] == reported.title
    assert now["track"]["id"] == str(reported.track.uuid)
    assert now["stream_url"] == st.stream_url
    assert now["hls_url"].endswith(f"/radio/hls/{st.slug}/live.m3u8")

    # Liquidsoap killed outright: the supervisor brings the mount back on air within 30 s
    os.kill(runner.supervisor.processes["liquidsoap"].pid, signal.SIGKILL)
    killed_at = time.monotonic()
    pump(runner, 10, lambda: mount_stats(st) is None)
    pump(runner, 30, lambda: (m := mount_stats(st)) is not None and m.total_bytes_read > 0)
    first = mount_stats(st).total_bytes_read
    pump(runner, 10, lambda: mount_stats(st).total_bytes_read > first)
    assert time.monotonic() - killed_at < 30
    assert Incident.objects.filter(station=st, kind=Incident.Kind.PROCESS_EXITED, piece="liquidsoap").exists()
    assert StationProcess.objects.get(station=st, piece="liquidsoap").restarts >= 1

    # the platform stops answering: Liquidsoap plays the safety playlist (and still reports it)
    def broken(**kwargs):
        raise RuntimeError("AutoDJ down for the test")

    # (the safety playlist may also have bridged the seconds before the first AutoDJ answer at start-up)
    safety_plays = Play.objects.filter(station=st, source=Play.Source.SAFETY)
    before = set(safety_plays.values_list("pk", flat=True))
    monkeypatch.setattr("radio.views.autodj_next", broken)
    pump(runner, 45, lambda: safety_plays.exclude(pk__in=before).exists())
    safety_play = safety_plays.exclude(pk__in=before).first()
    assert safety_play.track == tracks[0] and safety_play.started_at is not None

    # the watchdog's way, from any host: a restart flag on the process row, which the supervisor picks up
    old_pid = runner.supervisor.processes["liquidsoap"].pid
    assert process_restart_request(station=st, piece="liquidsoap", reason="asked by the test")
    pump(runner, 15, lambda: runner.supervisor.processes["liquidsoap"].pid not in (None, old_pid))


def test_the_rtmp_push_carries_h264_video_and_aac_audio_and_a_dead_target_restarts_it(runner_for, tmp_path):
    three_tracks()
    st = station(icecast_port=free_port(), mount="/video", crossfade_s=1.0)
    rtmp_port = free_port()
    live = RtmpTarget.objects.create(station=st, name="A Local", server_url=f"rtmp://127.0.0.1:{rtmp_port}/live")
    rtmp_target_set_key(target=live, stream_key="secret-key")
    dead = RtmpTarget.objects.create(station=st, name="B Nowhere", server_url=f"rtmp://127.0.0.1:{free_port()}/app")
    rtmp_target_set_key(target=dead, stream_key="never-logged-key")
    received = tmp_path / "received.flv"
    server = subprocess.Popen(
        [
            ffmpeg_exe(),
            "-nostdin",
            "-loglevel",
            "error",
            "-y",
            "-listen",
            "1",
            "-timeout",
            "60",
            "-i",
            f"rtmp://127.0.0.1:{rtmp_port}/live/secret-key",
            "-c",
            "copy",
            "-t",
            "4",
            str(received),
        ]
    )
    try:
        runner = runner_for(st, with_video=True)
        # the second target refuses: the tee muxer drops it, the push goes on to the first, the target says why
        pump(runner, 90, lambda: RtmpTarget.objects.filter(pk=dead.pk, last_error_at__isnull=False).exists())
        dead.refresh_from_db()
        assert "Connection refused" in dead.last_error
        # the watchdog sees that target down in the running push and asks for the push to restart
        runner.heartbeat()
        incidents = station_check(station=st)
        assert [i.detail for i in incidents if i.kind == Incident.Kind.RTMP_TARGET_DOWN] == [
            f"B Nowhere: {dead.last_error}"
        ]
        pump(runner, 30, lambda: server.poll() is not None)
    finally:
        if server.poll() is None:
            server.kill()
    probe = subprocess.run([ffmpeg_exe(), "-hide_banner", "-i", str(received)], capture_output=True, text=True)
    streams = [line for line in probe.stderr.splitlines() if "Stream #" in line]
    assert any("Video: h264" in line and "1280x720" in line for line in streams), streams
    assert any("Audio: aac" in line for line in streams), streams
    title = (runner.workdir / "title.txt").read_text()
    assert title.startswith("Live Tune") or title == st.name

    def logged(text: str) -> bool:
        return text in runner.supervisor.out.getvalue()

    pump(runner, 15, lambda: logged("[supervisor] restarting video: B Nowhere"))  # the supervisor took the request
    assert logged("rtmp://127.0.0.1:") and not logged("never-logged-key")  # ffmpeg named the target, key masked
    assert "never-logged-key" not in str(list(StationProcess.objects.values_list("detail", flat=True)))
