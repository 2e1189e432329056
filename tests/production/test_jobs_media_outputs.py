"""The audio files a render job writes: preview length and fades, 24-bit WAV master and FLAC stems."""

from __future__ import annotations

import numpy as np
import soundfile as sf

from production.engine import media_outputs

SR = 44100


def _tone(duration_s: float, amplitude: float = 0.5) -> np.ndarray:
    t = np.arange(round(duration_s * SR)) / SR
    mono = amplitude * np.sin(2 * np.pi * 220 * t)
    return np.stack([mono, 0.5 * mono]).astype(np.float32)


def test_the_preview_keeps_only_the_first_minute_and_fades_to_silence(tmp_path):
    audio = _tone(75.0)

    length_s = media_outputs.write_mp3_preview(tmp_path / "p.mp3", audio, SR)
    clip = media_outputs.preview_audio(audio, SR)

    assert length_s == 60.0 and clip.shape == (2, 60 * SR)
    assert abs(clip[0, -1]) < 1e-3 and abs(clip[0, 0]) < 1e-3
    middle = clip[:, 20 * SR : 21 * SR]
    assert np.allclose(middle, audio[:, 20 * SR : 21 * SR])  # untouched between the fades
    last_second = clip[:, -SR:]
    assert np.sqrt(np.mean(last_second**2)) < 0.6 * np.sqrt(np.mean(middle**2))
    size_kbps = (tmp_path / "p.mp3").stat().st_size * 8 / 60 / 1000
    assert 100 < size_kbps < 150


def test_a_short_track_is_never_previewed_whole():
    audio = _tone(60.0)

    clip = media_outputs.preview_audio(audio, SR)

    assert clip.shape[1] == round(0.8 * 60 * SR)  # 48 s of a 60 s track, faded out before its end
    assert abs(clip[0, -1]) < 1e-3


def test_masters_and_stems_are_24_bit_and_keep_the_samples(tmp_path):
    audio = _tone(1.0)

    media_outputs.write_wav_24(tmp_path / "m.wav", audio, SR)
    media_outputs.write_flac_24(tmp_path / "s.flac", audio, SR)

    for path in (tmp_path / "m.wav", tmp_path / "s.flac"):
        assert sf.info(str(path)).subtype == "PCM_24"
        decoded, rate = sf.read(str(path), always_2d=True, dtype="float32")
        assert rate == SR and decoded.shape == (SR, 2)
        assert np.max(np.abs(decoded.T - audio)) < 1e-6
