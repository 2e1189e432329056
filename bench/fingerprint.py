"""Benchmark fingerprint identification against a catalogue held in the database.

The catalogue: CATALOGUE_TRACKS (500) short renders of the engine (production/engine/render.py), 30 s each,
over every style, tempos 60-100 BPM, all 24 keys and distinct seeds. Renders are cached in
bench/out/fingerprint/ (git-ignored) as mono 16-bit FLAC plus each track's hashes, so a second run skips the
rendering (about a second per track). The hashes are the master's fingerprint (stereo, as ingest computes it).

The index: the Django fingerprint store (production.services.fingerprints). Django is set up on a SQLite file in
bench/out/fingerprint/ (migrated on first use), or on DATABASE_URL when it is set; the bench's tracks are
written as catalogue Tracks with their FingerprintHash rows, and removed again afterwards from a database
the bench does not own (DATABASE_URL). Once loaded, the table's statistics are refreshed (VACUUM ANALYZE on
PostgreSQL), as autovacuum does after such growth. Matching runs in the database: each query selects the rows
sharing a hash with it (production.services.fingerprints.catalogue_matches), as `identify_audio` does. Django
runs with DEBUG off, as in production (DEBUG logs every query).

The queries: one per catalogue track, a 10-second excerpt cut at a random sample position of the mono master,
with white noise added at 10 dB SNR (noise power one tenth of the excerpt's). A query is identified when the
best match is its track and the offset found is within ±0.5 s of where the excerpt was cut.
query time = fingerprinting the excerpt + the database look-up and offset vote (median and 95th percentile).
index size per hour of audio = FingerprintHash rows and bytes (table and indexes) per hour of catalogue audio.

Targets: >= 95% identified with the right offset, median query under 200 ms.

Run: .venv/bin/python bench/fingerprint.py [--tracks 500] [--queries 500] [--seed 0]
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
import soundfile

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "bench" / "out" / "fingerprint"
CATALOGUE_TRACKS = 500
TRACK_S = 30.0
EXCERPT_S = 10.0
SNR_DB = 10.0
OFFSET_TOLERANCE_S = 0.5
SAMPLE_RATE = 44100
BENCH_ARTIST = "fingerprint-bench"


def render_catalogue(n_tracks: int) -> list[dict]:
    """Render (or load from the cache) the catalogue: [{index, brief, audio_path, hashes_path}]."""
    from production.engine import fingerprint, render
    from production.engine.brief import PITCH_CLASSES, Brief, Key
    from production.engine.styles import PRESETS

    styles = sorted(PRESETS)
    keys = [Key(tonic, mode) for mode in ("minor", "major") for tonic in PITCH_CLASSES]
    rng = np.random.default_rng(2024)
    CACHE.mkdir(parents=True, exist_ok=True)
    catalogue = []
    started = time.perf_counter()
    made = 0
    for index in range(n_tracks):
        brief = Brief(
            style=styles[index % len(styles)],
            bpm=float(rng.integers(60, 101)),
            key=keys[int(rng.integers(len(keys)))],
            duration_s=TRACK_S,
            seed=10_000 + index,
        )
        audio_path = CACHE / f"track-{index:04d}.flac"
        hashes_path = CACHE / f"track-{index:04d}.hashes.npy"
        if not (audio_path.exists() and hashes_path.exists()):
            result = render.render(brief)
            master = np.asarray(result.master, dtype=np.float32)
            np.save(hashes_path, fingerprint.fingerprint(master, result.sample_rate))
            soundfile.write(str(audio_path), master.mean(axis=0), result.sample_rate, subtype="PCM_16")
            made += 1
            if made % 25 == 0:
                print(f"  rendered {made} tracks ({time.perf_counter() - started:.0f} s)", file=sys.stderr, flush=True)
        catalogue.append({"index": index, "brief": brief, "audio_path": audio_path, "hashes_path": hashes_path})
    return catalogue


def setup_django() -> bool:
    """Django on the bench's own SQLite file, or on DATABASE_URL. True when the database is the bench's own."""
    own = "DATABASE_URL" not in os.environ
    if own:
        CACHE.mkdir(parents=True, exist_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{CACHE / 'index.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lofi_site.settings")
    import django
    from django.core.management import call_command

    django.setup()
    from django.conf import settings

    settings.DEBUG = False  # as in production: no query log (with DEBUG, Django formats every query it runs)
    call_command("migrate", verbosity=0, interactive=False)
    return own


def refresh_statistics() -> None:
    """What autovacuum does to a table that grew by more than a tenth: fresh planner statistics (and, on
    PostgreSQL, the visibility map that lets look-ups read the index alone). A bulk-loaded table without
    them is planned as if it were empty."""
    from django.db import connection

    from production.models import FingerprintHash

    table = connection.ops.quote_name(FingerprintHash._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {table}" if connection.vendor == "postgresql" else f"ANALYZE {table}")


def build_index(catalogue: list[dict]) -> dict[int, int]:
    """Write the catalogue's Tracks and fingerprint rows; returns catalogue index -> track id."""
    from catalog.models import Track
    from catalog.services import artist_ensure
    from production.services.fingerprints import fingerprint_store

    remove_bench_rows()
    artist = artist_ensure(slug=BENCH_ARTIST, name="Fingerprint bench", is_persona=True)
    ids = {}
    started = time.perf_counter()
    for item in catalogue:
        brief = item["brief"]
        track = Track.objects.create(
            title=f"Bench {item['index']:04d}",
            artist=artist,
            bpm=brief.bpm,
            key=brief.key.tonic,
            mode=brief.key.mode,
            duration_s=TRACK_S,
        )
        fingerprint_store(track=track, hashes=np.load(item["hashes_path"]), duration_s=TRACK_S)
        ids[item["index"]] = track.pk
    print(f"  index written in {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
    return ids


def remove_bench_rows() -> None:
    from catalog.models import Artist, Track
    from production.models import FingerprintHash

    tracks = Track.objects.filter(artist__slug=BENCH_ARTIST)
    FingerprintHash.objects.filter(track__in=tracks).delete()
    tracks.delete()
    Artist.objects.filter(slug=BENCH_ARTIST).delete()


def stored_bytes() -> int | None:
    """PostgreSQL: bytes of the FingerprintHash table with its indexes. SQLite: bytes of every used page of
    the database file (the bench measures the growth its rows cause)."""
    from django.db import connection

    from production.models import FingerprintHash

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_total_relation_size(%s)", [FingerprintHash._meta.db_table])
            return int(cursor.fetchone()[0])
        if connection.vendor == "sqlite":
            values = []
            for pragma in ("page_count", "freelist_count", "page_size"):
                cursor.execute(f"PRAGMA {pragma}")
                values.append(int(cursor.fetchone()[0]))
            pages, free, page_size = values
            return (pages - free) * page_size
    return None


def excerpt_query(audio: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, float]:
    """A 10 s excerpt from a random sample position, with white noise at SNR_DB; (excerpt, start_s)."""
    length = int(EXCERPT_S * SAMPLE_RATE)
    start = int(rng.integers(0, audio.size - length + 1))
    excerpt = audio[start : start + length].astype(np.float64)
    noise_power = np.mean(excerpt**2) / 10 ** (SNR_DB / 10)
    noisy = excerpt + rng.normal(0.0, np.sqrt(noise_power), size=excerpt.size)
    return noisy.astype(np.float32)[None, :], start / SAMPLE_RATE


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tracks", type=int, default=CATALOGUE_TRACKS)
    parser.add_argument("--queries", type=int, default=CATALOGUE_TRACKS, help="one per track, round-robin")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    catalogue = render_catalogue(args.tracks)
    own_database = setup_django()
    from django.db import connection

    from production.engine import fingerprint
    from production.models import FingerprintHash
    from production.services.fingerprints import catalogue_matches

    try:
        remove_bench_rows()
        before_bytes = stored_bytes()
        ids = build_index(catalogue)
        refresh_statistics()
        after_bytes = stored_bytes()
        rng = np.random.default_rng(args.seed)
        identified, timings = 0, []
        for number in range(args.queries):
            item = catalogue[number % len(catalogue)]
            audio, _ = soundfile.read(str(item["audio_path"]), dtype="float32")
            query_audio, start_s = excerpt_query(audio, rng)
            started = time.perf_counter()
            matches = catalogue_matches(fingerprint.fingerprint(query_audio, SAMPLE_RATE), limit=5)
            timings.append(time.perf_counter() - started)
            best = matches[0] if matches else None
            if (
                best is not None
                and best.track_id == ids[item["index"]]
                and abs(best.offset_s - start_s) <= OFFSET_TOLERANCE_S
            ):
                identified += 1
        all_rows = FingerprintHash.objects.count()
        bench_rows = FingerprintHash.objects.filter(track__artist__slug=BENCH_ARTIST).count()
        hours = len(catalogue) * TRACK_S / 3600.0
        print(
            f"catalogue: tracks={len(catalogue)} hours={hours:.2f} database={connection.vendor} index_rows={bench_rows}"
        )
        print(
            f"identified_with_offset={100.0 * identified / args.queries:.1f}% ({identified}/{args.queries}) "
            f"snr_db={SNR_DB:g} excerpt_s={EXCERPT_S:g} offset_tolerance_s={OFFSET_TOLERANCE_S}"
        )
        ms = sorted(1000.0 * t for t in timings)
        print(f"median_query_ms={statistics.median(ms):.1f} p95_query_ms={ms[int(0.95 * (len(ms) - 1))]:.1f}")
        mb_per_hour = "n/a"
        if connection.vendor == "postgresql" and all_rows:  # the bench's share when other tracks share the table
            mb_per_hour = f"{after_bytes * bench_rows / all_rows / 1e6 / hours:.1f}"
        elif after_bytes is not None and before_bytes is not None:  # SQLite: what the bench's rows added
            mb_per_hour = f"{(after_bytes - before_bytes) / 1e6 / hours:.1f}"
        print(f"index_rows_per_hour={bench_rows / hours:.0f} index_mb_per_hour={mb_per_hour}")
    finally:
        if not own_database:
            remove_bench_rows()


if __name__ == "__main__":
    main()
