"""Sampled instruments: provenance, the SoundFont fallbacks, tails, velocity timbre, drum variants, pedal,
and the edges of a finished master."""

from __future__ import annotations

import itertools
import os
import shutil

import numpy as np
import pretty_midi
import pytest

from production.engine import instruments
from production.engine.brief import Brief, Key
from production.engine.instruments import TIMGM, file_sha256, palette, resolve, sources_for
from production.engine.render import render
from production.engine.synth import render_stems
from tests.production.test_engine_synth import _score

SR = 44100


def _only_timgm(monkeypatch):
    """As on a machine without the Debian SoundFont packages: only pretty_midi's TimGM6mb is there."""
    real = os.path.isfile
    monkeypatch.setattr(instruments.os.path, "isfile", lambda p: False if str(p).startswith("/usr/share") else real(p))


def _sources(parts: dict[str, str], label_dir=None):
    return {part: resolve(voice, part, label_dir) for part, voice in parts.items()}


def _db(x) -> float:
    return float(10 * np.log10(np.mean(np.square(np.asarray(x, dtype=np.float64))) + 1e-30))


def test_every_style_has_a_default_voice_per_part_that_can_play_it():
    for style, parts in instruments.PALETTES.items():
        for part, voices in parts.items():
            assert palette(style, part) == voices and voices
            assert all(instruments.check_voice_id(v, part) is None for v in voices), (style, part)


def test_a_render_records_what_played_every_part_and_re_renders_bit_identically():
    brief = Brief(style="jazz", bpm=84, key=Key("A", "minor"), duration_s=6.0, seed=3)
    first, second = render(brief), render(brief)
    assert set(first.instruments) == set(first.stems)
    for part, played in first.instruments.items():
        assert played["voice"] in palette("jazz", part)
        if played["origin"] != "builtin":
            assert played["sha256"] == file_sha256(played["file"])
            assert isinstance(played["bank"], int) and isinstance(played["preset"], int)
    assert first.instruments == second.instruments
    np.testing.assert_array_equal(first.master, second.master)


def test_without_the_os_soundfonts_the_parts_play_from_timgm6mb(monkeypatch):
    _only_timgm(monkeypatch)
    source = resolve("tine_ep", "keys")
    assert (source.origin, source.path, source.bank, source.preset) == ("pretty_midi", TIMGM, 0, 4)
    assert resolve("black_pearl_kit", "drums").path == TIMGM
    stems = render_stems(
        _score({"keys": [(0.1, 0.6, 60, 90)], "drums": [(0.1, 0.2, 36, 100)]}),
        sample_rate=SR,
        seed=1,
        sources=_sources({"keys": "tine_ep", "drums": "black_pearl_kit"}),
    )
    assert _db(stems["keys"]) > -50 and _db(stems["drums"]) > -50


def test_the_label_folder_comes_first_and_a_missing_label_file_is_a_clear_error(tmp_path):
    shutil.copy(TIMGM, tmp_path / "tine_ep.sf2")
    source = resolve("tine_ep", "keys", str(tmp_path))
    assert source.origin == "label" and source.path == str(tmp_path / "tine_ep.sf2") and source.preset == 4
    assert resolve("label:tine_ep.sf2:0:11", "melody", str(tmp_path)).preset == 11
    with pytest.raises(ValueError, match="not in the label SoundFont folder"):
        resolve("label:other.sf2:0:0", "keys", str(tmp_path))
    with pytest.raises(ValueError, match="needs a drum kit"):
        resolve("tine_ep", "drums")


def test_a_preset_override_narrows_the_palette_and_a_voice_outside_it_falls_back_to_the_default():
    chosen = sources_for("jazz", ("keys", "bass"), {"keys": "rhodes_ep", "bass": "epiano"}, overrides={})
    assert chosen["keys"].voice == "rhodes_ep"  # the composer's pick, allowed by the palette
    assert chosen["bass"].voice == palette("jazz", "bass")[0]  # not in the palette: the default
    narrowed = sources_for("jazz", ("keys",), {"keys": "rhodes_ep"}, overrides={"keys": ("synth_epiano",)})
    assert narrowed["keys"].kind == "synth"


def test_a_kick_rings_out_past_0_7_s_and_ends_at_zero():
    stem = render_stems(
        _score({"drums": [(0.1, 0.2, 36, 110)]}, duration_s=4.0),
        sample_rate=SR,
        seed=1,
        sources=_sources({"drums": "black_pearl_kit"}),
    )["drums"]
    after = stem[:, int(0.85 * SR) : int(0.95 * SR)]  # 0.75-0.85 s after the hit
    assert _db(after) > -90  # still ringing: nothing cut at 0.7 s
    tail = np.flatnonzero(np.abs(stem).max(axis=0) > 0)[-1]
    assert np.abs(stem[:, tail - 40 : tail + 1]).max() < 1e-3  # faded to zero, no step at the end


def test_consecutive_hits_of_one_drum_are_different_waveforms():
    hits = [(0.1 + 0.5 * i, 0.2 + 0.5 * i, 38, 96) for i in range(6)]
    stem = render_stems(
        _score({"drums": hits}, duration_s=3.5), sample_rate=SR, seed=1, sources=_sources({"drums": "jazz_kit"})
    )["drums"]
    windows = [stem[:, round(start * SR) : round(start * SR) + int(0.2 * SR)] for start, *_ in hits]
    for a, b in itertools.pairwise(windows):
        assert _db(a - b) - _db(a) > -40  # audibly different, not the same recording


@pytest.mark.parametrize("voice", ["tine_ep", "grand_piano", "nylon_guitar"])
def test_velocity_changes_the_timbre_not_only_the_level(voice):
    def centroid(velocity: int) -> float:
        stem = render_stems(
            _score({"keys": [(0.1, 1.1, 60, velocity)]}), sample_rate=SR, seed=1, sources=_sources({"keys": voice})
        )["keys"]
        power = np.abs(np.fft.rfft(stem[0, int(0.1 * SR) : int(0.6 * SR)])) ** 2
        freqs = np.fft.rfftfreq(int(0.5 * SR), 1 / SR)
        high, low = power[(freqs > 1500) & (freqs < 6000)].sum(), power[(freqs > 100) & (freqs < 800)].sum()
        return float(10 * np.log10(high / low))  # brightness: the 1.5-6 kHz band against the body, dB

    assert centroid(115) > centroid(40) + 3


def test_the_sustain_pedal_holds_a_piano_note_until_it_lifts():
    def ring(pedal: bool) -> float:
        score = _score({"piano": [(0.1, 0.4, 60, 90)]}, duration_s=3.0)
        if pedal:
            part = score.part("piano")
            part.control_changes = [pretty_midi.ControlChange(64, 127, 0.05), pretty_midi.ControlChange(64, 0, 2.0)]
        stem = render_stems(score, sample_rate=SR, seed=1, sources=_sources({"piano": "mellow_grand"}))["piano"]
        return _db(stem[:, int(1.2 * SR) : int(1.8 * SR)])

    assert ring(pedal=True) > ring(pedal=False) + 20


def _band_db(stem: np.ndarray, low: float, high: float) -> float:
    """Level of the low..high Hz band against the 100-500 Hz body, dB."""
    x = stem.mean(axis=0).astype(np.float64)
    freqs, power = np.fft.rfftfreq(x.size, 1 / SR), np.abs(np.fft.rfft(x)) ** 2
    band = power[(freqs >= low) & (freqs < high)].sum()
    return float(10 * np.log10(band / power[(freqs >= 100) & (freqs < 500)].sum()))


@pytest.mark.parametrize("voice", ["rhodes_ep", "detuned_ep"])
def test_the_dark_sampled_electric_pianos_keep_their_presence(voice):
    chord = [(0.1, 1.6, pitch, 100) for pitch in (60, 64, 67, 71)]  # Cmaj7 at velocity 100
    stem = render_stems(
        _score({"keys": chord}, duration_s=2.5), sample_rate=SR, seed=1, sources=_sources({"keys": voice})
    )["keys"]
    # FluidR3's Rhodes samples hold almost nothing above 2 kHz (-43 dB against the body played bare); the
    # voice's presence shelf brings its bark forward
    assert _band_db(stem, 2000, 5000) > -40
    assert _band_db(stem, 1000, 2000) > -21


def test_every_style_with_keys_may_play_a_bright_electric_piano():
    bright = {"legend_ep", "detuned_fm_ep"}  # FluidR3's FM pianos: 1-2 kHz at -13 dB, 2-5 kHz at -30 dB
    for style, parts in instruments.PALETTES.items():
        if "keys" in parts:
            assert bright & set(parts["keys"]), style


def test_render_stems_without_sources_plays_the_scores_library_voices():
    notes = {"keys": [(0.1, 0.6, 60, 90)], "drums": [(0.1, 0.2, 36, 100)], "bass": [(0.1, 0.6, 40, 90)]}
    voices = {"keys": "tine_ep", "drums": "jazz_kit", "bass": "synth_sub_bass"}
    alone = render_stems(_score(notes, voices=dict(voices)), sample_rate=SR, seed=1)
    given = render_stems(_score(notes, voices=dict(voices)), sample_rate=SR, seed=1, sources=_sources(voices))
    for part in voices:
        np.testing.assert_array_equal(alone[part], given[part])
    # a label voice needs its folder, which only sources= can bring: a clear error, not a KeyError
    with pytest.raises(ValueError, match="pass sources= for label voices"):
        render_stems(_score(notes, voices={**voices, "keys": "label:mine.sf2:0:4"}), sample_rate=SR, seed=1)


def _clicks(stem: np.ndarray, onsets: np.ndarray) -> list[int]:
    """Samples where the second difference jumps far above its neighbourhood and is a sizeable share of
    the signal's own level there (a step: a click), away from note onsets (an attack may be sudden). A
    slope change a few millionths high in a slow sub-bass is not a click; a sample tail cut off is."""
    x = stem.mean(axis=0).astype(np.float64)
    d2 = np.abs(np.diff(x, 2))
    window = 1024
    n = d2.size // window * window

    def around(values: np.ndarray) -> np.ndarray:
        rms = np.sqrt(np.mean(np.square(values[:n].reshape(-1, window)), axis=1))
        return np.repeat(np.maximum(rms, np.roll(rms, 1)), window)

    spikes = np.flatnonzero((d2[:n] > 12 * np.maximum(around(d2), 1e-6)) & (d2[:n] > 0.02 * around(x[1:])))
    guard = int(0.006 * SR)
    near = np.zeros(x.size, dtype=bool)
    for onset in onsets:
        near[max(0, onset - guard) : onset + guard] = True
    return [int(i) for i in spikes if not near[i]]


@pytest.mark.parametrize("style", ["jazz", "boom_bap", "japanese"])
def test_no_clicks_in_any_stem_away_from_note_onsets(style):
    brief = Brief(style=style, bpm=80, key=Key("C", "minor"), duration_s=20.0, seed=5)
    result = render(brief)
    for part, stem in result.stems.items():
        notes = result.score.instruments[[i.name for i in result.score.instruments].index(part)].notes
        onsets = np.array([round(note.start * SR) for note in notes], dtype=np.int64)
        assert _clicks(stem, onsets) == [], part


@pytest.mark.parametrize("style", ["study", "cafe"])
def test_a_master_starts_and_ends_in_silence(style):
    result = render(Brief(style=style, bpm=78, key=Key("F", "major"), duration_s=8.0, seed=2, ambience="rain"))
    edge = int(0.02 * SR)
    for window in (result.master[:, :edge], result.master[:, -edge:]):
        assert 20 * np.log10(np.abs(window).max() + 1e-12) <= -45


def test_a_long_render_frees_the_soundfonts_after_its_synth_stage_and_stays_bit_identical(monkeypatch):
    from production.engine import render as pipeline
    from production.engine.synth import sampled

    brief = Brief(style="study", bpm=80, key=Key("D", "minor"), duration_s=6.0, seed=4)
    kept = render(brief)
    assert sampled._loaded.cache_info().currsize > 0  # a short render keeps them for the next one
    monkeypatch.setattr(pipeline, "RELEASE_FONTS_FROM_S", 5.0)  # as a 3-minute render does
    freed = render(brief)
    assert sampled._loaded.cache_info().currsize == 0  # ~320 MB of decoded samples not held by fx/master
    again = render(brief)  # reloads the files
    np.testing.assert_array_equal(kept.master, freed.master)
    np.testing.assert_array_equal(freed.master, again.master)


@pytest.mark.parametrize("voice", ["jazz_guitar", "rhodes_ep", "finger_bass"])
def test_a_fast_release_fades_smoothly_without_a_buzz_of_little_steps(voice):
    # These presets' releases fall 0.6-1.5 dB per 64 frames; tinysoundfont steps a voice's gain once per 64
    # frames, which made every note end in a train of small clicks.
    notes = [(0.1 + 0.7 * i, 0.4 + 0.7 * i, pitch, 90) for i, pitch in enumerate((45, 52, 57, 64, 69))]
    stem = render_stems(
        _score({"pluck": notes}, duration_s=4.0), sample_rate=SR, seed=1, sources=_sources({"pluck": voice})
    )["pluck"]
    onsets = np.array([round(start * SR) for start, *_ in notes], dtype=np.int64)
    assert _clicks(stem, onsets) == []
    for _, end, *_ in notes:  # the release still rings after the key is up, and dies away
        after = stem[:, round(end * SR) + int(0.01 * SR) : round(end * SR) + int(0.03 * SR)]
        assert _db(after) > -70
        assert _db(stem[:, round(end * SR) + int(0.25 * SR) : round(end * SR) + int(0.3 * SR)]) < _db(after) - 20


@pytest.mark.parametrize("kit", ["brush_kit", "jazz_kit", "black_pearl_kit"])
def test_every_piece_of_a_kit_the_drums_play_is_heard(kit):
    pieces = (36, 38, 42, 44, 46, 49, 51)  # kick, snare, closed, pedal and open hat, crash, ride
    # four hits of each piece, 1 s apart: every variant of the rotation plays once
    hits = [(0.1 + 1.0 * i, 0.2 + 1.0 * i, pitch, 100) for i, pitch in enumerate(p for p in pieces for _ in range(4))]
    stem = render_stems(
        _score({"drums": hits}, duration_s=len(hits) + 1.0), sample_rate=SR, seed=1, sources=_sources({"drums": kit})
    )["drums"]
    for start, _, pitch, _ in hits:
        hit = stem[:, round(start * SR) : round(start * SR) + int(0.1 * SR)]
        assert 20 * np.log10(np.abs(hit).max() + 1e-12) > -40, pitch  # an open hat once rendered as one frame
