"""Benchmark long-mix rendering: speed and peak memory for a 1-hour and an 8-hour mix.

A pool of 20 three-minute WAV tracks is made once from synthetic material (production/engine/
tests/production/signals.py) in a temporary folder and analysed, as the catalogue would have done at ingest (so each
track's integrated loudness is known and passed to the mix; pass --measure-tracks to have the mix measure
every file itself). Generation and analysis are not timed. Each mix length is then rendered in a fresh
subprocess, so its peak RSS is its own: the running order comes from `sequencing.mix_sequence` over the
pool, repeated to fill the length, with 8-second crossfades, a looped rain bed and the limiter, written as
a 24-bit WAV. One line per length:

    duration_h=<h> realtime_factor=<x> peak_rss_mb=<m>

realtime_factor = mix duration / wall time of the render (sequencing, decoding, crossfades, bed, limiter,
writing and measuring the output). Targets: 1 h at >= 100x realtime and < 500 MB; 8 h within 10% of the
1 h peak memory.

Run: .venv/bin/python bench/mix.py [--hours 1 8] [--measure-tracks] [--keep DIR]
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import soundfile

POOL_SIZE = 20
TRACK_S = 180.0
CROSSFADE_S = 8.0
SAMPLE_RATE = 44100
KEYS = ("A minor", "C major", "E minor", "G major", "D minor", "F major", "B minor", "D major", "F# minor", "A major")


def build_pool(folder: Path) -> list[dict]:
    """Write the pool's WAVs and return their catalogue facts (path, title, loudness, features)."""
    from production.engine.analysis import analyze
    from tests.production import signals as testsignals

    pool = []
    for index in range(POOL_SIZE):
        bpm = 70 + (index * 7) % 25
        track = testsignals.lofi_track(bpm=bpm, key=KEYS[index % len(KEYS)], duration_s=TRACK_S, seed=index)
        path = folder / f"track-{index:02d}.wav"
        soundfile.write(str(path), track.audio.T, SAMPLE_RATE, subtype="PCM_24")
        result = analyze(path)
        pool.append(
            {
                "path": str(path),
                "title": f"Synthetic {index + 1:02d}",
                "bpm": result.bpm,
                "key": result.key,
                "mode": result.mode,
                "camelot": result.camelot,
                "energy": result.energy,
                "duration_s": result.duration_s,
                "integrated_lufs": result.integrated_lufs,
            }
        )
        print(f"  pool {index + 1}/{POOL_SIZE}: {result.bpm:.1f} BPM {result.key} {result.mode}", file=sys.stderr)
    return pool


def run_one(pool: list[dict], hours: float, out_path: Path, measure_tracks: bool) -> dict:
    """Render one mix (in this process) and return its figures."""
    from production.engine import ambience
    from production.engine.longmix import MixItem, looped_bed, render_mix
    from production.engine.sequencing import TrackFeatures, mix_sequence

    started = time.perf_counter()
    features = [
        TrackFeatures(
            id=i,
            bpm=t["bpm"],
            key=t["key"],
            mode=t["mode"],
            camelot=t["camelot"],
            energy=t["energy"],
            moods=frozenset({"chill"}),
            duration_s=t["duration_s"],
        )
        for i, t in enumerate(pool)
    ]
    order = mix_sequence(features, hours * 3600.0, crossfade_s=CROSSFADE_S)
    items, total_s = [], 0.0
    while total_s < hours * 3600.0:  # the pool is smaller than the mix: play the running order again
        for index in order:
            track = pool[index]
            items.append(
                MixItem(
                    track["path"],
                    title=track["title"],
                    crossfade_s=CROSSFADE_S,
                    loudness_lufs=None if measure_tracks else track["integrated_lufs"],
                )
            )
            total_s += track["duration_s"] - CROSSFADE_S
            if total_s >= hours * 3600.0:
                break
    bed = looped_bed(
        ambience.bed("rain", n_samples=int(30 * SAMPLE_RATE), sample_rate=SAMPLE_RATE, seed=1), sample_rate=SAMPLE_RATE
    )
    result = render_mix(items, out_path=out_path, sample_rate=SAMPLE_RATE, ambience_bed=bed, ambience_gain_db=-12.0)
    elapsed_s = time.perf_counter() - started
    peak_rss_mb = peak_rss_mib()
    return {
        "duration_s": result.duration_s,
        "elapsed_s": elapsed_s,
        "peak_rss_mb": peak_rss_mb,
        "integrated_lufs": result.integrated_lufs,
        "true_peak_dbtp": result.true_peak_dbtp,
        "tracks": len(items),
    }


def peak_rss_mib() -> float:
    """This process's own peak RSS. Linux keeps getrusage's ru_maxrss across exec, so a child started by a
    parent that peaked higher (building the pool) would report the parent's figure; /proc's VmHWM belongs
    to the new program alone."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux, bytes on macOS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hours", type=float, nargs="+", default=[1.0, 8.0])
    parser.add_argument(
        "--measure-tracks",
        action="store_true",
        help="let the mix measure every track's loudness instead of using the catalogue's",
    )
    parser.add_argument("--keep", type=Path, help="keep the pool in this folder (reused when present)")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)  # pool manifest: render one mix
    args = parser.parse_args()

    if args.child:
        pool = json.loads(args.child.read_text())
        out_path = args.child.parent / f"mix-{args.hours[0]:g}h.wav"
        figures = run_one(pool, args.hours[0], out_path, args.measure_tracks)
        out_path.unlink()
        print(json.dumps(figures))
        return

    with tempfile.TemporaryDirectory() as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        manifest = folder / "pool.json"
        if not manifest.exists():
            manifest.write_text(json.dumps(build_pool(folder)))
        for hours in args.hours:
            command = [sys.executable, __file__, "--child", str(manifest), "--hours", str(hours)]
            if args.measure_tracks:
                command.append("--measure-tracks")
            done = subprocess.run(command, check=True, capture_output=True, text=True)
            figures = json.loads(done.stdout.strip().splitlines()[-1])
            print(
                f"duration_h={figures['duration_s'] / 3600:.2f} "
                f"realtime_factor={figures['duration_s'] / figures['elapsed_s']:.1f} "
                f"peak_rss_mb={figures['peak_rss_mb']:.0f}",
                flush=True,
            )
            print(
                f"  ({figures['tracks']} tracks, {figures['elapsed_s']:.1f} s, "
                f"{figures['integrated_lufs']:.2f} LUFS, true peak {figures['true_peak_dbtp']:.2f} dBTP)",
                file=sys.stderr,
                flush=True,
            )


if __name__ == "__main__":
    main()
