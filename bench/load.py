"""Load benchmark of the public site: gunicorn on PostgreSQL with 500 tracks, DEBUG off, driven by wrk.

Setup: a database `bench_load` on the local PostgreSQL (DATABASE_URL's server, else 127.0.0.1:5432) is created
afresh and migrated; 500 public tracks (each with a small stored master and preview) by 10 artists over the
engine's styles and moods, 50 of them on releases that are out, are written through the ORM. gunicorn runs the
project with gunicorn.conf.py (WEB_CONCURRENCY workers, 3 by default as in the hand measurement the issue quotes), DEBUG
off, the production cache (Redis when it answers at REDIS_URL or 127.0.0.1:6379, else the database cache).
The anonymous API throttle is raised for the run: every request comes from one address here, which a real
deployment's 120/minute per address would refuse.

Load: for each page (storefront home, browse with filters, a track page, /api/v1/tracks/), wrk (Debian's
`wrk` package) with 10 and then 50 connections for --seconds each, first with the shared page cache off
(PUBLIC_PAGE_CACHE_S=0: every request renders) and then on (the default). Printed per run: requests/s,
p50/p95/p99 latency in ms and errors (connection errors, timeouts and non-2xx answers).

Where the time goes: each page is requested 30 times in this process with the cache off under cProfile, and its
mean time per request is split into database (Django's backends and the driver), templates, DRF serialization
and everything else, with the query count.

Run: .venv/bin/python bench/load.py [--seconds 20] [--clients 10,50] [--workers 3] [--tracks 500]
Lines: `page=<name> cache=<off|on> clients=<n> rps=<x> p50_ms= p95_ms= p99_ms= errors=`, then
`where page=<name> total_ms= db_ms= templates_ms= serialize_ms= other_ms= queries=`.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DB_NAME = "bench_load"
WRK_SCRIPT = """
done = function(summary, latency, requests)
  io.write(string.format('{"requests":%d,"duration_us":%d,"p50":%d,"p95":%d,"p99":%d,"errors":%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95), latency:percentile(99),
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
      + summary.errors.status))
end
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _redis_url() -> str:
    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/14"
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
        return url
    except Exception:
        return ""


def _environment(media: Path, server_db: str, redis_url: str, port: int) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": f"{server_db}/{DB_NAME}",
            "DEBUG": "0",
            "SECRET_KEY": "bench-load-only",
            "SECURE_SSL_REDIRECT": "0",
            "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
            "SERVE_MEDIA": "1",
            "MEDIA_ROOT": str(media / "public"),
            "PRIVATE_MEDIA_ROOT": str(media / "private"),
            "REDIS_URL": redis_url,
            "API_ANON_RATE": "10000000/minute",
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "LOG_LEVEL": "WARNING",
            "GUNICORN_MAX_REQUESTS": "0",
        }
    )
    return env


def _create_database(server_db: str) -> None:
    import psycopg

    with psycopg.connect(f"{server_db}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{DB_NAME}"')


def _seed(n_tracks: int) -> dict[str, str]:
    """The catalogue the pages show; returns the URLs to load."""
    import datetime as dt
    import io

    import numpy as np
    import soundfile
    from django.core.management import call_command

    from catalog import services as catalog_services
    from catalog.models import Artist, Asset, Mood, Release, ReleaseTrack, Style, Track
    from production.engine.moods import MOODS
    from production.engine.styles import PRESETS

    call_command("migrate", verbosity=0)
    rng = np.random.default_rng(0)
    tone = (0.2 * np.sin(2 * np.pi * 440 * np.arange(8000) / 8000)).astype(np.float32)
    buffer = io.BytesIO()
    soundfile.write(buffer, np.stack([tone, tone], axis=1), 8000, format="WAV")
    preview = buffer.getvalue()

    artists = [Artist.objects.create(name=f"Bench Persona {i}", slug=f"bench-persona-{i}") for i in range(10)]
    styles = [Style.objects.get_or_create(slug=slug, defaults={"name": slug.title()})[0] for slug in PRESETS]
    moods = [Mood.objects.get_or_create(slug=slug, defaults={"name": slug.title()})[0] for slug in MOODS]
    keys = ["C", "D", "E", "F", "G", "A", "B"]
    tracks = []
    for index in range(n_tracks):
        track = Track.objects.create(
            title=f"Bench Track {index:03d}",
            artist=artists[index % len(artists)],
            style=styles[index % len(styles)],
            status=Track.Status.APPROVED,
            licensable_before_release=True,
            bpm=float(rng.integers(60, 96)),
            key=keys[index % len(keys)],
            mode="minor" if index % 2 else "major",
            duration_s=float(rng.integers(90, 240)),
            integrated_lufs=-14.0,
            true_peak_dbtp=-1.2,
            qc_passed=True,
            qc_report={"passed": True, "failures": []},
            duplicate_verdict=Track.DuplicateVerdict.CLEAR,
        )
        track.moods.set([moods[index % len(moods)], moods[(index * 7 + 3) % len(moods)]])
        catalog_services.asset_store(
            track=track,
            kind=Asset.Kind.MASTER,
            content=io.BytesIO(preview),
            filename="master.wav",
            format="wav",
            sample_rate=8000,
            channels=2,
        )
        catalog_services.asset_store(
            track=track,
            kind=Asset.Kind.PREVIEW,
            content=io.BytesIO(preview),
            filename="preview.wav",
            format="wav",
            sample_rate=8000,
            channels=2,
        )
        tracks.append(track)
    for number in range(5):
        release = Release.objects.create(
            title=f"Bench Release {number}",
            slug=f"bench-release-{number}",
            artist=artists[number],
            kind=Release.Kind.ALBUM,
            status=Release.Status.PUBLISHED,
            release_date=dt.date(2026, 1, 1 + number),
        )
        for position, track in enumerate(tracks[number * 10 : number * 10 + 10], start=1):
            ReleaseTrack.objects.create(release=release, track=track, position=position)
    style, mood = styles[0].slug, moods[0].slug
    return {
        "home": "/",
        "browse": f"/tracks/?style={style}&mood={mood}&bpm_min=60&bpm_max=95",
        "track": f"/tracks/{tracks[7].uuid}/",
        "api_tracks": "/api/v1/tracks/",
    }


def _start_gunicorn(env: dict[str, str], port: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "-c", "gunicorn.conf.py", "lofi_site.wsgi"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    for _ in range(360):  # up to 90 s: the arbiter imports the whole project before it binds
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return server
        except OSError:
            time.sleep(0.25)
    server.kill()
    raise RuntimeError("gunicorn did not start")


def _stop(server: subprocess.Popen) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=30)


def _warm(url: str, workers: int) -> None:
    """A few requests first, so every worker has loaded its templates before the clock runs; a page that does
    not answer 200 stops the bench (measuring error pages would be meaningless)."""
    import urllib.request

    for _ in range(workers * 3):
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - a local URL of ours
            if response.status != 200:
                raise RuntimeError(f"{url} answered {response.status}")


def _wrk(url: str, clients: int, seconds: int, script: Path) -> dict:
    output = subprocess.run(
        ["wrk", "-t1", f"-c{clients}", f"-d{seconds}s", "--timeout", "5s", "-s", str(script), url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    figures = json.loads(output.strip().splitlines()[-1])
    figures["rps"] = figures["requests"] / (figures["duration_us"] / 1e6)
    return figures


def _where_time_goes(pages: dict[str, str]) -> None:
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    settings.PUBLIC_PAGE_CACHE_S = 0
    client = Client()
    for name, url in pages.items():
        client.get(url)  # warm: imports, template loading
        profile = cProfile.Profile()
        repeats = 30
        with CaptureQueriesContext(connection) as queries:
            profile.enable()
            for _ in range(repeats):
                assert client.get(url).status_code == 200
            profile.disable()
        stats = pstats.Stats(profile)
        total = sum(row[3] for key, row in stats.stats.items() if key[2] == "get" and "test/client.py" in key[0])
        buckets = {"db": 0.0, "templates": 0.0, "serialize": 0.0}
        for (filename, _line, function), row in stats.stats.items():
            # Only the outermost entry of each area (cumulative time), so nested calls are not counted twice.
            if "django/db/models/sql/compiler.py" in filename and function == "execute_sql":
                buckets["db"] += row[3]
            elif "django/template/backends/django.py" in filename and function == "render":
                buckets["templates"] += row[3]
            elif "rest_framework/serializers.py" in filename and function == "data":
                buckets["serialize"] += row[3]
        per = {key: 1000 * value / repeats for key, value in buckets.items()}
        total_ms = 1000 * total / repeats
        other = max(0.0, total_ms - sum(per.values()))
        print(
            f"where page={name} total_ms={total_ms:.1f} db_ms={per['db']:.1f} templates_ms={per['templates']:.1f} "
            f"serialize_ms={per['serialize']:.1f} other_ms={other:.1f} queries={len(queries) / repeats:.0f}",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--clients", default="10,50")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--tracks", type=int, default=500)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("bench/load.py needs wrk (Debian package `wrk`: apt-get install wrk)")

    server_db = (os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/x").rsplit("/", 1)[0]
    if not server_db.startswith("postgres"):
        server_db = "postgres://postgres@127.0.0.1:5432"
    media = Path(tempfile.mkdtemp(prefix="bench-load-"))
    port = _free_port()
    redis_url = _redis_url()
    env = _environment(media, server_db, redis_url, port)
    _create_database(server_db)
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lofi_site.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    started = time.perf_counter()
    pages = _seed(args.tracks)
    print(
        f"setup tracks={args.tracks} seed_s={time.perf_counter() - started:.1f} workers={args.workers} "
        f"cache_backend={'redis' if redis_url else 'database'} load_average={os.getloadavg()[0]:.2f}",
        flush=True,
    )
    script = media / "report.lua"
    script.write_text(WRK_SCRIPT)
    clients = [int(c) for c in args.clients.split(",")]
    try:
        for cache_s in ("0", "60"):
            port = _free_port()
            env["GUNICORN_BIND"] = f"127.0.0.1:{port}"
            server = _start_gunicorn(
                {**env, "WEB_CONCURRENCY": str(args.workers), "PUBLIC_PAGE_CACHE_S": cache_s}, port
            )
            try:
                for name, path in pages.items():
                    _warm(f"http://127.0.0.1:{port}{path}", args.workers)
                    for count in clients:
                        figures = _wrk(f"http://127.0.0.1:{port}{path}", count, args.seconds, script)
                        print(
                            f"page={name} cache={'off' if cache_s == '0' else 'on'} clients={count} "
                            f"rps={figures['rps']:.1f} p50_ms={figures['p50'] / 1000:.1f} "
                            f"p95_ms={figures['p95'] / 1000:.1f} p99_ms={figures['p99'] / 1000:.1f} "
                            f"errors={figures['errors']}",
                            flush=True,
                        )
            finally:
                _stop(server)
        _where_time_goes(pages)
        print(f"load_average_after={os.getloadavg()[0]:.2f}")
    finally:
        from django.db import connections

        connections.close_all()
        shutil.rmtree(media, ignore_errors=True)


if __name__ == "__main__":
    main()
