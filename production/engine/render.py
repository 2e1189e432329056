"""The whole render pipeline: brief -> compose -> synth -> LoFi fx -> master -> QC.

Plain values in and out, no Django. The Django render job calls `render` and stores what it returns.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pretty_midi
from threadpoolctl import threadpool_limits

from . import fx, master, qc
from .arrangement import ChordSpan, Section
from .automation import apply_part_events
from .brief import Brief
from .compose import compose
from .instruments import sources_for
from .styles import preset_for
from .synth import render_stems, sampled

# Share of the progress bar reached when each stage finishes (compose is quick, the audio stages are not).
_PROGRESS = {"compose": 5, "synth": 40, "fx": 75, "master": 92, "qc": 100}
RELEASE_FONTS_FROM_S = 60.0  # renders this long free the decoded SoundFonts once their stems are played


@dataclass
class RenderResult:
    """A finished render. Audio arrays are float32 (2, n) at `sample_rate`."""

    master: np.ndarray
    stems: dict[str, np.ndarray]  # part -> stem after its own effects (what a stem pack ships)
    score: pretty_midi.PrettyMIDI
    sections: tuple[Section, ...]
    qc: qc.QCReport
    timings: dict[str, float]  # stage -> seconds: compose, synth, fx, master, qc, total
    sample_rate: int
    chords: tuple[ChordSpan, ...] = ()
    kick_times_s: np.ndarray = field(default_factory=lambda: np.zeros(0))
    master_gain_db: float = 0.0
    # part -> what played it: {"voice", "origin", "file", "sha256", "bank", "preset"} for a SoundFont
    # preset, {"voice", "origin": "builtin", "synth"} for the built-in synth (JSON-safe)
    instruments: dict[str, dict] = field(default_factory=dict)

    def chord_chart(self) -> list[dict]:
        """JSON-safe chord list: one entry per chord with bar, times, symbol, numeral and origin."""
        return [
            {
                "bar": span.bar,
                "start_s": round(span.start_s, 4),
                "end_s": round(span.end_s, 4),
                "symbol": span.chord.symbol,
                "numeral": span.chord.numeral,
                "source": span.chord.source,
                "borrowed_from": span.chord.borrowed_from,
            }
            for span in self.chords
        ]

    def section_map(self) -> list[dict]:
        """JSON-safe section list: name, bars and times."""
        return [
            {
                "name": s.name,
                "start_bar": s.start_bar,
                "end_bar": s.end_bar,
                "start_s": round(s.start_s, 4),
                "end_s": round(s.end_s, 4),
            }
            for s in self.sections
        ]


def render(
    brief: Brief,
    *,
    preset_overrides: dict | None = None,
    fx_overrides: dict | None = None,
    progress: Callable[[int], None] | None = None,
    soundfont_dir: str | None = None,
) -> RenderResult:
    """Render the brief to a mastered track with stems, score and QC report.

    Takes a Brief, optional admin overrides of the style preset (styles.preset_for) and of the effects
    (fx.fx_settings_for), an optional progress callback (called with 0, then a rising percentage as each
    stage finishes, ending at 100) and the label's own SoundFont folder (instruments.resolve: files there
    come before the OS's SoundFonts and pretty_midi's TimGM6mb).
    Guarantees: the master is (2, round(duration_s * sample_rate)) float32 at the brief's target loudness
    and under its true-peak ceiling (master.MasteringError otherwise); the same brief and overrides give
    bit-identical audio; the QC report says whether the track passed and why not. Raises ValueError for
    bad overrides before any audio work starts.
    """
    # Every matrix product in the pipeline is small: BLAS worker threads would only fight over the cores
    # (a render job is one core's work; scale out with more workers instead).
    with threadpool_limits(limits=1, user_api="blas"):
        return _render(
            brief,
            preset_overrides=preset_overrides,
            fx_overrides=fx_overrides,
            progress=progress,
            soundfont_dir=soundfont_dir,
        )


def _render(
    brief: Brief,
    *,
    preset_overrides: dict | None,
    fx_overrides: dict | None,
    progress: Callable[[int], None] | None,
    soundfont_dir: str | None,
) -> RenderResult:
    report = progress or (lambda _percent: None)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    preset = preset_for(brief.style, preset_overrides)
    fx.fx_settings_for(brief.style, fx_overrides)  # refuse bad overrides before the expensive stages
    report(0)

    def stage(name: str, began: float) -> float:
        now = time.perf_counter()
        timings[name] = now - began
        report(_PROGRESS[name])
        return now

    clock = started
    score = compose(brief, preset)
    clock = stage("compose", clock)
    # The parts' insert tone filters run in the synth, on each shared note core where that is less work
    # than filtering the whole stem (a linear filter: the same sound); the effects then skip them.
    insert_filters = fx.insert_filters(
        brief.style, sample_rate=brief.sample_rate, overrides=fx_overrides, mood=brief.mood
    )
    sources = sources_for(
        brief.style, score.parts, dict(score.voices), overrides=preset.palette, label_dir=soundfont_dir
    )
    raw_stems = render_stems(
        score, sample_rate=brief.sample_rate, seed=brief.seed, sources=sources, part_filters=insert_filters
    )
    if brief.duration_s >= RELEASE_FONTS_FROM_S:
        # The decoded SoundFonts (~320 MB) are not needed by the stages to come: a long render's fx and
        # mastering run without them (its peak memory is its synth stage's), and the next render reloads
        # them (~0.3 s, bit-identical). Short renders (previews, tests) keep them for speed.
        sampled.release_fonts()
    events = tuple(getattr(score, "events", ()) or ())
    apply_part_events(raw_stems, events, sample_rate=brief.sample_rate)
    clock = stage("synth", clock)
    # The raw stems are not part of the result: the effects overwrite them with the processed stems
    # (seven fewer full-length buffers, which on a busy machine cost more in page faults than the math).
    mix, stems = fx.process(
        raw_stems,
        style=brief.style,
        sample_rate=brief.sample_rate,
        seed=brief.seed,
        kick_times_s=score.kick_times_s,
        ambience=brief.ambience,
        overrides=fx_overrides,
        mood=brief.mood,
        in_place=True,
        prefiltered=insert_filters.keys(),
        events=events,
    )
    del raw_stems
    clock = stage("fx", clock)
    mastered = master.master(
        mix,
        sample_rate=brief.sample_rate,
        target_lufs=brief.target_lufs,
        true_peak_ceiling_db=brief.true_peak_ceiling_db,
        in_place=True,
    )
    del mix  # overwritten by the mastering EQ and glue: not part of the result
    clock = stage("master", clock)
    report_qc = qc.check(
        mastered.audio,
        sample_rate=brief.sample_rate,
        target_lufs=brief.target_lufs,
        true_peak_ceiling_db=brief.true_peak_ceiling_db,
        expected_duration_s=brief.duration_s,
        style=brief.style,
    )
    stage("qc", clock)
    timings["total"] = time.perf_counter() - started
    return RenderResult(
        master=mastered.audio,
        stems=stems,
        score=score.midi,
        sections=score.sections,
        qc=report_qc,
        timings=timings,
        sample_rate=brief.sample_rate,
        chords=score.chords,
        kick_times_s=score.kick_times_s,
        master_gain_db=mastered.gain_db,
        instruments={part: source.provenance() for part, source in sources.items()},
    )
