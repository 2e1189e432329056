"""Benchmark one radio station: CPU of its audio path and of its video push per hour of streaming, and the AutoDJ
endpoint's latency.

A real station runs here: Icecast and Liquidsoap (from the OS packages), the platform served by Django on a local
port (Liquidsoap asks it for every track and reports every start), and the RTMP push (bundled ffmpeg, 720p30 H.264
+ AAC, one encode) to a local `ffmpeg -listen 1` receiver that discards what it gets. The processes' CPU time
(utime + stime from /proc) is read over `--seconds` of streaming after a warm-up.

Figures printed:
- audio path (Liquidsoap + Icecast): share of one core and CPU-seconds per hour of streaming (aim: under 10 %);
- video push: the same (aim: 720p under one core);
- AutoDJ endpoint: p50 and p95 over `--requests` calls against a catalogue of `--catalogue` released tracks.

Run: .venv/bin/python bench/radio.py [--seconds 60] [--requests 300] [--catalogue 300]
The streaming figures need liquidsoap and icecast2 (`apt-get install -y liquidsoap icecast2`); without them the bench
says so and measures the endpoint only.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out" / "radio"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _django() -> None:
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    os.environ.update(
        {
            "DATABASE_URL": f"sqlite:///{OUT / 'db.sqlite3'}",
            "MEDIA_ROOT": str(OUT / "media"),
            "PRIVATE_MEDIA_ROOT": str(OUT / "private_media"),
            "RADIO_RUN_DIR": str(OUT / "run"),
            "REDIS_URL": "",
            "DEBUG": "1",
            "SECRET_KEY": "bench-only",
            "LOG_LEVEL": "WARNING",
        }
    )
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lofi_site.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _music(duration_s: float, sample_rate: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(int(duration_s * sample_rate)) / sample_rate
    root = 196.0 * (1 + 0.12 * (seed % 5))
    chord = sum(np.sin(2 * np.pi * root * r * t) for r in (1.0, 1.2, 1.5, 2.0)) / 4
    mono = chord * (0.6 + 0.4 * np.sin(2 * np.pi * 1.4 * t) ** 2) + 0.05 * rng.standard_normal(t.size)
    return (np.stack([mono, np.roll(mono, 60)]) * 0.2).astype(np.float32)


def _released_tracks(count: int, *, duration_s: float, sample_rate: int, prefix: str) -> None:
    """Tracks on a published release that is out, each with a measured master."""
    import soundfile
    from django.utils import timezone

    from catalog import services as catalog_services
    from catalog.models import Artist, Asset, Release, ReleaseTrack, Track
    from production.engine.loudness import measure

    keys = ["A", "E", "D", "C", "G", "F"]
    for n in range(count):
        artist, _ = Artist.objects.get_or_create(
            slug=f"{prefix}-artist-{n % 12}", defaults={"name": f"{prefix} {n % 12}"}
        )
        audio = _music(duration_s, sample_rate, n)
        loudness = measure(audio, sample_rate=sample_rate)
        track = Track.objects.create(
            title=f"{prefix} {n}",
            artist=artist,
            status=Track.Status.APPROVED,
            bpm=70 + n % 25,
            key=keys[n % len(keys)],
            mode="minor" if n % 2 else "major",
            energy=(n % 10) / 10,
            duration_s=duration_s,
            integrated_lufs=loudness.integrated_lufs,
            true_peak_dbtp=loudness.true_peak_dbtp,
        )
        buffer = io.BytesIO()
        soundfile.write(buffer, audio.T, sample_rate, format="WAV", subtype="PCM_16")
        catalog_services.asset_store(
            track=track, kind=Asset.Kind.MASTER, content=buffer.getvalue(), filename="master.wav", format="wav"
        )
        release = Release.objects.create(
            title=f"{prefix} single {n}",
            artist=artist,
            status=Release.Status.PUBLISHED,
            release_date=timezone.localdate(),
        )
        ReleaseTrack.objects.create(release=release, track=track, position=1)


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args) -> None:
        pass


def _serve_platform(port: int) -> None:
    from django.core.wsgi import get_wsgi_application

    server = make_server("127.0.0.1", port, get_wsgi_application(), _ThreadingServer, _QuietHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()


def _cpu_s(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / CLOCK_TICKS


def bench_streaming(seconds: float) -> tuple[float, float]:
    """(audio share, video share) of one core while streaming."""
    from radio.liquidsoap.icecast import IcecastUnreachable, fetch_admin_stats
    from radio.liquidsoap.programs import ffmpeg_exe
    from radio.models import RtmpTarget, Station
    from radio.services.runner import StationRunner
    from radio.services.stations import icecast_passwords, rtmp_target_set_key

    site_port = free_port()
    _serve_platform(site_port)
    _released_tracks(4, duration_s=45.0, sample_rate=44100, prefix="Stream")
    station = Station.objects.create(
        name="Bench FM", slug="bench", mount="/bench", icecast_port=free_port(), no_repeat_hours=0.01, on_air=True
    )
    rtmp_port = free_port()
    target = RtmpTarget.objects.create(station=station, name="sink", server_url=f"rtmp://127.0.0.1:{rtmp_port}/live")
    rtmp_target_set_key(target=target, stream_key="bench")
    sink = subprocess.Popen(
        [
            ffmpeg_exe(),
            "-nostdin",
            "-loglevel",
            "error",
            "-listen",
            "1",
            "-timeout",
            "120",
            "-i",
            f"rtmp://127.0.0.1:{rtmp_port}/live/bench",
            "-f",
            "null",
            "-",
        ]
    )
    runner = StationRunner(station, site_url=f"http://127.0.0.1:{site_port}", out=open(os.devnull, "w"))  # noqa: SIM115
    supervisor = runner.start()
    passwords = icecast_passwords(station)

    def on_air() -> bool:
        try:
            stats = fetch_admin_stats(
                f"http://127.0.0.1:{station.icecast_port}", user="admin", password=passwords["admin_password"]
            )
        except IcecastUnreachable:
            return False
        return station.mount in stats and supervisor.processes["video"].running

    def loop_for(wall_s: float, until=None) -> None:
        end = time.monotonic() + wall_s
        while time.monotonic() < end:
            supervisor.step()
            runner.tick()
            if until is not None and until():
                return
            time.sleep(0.5)

    try:
        loop_for(60, until=on_air)
        if not on_air():
            raise SystemExit("The station did not get on air within 60 s (see bench/out/radio/run/).")
        loop_for(8)  # warm-up: the push connected, the first tracks decoded
        audio_pids = [supervisor.processes[name].pid for name in ("liquidsoap", "icecast")]
        video_pids = [supervisor.processes["video"].pid]
        audio_before, video_before, started = _cpu_s(audio_pids), _cpu_s(video_pids), time.monotonic()
        loop_for(seconds)
        wall = time.monotonic() - started
        audio = (_cpu_s(audio_pids) - audio_before) / wall
        video = (_cpu_s(video_pids) - video_before) / wall
    finally:
        runner.stop()
        sink.kill()
    return audio, video


def bench_endpoint(requests: int, catalogue: int) -> tuple[float, float, int]:
    """(p50 ms, p95 ms, pool size) of GET /radio/autodj/<slug>/next/."""
    from django.test import Client

    from radio.models import Station
    from radio.selectors import radio_tracks
    from radio.services.stations import autodj_token

    _released_tracks(catalogue, duration_s=0.5, sample_rate=8000, prefix="Pool")
    station = Station.objects.create(name="Endpoint FM", slug="endpoint", mount="/endpoint", no_repeat_hours=3)
    client = Client()
    url = f"/radio/autodj/{station.slug}/next/"
    headers = {"HTTP_AUTHORIZATION": f"Bearer {autodj_token(station)}"}
    timings = []
    for _ in range(requests):
        start = time.perf_counter()
        response = client.get(url, **headers)
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.status_code
    timings.sort()
    p95 = timings[min(len(timings) - 1, int(0.95 * len(timings)))]
    return statistics.median(timings), p95, radio_tracks(station).count()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="Streaming seconds measured.")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--catalogue", type=int, default=300, help="Released tracks the AutoDJ chooses from.")
    args = parser.parse_args()
    missing = [p for p in ("liquidsoap", "icecast2") if shutil.which(p) is None]
    _django()
    if missing:  # the endpoint is still measured; the streaming figures need the programs
        reason = f"{' and '.join(missing)} not installed: apt-get install -y liquidsoap icecast2"
        print(f"radio audio path: not measured ({reason})")
        print(f"radio video push: not measured ({reason})")
    else:
        audio, video = bench_streaming(args.seconds)
        print(
            f"radio audio path (Liquidsoap + Icecast, MP3 128 kb/s): {audio:.1%} of one core = "
            f"{audio * 3600:.0f} CPU-s per hour of streaming (aim < 10%)"
        )
        print(
            f"radio video push (1280x720 30 fps H.264 3000 kb/s + AAC 160 kb/s, one encode): {video:.1%} of one "
            f"core = {video * 3600:.0f} CPU-s per hour of streaming (aim < 100%)"
        )
    p50, p95, pool = bench_endpoint(args.requests, args.catalogue)
    print(f"AutoDJ endpoint: p50 {p50:.1f} ms, p95 {p95:.1f} ms over {args.requests} requests ({pool} playable tracks)")


if __name__ == "__main__":
    main()
