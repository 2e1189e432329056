"""Benchmark the sample-pack slicer (monetization/engine/packs_audio.py) and the statement parser.

Material with a known truth, made here in code: drum stems (kick on 1 and 3, snare on 2 and 4, hats on the
eighths) and chord stems (a chord change on every bar) at 68-100 BPM, with a random lead-in before the first
bar, mixed as a "master".

Figures printed:
- bar phase: share of mixes whose detected bars start on a true bar start (target >= 90%);
- loop starts: median and worst distance from the true downbeat, in ms (target: worst <= 5 ms);
- drum hits: share of one-shots classified as the hit the truth says (target >= 90%);
- time to cut a 3-minute drum stem and a 3-minute chord stem (grid, loops, one-shots) at 44.1 kHz;
- statement parser throughput on a 300,000-row distributor report, in rows per second.

Run: .venv/bin/python bench/sample_packs.py [--items 16]
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # one slicing job per core, as the worker runs it

import argparse
import datetime as dt
import io
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from scipy import signal

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from monetization.engine import packs_audio as pa
from monetization.engine.statements import statement_parse


def _kick(sr: int) -> np.ndarray:
    t = np.arange(int(0.25 * sr)) / sr
    freq = 50 + 90 * np.exp(-t * 40)
    return (np.sin(2 * np.pi * np.cumsum(freq) / sr) * np.exp(-t * 14)).astype(np.float32)


def _noise(sr: int, rng, low: float, high: float, decay_s: float, length_s: float) -> np.ndarray:
    n = int(length_s * sr)
    sos = signal.butter(4, [low, min(high, sr / 2 * 0.95)], btype="bandpass", fs=sr, output="sos")
    hit = signal.sosfilt(sos, rng.standard_normal(n))
    return (hit / np.max(np.abs(hit)) * np.exp(-np.arange(n) / sr / decay_s)).astype(np.float32)


def material(bpm: float, bars: int, sr: int, seed: int):
    """(drums, chords, truth) with truth = {"bars": bar start times, "hits": [(time, class)]}."""
    rng = np.random.default_rng(seed)
    beat = 60.0 / bpm
    lead_in = float(rng.uniform(0.1, 1.5))
    n = int((lead_in + bars * 4 * beat + 1.0) * sr)
    drums = np.zeros(n, dtype=np.float32)
    chords = np.zeros(n, dtype=np.float32)
    kick, snare, hat = (
        _kick(sr),
        _noise(sr, rng, 1200, 6000, 0.06, 0.2),
        _noise(sr, rng, 7000, 12000, 0.012, 0.06),
    )
    hits = []
    t_env = np.arange(int(min(1.5, 4 * beat) * sr)) / sr
    envelope = np.exp(-t_env * 3) * np.minimum(t_env / 0.005, 1) * np.minimum((t_env[-1] - t_env) / 0.05, 1)
    progression = ((57, 60, 64), (53, 57, 60), (48, 52, 55), (55, 59, 62))
    for bar in range(bars):  # loops over bars and beats, not samples
        start_s = lead_in + bar * 4 * beat
        notes = progression[bar % 4]
        tone = sum(np.sin(2 * np.pi * 440 * 2 ** ((m - 69) / 12) * t_env) for m in notes) / 3
        i = round(start_s * sr)
        chords[i : i + t_env.size] += (tone * envelope)[: n - i].astype(np.float32)
        for b in range(4):
            t = start_s + b * beat
            drum, name, gain = (kick, "kick", 0.9) if b in (0, 2) else (snare, "snare", 0.6)
            j = round(t * sr)
            drums[j : j + drum.size] += gain * drum[: n - j]
            hits.append((t, name))
            if b in (1, 3):
                continue
            h = round((t + beat / 2) * sr)
            drums[h : h + hat.size] += 0.25 * hat[: n - h]
            hits.append((t + beat / 2, "hat"))
    bars_s = [lead_in + k * 4 * beat for k in range(bars)]
    return np.vstack([drums, drums]), np.vstack([chords, chords]), {"bars": bars_s, "hits": hits}


def accuracy(items: int) -> None:
    sr = 22050
    phase_ok, offsets_ms, class_ok, class_total = 0, [], 0, 0
    for k in range(items):
        bpm = 68 + (32 * k) / max(items - 1, 1)
        drums, chords, truth = material(bpm, bars=8, sr=sr, seed=k)
        mix = (drums + chords) / 2
        grid = pa.beat_grid_detect(mix, sr, bpm_hint=bpm)
        regions = pa.loop_regions(grid, sample_rate=sr, n_samples=mix.shape[-1], bars=2)
        bars = np.array(truth["bars"])
        distances = [float(np.min(np.abs(bars - r.start / sr))) for r in regions]
        if regions and max(distances) < 0.02:
            phase_ok += 1
        offsets_ms.extend(1000 * d for d in distances if d < 0.1)
        hits = truth["hits"]
        for region in pa.one_shot_regions(drums, sr, max_len_s=1.0):
            t = region.start / sr
            nearest_t, expected = min(hits, key=lambda h: abs(h[0] - t))
            if abs(nearest_t - t) > 0.02:
                continue
            class_total += 1
            class_ok += pa.drum_hit_class(pa.one_shot_clip(drums, region, sr), sr) == expected
    print(
        f"bar phase: {phase_ok}/{items} mixes start their loops on true bar starts "
        f"({100 * phase_ok / items:.0f}%, target >= 90%)"
    )
    if offsets_ms:
        print(
            f"loop starts: median {statistics.median(offsets_ms):.1f} ms, worst {max(offsets_ms):.1f} ms "
            "from the true downbeat (target: worst <= 5 ms)"
        )
    print(
        f"drum hits: {class_ok}/{class_total} classified as the truth says "
        f"({100 * class_ok / max(class_total, 1):.0f}%, target >= 90%)"
    )


def timing() -> None:
    sr, bpm = 44100, 84.0
    bars = int(180 / (4 * 60 / bpm))
    drums, chords, _ = material(bpm, bars=bars, sr=sr, seed=99)
    started = time.perf_counter()
    grid = pa.beat_grid_detect((drums + chords) / 2, sr, bpm_hint=bpm)
    grid_s = time.perf_counter() - started
    started = time.perf_counter()
    for stem in (drums, chords):
        regions = pa.loop_regions(grid, sample_rate=sr, n_samples=stem.shape[-1], bars=4)
        pa.pick_regions(stem, regions, count=2)
        clips = [pa.one_shot_clip(stem, r, sr) for r in pa.one_shot_regions(stem, sr, max_len_s=2.0)]
        features = [pa.clip_features(c, sr) for c in clips[:200]]
        pa.most_distinct(features, 8)
    cut_s = time.perf_counter() - started
    print(f"3-minute stems at 44.1 kHz: beat grid {grid_s:.2f} s, loops and one-shots of 2 stems {cut_s:.2f} s")


def statements(rows: int = 300_000) -> None:
    lines = ["Reporting Date,Sale Month,Store,Artist,Title,ISRC,UPC,Quantity,Earnings (USD)"]
    for i in range(rows):
        lines.append(
            f"2026-05-01,2026-0{1 + i % 3},Store {i % 7},Artist,Title,QZLF126{i % 500:05d},,{i % 50},0.00{i % 97:02d}"
        )
    data = io.BytesIO("\n".join(lines).encode())
    started = time.perf_counter()
    result = statement_parse(data, default_currency="usd", default_month=dt.date(2026, 1, 1))
    elapsed = time.perf_counter() - started
    print(
        f"statement parser: {result.rows_read} rows into {len(result.totals)} totals in {elapsed:.2f} s "
        f"({result.rows_read / elapsed:,.0f} rows/s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=16, help="synthetic mixes for the accuracy figures")
    args = parser.parse_args()
    accuracy(args.items)
    timing()
    statements()


if __name__ == "__main__":
    main()
