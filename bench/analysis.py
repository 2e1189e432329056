"""Benchmark the analysis engine: tempo and key accuracy, and the time to analyse a 3-minute track.

Material with a known truth, made here in code:
- synthetic drum loops at 60-100 BPM (tempo only), chord progressions in all 24 keys (key only) and small
  "LoFi" tracks (drums, chords, bass, melody) in all 24 keys at 60-100 BPM (both), from
  tests/production/signals.py;
- when production/engine/render.py exists, the engine's own renders of several styles, keys and tempos:
  the brief is the truth.

Targets: tempo within 2% on >= 95% of items; key exact on >= 80% and exact-or-relative/fifth on >= 95%;
a 3-minute track analysed in under 5 s.

Run: .venv/bin/python bench/analysis.py [--renders N] [--render-s 45] [--verbose]
Analysis runs single-threaded (OPENBLAS_NUM_THREADS=1), as one worker per core would in production.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before numpy loads: one analysis per core

import argparse
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
import soundfile

from production.engine.analysis import analyze
from production.engine.brief import PITCH_CLASSES, Key
from production.engine.keydetect import camelot, parse_camelot
from tests.production import signals as testsignals

SAMPLE_RATE = 44100
BPMS = (60, 64, 68, 70, 72, 75, 78, 80, 82, 85, 88, 90, 92, 95, 98, 100)
ALL_KEYS = [Key(tonic, mode) for mode in ("minor", "major") for tonic in PITCH_CLASSES]


@dataclass
class Item:
    source: str
    name: str
    audio: np.ndarray
    bpm: float | None
    key: Key | None


@dataclass
class Outcome:
    item: Item
    bpm: float
    key: Key
    tempo_ok: bool | None
    key_exact: bool | None
    key_near: bool | None


def synthetic_items(duration_s: float) -> list[Item]:
    items = []
    for index, bpm in enumerate(BPMS):
        swing = (0.0, 0.15, 0.3)[index % 3]
        audio = testsignals.drum_loop(bpm=bpm, duration_s=duration_s, seed=index, swing=swing)
        items.append(Item("drum loop", f"{bpm} BPM swing {swing}", audio, bpm, None))
    for index, key in enumerate(ALL_KEYS):
        bpm = BPMS[index % len(BPMS)]
        audio = testsignals.chord_progression(key=key, bpm=bpm, duration_s=duration_s, seed=index)
        items.append(Item("chords", f"{key} (progression {index % 4})", audio, None, key))
    for index, key in enumerate(ALL_KEYS):
        bpm = BPMS[(index * 5) % len(BPMS)]
        track = testsignals.lofi_track(bpm=bpm, key=key, duration_s=duration_s, seed=index)
        items.append(Item("lofi", f"{key} {bpm} BPM", track.audio, bpm, key))
    return items


def render_items(count: int, duration_s: float) -> list[Item]:
    try:
        from production.engine import render as engine_render
        from production.engine.brief import Brief
        from production.engine.styles import PRESETS
    except ImportError as exc:
        print(f"engine renders: skipped ({exc})")
        return []
    styles = sorted(PRESETS)
    rng = np.random.default_rng(2024)
    items = []
    for index in range(count):
        style = styles[index % len(styles)]
        key = ALL_KEYS[int(rng.integers(len(ALL_KEYS)))]
        bpm = float(rng.integers(60, 101))
        brief = Brief(style=style, bpm=bpm, key=key, duration_s=duration_s, seed=1000 + index)
        started = time.perf_counter()
        result = engine_render.render(brief)
        elapsed_s = time.perf_counter() - started
        print(f"  rendered {style} {key} {bpm:g} BPM in {elapsed_s:.1f} s", file=sys.stderr)
        items.append(Item(f"render:{style}", f"{key} {bpm:g} BPM seed {brief.seed}", result.master, bpm, key))
    return items


def evaluate(item: Item) -> Outcome:
    result = analyze((item.audio, SAMPLE_RATE))
    found = Key(result.key, result.mode)
    tempo_ok = None if item.bpm is None else abs(result.bpm - item.bpm) <= 0.02 * item.bpm
    key_exact = key_near = None
    if item.key is not None:
        key_exact = found == item.key
        key_near = key_exact or _related(found, item.key)
    return Outcome(item, result.bpm, found, tempo_ok, key_exact, key_near)


def _related(a: Key, b: Key) -> bool:
    """Relative major/minor (same Camelot number) or a fifth away (Camelot ±1, same letter)."""
    number_a, letter_a = parse_camelot(camelot(a.tonic, a.mode))
    number_b, letter_b = parse_camelot(camelot(b.tonic, b.mode))
    if number_a == number_b:
        return True
    return letter_a == letter_b and (number_a - number_b) % 12 in (1, 11)


def seconds_per_3min_track() -> float:
    track = testsignals.lofi_track(bpm=84, key="D minor", duration_s=180.0, seed=7)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "three-minutes.wav"
        soundfile.write(str(path), track.audio.T, SAMPLE_RATE, subtype="PCM_24")
        timings = []
        for _ in range(3):
            started = time.perf_counter()
            analyze(path)
            timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def _percent(flags: list[bool]) -> str:
    return f"{100.0 * sum(flags) / len(flags):.1f}% ({sum(flags)}/{len(flags)})" if flags else "n/a"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=30.0, help="length of each synthetic item (s)")
    parser.add_argument("--renders", type=int, default=24, help="number of engine renders (0: none)")
    parser.add_argument("--render-s", type=float, default=45.0, help="length of each engine render (s)")
    parser.add_argument("--verbose", action="store_true", help="print every item")
    args = parser.parse_args()

    items = synthetic_items(args.duration)
    if args.renders:
        items += render_items(args.renders, args.render_s)
    outcomes = [evaluate(item) for item in items]

    if args.verbose:
        for o in outcomes:
            marks = []
            if o.tempo_ok is not None:
                marks.append(f"tempo {o.bpm:6.2f} {'ok' if o.tempo_ok else 'WRONG'}")
            if o.key_exact is not None:
                verdict = "exact" if o.key_exact else ("near" if o.key_near else "WRONG")
                marks.append(f"key {o.key!s:9} {verdict}")
            print(f"{o.item.source:18} {o.item.name:32} " + "  ".join(marks))

    sources = sorted({o.item.source.split(":")[0] for o in outcomes})
    for source in sources:
        subset = [o for o in outcomes if o.item.source.split(":")[0] == source]
        tempo = [o.tempo_ok for o in subset if o.tempo_ok is not None]
        exact = [o.key_exact for o in subset if o.key_exact is not None]
        near = [o.key_near for o in subset if o.key_near is not None]
        print(
            f"{source:10} items={len(subset):3d}  tempo within 2%: {_percent(tempo):18}  "
            f"key exact: {_percent(exact):18}  key exact-or-relative/fifth: {_percent(near)}"
        )
    tempo = [o.tempo_ok for o in outcomes if o.tempo_ok is not None]
    exact = [o.key_exact for o in outcomes if o.key_exact is not None]
    near = [o.key_near for o in outcomes if o.key_near is not None]
    print(
        f"ALL        items={len(outcomes):3d}  tempo within 2%: {_percent(tempo):18}  "
        f"key exact: {_percent(exact):18}  key exact-or-relative/fifth: {_percent(near)}"
    )
    print(f"speed: {seconds_per_3min_track():.2f} s to analyse a 3-minute 44.1 kHz stereo WAV (median of 3)")


if __name__ == "__main__":
    main()
