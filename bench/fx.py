"""Benchmark the LoFi effects chain and the mastering stage on 3 minutes of stereo stems per style.

Material: eight synthetic stereo stems (drums, perc, bass, keys, piano, pad, pluck, melody: tones and
filtered noise at a steady tempo, panned like the synth renders them) from
tests/production/lofi_test_signals.py. Each style runs fx.process then master.master (and qc.check,
reported apart: it is not part of the fx+master figure).

Realtime factor = audio seconds / processing seconds. Threads are pinned to one (the render pipeline
runs one job per core), and CPU time of this process is reported next to wall time: on a shared machine
wall time also counts other people's work. The target is fx+master well above 80x on one core.

Run: .venv/bin/python bench/fx.py [--seconds 180] [--styles jazz,study] [--repeat 2] [--in-place]
The last line is `realtime_factor=<x>` (fx+master over all styles, CPU time, best of the repeats).
"""

from __future__ import annotations

import os

for _variable in (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "NUMBA_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
):
    os.environ[_variable] = "1"  # before numpy loads: one core, as one render worker has

import argparse  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from production.engine import fx, master, qc  # noqa: E402
from tests.production.lofi_test_signals import synthetic_stems  # noqa: E402

SAMPLE_RATE = 44100


def _timed(function):
    wall, cpu = time.perf_counter(), time.process_time()
    result = function()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=180.0)
    parser.add_argument("--styles", default=",".join(fx.STYLES))
    parser.add_argument("--repeat", type=int, default=1, help="runs per style; the fastest counts")
    parser.add_argument(
        "--in-place",
        action="store_true",
        help="fx.process writes the processed stems over (copies of) the raw ones and "
        "master.master works in the mix buffer, as a render that is done with them can",
    )
    args = parser.parse_args()
    styles = [style.strip() for style in args.styles.split(",") if style.strip()]

    stems, kick_times_s = synthetic_stems(duration_s=args.seconds, sample_rate=SAMPLE_RATE, seed=1)
    print(f"{len(stems)} stereo stems of {args.seconds:.0f} s at {SAMPLE_RATE} Hz; styles: {', '.join(styles)}")
    print(
        f"{'style':10s} {'fx cpu':>8s} {'fx x':>6s} {'master cpu':>10s} {'master x':>8s} "
        f"{'fx+master x':>11s} {'wall x':>7s} {'qc x':>6s}  LUFS   dBTP  QC"
    )
    totals = {"fx": 0.0, "master": 0.0, "wall": 0.0, "qc": 0.0}
    for style in styles:
        best = None
        for _ in range(max(args.repeat, 1)):
            # In-place runs get fresh copies (made outside the timing): the render pipeline's raw stems
            # are fresh too, and the next style must not see processed ones.
            inputs = {part: audio.copy() for part, audio in stems.items()} if args.in_place else stems
            (mix, _processed), fx_wall, fx_cpu = _timed(
                lambda s=style, i=inputs: fx.process(
                    i,
                    style=s,
                    sample_rate=SAMPLE_RATE,
                    seed=7,
                    kick_times_s=kick_times_s,
                    ambience="default",
                    in_place=args.in_place,
                )
            )
            result, master_wall, master_cpu = _timed(
                lambda m=mix: master.master(m, sample_rate=SAMPLE_RATE, in_place=args.in_place)
            )
            report, _qc_wall, qc_cpu = _timed(
                lambda r=result, s=style: qc.check(
                    r.audio,
                    sample_rate=SAMPLE_RATE,
                    target_lufs=-14.0,
                    true_peak_ceiling_db=-1.0,
                    expected_duration_s=args.seconds,
                    style=s,
                )
            )
            run = (fx_cpu, master_cpu, fx_wall + master_wall, qc_cpu, result, report)
            if best is None or run[0] + run[1] < best[0] + best[1]:
                best = run
            del mix, _processed, inputs
        fx_cpu, master_cpu, wall, qc_cpu, result, report = best
        totals["fx"] += fx_cpu
        totals["master"] += master_cpu
        totals["wall"] += wall
        totals["qc"] += qc_cpu
        print(
            f"{style:10s} {fx_cpu:7.2f}s {args.seconds / fx_cpu:5.0f}x {master_cpu:9.2f}s "
            f"{args.seconds / master_cpu:7.0f}x {args.seconds / (fx_cpu + master_cpu):10.0f}x "
            f"{args.seconds / wall:6.0f}x {args.seconds / qc_cpu:5.0f}x "
            f"{result.integrated_lufs:6.2f} {result.true_peak_dbtp:6.2f}  "
            f"{'pass' if report.passed else 'FAIL: ' + '; '.join(report.failures)}"
        )

    audio_s = args.seconds * len(styles)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"fx: {audio_s / totals['fx']:.0f}x  master: {audio_s / totals['master']:.0f}x  "
        f"qc: {audio_s / totals['qc']:.0f}x  fx+master wall: {audio_s / totals['wall']:.0f}x"
    )
    print(f"peak memory (RSS, includes the stems themselves): {peak_mb:.0f} MB")
    print(f"realtime_factor={audio_s / (totals['fx'] + totals['master']):.1f}")


if __name__ == "__main__":
    main()
