"""The real programs on free local ports: Icecast, Liquidsoap calling a live Django server for every track, the
supervisor, and the ffmpeg RTMP push received by a local `ffmpeg -listen 1` server.

Skipped only when Liquidsoap or Icecast is not installed (`.ci/run` installs both). Kept few and short: the
station plays three ~9 s tracks."""

from __future__ import annotations

import os
import signal
import subprocess
import time

import numpy as np
import pytest
import soundfile

from production.engine.loudness import measure
from radio.liquidsoap.programs import ffmpeg_exe
from radio.models import Incident, Play, RtmpTarget, StationProcess
from radio.services.stations import rtmp_target_set_key
from radio.services.watchdog import process_restart_request
from tests.radio.factories import station
from tests.radio.live_helpers import SAMPLE_RATE, free_port, mount_stats, pump, three_tracks

pytestmark = [pytest.mark.django_db(transaction=True)]
TARGET_LUFS = -16.0


def test_station_streams_at_its_loudness_reports_tracks_recovers_from_sigkill_and_falls_back_to_safety(
    runner_for, client, tmp_path, monkeypatch
):
    tracks = three_tracks()
    st = station(icecast_port=free_port(), mount="/live", loudness_target_lufs=TARGET_LUFS, crossfade_s=2.0)
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

    # the now-playing API names the track Liquidsoap reported last
    reported = Play.objects.filter(station=st, started_at__isnull=False).order_by("-started_at", "-id").first()
    assert reported is not None and reported.title.startswith("Live Tune")
    now = client.get(f"/api/v1/radio/{st.slug}/now/").json()
    assert now["track"]["title"] == reported.title
    assert now["track"]["id"] == str(reported.track.uuid)
    assert now["stream_url"] == st.stream_url

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


def test_the_rtmp_push_carries_h264_video_and_aac_audio(runner_for, tmp_path):
    three_tracks()
    st = station(icecast_port=free_port(), mount="/video", crossfade_s=1.0)
    rtmp_port = free_port()
    target = RtmpTarget.objects.create(station=st, name="Local", server_url=f"rtmp://127.0.0.1:{rtmp_port}/live")
    rtmp_target_set_key(target=target, stream_key="secret-key")
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
        pump(runner, 90, lambda: server.poll() is not None)
    finally:
        if server.poll() is None:
            server.kill()
    probe = subprocess.run([ffmpeg_exe(), "-hide_banner", "-i", str(received)], capture_output=True, text=True)
    streams = [line for line in probe.stderr.splitlines() if "Stream #" in line]
    assert any("Video: h264" in line and "1280x720" in line for line in streams), streams
    assert any("Audio: aac" in line for line in streams), streams
    title = (runner.workdir / "title.txt").read_text()
    assert title.startswith("Live Tune") or title == st.name
