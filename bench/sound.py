"""The label's sound, measured per style (issue 10): renders a 75-second track of every style and prints
one line of key=value figures per style, then a summary.

    .venv/bin/python bench/sound.py [--duration 75] [--seed 1] [--styles jazz,cafe]

Figures per style:
  edge_in_db / edge_out_db   peak level (dBFS) of the master's first / last 20 ms (done when <= -45)
  spikes                     sample-level discontinuities in the stems away from note onsets (a second-
                             difference spike detector; done when 0)
  same_hits                  consecutive hits of one drum piece that are the same waveform, of all pairs
  grid_diff_pct              % of (bar x part) on/off cells that differ between two seeds of the brief
                             (mean and minimum over 5 seed pairs; done when >= 20)
  hook_repeats               times the most frequent bar figure (rhythm and intervals) of the melody is
                             heard (done when >= 3)
  keys_vel_std / mel_vel_std velocity standard deviation of the main comping part and the melody (>= 8)
  lufs / true_peak           integrated loudness and true peak of the master
  key_asked / key_heard      the brief's key and what production.engine.analysis hears in the master
  instruments                part:voice as the render recorded it (RenderResult.instruments)
  form                       the seeded form (sections and their treatments)
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from production.engine.analysis import analyze
from production.engine.brief import Brief, Key
from production.engine.compose import compose
from production.engine.melody import hook_repeats
from production.engine.render import render
from production.engine.styles import PRESETS, preset_for

# One key per style, including the keys the issue found misheard (C# minor, Bb major, E minor).
KEYS = {
    "jazz": "C# minor",
    "boom_bap": "Bb major",
    "ambient": "E minor",
    "study": "F major",
    "rainy_day": "G minor",
    "cafe": "Eb major",
    "japanese": "A minor",
}
HARMONY_PARTS = ("keys", "piano", "pluck", "pad")
DRUM_PIECES_MIN_HITS = 2


def _brief(style: str, seed: int, duration_s: float) -> Brief:
    low, high = PRESETS[style].tempo_range_bpm
    return Brief(style=style, bpm=(low + high) / 2, key=Key.parse(KEYS[style]), duration_s=duration_s, seed=seed)


def edge_db(master: np.ndarray, sample_rate: int) -> tuple[float, float]:
    """Peak level (dBFS) of the first and the last 20 ms."""
    n = int(0.02 * sample_rate)
    first, last = np.abs(master[:, :n]).max(), np.abs(master[:, -n:]).max()
    return tuple(float(20 * np.log10(max(v, 1e-12))) for v in (first, last))


def discontinuities(stem: np.ndarray, onsets_s: np.ndarray, sample_rate: int) -> int:
    """Clicks: samples whose second difference stands out 12x above the local (10 ms) RMS of the second
    difference and above -46 dBFS, more than 15 ms after any note onset of the part."""
    mono = stem.mean(axis=0).astype(np.float64)
    d2 = np.abs(np.diff(mono, 2))
    window = int(0.01 * sample_rate)
    power = np.convolve(d2**2, np.ones(window) / window, mode="same")
    local = np.sqrt(np.maximum(power - d2**2 / window, 0.0))  # the neighbourhood without the sample itself
    spikes = np.flatnonzero((d2 > 12 * local) & (d2 > 0.005))
    if not len(spikes) or not len(onsets_s):
        return len(spikes)
    onsets = np.sort((np.asarray(onsets_s) * sample_rate).astype(np.int64))
    before = np.searchsorted(onsets, spikes + 1, side="right") - 1
    near = (before >= 0) & (spikes + 1 - onsets[np.maximum(before, 0)] < int(0.015 * sample_rate))
    spikes = spikes[~near]
    if not len(spikes):
        return 0
    return int(1 + np.count_nonzero(np.diff(spikes) > window))  # one click may span a few samples


def same_drum_hits(result, brief: Brief) -> tuple[int, int]:
    """(identical consecutive hits, pairs) of each drum piece, each piece rendered alone as the engine plays
    it (the stem mixes overlapping pieces, which would hide identical waveforms)."""
    import pretty_midi

    from production.engine.instruments import sources_for
    from production.engine.synth import sampled

    drums = next((i for i in result.score.instruments if i.name == "drums"), None)
    if drums is None:
        return 0, 0
    voices = {part: info["voice"] for part, info in result.instruments.items()}
    preset = preset_for(brief.style)
    source = sources_for(brief.style, ["drums"], voices, overrides=preset.palette)["drums"]
    if source.kind != "soundfont":
        return -1, 0
    sr = brief.sample_rate
    same = pairs = 0
    for pitch in sorted({n.pitch for n in drums.notes}):
        notes = sorted((n for n in drums.notes if n.pitch == pitch), key=lambda n: n.start)
        if len(notes) < DRUM_PIECES_MIN_HITS:
            continue
        alone = pretty_midi.Instrument(0, is_drum=True, name="drums")
        alone.notes = notes
        n = round(brief.duration_s * sr)
        stem = sampled.render_drums(alone, source, n, sr, gain=1.0)
        stem = stem.T if stem.shape[0] != 2 else stem
        length = int(0.04 * sr)
        for a, b in itertools.pairwise(notes):
            start_a, start_b = round(a.start * sr), round(b.start * sr)
            seg = min(length, start_b - start_a, n - start_b)
            if seg < 64:
                continue
            pairs += 1
            # the same sample played louder or softer is still the same hit: compare shapes, not levels
            x, y = stem[:, start_a : start_a + seg], stem[:, start_b : start_b + seg]
            x, y = x / max(np.max(np.abs(x)), 1e-9), y / max(np.max(np.abs(y)), 1e-9)
            if np.max(np.abs(x - y)) <= 1e-3:
                same += 1
    return same, pairs


def grid_diff(style: str, seed: int, duration_s: float) -> tuple[float, float]:
    """(mean, min) % of (bar x part) on/off cells that differ between seed pairs of one brief."""
    values = []
    for k in range(5):
        a = compose(_brief(style, seed + 2 * k, duration_s), PRESETS[style])
        b = compose(_brief(style, seed + 2 * k + 1, duration_s), PRESETS[style])
        parts = sorted(set(a.part_bars) | set(b.part_bars))
        empty = (False,) * a.total_bars
        cells = sum(len(a.part_bars.get(p, empty)) for p in parts)
        diff = sum(
            x != y for p in parts for x, y in zip(a.part_bars.get(p, empty), b.part_bars.get(p, empty), strict=True)
        )
        values.append(100.0 * diff / cells)
    return float(np.mean(values)), float(np.min(values))


def measure(style: str, seed: int, duration_s: float) -> dict:
    brief = _brief(style, seed, duration_s)
    started = time.perf_counter()
    result = render(brief)
    render_s = time.perf_counter() - started
    score = compose(brief, preset_for(style))
    sr = result.sample_rate
    edge_in, edge_out = edge_db(result.master, sr)
    spikes = 0
    for part, stem in result.stems.items():
        inst = score.part(part)
        onsets = np.array([n.start for n in inst.notes]) if inst is not None else np.zeros(0)
        spikes += discontinuities(stem, onsets, sr)
    same, pairs = same_drum_hits(result, brief)
    mean_diff, min_diff = grid_diff(style, seed, duration_s)
    melody = score.part("melody")
    main = next((score.part(p) for p in HARMONY_PARTS if score.part(p) is not None), None)
    bar_s = 240.0 / score.bpm
    heard = analyze((result.master, sr))
    return {
        "style": style,
        "edge_in_db": round(edge_in, 1),
        "edge_out_db": round(edge_out, 1),
        "spikes": spikes,
        "same_hits": f"{same}/{pairs}" if same >= 0 else "n/a(builtin)",
        "grid_diff_pct": round(mean_diff, 1),
        "grid_diff_min_pct": round(min_diff, 1),
        "hook_repeats": hook_repeats(melody.notes, bar_s) if melody is not None else 0,
        "keys_vel_std": round(float(np.std([n.velocity for n in main.notes])), 1) if main is not None else 0.0,
        "mel_vel_std": round(float(np.std([n.velocity for n in melody.notes])), 1) if melody is not None else 0.0,
        "lufs": round(result.qc.integrated_lufs, 2),
        "true_peak": round(result.qc.true_peak_dbtp, 2),
        "key_asked": str(brief.key).replace(" ", "_"),
        "key_heard": f"{heard.key}_{heard.mode}",
        "render_s": round(render_s, 1),
        "instruments": ",".join(f"{p}:{i.get('voice', '?')}" for p, i in result.instruments.items()),
        "form": score.form.name.replace(" ", "|") if score.form is not None else "",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=75.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--styles", default=",".join(PRESETS))
    args = parser.parse_args()
    rows = []
    for style in args.styles.split(","):
        row = measure(style, args.seed, args.duration)
        rows.append(row)
        print(" ".join(f"{k}={v}" for k, v in row.items()), flush=True)
    keys_ok = sum(r["key_heard"] == r["key_asked"] for r in rows)
    print(
        "summary"
        f" styles={len(rows)}"
        f" edges_ok={sum(r['edge_in_db'] <= -45 and r['edge_out_db'] <= -45 for r in rows)}/{len(rows)}"
        f" spikes_total={sum(r['spikes'] for r in rows)}"
        f" grid_diff_min_pct={min(r['grid_diff_min_pct'] for r in rows)}"
        f" hook_repeats_min={min(r['hook_repeats'] for r in rows)}"
        f" keys_vel_std_min={min(r['keys_vel_std'] for r in rows)}"
        f" mel_vel_std_min={min(r['mel_vel_std'] for r in rows)}"
        f" keys_heard_as_asked={keys_ok}/{len(rows)}"
        f" lufs_range={min(r['lufs'] for r in rows)}..{max(r['lufs'] for r in rows)}"
        f" true_peak_max={max(r['true_peak'] for r in rows)}"
    )


if __name__ == "__main__":
    main()
