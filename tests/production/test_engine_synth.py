"""Synthesis: sample-accurate timing, velocity, release tails, Karplus-Strong pitch, stems, determinism."""

from __future__ import annotations

import numpy as np
import pretty_midi
import pytest

from production.engine.brief import Brief, Key
from production.engine.compose import Score, compose
from production.engine.dsp import db_to_gain
from production.engine.styles import PRESETS
from production.engine.synth import render_stems, velocity_gain
from production.engine.synth.additive import partials
from production.engine.synth.instruments import VOICES
from production.engine.synth.strings import karplus_strong

SR = 44100


def _score(
    notes_by_part: dict[str, list[tuple[float, float, int, int]]],
    *,
    duration_s: float = 2.0,
    voices: dict[str, str] | None = None,
) -> Score:
    """A hand-written score: part -> [(start_s, end_s, pitch, velocity)]."""
    midi = pretty_midi.PrettyMIDI(initial_tempo=80.0)
    voices = voices or {}
    for part, notes in notes_by_part.items():
        voice = voices.get(part, "kit" if part in ("drums", "perc") else "epiano")
        instrument = pretty_midi.Instrument(program=0, is_drum=voice == "kit", name=part)
        instrument.notes = [pretty_midi.Note(velocity=v, pitch=p, start=s, end=e) for s, e, p, v in notes]
        midi.instruments.append(instrument)
        voices[part] = voice
    return Score(
        midi=midi,
        sections=(),
        chords=(),
        kick_times_s=np.zeros(0),
        approach_notes={},
        voices=voices,
        kit="dusty",
        style="study",
        key=Key("C", "major"),
        key_mode="ionian",
        bpm=80.0,
        swing=0.5,
        swing_unit=8,
        duration_s=duration_s,
        total_bars=1,
    )


def _first_sound(stem: np.ndarray) -> int:
    return int(np.flatnonzero(np.abs(stem).max(axis=0) > 0)[0])


def _rms_db(x: np.ndarray) -> float:
    return float(10 * np.log10(np.mean(np.square(x, dtype=np.float64)) + 1e-30))


@pytest.mark.parametrize(
    ("part", "voice", "pitch"),
    [
        ("keys", "epiano", 60),
        ("drums", "kit", 36),
        ("pluck", "guitar", 55),
        ("bass", "sub_bass", 40),
        ("piano", "piano", 67),
        ("melody", "vibes", 72),
    ],
)
def test_notes_start_on_their_exact_sample(part, voice, pitch):
    onset = 22050 + 17  # not on any block or buffer boundary
    stems = render_stems(
        _score({part: [(onset / SR, onset / SR + 0.5, pitch, 100)]}, voices={part: voice}), sample_rate=SR, seed=1
    )
    first = _first_sound(stems[part])
    assert onset <= first <= onset + 1  # attack ramps start at zero, so the first value may be the next one


@pytest.mark.parametrize(
    ("part", "voice", "pitch"),
    [("drums", "kit", 38), ("pluck", "guitar", 55), ("bass", "sub_bass", 40), ("piano", "piano", 67)],
)
def test_moving_a_note_by_three_samples_moves_its_sound_by_three_samples(part, voice, pitch):
    onset = 22050 + 17
    stems = render_stems(
        _score({part: [(onset / SR, onset / SR + 0.5, pitch, 100)]}, voices={part: voice}), sample_rate=SR, seed=1
    )
    later = render_stems(
        _score({part: [((onset + 3) / SR, (onset + 3) / SR + 0.5, pitch, 100)]}, voices={part: voice}),
        sample_rate=SR,
        seed=1,
    )[part]
    # three samples later in time, three samples later in the buffer, otherwise identical
    assert np.array_equal(later[:, onset + 3 : onset + 20000], stems[part][:, onset : onset + 20000 - 3])


def test_identical_notes_sound_identical_wherever_they_fall():
    notes = [(0.1, 0.3, 64, 90), (2.1, 2.3, 64, 90)]  # the first has died away when the second starts
    stem = render_stems(_score({"piano": notes}, duration_s=4.0, voices={"piano": "piano"}), sample_rate=SR, seed=1)[
        "piano"
    ]
    first, second = round(0.1 * SR), round(2.1 * SR)
    assert np.array_equal(stem[:, first : first + 30000], stem[:, second : second + 30000])


def test_higher_velocity_is_louder_and_brighter():
    soft = render_stems(_score({"keys": [(0.1, 1.0, 60, 40)]}), sample_rate=SR, seed=1)["keys"]
    loud = render_stems(_score({"keys": [(0.1, 1.0, 60, 110)]}), sample_rate=SR, seed=1)["keys"]
    difference_db = _rms_db(loud) - _rms_db(soft)
    expected_db = 20 * np.log10(velocity_gain(110) / velocity_gain(40))
    assert difference_db > 0.7 * expected_db > 6

    def centroid(x):
        spectrum = np.abs(np.fft.rfft(x.sum(axis=0)))
        freqs = np.fft.rfftfreq(x.shape[1], 1 / SR)
        return float((spectrum * freqs).sum() / spectrum.sum())

    assert centroid(loud) > centroid(soft) * 1.05


def test_drum_velocity_changes_the_level():
    soft = render_stems(_score({"drums": [(0.1, 0.2, 38, 30)]}), sample_rate=SR, seed=1)["drums"]
    loud = render_stems(_score({"drums": [(0.1, 0.2, 38, 120)]}), sample_rate=SR, seed=1)["drums"]
    assert _rms_db(loud) - _rms_db(soft) > 12


def test_notes_ring_on_after_note_off_then_die_away():
    stem = render_stems(_score({"keys": [(0.1, 0.6, 60, 100)]}, duration_s=3.0), sample_rate=SR, seed=1)["keys"]
    held = _rms_db(stem[:, int(0.4 * SR) : int(0.6 * SR)])
    just_after = _rms_db(stem[:, int(0.6 * SR) : int(0.65 * SR)])
    later = _rms_db(stem[:, int(1.6 * SR) : int(1.8 * SR)])
    assert just_after > held - 12  # a release tail, no cut
    assert later < held - 50  # and gone a second later


@pytest.mark.parametrize("freq_hz", [82.41, 146.83, 261.63, 440.0, 783.99])
def test_karplus_strong_string_sounds_at_the_requested_pitch(freq_hz):
    tone = karplus_strong(freq_hz, SR, SR, np.random.default_rng(3), t60_s=2.0)
    segment = tone[SR // 10 : SR // 10 + SR // 2].astype(np.float64)
    # f0 from the autocorrelation peak, refined by parabolic interpolation
    ac = np.fft.irfft(np.abs(np.fft.rfft(segment, 4 * segment.size)) ** 2)[: segment.size]
    period = SR / freq_hz
    lo, hi = int(period * 0.8), int(period * 1.2) + 2
    k = lo + int(np.argmax(ac[lo:hi]))
    shift = 0.5 * (ac[k - 1] - ac[k + 1]) / (ac[k - 1] - 2 * ac[k] + ac[k + 1])
    measured = SR / (k + shift)
    cents = 1200 * np.log2(measured / freq_hz)
    assert abs(cents) < 5


def test_karplus_strong_decays_like_a_plucked_string():
    tone = karplus_strong(220.0, 2 * SR, SR, np.random.default_rng(3), t60_s=1.0)
    first = _rms_db(tone[: SR // 10])
    after_one_t60 = _rms_db(tone[SR : SR + SR // 10])
    assert 45 < first - after_one_t60 < 80
    assert np.isfinite(tone).all() and tone.dtype == np.float32


def test_additive_partials_match_the_closed_form():
    n = SR
    freqs, amps, decays = np.array([110.0, 333.3, 2500.0]), np.array([1.0, 0.5, 0.2]), np.array([1.0, 3.0, 9.0])
    rendered = partials(freqs, amps, decays, n, SR, phases=np.array([0.0, 1.0, 2.0]))
    t = np.arange(n) / SR
    exact = (
        amps[:, None]
        * np.exp(-decays[:, None] * t)
        * np.sin(2 * np.pi * freqs[:, None] * t + np.array([0.0, 1.0, 2.0])[:, None])
    ).sum(axis=0)
    assert np.max(np.abs(rendered - exact)) < 1e-4


@pytest.mark.parametrize("voice", sorted(VOICES))
def test_every_instrument_renders_a_finite_sound_at_its_pitch(voice):
    pitch = 40 if "bass" in voice else 64
    core = VOICES[voice].render(pitch, 0.6, SR, SR, np.random.default_rng(0))
    assert core.dtype == np.float32 and core.shape == (SR,) and np.isfinite(core).all()
    assert 0.05 < np.max(np.abs(core)) < 4
    spectrum = np.abs(np.fft.rfft(core[: SR // 2] * np.hanning(SR // 2)))
    freqs = np.fft.rfftfreq(SR // 2, 1 / SR)
    f0 = 440 * 2 ** ((pitch - 69) / 12)
    strongest = freqs[np.argmax(spectrum[freqs > 30]) + np.count_nonzero(freqs <= 30)]
    # the loudest component is the fundamental or one of its low harmonics
    assert min(abs(strongest / f0 - h) for h in (1, 2, 3)) < 0.03


def test_render_stems_gives_equal_length_stereo_float32_stems_without_clipping():
    preset = PRESETS["study"]
    brief = Brief(style="study", bpm=78, key=Key("E", "minor"), duration_s=8.0, seed=2)
    score = compose(brief, preset)
    stems = render_stems(score, sample_rate=SR, seed=2)
    assert list(stems) == [
        p for p in ("drums", "perc", "bass", "keys", "piano", "pad", "pluck", "melody") if p in preset.parts
    ]
    for part, stem in stems.items():
        assert stem.dtype == np.float32 and stem.shape == (2, round(8.0 * SR)), part
        assert np.isfinite(stem).all()
        assert 0 < np.max(np.abs(stem)) <= db_to_gain(-3) + 1e-6, part  # headroom before the effects
        assert _rms_db(stem) > -60, part


def test_stems_are_bit_identical_for_the_same_seed_and_differ_for_another():
    score = compose(Brief(style="boom_bap", bpm=90, key=Key("A", "minor"), duration_s=6.0, seed=4), PRESETS["boom_bap"])
    first = render_stems(score, sample_rate=SR, seed=4)
    again = render_stems(score, sample_rate=SR, seed=4)
    other = render_stems(score, sample_rate=SR, seed=5)
    assert all(np.array_equal(first[p], again[p]) for p in first)
    assert not np.array_equal(first["drums"], other["drums"])  # the noise of the kit comes from the seed


def test_an_open_hat_is_choked_by_the_next_closed_hat():
    alone = render_stems(_score({"drums": [(0.1, 0.2, 46, 100)]}), sample_rate=SR, seed=1)["drums"]
    choked = render_stems(_score({"drums": [(0.1, 0.2, 46, 100), (0.25, 0.3, 42, 1)]}), sample_rate=SR, seed=1)["drums"]
    window = slice(int(0.3 * SR), int(0.4 * SR))
    assert _rms_db(choked[:, window]) < _rms_db(alone[:, window]) - 20


@pytest.mark.parametrize("style", ["jazz", "ambient"])
def test_part_filters_sound_the_same_as_filtering_the_finished_stem(style):
    # Given the parts' insert filters, the synth applies them note by note (or to the stem when that is
    # less work); the result must match filtering the unfiltered stem, to far below audibility.
    from production.engine import fx
    from production.engine.dsp import sosfilt_blocks

    brief = Brief(style=style, bpm=76, key=Key("D", "minor"), duration_s=12.0, seed=6)
    score = compose(brief, PRESETS[style])
    filters = fx.insert_filters(style, sample_rate=SR)
    plain = render_stems(score, sample_rate=SR, seed=6)
    filtered = render_stems(score, sample_rate=SR, seed=6, part_filters=filters)
    assert {"bass", "keys", "melody"} <= set(filters) & set(plain)
    for part, stem in filtered.items():
        if part not in filters:
            np.testing.assert_array_equal(stem, plain[part])
            continue
        expected = sosfilt_blocks(filters[part], plain[part])
        # The synth scales a stem down when it would peak over -3 dBFS: compare shapes, not that gain.
        scale = float(np.dot(expected.ravel(), stem.ravel()) / np.dot(stem.ravel(), stem.ravel()))
        error_db = _rms_db(expected - scale * stem) - _rms_db(expected)
        assert error_db < -40, (part, error_db)
        assert _rms_db(stem[:, :]) > -60, part
