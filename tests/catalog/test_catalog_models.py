"""Row-level facts of the catalogue: Camelot codes and why a track cannot be approved yet."""

from __future__ import annotations

import pytest

from catalog.models import PITCH_CLASSES, Track, camelot_code


@pytest.mark.parametrize(
    ("tonic", "mode", "code"),
    [
        ("C", "major", "8B"),
        ("A", "minor", "8A"),
        ("G", "major", "9B"),
        ("E", "minor", "9A"),
        ("F", "major", "7B"),
        ("D", "minor", "7A"),
        ("B", "major", "1B"),
        ("G#", "minor", "1A"),
        ("C#", "major", "3B"),
        ("A#", "minor", "3A"),
        ("F#", "major", "2B"),
        ("D#", "minor", "2A"),
    ],
)
def test_camelot_codes_of_well_known_keys(tonic, mode, code):
    assert camelot_code(tonic, mode) == code


def _number(code: str) -> int:
    return int(code[:-1])


@pytest.mark.parametrize("tonic", PITCH_CLASSES)
def test_relative_keys_share_a_number_and_a_fifth_up_is_one_step_clockwise(tonic):
    pc = PITCH_CLASSES.index(tonic)
    relative_minor = PITCH_CLASSES[(pc + 9) % 12]
    fifth_up = PITCH_CLASSES[(pc + 7) % 12]

    assert _number(camelot_code(tonic, "major")) == _number(camelot_code(relative_minor, "minor"))
    assert _number(camelot_code(fifth_up, "major")) == _number(camelot_code(tonic, "major")) % 12 + 1


def test_every_key_has_its_own_code():
    codes = {camelot_code(pc, mode) for pc in PITCH_CLASSES for mode in ("major", "minor")}
    assert len(codes) == 24


def test_unknown_key_or_mode_has_no_code():
    assert camelot_code("", "") == ""
    assert camelot_code("H", "minor") == ""
    assert camelot_code("A", "dorian") == ""
    assert Track(key="A", mode="").camelot_code == ""


def test_approval_blockers_name_each_reason():
    track = Track(
        qc_passed=False,
        qc_report={"failures": ["true peak -0.3 dBTP above the -1.0 dBTP ceiling"]},
        duplicate_verdict=Track.DuplicateVerdict.CONTAINS,
    )

    assert track.approval_blockers() == [
        "QC failed: true peak -0.3 dBTP above the -1.0 dBTP ceiling",
        "It contains audio of a catalogue track.",
    ]
    assert Track(qc_passed=None).approval_blockers() == ["QC has not run yet."]
    assert Track(qc_passed=True, duplicate_verdict=Track.DuplicateVerdict.CLEAR).approval_blockers() == []
