"""Tempo and beat grid: slow LoFi grooves must not come out at double speed."""

from __future__ import annotations

import numpy as np
import pytest

from production.engine.analysis import ONSET_FRAME_RATE, analyze
from production.engine.tempo import estimate_tempo
from tests.production.signals import drum_loop

SR = 44100


@pytest.mark.parametrize(("bpm", "swing"), [(70, 0.0), (85, 0.2), (95, 0.0)])
def test_drum_loop_tempo_without_octave_error(bpm, swing):
    loop = drum_loop(bpm=bpm, duration_s=20.0, seed=bpm, swing=swing)

    result = analyze((loop, SR))

    assert result.bpm == pytest.approx(bpm, rel=0.02)
    assert result.bpm_confidence > 0.3


def test_beat_grid_lands_on_the_kicks_and_snares():
    bpm = 78
    loop = drum_loop(bpm=bpm, duration_s=20.0, seed=5, hats=False)

    beats = analyze((loop, SR)).beat_times_s

    period = 60.0 / bpm
    assert np.median(np.diff(beats)) == pytest.approx(period, rel=0.01)
    # every drum hit sits on a multiple of the period from t=0: the grid's phase must match
    phase_error = (beats + period / 2) % period - period / 2
    assert np.max(np.abs(phase_error)) < 0.03


@pytest.mark.parametrize("bpm", [64, 72])
def test_loud_hi_hat_subdivision_is_not_taken_for_the_beat(bpm):
    """Eighth-note hats as loud as the kicks and snares, twice as dense: still the quarter-note tempo."""
    loop = drum_loop(bpm=bpm, duration_s=20.0, seed=9, hat_gain=3.0)

    assert analyze((loop, SR)).bpm == pytest.approx(bpm, rel=0.02)


def test_noise_has_no_confident_tempo():
    noise = np.random.default_rng(0).standard_normal(int(ONSET_FRAME_RATE * 20))

    estimate = estimate_tempo(np.abs(noise), ONSET_FRAME_RATE)

    assert estimate.confidence < 0.2


def test_too_short_envelope_gives_no_tempo():
    estimate = estimate_tempo(np.ones(50), ONSET_FRAME_RATE)

    assert estimate.bpm == 0.0 and estimate.beat_times_s.size == 0
