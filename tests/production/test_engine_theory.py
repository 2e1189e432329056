"""Harmony: chords belong to the key (borrowed and secondary chords say so), extended chords, voice leading."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from production.engine.theory import (
    MODE_INTERVALS,
    chord_scale_for_melody,
    parse_token,
    scale_pitch_classes,
    voice_chord,
    voice_leading_distance,
)

C, A = 0, 9


def test_diatonic_chords_use_only_notes_of_the_key():
    for mode in ("ionian", "aeolian", "dorian", "phrygian"):
        key_scale = set(scale_pitch_classes(C, mode))
        for degree in range(1, 8):
            for extension in (7, 9, 11, 13):
                chord = parse_token(str(degree), tonic_pc=C, key_mode=mode, extension=extension)
                assert chord.source == "diatonic"
                assert chord.pitch_classes <= key_scale, (mode, degree, extension, chord.symbol)


def test_borrowed_chords_are_labelled_and_come_from_the_parallel_mode():
    minor_iv = parse_token("4@aeolian", tonic_pc=C, key_mode="ionian", extension=9)
    flat_seven = parse_token("7@aeolian", tonic_pc=C, key_mode="ionian", extension=7)
    flat_six = parse_token("6@aeolian", tonic_pc=C, key_mode="ionian", extension=7)
    assert (minor_iv.symbol, minor_iv.numeral) == ("Fm9", "iv")
    assert (flat_seven.symbol, flat_seven.numeral) == ("Bb7", "bVII")
    assert (flat_six.symbol, flat_six.numeral) == ("Abmaj7", "bVI")
    for chord in (minor_iv, flat_seven, flat_six):
        assert chord.source == "borrowed" and chord.borrowed_from == "aeolian"
        assert not chord.pitch_classes <= set(scale_pitch_classes(C, "ionian"))
        assert chord.pitch_classes <= set(scale_pitch_classes(C, "aeolian"))


def test_a_chord_from_another_mode_that_fits_the_key_is_not_called_borrowed():
    # degree 1 of aeolian in A minor is the plain tonic chord
    chord = parse_token("1@aeolian", tonic_pc=A, key_mode="aeolian", extension=9)
    assert chord.source == "diatonic" and chord.borrowed_from is None


def test_secondary_dominants_resolve_a_fifth_down_to_a_diatonic_degree():
    key_scale = scale_pitch_classes(C, "ionian")
    for target in (2, 3, 4, 5, 6):
        chord = parse_token(f"V/{target}", tonic_pc=C, key_mode="ionian", extension=9)
        assert chord.source == "secondary" and chord.target_degree == target
        assert chord.is_dominant
        assert (chord.root_pc - 7) % 12 == key_scale[target - 1]
        assert chord.pitch_classes <= set(chord.scale)
    assert parse_token("V/2", tonic_pc=C, key_mode="ionian", extension=9).symbol == "A7b9"  # into D minor
    assert parse_token("V/4", tonic_pc=C, key_mode="ionian", extension=9).symbol == "C9"  # into F major


def test_the_dominant_of_the_tonic_is_the_plain_five_chord():
    chord = parse_token("V/1", tonic_pc=C, key_mode="ionian", extension=9)
    assert (chord.source, chord.symbol) == ("diatonic", "G9")
    minor = parse_token("V/1", tonic_pc=A, key_mode="aeolian", extension=9)
    assert minor.source == "borrowed" and minor.borrowed_from == "harmonic_minor" and minor.is_dominant


@pytest.mark.parametrize(
    ("token", "extension", "symbol"),
    [
        ("2", 7, "Dm7"),
        ("2", 9, "Dm9"),
        ("2", 11, "Dm11"),
        ("2", 13, "Dm13"),
        ("5", 13, "G13"),
        ("1", 13, "Cmaj13"),
        ("4", 11, "Fmaj9#11"),
    ],
)
def test_extended_chords_stack_thirds_and_skip_clashing_tensions(token, extension, symbol):
    chord = parse_token(token, tonic_pc=C, key_mode="ionian", extension=extension)
    assert chord.symbol == symbol
    # no natural 11 over a major third, no minor 9th over a non-dominant chord
    assert not (chord.third == 4 and 17 in chord.intervals)
    assert not (not chord.is_dominant and 13 in chord.intervals)


def test_voice_leading_moves_less_than_block_chords_and_stays_bounded():
    tokens = ["2", "5", "1", "6", "2", "5", "1", "4", "4@aeolian", "1", "V/2", "2", "5", "1"]
    chords = [parse_token(t, tonic_pc=C, key_mode="ionian", extension=9) for t in tokens]
    previous, led, naive = None, [], []
    for chord in chords:
        voicing = voice_chord(chord, previous=previous, size=4, low=50, high=74, rootless=True)
        assert len(voicing) == 4 and all(50 <= p <= 74 for p in voicing)
        assert {p % 12 for p in voicing} <= chord.pitch_classes
        if previous is not None:
            led.append(voice_leading_distance(previous, voicing))
        previous = voicing
    blocks = [tuple(48 + chord.root_pc + i for i in sorted(chord.intervals)[:4]) for chord in chords]
    naive = [voice_leading_distance(a, b) for a, b in itertools.pairwise(blocks)]
    assert max(led) <= 8  # at most two semitones per voice on every change
    assert np.mean(led) < 0.5 * np.mean(naive)


def test_voicings_keep_the_guide_tones():
    chord = parse_token("5", tonic_pc=C, key_mode="ionian", extension=13)  # G13
    voicing = voice_chord(chord, previous=None, size=4, low=50, high=74, rootless=True)
    pcs = {p % 12 for p in voicing}
    assert {11, 5} <= pcs  # B and F, the third and seventh
    assert 7 not in pcs  # rootless: the bass has the root


def test_melody_scale_narrows_to_the_style_pentatonic_over_diatonic_chords_only():
    tonic_chord = parse_token("1", tonic_pc=C, key_mode="ionian", extension=7)
    narrowed = chord_scale_for_melody(tonic_chord, tonic_pc=C, pentatonic="yo")
    assert set(narrowed) == {0, 2, 5, 7, 9}
    borrowed = parse_token("4@aeolian", tonic_pc=C, key_mode="ionian", extension=7)
    assert chord_scale_for_melody(borrowed, tonic_pc=C, pentatonic="yo") == borrowed.scale


def test_every_mode_has_seven_notes_starting_on_the_tonic():
    for intervals in MODE_INTERVALS.values():
        assert len(intervals) == 7 and intervals[0] == 0 and list(intervals) == sorted(intervals)
