"""Waveform peaks and images for the player and the cockpit."""

from __future__ import annotations

import io

import numpy as np
import pytest
import soundfile
from PIL import Image

from production.engine import visuals
from tests.production.signals import sine

SR = 44100


@pytest.fixture
def burst_file(tmp_path):
    """Four seconds: one second of silence, two of a 440 Hz tone at half scale, one of silence."""
    audio = np.zeros((2, 4 * SR), dtype=np.float32)
    audio[:, SR : 3 * SR] = sine(440, level_dbfs=-6.02, duration_s=2.0)
    path = tmp_path / "burst.wav"
    soundfile.write(str(path), audio.T, SR, subtype="FLOAT")
    return path, audio


def test_peaks_follow_the_loud_part_and_match_memory(burst_file):
    path, audio = burst_file

    streamed = visuals.peaks(path, 8, block_s=0.7)
    in_memory = visuals.peaks((audio, SR), 8)

    assert streamed == in_memory
    assert len(streamed) == 8
    assert streamed[0] == [0.0, 0.0] and streamed[-1] == [0.0, 0.0]
    for low, high in streamed[2:6]:
        assert low == pytest.approx(-0.5, abs=0.01) and high == pytest.approx(0.5, abs=0.01)


def test_peaks_of_a_dc_signal_do_not_include_zero():
    audio = np.full((1, 1000), 0.25, dtype=np.float32)

    assert visuals.peaks((audio, SR), 4) == [[0.25, 0.25]] * 4


def test_peaks_json_is_in_audiowaveform_layout(burst_file):
    path, _ = burst_file

    document = visuals.peaks_json(path, 100)

    assert document["version"] == 2 and document["bits"] == 8 and document["length"] == 100
    assert len(document["data"]) == 200
    assert max(document["data"]) == 64 and min(document["data"]) == -64


def test_waveform_png_draws_the_loud_middle_taller(burst_file):
    path, _ = burst_file

    image = Image.open(io.BytesIO(visuals.waveform_png(path, width=200, height=100)))

    alpha = np.asarray(image)[:, :, 3] > 0
    heights = alpha.sum(axis=0)
    assert image.size == (200, 100)
    assert heights[100] > 40 and heights[10] <= 2


def test_spectrogram_png_shows_the_tone_at_its_frequency(burst_file):
    path, _ = burst_file

    image = Image.open(io.BytesIO(visuals.spectrogram_png(path, width=64, height=200)))

    pixels = np.asarray(image.convert("L"), dtype=float)
    middle = pixels[:, 32]
    row_hz = np.geomspace(16000.0, visuals.SPECTROGRAM_MIN_HZ, 200)
    assert image.size == (64, 200)
    assert abs(row_hz[int(np.argmax(middle))] - 440) < 40
    assert pixels[:, 32].max() > pixels[:, 2].max() + 50  # the tone is brighter than the silence
