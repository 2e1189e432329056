"""Turn rendered audio into the audio files a Track keeps: a 24-bit WAV master, 24-bit FLAC stems and a
short MP3 preview. Plain functions over numpy arrays of shape (channels, samples), float32.

The pictures (waveform PNG, peaks JSON, spectrogram) come from production/engine/visuals.py.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf

PREVIEW_MAX_S = 60.0  # long enough to judge a track, too short to lift the master from the storefront
# ...and never the whole of a short track: at most this share of it (a 60 s track previews 48 s, ending faded).
PREVIEW_MAX_SHARE = 0.8
PREVIEW_FADE_IN_S = 0.05  # removes the click of a cut that does not start on a zero crossing
PREVIEW_FADE_OUT_S = 3.0
PREVIEW_BITRATE = "128k"


def write_wav_24(path: Path, audio: np.ndarray, sample_rate: int) -> None:
    """24-bit PCM WAV. Samples beyond ±1 are clipped by the PCM encoder, so master first."""
    sf.write(str(path), _frames_last_to_first(audio), sample_rate, subtype="PCM_24", format="WAV")


def write_flac_24(path: Path, audio: np.ndarray, sample_rate: int) -> None:
    """24-bit FLAC: lossless like the WAV, about half the size, which matters for eight stems per track."""
    sf.write(str(path), _frames_last_to_first(audio), sample_rate, subtype="PCM_24", format="FLAC")


def preview_audio(
    audio: np.ndarray,
    sample_rate: int,
    *,
    max_s: float = PREVIEW_MAX_S,
    fade_in_s: float = PREVIEW_FADE_IN_S,
    fade_out_s: float = PREVIEW_FADE_OUT_S,
) -> np.ndarray:
    """The first `max_s` seconds (at most PREVIEW_MAX_SHARE of the track) with a short fade-in and an
    equal-power fade-out to silence."""
    n = min(round(audio.shape[1] * PREVIEW_MAX_SHARE), round(max_s * sample_rate))
    clip = np.array(audio[:, :n], dtype=np.float32, copy=True)
    n_in = min(n, round(fade_in_s * sample_rate))
    n_out = min(n, round(fade_out_s * sample_rate))
    if n_in:
        clip[:, :n_in] *= np.sin(np.linspace(0.0, np.pi / 2, n_in, dtype=np.float32))
    if n_out:
        clip[:, n - n_out :] *= np.cos(np.linspace(0.0, np.pi / 2, n_out, dtype=np.float32))
    return clip


def write_mp3_preview(
    path: Path, audio: np.ndarray, sample_rate: int, *, bitrate: str = PREVIEW_BITRATE, max_s: float = PREVIEW_MAX_S
) -> float:
    """Write the public preview (see `preview_audio`) as constant-bitrate MP3; returns its length (s)."""
    from pedalboard.io import AudioFile

    clip = preview_audio(audio, sample_rate, max_s=max_s)
    with AudioFile(str(path), "w", samplerate=sample_rate, num_channels=clip.shape[0], quality=bitrate) as out:
        out.write(clip)
    return clip.shape[1] / sample_rate


def _frames_last_to_first(audio: np.ndarray) -> np.ndarray:
    """soundfile wants (frames, channels); the project keeps (channels, frames)."""
    return np.ascontiguousarray(audio.T)
