"""Moods: the brief's mood audibly shapes harmony, density, register, touch and tone, and keeps notes in key."""

from __future__ import annotations

import numpy as np
import pytest

from production.engine import fx
from production.engine.brief import MOOD_ALIASES, MOODS, Brief, Key
from production.engine.compose import compose
from production.engine.groove import CLOSED_HAT, OPEN_HAT, PEDAL_HAT
from production.engine.moods import MOOD_PROFILES, mood_profile
from production.engine.render import render
from production.engine.styles import PRESETS
from production.engine.theory import chord_scale_for_melody

SEEDS = (1, 2, 3, 4)


def _brief(
    mood: str, *, style: str = "study", seed: int = 1, key: str = "D minor", duration_s: float = 150.0, **extra
) -> Brief:
    low, high = PRESETS[style].tempo_range_bpm
    return Brief(
        style=style, bpm=(low + high) / 2, key=Key.parse(key), duration_s=duration_s, seed=seed, mood=mood, **extra
    )


def _pitched(score):
    return [note for inst in score.midi.instruments if not inst.is_drum for note in inst.notes]


@pytest.fixture(scope="module")
def study_scores():
    return {
        (mood, seed): compose(_brief(mood, seed=seed), PRESETS["study"])
        for mood in ("chill", "happy", "sleepy")
        for seed in SEEDS
    }


def test_every_mood_a_brief_accepts_has_a_profile_and_others_are_refused():
    assert set(MOOD_PROFILES) == set(MOODS)
    with pytest.raises(ValueError, match="unknown mood 'furious'"):
        _brief("furious")
    # the listeners' request form spells three moods its own way: they play as the engine's own
    for alias, mood in MOOD_ALIASES.items():
        assert mood_profile(alias) is MOOD_PROFILES[mood]
        assert (
            compose(_brief(alias, duration_s=20.0), PRESETS["study"]).key_mode
            == compose(_brief(mood, duration_s=20.0), PRESETS["study"]).key_mode
        )


def test_chill_is_neutral_and_leaves_the_style_as_it_is():
    assert MOOD_PROFILES["chill"].preset(PRESETS["jazz"]) == PRESETS["jazz"]
    assert fx.fx_settings_for("jazz", mood="chill") == fx.FX_PRESETS["jazz"]


def test_happy_is_busier_higher_and_firmer_than_sleepy(study_scores):
    def per_seed(mood, measure):
        return np.array([measure(study_scores[(mood, seed)]) for seed in SEEDS])

    def hats_per_bar(score):
        hats = [n for n in score.part("drums").notes if n.pitch in (CLOSED_HAT, PEDAL_HAT, OPEN_HAT)]
        return len(hats) / score.total_bars

    # Sixteenth against eighth hats: the groove is twice as busy.
    assert np.all(per_seed("happy", hats_per_bar) > 1.5 * per_seed("sleepy", hats_per_bar))
    melody_notes = lambda score: len(score.part("melody").notes)  # noqa: E731
    assert per_seed("happy", melody_notes).sum() > 1.25 * per_seed("sleepy", melody_notes).sum()
    # The melody sits higher: several semitones on average over the seeds.
    melody_pitch = lambda score: np.mean([n.pitch for n in score.part("melody").notes])  # noqa: E731
    assert per_seed("happy", melody_pitch).mean() > per_seed("sleepy", melody_pitch).mean() + 4
    # A firmer touch: higher velocities (louder and brighter notes in the synth).
    velocity = lambda score: np.mean([n.velocity for n in _pitched(score)])  # noqa: E731
    assert per_seed("happy", velocity).mean() > per_seed("sleepy", velocity).mean() + 20


def test_moods_colour_the_harmony():
    minor = {mood: compose(_brief(mood), PRESETS["study"]) for mood in ("happy", "melancholy")}
    assert minor["happy"].key_mode == "dorian"  # the brighter minor, with its major sixth
    assert minor["melancholy"].key_mode == "aeolian"
    # the japanese phrygian colour is the style's signature: no mood takes it away
    assert compose(_brief("happy", style="japanese"), PRESETS["japanese"]).key_mode == "phrygian"

    def borrowed_share(mood):
        spans = [
            span
            for seed in SEEDS
            for span in compose(_brief(mood, seed=seed, key="C major", style="jazz"), PRESETS["jazz"]).chords
        ]
        return sum(span.chord.source == "borrowed" for span in spans) / len(spans)

    # modal interchange (iv, bVI, bVII from the parallel minor) is the melancholy colour of a major key
    assert borrowed_share("melancholy") > borrowed_share("happy") + 0.1

    def extension(mood):
        chords = [
            span.chord
            for seed in SEEDS
            for span in compose(_brief(mood, seed=seed, style="jazz"), PRESETS["jazz"]).chords
        ]
        return np.mean([max(chord.intervals) for chord in chords])

    assert extension("dreamy") > extension("focus") + 1.0  # 11ths and 13ths against plainer chords


@pytest.mark.parametrize("mood", MOODS)
def test_every_mood_keeps_pitched_notes_in_the_chord_scales(mood):
    for style, key in (("study", "D minor"), ("jazz", "Bb major"), ("japanese", "E minor")):
        score = compose(_brief(mood, style=style, key=key, duration_s=60.0), PRESETS[style])
        for instrument in score.midi.instruments:
            if instrument.is_drum:
                continue
            approaches = set(score.approach_notes.get(instrument.name, ()))
            pentatonic = None
            if instrument.name == "melody" and PRESETS[style].melody_scale == "yo_in":
                pentatonic = "yo" if score.key.mode == "major" else "in"
            elif instrument.name == "melody" and PRESETS[style].melody_scale == "pentatonic":
                pentatonic = "major_pentatonic" if score.key.mode == "major" else "minor_pentatonic"
            for note in instrument.notes:
                if (note.start, note.pitch) in approaches:
                    continue  # deliberate chromatic approach notes (tested in test_engine_compose)
                scale = chord_scale_for_melody(
                    score.chord_at(note.start).chord, tonic_pc=score.key.pitch_class, pentatonic=pentatonic
                )
                assert note.pitch % 12 in scale, (mood, style, instrument.name, note)


def _spectrum(audio: np.ndarray, sample_rate: int = 44100) -> tuple[np.ndarray, np.ndarray]:
    mono = audio.mean(axis=0)
    frame = 8192
    window = np.hanning(frame)
    power = sum(np.abs(np.fft.rfft(mono[s : s + frame] * window)) ** 2 for s in range(0, mono.size - frame, frame))
    return np.fft.rfftfreq(frame, 1 / sample_rate), power


def test_a_happy_master_sounds_brighter_than_a_sleepy_one_of_the_same_seed():
    masters = {mood: render(_brief(mood, duration_s=40.0, seed=5)).master for mood in ("happy", "sleepy")}
    measures = {}
    for mood, audio in masters.items():
        freqs, power = _spectrum(audio)
        band = (freqs > 200) & (freqs < 8000)
        centroid_hz = float((freqs[band] * power[band]).sum() / power[band].sum())
        top = power[(freqs > 2000) & (freqs < 8000)].sum()
        top_db = 10 * np.log10(top / power[(freqs > 200) & (freqs < 2000)].sum())
        measures[mood] = (centroid_hz, top_db)
    # The centroid of the musical band moves by far more than a just-noticeable brightness change, and
    # the top octaves stand several dB louder against the mids.
    assert measures["happy"][0] > 1.2 * measures["sleepy"][0], measures
    assert measures["happy"][1] > measures["sleepy"][1] + 2.5, measures


def test_mood_tone_settings_reach_the_effects_and_overrides_still_win():
    sleepy, happy = fx.fx_settings_for("jazz", mood="sleepy"), fx.fx_settings_for("jazz", mood="happy")
    assert sleepy.keys_lowpass_hz < fx.FX_PRESETS["jazz"].keys_lowpass_hz < happy.keys_lowpass_hz
    assert sleepy.bus_high_shelf_db < happy.bus_high_shelf_db
    assert sleepy.ambience_level_db > happy.ambience_level_db
    assert fx.fx_settings_for("jazz", {"keys_lowpass_hz": 3000.0}, mood="happy").keys_lowpass_hz == 3000.0
    assert (
        fx.insert_filters("jazz", sample_rate=44100, mood="sleepy")["keys"].tolist()
        != fx.insert_filters("jazz", sample_rate=44100, mood="happy")["keys"].tolist()
    )


def test_the_mood_leans_the_bus_tilt_and_an_override_still_wins():
    # the tone lever sampled voices answer to: a wide shelf on the tape bus, not a cut-off above their content
    assert (
        fx.fx_settings_for("study", mood="happy").bus_tilt_db
        > 0
        > fx.fx_settings_for("study", mood="sleepy").bus_tilt_db
    )
    assert fx.fx_settings_for("study", mood="chill").bus_tilt_db == 0
    assert fx.fx_settings_for("study", {"bus_tilt_db": 0.0}, mood="happy").bus_tilt_db == 0.0
    with pytest.raises(ValueError, match="bus_tilt_db"):
        fx.fx_settings_for("study", {"bus_tilt_db": 20.0})
