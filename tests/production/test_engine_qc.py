"""QC: a good master passes; each kind of broken audio fails with a reason a person can act on."""

from __future__ import annotations

import json

import numpy as np
import pytest

from production.engine import fx, master, qc
from production.engine.dsp import db_to_gain
from production.engine.loudness import measure
from tests.production.lofi_test_signals import synthetic_stems

SR = 44100
DURATION_S = 8.0
STYLE = "study"


@pytest.fixture(scope="module")
def good_master() -> np.ndarray:
    stems, kicks = synthetic_stems(duration_s=DURATION_S, seed=9)
    mix, _ = fx.process(stems, style=STYLE, sample_rate=SR, seed=4, kick_times_s=kicks, ambience="default")
    return master.master(mix, sample_rate=SR, target_lufs=-14.0, true_peak_ceiling_db=-1.0).audio


def _check(audio: np.ndarray, **changes) -> qc.QCReport:
    arguments = {
        "sample_rate": SR,
        "target_lufs": -14.0,
        "true_peak_ceiling_db": -1.0,
        "expected_duration_s": DURATION_S,
        "style": STYLE,
        **changes,
    }
    return qc.check(audio, **arguments)


def _failed_with(report: qc.QCReport, *words: str) -> bool:
    return any(all(word in failure for word in words) for failure in report.failures)


def test_a_good_master_passes_and_reports_every_measurement(good_master):
    report = _check(good_master)
    assert report.passed, report.failures
    data = report.to_dict()
    json.dumps(data, allow_nan=False)
    for key in (
        "passed",
        "failures",
        "integrated_lufs",
        "true_peak_dbtp",
        "loudness_range_lu",
        "clipped_samples",
        "leading_silence_s",
        "trailing_silence_s",
        "longest_gap_s",
        "phase_correlation",
        "mono_loss_db",
        "band_energy_db",
        "band_ranges_db",
        "duration_s",
        "duration_error_pct",
    ):
        assert key in data, key
    assert set(data["band_energy_db"]) == {"sub", "low", "mid", "high", "air"}
    reference = measure(good_master, sample_rate=SR)
    assert data["integrated_lufs"] == pytest.approx(reference.integrated_lufs, abs=0.01)
    assert data["true_peak_dbtp"] == pytest.approx(reference.true_peak_dbtp, abs=0.01)
    assert data["clipped_samples"] == 0
    assert data["phase_correlation"] > 0.5


def test_clipping_is_counted_and_fails(good_master):
    clipped = np.clip(good_master * 4.0, -1.0, 1.0)
    report = _check(clipped)
    assert report.clipped_samples > 100
    assert _failed_with(report, "at or over 0 dBFS")
    assert _failed_with(report, "true peak", "above ceiling -1.0")
    assert not report.passed


def test_true_peak_over_the_ceiling_fails_with_the_number(good_master):
    peak_dbtp = measure(good_master, sample_rate=SR).true_peak_dbtp
    hot = good_master * np.float32(db_to_gain(-0.4 - peak_dbtp))  # true peak lands at -0.4 dBTP
    report = _check(hot)
    assert report.true_peak_dbtp == pytest.approx(-0.4, abs=0.02)
    assert f"true peak {report.true_peak_dbtp:.1f} dBTP above ceiling -1.0" in report.failures


def test_leading_and_trailing_silence_fail(good_master):
    silence = np.zeros((2, 3 * SR), dtype=np.float32)
    leading = _check(np.concatenate([silence, good_master], axis=1), expected_duration_s=DURATION_S + 3)
    assert leading.leading_silence_s == pytest.approx(3.0, abs=0.1)
    assert _failed_with(leading, "silence at the start")
    trailing = _check(np.concatenate([good_master, silence], axis=1), expected_duration_s=DURATION_S + 3)
    assert _failed_with(trailing, "silence at the end")
    assert not _failed_with(trailing, "silence at the start")


def test_a_gap_inside_the_track_fails(good_master):
    gapped = good_master.copy()
    gapped[:, 3 * SR : int(4.5 * SR)] = 0.0
    report = _check(gapped)
    assert report.longest_gap_s == pytest.approx(1.5, abs=0.1)
    assert _failed_with(report, "gap of silence at 3.0 s")
    short_gap = good_master.copy()
    short_gap[:, 3 * SR : int(3.5 * SR)] = 0.0  # half a second (a stop-time break) is fine
    assert not _failed_with(_check(short_gap), "gap")


def test_out_of_phase_channels_fail_on_correlation_and_mono_loss(good_master):
    flipped = np.stack([good_master[0], -good_master[1]])
    report = _check(flipped)
    assert report.phase_correlation < -0.5
    assert report.mono_loss_db > 6.0
    assert _failed_with(report, "phase correlation")
    assert _failed_with(report, "lost when summed to mono")


def test_wrong_loudness_fails(good_master):
    quiet = good_master * np.float32(db_to_gain(-3))
    report = _check(quiet)
    assert report.integrated_lufs == pytest.approx(-17.0, abs=0.2)
    assert _failed_with(report, "integrated loudness -17.0 LUFS", "off target -14.0")
    assert _check(good_master, target_lufs=-16.0).failures  # right for YouTube, wrong for Apple Music


def test_wrong_duration_fails(good_master):
    report = _check(good_master, expected_duration_s=10.0)
    assert _failed_with(report, "duration 8.0 s", "off the brief's 10.0 s")
    assert not _failed_with(_check(good_master, expected_duration_s=8.1), "duration")  # 1.2 % is within


def test_a_muffled_master_fails_the_band_balance(good_master):
    muffled = fx.lowpass(good_master, sample_rate=SR, cutoff_hz=300.0, order=8)
    muffled = master.master(muffled, sample_rate=SR).audio  # right loudness, wrong spectrum
    report = _check(muffled)
    assert _failed_with(report, "high band", "below the study range")


def test_band_energy_shares_follow_the_spectrum():
    t = np.arange(2 * SR) / SR
    low_tone = np.stack([np.sin(2 * np.pi * 100 * t)] * 2).astype(np.float32)
    bands = qc.band_energy_db(low_tone, sample_rate=SR)
    assert bands["low"] > -0.1
    assert bands["high"] < -60 and bands["air"] < -60


def test_silence_is_reported_without_errors():
    report = _check(np.zeros((2, int(DURATION_S * SR)), dtype=np.float32))
    assert not report.passed
    assert _failed_with(report, "silence at the start")
    json.dumps(report.to_dict(), allow_nan=False)


@pytest.mark.parametrize("sample_rate", [44100, 48000])
def test_loudness_and_range_read_as_libebur128_reads_them(sample_rate):
    # A 40 s track that swells and fades (a wide loudness range) and has a quiet stretch.
    rng = np.random.default_rng(3)
    t = np.arange(40 * sample_rate) / sample_rate
    swell = 0.02 + np.abs(np.sin(2 * np.pi * t / 16)) * (t < 30)
    audio = (rng.standard_normal((2, t.size)) * 0.2 * swell).astype(np.float32)
    report = qc.check(
        audio,
        sample_rate=sample_rate,
        target_lufs=-14.0,
        true_peak_ceiling_db=-1.0,
        expected_duration_s=40.0,
        style=STYLE,
    )
    reference = measure(audio, sample_rate=sample_rate)
    assert report.loudness_range_lu > 5  # a real range to get right, not a flat signal
    assert report.integrated_lufs == pytest.approx(reference.integrated_lufs, abs=0.01)
    assert report.loudness_range_lu == pytest.approx(reference.loudness_range_lu, abs=0.01)
