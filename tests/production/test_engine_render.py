"""The render pipeline: every style reaches the loudness and true-peak targets, same seed = same audio."""

from __future__ import annotations

import numpy as np
import pytest

from production.engine.brief import Brief, Key
from production.engine.loudness import measure
from production.engine.render import render
from production.engine.styles import PRESETS

SR = 44100


def _brief(style: str, *, seed: int = 3, duration_s: float = 8.0, **extra) -> Brief:
    low, high = PRESETS[style].tempo_range_bpm
    return Brief(style=style, bpm=(low + high) / 2, key=Key("F", "minor"), duration_s=duration_s, seed=seed, **extra)


@pytest.mark.parametrize("style", sorted(PRESETS))
def test_every_style_renders_a_master_at_target_loudness_under_the_ceiling(style):
    brief = _brief(style, ambience=PRESETS[style].default_ambience)
    result = render(brief)
    n = round(brief.duration_s * SR)
    assert result.master.dtype == np.float32 and result.master.shape == (2, n)
    measured = measure(result.master, sample_rate=SR)  # an independent meter, not the master's own numbers
    assert abs(measured.integrated_lufs - brief.target_lufs) <= 0.5
    assert measured.true_peak_dbtp <= brief.true_peak_ceiling_db + 1e-6
    assert result.qc.passed, result.qc.failures
    assert set(result.stems) == set(PRESETS[style].parts)
    assert all(stem.shape == (2, n) and stem.dtype == np.float32 for stem in result.stems.values())
    assert result.sections[0].start_s == 0.0
    assert [s.name for s in result.sections] == ["A", "B", "A'"][: len(result.sections)]  # short: no intro
    assert set(result.timings) == {"compose", "synth", "fx", "master", "qc", "total"}
    assert result.timings["total"] >= sum(v for k, v in result.timings.items() if k != "total") * 0.99
    assert {inst.name for inst in result.score.instruments} == set(PRESETS[style].parts)


def test_same_brief_gives_bit_identical_audio_and_another_seed_other_music():
    first = render(_brief("jazz", duration_s=6.0))
    again = render(_brief("jazz", duration_s=6.0))
    other = render(_brief("jazz", seed=4, duration_s=6.0))
    assert np.array_equal(first.master, again.master)
    assert all(np.array_equal(first.stems[p], again.stems[p]) for p in first.stems)
    assert not np.array_equal(first.master, other.master)
    assert first.chord_chart() == again.chord_chart()
    notes = [[(n.start, n.pitch) for n in inst.notes] for inst in first.score.instruments]
    other_notes = [[(n.start, n.pitch) for n in inst.notes] for inst in other.score.instruments]
    assert notes != other_notes


def test_progress_rises_from_0_to_100():
    seen: list[int] = []
    render(_brief("ambient", duration_s=5.0), progress=seen.append)
    assert seen[0] == 0 and seen[-1] == 100
    assert seen == sorted(seen) and len(seen) == 6


def test_bad_overrides_are_refused_before_any_audio_work():
    calls: list[int] = []
    with pytest.raises(ValueError, match="unknown style override"):
        render(_brief("study"), preset_overrides={"tempo": 80}, progress=calls.append)
    with pytest.raises(ValueError, match="unknown fx settings"):
        render(_brief("study"), fx_overrides={"shimmer": 1.0}, progress=calls.append)
    assert calls == []


def test_overrides_and_layers_change_what_is_rendered():
    plain = render(_brief("study", duration_s=5.0))
    thinned = render(_brief("study", duration_s=5.0, layers={"pad": False}), preset_overrides={"perc_layers": []})
    assert "pad" in plain.stems and "pad" not in thinned.stems
    perc = thinned.score.instruments[[i.name for i in thinned.score.instruments].index("perc")]
    assert perc.notes == []
    wobbly = render(_brief("study", duration_s=5.0), fx_overrides={"wow_depth_ms": 4.0})
    assert not np.array_equal(plain.master, wobbly.master)
    assert np.array_equal(plain.stems["drums"], wobbly.stems["drums"])  # wow is on the bus, not the stems


def test_result_carries_a_json_ready_chord_chart_and_section_map():
    result = render(_brief("cafe", duration_s=6.0))
    chart = result.chord_chart()
    assert chart and {"bar", "start_s", "end_s", "symbol", "numeral", "source"} <= set(chart[0])
    assert chart[0]["start_s"] == 0.0
    sections = result.section_map()
    assert sections[0]["start_s"] == 0.0 and sections[-1]["end_bar"] == max(c["bar"] for c in chart) + 1
    assert result.kick_times_s.size > 0
