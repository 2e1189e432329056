"""Decoding, streaming and validation of uploaded audio files."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
from pedalboard.io import AudioFile
from scipy import signal

from production.engine import audio_io
from production.engine.audio_io import AudioValidationError, Resampler
from tests.production.signals import lofi_track, sine

SR = 44100


def _write(path, audio, sample_rate=SR):
    with AudioFile(str(path), "w", sample_rate, audio.shape[0]) as out:
        out.write(audio)
    return path


@pytest.fixture(scope="module")
def two_seconds():
    return lofi_track(bpm=80, key="A minor", duration_s=2.0, seed=1).audio


@pytest.mark.parametrize("extension", ["wav", "flac", "aiff", "mp3", "ogg"])
def test_each_format_decodes_and_validates(tmp_path, two_seconds, extension):
    path = _write(tmp_path / f"track.{extension}", two_seconds)

    info = audio_io.validate(path, min_duration_s=1.0)
    audio, sample_rate = audio_io.read(path)

    assert info.format == extension
    assert (info.sample_rate, info.channels) == (SR, 2)
    assert info.duration_s == pytest.approx(2.0, abs=0.05)
    assert audio.dtype == np.float32 and audio.shape[0] == 2
    assert sample_rate == SR
    if extension in ("wav", "flac", "aiff"):  # lossless at 16 bits: the same samples come back
        np.testing.assert_allclose(audio[:, : two_seconds.shape[1]], two_seconds, atol=1e-4)


def test_format_comes_from_content_not_name(tmp_path, two_seconds):
    path = _write(tmp_path / "really.flac", two_seconds)
    renamed = path.rename(tmp_path / "looks-like.wav")

    assert audio_io.validate(renamed, min_duration_s=1.0).format == "flac"


def test_iter_blocks_streams_the_same_samples(tmp_path, two_seconds):
    path = _write(tmp_path / "track.wav", two_seconds)
    whole, _ = audio_io.read(path)

    blocks = list(audio_io.iter_blocks(path, block_s=0.3))

    assert len(blocks) == 7
    np.testing.assert_array_equal(np.concatenate(blocks, axis=1), whole)


def test_iter_blocks_resamples_and_downmixes(tmp_path, two_seconds):
    path = _write(tmp_path / "track.wav", two_seconds)
    whole, _ = audio_io.read(path)

    blocks = audio_io.iter_blocks(path, block_s=0.25, sample_rate=11025, mono=True)
    streamed = np.concatenate(list(blocks), axis=1)

    expected = signal.resample_poly(whole.mean(axis=0), 1, 4)
    assert streamed.shape == (1, expected.size)
    np.testing.assert_allclose(streamed[0], expected, atol=1e-5)


@pytest.mark.parametrize(("rate_in", "rate_out"), [(48000, 11025), (22050, 44100), (44100, 48000)])
def test_resampler_in_blocks_equals_whole_signal_resampling(rate_in, rate_out):
    rng = np.random.default_rng(3)
    audio = rng.standard_normal((2, 30011)).astype(np.float32)
    resampler = Resampler(rate_in, rate_out, channels=2)

    pieces, start = [], 0
    for size in (1, 777, 5000, 13, 9000, 20000):
        pieces.append(resampler.process(audio[:, start : start + size]))
        start += size
    pieces.append(resampler.flush())

    expected = signal.resample_poly(audio, resampler.up, resampler.down, axis=1)
    np.testing.assert_allclose(np.concatenate(pieces, axis=1), expected, atol=1e-5)


def test_empty_file_is_refused(tmp_path):
    path = tmp_path / "empty.wav"
    path.write_bytes(b"")

    with pytest.raises(AudioValidationError, match="empty"):
        audio_io.validate(path)


def test_text_file_named_wav_is_refused(tmp_path):
    path = tmp_path / "notes.wav"
    path.write_text("these are my liner notes, not audio\n" * 50)

    with pytest.raises(AudioValidationError, match="not an audio file"):
        audio_io.validate(path)


def test_corrupt_bytes_are_refused(tmp_path):
    path = tmp_path / "broken.flac"
    path.write_bytes(b"fLaC" + np.random.default_rng(0).bytes(40000))

    with pytest.raises(AudioValidationError, match="corrupt"):
        audio_io.validate(path, min_duration_s=0.5)


@pytest.mark.parametrize("extension", ["wav", "aiff", "flac", "mp3", "ogg"])
def test_truncated_file_is_refused(tmp_path, two_seconds, extension):
    path = _write(tmp_path / f"full.{extension}", two_seconds)
    data = path.read_bytes()
    cut = tmp_path / f"cut.{extension}"
    cut.write_bytes(data[: len(data) // 2])

    with pytest.raises(AudioValidationError, match="truncated"):
        audio_io.validate(cut, min_duration_s=0.5)


def test_too_short_and_too_long_are_refused(tmp_path, two_seconds):
    path = _write(tmp_path / "short.wav", two_seconds)

    with pytest.raises(AudioValidationError, match="at least 10 s"):
        audio_io.validate(path)
    with pytest.raises(AudioValidationError, match="limit"):
        audio_io.validate(path, min_duration_s=0.5, max_duration_s=1.0)


def test_silent_file_is_refused(tmp_path):
    path = _write(tmp_path / "silence.wav", np.zeros((2, SR * 2), dtype=np.float32))

    with pytest.raises(AudioValidationError, match="silent"):
        audio_io.validate(path, min_duration_s=1.0)


def test_probe_reads_the_header_only(tmp_path):
    path = _write(tmp_path / "tone.wav", sine(440, level_dbfs=-6, duration_s=1.5, channels=1))

    info = audio_io.probe(path)

    assert (info.channels, info.frames, info.format) == (1, int(1.5 * SR), "wav")


def test_sha256_streams_the_file(tmp_path):
    path = tmp_path / "blob.bin"
    data = np.random.default_rng(1).bytes(3_000_000)
    path.write_bytes(data)

    assert audio_io.sha256_file(path, chunk_bytes=65536) == hashlib.sha256(data).hexdigest()
