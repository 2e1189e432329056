"""Benchmark the whole render pipeline (compose -> synth -> fx -> master -> qc) on 3-minute tracks.

Each style renders in its own child process, so the peak memory printed is that render's own. A child
first renders a short warm-up track (imports, filter designs, first-touch of memory), then
the timed full-length track; with --repeat the fastest run counts.

Realtime factor = audio seconds / wall seconds, per stage and for the whole pipeline (the issue's
figure, and the last line). CPU seconds of the child are printed too: on a shared machine wall time also
counts the time other people's processes hold the cores, CPU time does not; the load average is printed
before and after so a reader can tell which applies. Peak memory per stage is the process's resident
high-water mark over that stage (reset before it through /proc/self/clear_refs), so it includes what
earlier stages still hold (the score, the stems). BLAS/OpenMP threads are pinned to one (one render
job = one core) and numpy's huge-page advice is off (NUMPY_MADVISE_HUGEPAGE=0; see below).
Target: >= 50x for the pipeline, peak memory < 1 GB.

Run: .venv/bin/python bench/render.py [--seconds 180] [--styles jazz,boom_bap,...] [--repeat 1]
The last line is `realtime_factor=<x>`: total audio seconds / total pipeline wall seconds over all styles.
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
# numpy asks the kernel for transparent huge pages on big arrays; with THP defrag set to "madvise" (as on
# this machine) every first touch may compact memory synchronously, which costs more system time than the
# pages save. Read by numpy at import.
os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")

import argparse  # noqa: E402
import multiprocessing  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

STAGES = ("compose", "synth", "fx", "master", "qc")
DEFAULT_STYLES = "jazz,boom_bap,ambient,study,rainy_day,cafe,japanese"


def _reset_peak_rss() -> bool:
    """Reset the resident high-water mark (VmHWM) to the current RSS; False where Linux does not allow it."""
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
        return True
    except OSError:
        return False


def _peak_rss_mb() -> float:
    """The resident high-water mark since the last reset (VmHWM), or ru_maxrss where there is no /proc."""
    try:
        with open("/proc/self/status") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _stage_cpu_times(brief) -> dict[str, float]:
    """CPU seconds and peak resident memory per stage, measured by wrapping the stage functions the
    pipeline calls."""
    from production.engine import render as pipeline

    cpu: dict[str, float] = {}
    peak_mb: dict[str, float] = {}
    originals = {
        "compose": pipeline.compose,
        "synth": pipeline.render_stems,
        "fx": pipeline.fx.process,
        "master": pipeline.master.master,
        "qc": pipeline.qc.check,
    }

    def wrap(name, function):
        def timed(*args, **kwargs):
            _reset_peak_rss()
            started = time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                cpu[name] = cpu.get(name, 0.0) + time.process_time() - started
                peak_mb[name] = max(peak_mb.get(name, 0.0), _peak_rss_mb())

        return timed

    pipeline.compose = wrap("compose", originals["compose"])
    pipeline.render_stems = wrap("synth", originals["synth"])
    pipeline.fx.process = wrap("fx", originals["fx"])
    pipeline.master.master = wrap("master", originals["master"])
    pipeline.qc.check = wrap("qc", originals["qc"])
    try:
        started = time.process_time()
        result = pipeline.render(brief)
        cpu["total"] = time.process_time() - started
    finally:
        pipeline.compose = originals["compose"]
        pipeline.render_stems = originals["synth"]
        pipeline.fx.process = originals["fx"]
        pipeline.master.master = originals["master"]
        pipeline.qc.check = originals["qc"]
    peak_mb["total"] = max(peak_mb.values())
    return {
        "wall": result.timings,
        "cpu": cpu,
        "peak_mb": peak_mb,
        "qc_passed": result.qc.passed,
        "lufs": result.qc.integrated_lufs,
        "tp": result.qc.true_peak_dbtp,
        "parts": len(result.stems),
    }


def _child(style: str, seconds: float, repeat: int, queue) -> None:
    from production.engine.brief import Brief, Key
    from production.engine.render import render
    from production.engine.styles import PRESETS

    low, high = PRESETS[style].tempo_range_bpm
    brief_args = {
        "style": style,
        "bpm": (low + high) / 2,
        "key": Key("A", "minor"),
        "seed": 11,
        "ambience": PRESETS[style].default_ambience,
    }
    render(Brief(duration_s=8.0, **brief_args))  # warm-up
    best = None
    for _ in range(max(repeat, 1)):
        run = _stage_cpu_times(Brief(duration_s=seconds, **brief_args))
        if best is None or run["wall"]["total"] < best["wall"]["total"]:
            best = run
    # ru_maxrss cannot be used here: resetting VmHWM before each stage (clear_refs) resets the kernel's
    # high-water mark that ru_maxrss reads too, so it would only see the stages after the last reset. The
    # render's peak is the highest of its stages' peaks.
    best["maxrss_mb"] = best["peak_mb"]["total"]
    queue.put(best)


def _load() -> str:
    return ", ".join(f"{value:.2f}" for value in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=180.0)
    parser.add_argument("--styles", default=DEFAULT_STYLES)
    parser.add_argument("--repeat", type=int, default=1, help="runs per style; the fastest counts")
    args = parser.parse_args()
    styles = [s.strip() for s in args.styles.split(",") if s.strip()]
    context = multiprocessing.get_context("spawn")

    print(f"{args.seconds:.0f} s tracks, styles: {', '.join(styles)}; one thread; realtime factor = audio s / s")
    print(f"load average at start: {_load()} on {os.cpu_count()} cores")
    header = " ".join(f"{stage + ' x':>9s}" for stage in (*STAGES, "total"))
    print(f"{'style':10s} {header} {'cpu x':>7s} {'peak MB':>8s} parts  LUFS   dBTP  QC")
    wall_sums = dict.fromkeys((*STAGES, "total"), 0.0)
    cpu_sums = dict.fromkeys((*STAGES, "total"), 0.0)
    stage_peaks = dict.fromkeys((*STAGES, "total"), 0.0)
    peaks = []
    for style in styles:
        queue = context.Queue()
        child = context.Process(target=_child, args=(style, args.seconds, args.repeat, queue))
        child.start()
        run = queue.get()
        child.join()
        for stage in wall_sums:
            wall_sums[stage] += run["wall"][stage]
            cpu_sums[stage] += run["cpu"][stage]
            stage_peaks[stage] = max(stage_peaks[stage], run["peak_mb"][stage])
        peaks.append(run["maxrss_mb"])
        factors = " ".join(f"{args.seconds / max(run['wall'][stage], 1e-9):9.1f}" for stage in (*STAGES, "total"))
        print(
            f"{style:10s} {factors} {args.seconds / run['cpu']['total']:7.1f} {run['maxrss_mb']:8.0f} "
            f"{run['parts']:5d} {run['lufs']:6.2f} {run['tp']:6.2f}  {'pass' if run['qc_passed'] else 'FAIL'}"
        )

    audio_s = args.seconds * len(styles)
    print()
    print("stage      wall s   cpu s   wall x    cpu x  peak MB")
    for stage in (*STAGES, "total"):
        print(
            f"{stage:8s} {wall_sums[stage]:8.2f} {cpu_sums[stage]:7.2f} {audio_s / wall_sums[stage]:8.1f} "
            f"{audio_s / cpu_sums[stage]:8.1f} {stage_peaks[stage]:8.0f}"
        )
    print(f"peak memory per render: max {max(peaks):.0f} MB (resident high-water mark over the stages)")
    print(f"load average at end: {_load()} (wall x counts other processes' use of the cores; cpu x does not)")
    print(f"cpu_realtime_factor={audio_s / cpu_sums['total']:.1f}")
    print(f"realtime_factor={audio_s / wall_sums['total']:.1f}")


if __name__ == "__main__":
    main()
