"""Pure slicing for sample packs: loops on the beat grid, one-shots at onsets, names. No database."""

from __future__ import annotations

import numpy as np
import pytest

from monetization.engine import packs_audio as pa
from production.engine.dsp import db_to_gain
from tests.monetization.audio_fixtures import chord_stem, drum_stem


def test_loop_regions_are_exact_bars_starting_on_downbeats():
    sr, bpm = 22050, 120.0
    beats = 0.25 + np.arange(24) * 0.5  # six bars of beats; the bar starts on beat index 0
    grid = pa.BeatGrid(bpm=bpm, beat_times_s=beats, downbeat_phase=0)

    regions = pa.loop_regions(grid, sample_rate=sr, n_samples=int(13 * sr), bars=2)

    expected_length = round(2 * 4 * 0.5 * sr)
    assert [r.length for r in regions] == [expected_length] * 3
    assert [r.start for r in regions] == [round(t * sr) for t in (0.25, 4.25, 8.25)]


def test_loop_regions_respect_the_bar_phase_and_the_end_of_the_audio():
    grid = pa.BeatGrid(bpm=120.0, beat_times_s=np.arange(16) * 0.5, downbeat_phase=1)
    regions = pa.loop_regions(grid, sample_rate=1000, n_samples=7600, bars=1)
    assert [r.start for r in regions] == [500, 2500, 4500]  # the fourth bar would run past the end


def test_downbeat_phase_follows_the_strongest_beat_position():
    strengths = np.tile([0.2, 0.3, 1.0, 0.3], 5)
    assert pa.downbeat_phase(strengths) == 2
    assert pa.downbeat_phase(np.array([1.0, 2.0])) == 0  # under a bar: no guess


def test_beat_grid_from_drums_uses_the_known_tempo_and_lands_on_the_attacks():
    truth = drum_stem(bpm=120.0, bars=6)

    grid = pa.beat_grid_detect(truth.audio, truth.sample_rate, bpm_hint=120.0)

    assert grid.bpm == 120.0
    assert np.median(np.diff(grid.beat_times_s)) == pytest.approx(0.5, abs=0.01)
    beats = truth.kicks_s + truth.snares_s
    assert all(min(abs(t - b) for b in beats) < 0.005 for t in grid.beat_times_s)  # snapped, not frame-rounded
    # Drums alone cannot tell beat 1 from beat 3 (both have a kick): the bar must at least start on a kick.
    assert all(min(abs(d - k) for k in truth.kicks_s) < 0.005 for d in grid.beat_times_s[grid.downbeat_phase :: 4])


def test_beat_grid_of_a_mix_finds_the_bar_start_from_the_chord_changes():
    truth = drum_stem(bpm=120.0, bars=6)
    mix = truth.audio + chord_stem(bpm=120.0, bars=6)

    grid = pa.beat_grid_detect(mix, truth.sample_rate, bpm_hint=120.0)

    bar_starts = truth.kicks_s[::2]
    downbeats = grid.beat_times_s[grid.downbeat_phase :: 4]
    assert len(downbeats) >= 4
    assert all(min(abs(d - b) for b in bar_starts) < 0.005 for d in downbeats)


def test_pick_regions_skips_silence_and_keeps_time_order():
    audio = np.zeros((1, 4000), dtype=np.float32)
    audio[:, 1000:2000] = 0.5
    audio[:, 3000:4000] = 0.1
    regions = [pa.Region(0, 1000), pa.Region(1000, 2000), pa.Region(2000, 3000), pa.Region(3000, 4000)]
    assert pa.pick_regions(audio, regions, count=3) == [pa.Region(1000, 2000), pa.Region(3000, 4000)]


def test_fade_normalise_and_trim():
    sr = 1000
    clip = np.ones((2, 1000), dtype=np.float32) * 0.25
    clip[:, 600:] = 0.0001  # a quiet tail below -50 dB of the peak
    trimmed = pa.trim_tail(clip, sr, hop=50)
    assert trimmed.shape[-1] == 600
    faded = pa.fade(trimmed, sr, fade_in_s=0.01, fade_out_s=0.05)
    assert faded[0, 0] == 0.0 and faded[0, -1] == 0.0 and faded[0, 300] == pytest.approx(0.25)
    loud = pa.normalise_peak(faded, peak_dbfs=-1.0)
    assert 20 * np.log10(np.max(np.abs(loud))) == pytest.approx(-1.0, abs=1e-4)
    assert np.array_equal(pa.normalise_peak(np.zeros((2, 10))), np.zeros((2, 10)))


def test_one_shots_are_found_at_onsets_and_classified():
    truth = drum_stem(bpm=120.0, bars=2, seed=3)
    sr = truth.sample_rate
    regions = pa.one_shot_regions(truth.audio, sr, max_len_s=1.0)
    starts_s = [r.start / sr for r in regions]
    # each hit (hats on every eighth) is found within 25 ms
    assert all(min(abs(s - h) for s in starts_s) < 0.006 for h in truth.hats_s)

    classes = {}
    for r in regions:
        clip = pa.one_shot_clip(truth.audio, r, sr)
        assert 20 * np.log10(np.max(np.abs(clip))) == pytest.approx(-1.0, abs=1e-3)
        assert abs(clip[0, -1]) < 1e-3  # faded out: no click at the end
        nearest_kick = min(abs(r.start / sr - k) for k in truth.kicks_s)
        nearest_snare = min(abs(r.start / sr - s) for s in truth.snares_s)
        if nearest_kick < 0.025:
            classes.setdefault("kick", []).append(pa.drum_hit_class(clip, sr))
        elif nearest_snare < 0.025:
            classes.setdefault("snare", []).append(pa.drum_hit_class(clip, sr))
        else:
            classes.setdefault("hat", []).append(pa.drum_hit_class(clip, sr))
    assert set(classes["kick"]) == {"kick"}
    assert set(classes["snare"]) == {"snare"}
    assert set(classes["hat"]) == {"hat"}


def test_most_distinct_prefers_different_sounds():
    features = [np.array([0.0, 0.0]), np.array([0.01, 0.0]), np.array([5.0, 5.0]), np.array([0.0, 9.0])]
    assert pa.most_distinct(features, 3) == [0, 3, 2]
    assert pa.most_distinct([np.zeros(2)] * 4, 3) == [0]  # duplicates only once


def test_chord_stabs_are_found_on_the_bar():
    audio = chord_stem(bars=3)
    regions = pa.one_shot_regions(audio, 22050, max_len_s=2.0)
    assert [round(r.start / 22050, 1) for r in regions] == [0.2, 2.2, 4.2]


def test_demo_mix_is_length_limited_and_faded():
    sr = 1000
    clips = [np.ones((2, 20000), dtype=np.float32) * 0.5 for _ in range(3)]
    demo = pa.demo_mix(clips, sr, max_s=30.0)
    assert demo.shape == (2, 30000)
    assert demo[0, -1] == 0.0
    assert np.max(np.abs(demo)) <= db_to_gain(-1) + 1e-6


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        (
            {
                "label": "LL",
                "pack": "dusk",
                "bpm": 82.4,
                "instrument": "Keys",
                "descriptor": "loop 01",
                "key": "Amin",
            },
            "LL_DUSK_82_keys_loop-01_Amin.wav",
        ),
        (
            {"label": "LL", "pack": "DUSK", "instrument": "kick", "descriptor": "one-shot-03"},
            "LL_DUSK_kick_one-shot-03.wav",
        ),
        (
            {
                "label": "L.L.",
                "pack": "Night Bus",
                "bpm": 90,
                "instrument": "piano",
                "descriptor": "midi_01",
                "key": "F#maj",
                "ext": "mid",
            },
            "LL_NIGHTBUS_90_piano_midi-01_F#maj.mid",
        ),
    ],
)
def test_splice_names(kwargs, expected):
    assert pa.splice_name(**kwargs) == expected


def test_splice_name_refuses_empty_fields():
    with pytest.raises(ValueError):
        pa.splice_name(label="LL", pack="", instrument="keys", descriptor="loop-01")


def test_key_token():
    assert pa.key_token("A", "minor") == "Amin"
    assert pa.key_token("C#", "major") == "C#maj"
    assert pa.key_token("", "minor") == ""


def test_noise_is_a_snare_and_pitched_hits_are_percussion():
    from scipy import signal

    sr = 22050
    t = np.arange(int(0.25 * sr)) / sr
    rng = np.random.default_rng(5)
    sos = signal.butter(4, [1200, 6000], btype="bandpass", fs=sr, output="sos")
    snare = (signal.sosfilt(sos, rng.standard_normal(t.size)) * np.exp(-t / 0.06)).astype(np.float32)[None]
    cowbell = ((np.sin(2 * np.pi * 560 * t) + np.sin(2 * np.pi * 845 * t)) * np.exp(-t * 15)).astype(np.float32)
    tom = (np.sin(2 * np.pi * 180 * t) * np.exp(-t * 12)).astype(np.float32)

    assert pa.drum_hit_class(snare, sr) == "snare"
    assert pa.drum_hit_class(cowbell[None], sr) == "perc"
    assert pa.drum_hit_class(tom[None], sr) == "perc"
    assert pa.periodicity(cowbell[:1700], sr) > 0.8 > 0.5 > pa.periodicity(snare[0, :1700], sr)


def test_warm_audio_cache_runs_the_beat_tracker_once_and_says_so():
    # Run before workers start (make run/serve, the suite's controller): it must finish and report, not crash.
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("warm_audio_cache", stdout=out)
    assert "Audio analysis kernels compiled and cached" in out.getvalue()
