"""Key and mode detection, and the Camelot wheel."""

from __future__ import annotations

import numpy as np
import pytest

from production.engine.analysis import analyze
from production.engine.brief import PITCH_CLASSES, Key
from production.engine.keydetect import camelot, estimate_key, parse_camelot
from tests.production.signals import chord_progression

SR = 44100


@pytest.mark.parametrize("key", ["A minor", "C major", "F# minor", "D# major", "G minor"])
def test_key_of_a_chord_progression(key):
    truth = Key.parse(key)
    audio = chord_progression(key=truth, bpm=80, duration_s=16.0, seed=sum(map(ord, key)))

    result = analyze((audio, SR))

    assert (result.key, result.mode) == (truth.tonic, truth.mode)
    assert result.key_confidence > 0.2


def test_camelot_table():
    assert camelot("A", "minor") == "8A"
    assert camelot("C", "major") == "8B"
    assert camelot("E", "minor") == "9A" and camelot("G", "major") == "9B"
    assert camelot("F", "major") == "7B" and camelot("D", "minor") == "7A"
    codes = {camelot(tonic, mode) for tonic in PITCH_CLASSES for mode in ("major", "minor")}
    assert len(codes) == 24
    for tonic in PITCH_CLASSES:
        pc = PITCH_CLASSES.index(tonic)
        relative_minor = PITCH_CLASSES[(pc + 9) % 12]
        number, _ = parse_camelot(camelot(tonic, "major"))
        assert parse_camelot(camelot(relative_minor, "minor"))[0] == number
        fifth_up = PITCH_CLASSES[(pc + 7) % 12]
        assert (parse_camelot(camelot(fifth_up, "major"))[0] - number) % 12 == 1


def test_flat_chroma_has_no_confidence():
    estimate = estimate_key(np.ones(12))

    assert estimate.confidence == 0.0


def test_bad_camelot_codes_are_refused():
    with pytest.raises(ValueError):
        parse_camelot("13A")
    with pytest.raises(ValueError):
        camelot("H", "minor")
