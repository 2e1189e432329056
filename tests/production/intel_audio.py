"""Short synthetic audio files for the ingest, analysis, fingerprint, mood and mix tests.

Material comes from tests.production.signals (drums, chords, bass and melody at a known tempo and key);
files are written in every format ingest accepts, and in the broken ways it must refuse.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf
from pedalboard.io import AudioFile

from production.engine.brief import PITCH_CLASSES
from tests.production.signals import lofi_track

SAMPLE_RATE = 44100


def track_audio(
    *, seed: int = 0, duration_s: float = 6.0, bpm: float | None = None, key: str | None = None
) -> np.ndarray:
    """(2, n) float32 LoFi-like material. By default each seed (0-39) gets its own tempo and key as well:
    testsignals shares its drum kit, and a progression, between seeds, so two seeds at one tempo hold
    sample-identical drum and chord audio, which the duplicate check rightly calls shared audio."""
    bpm = bpm if bpm is not None else 66.0 + 2.5 * (seed % 40)
    key = key or f"{PITCH_CLASSES[(7 * seed) % 12]} {'minor' if seed % 2 == 0 else 'major'}"
    return lofi_track(bpm=bpm, key=key, duration_s=duration_s, sample_rate=SAMPLE_RATE, seed=seed).audio


def write(path: Path, audio: np.ndarray, *, fmt: str | None = None, sample_rate: int = SAMPLE_RATE) -> Path:
    """Write `audio` (channels, n) as `fmt` (wav, flac, aiff, ogg, mp3; default: the path's extension),
    whatever the path's extension says."""
    fmt = fmt or path.suffix.lstrip(".").lower()
    path.parent.mkdir(parents=True, exist_ok=True)
    frames = np.ascontiguousarray(audio.T)
    if fmt == "wav":
        sf.write(str(path), frames, sample_rate, subtype="PCM_16", format="WAV")
    elif fmt == "flac":
        sf.write(str(path), frames, sample_rate, subtype="PCM_24", format="FLAC")
    elif fmt == "aiff":
        sf.write(str(path), frames, sample_rate, subtype="PCM_16", format="AIFF")
    elif fmt in ("mp3", "ogg"):
        # pedalboard picks the codec from the extension, so write under the right name and move it.
        target = path.with_name(path.name + f".{fmt}")
        with AudioFile(
            str(target),
            "w",
            samplerate=sample_rate,
            num_channels=audio.shape[0],
            quality="V2" if fmt == "mp3" else None,
        ) as out:
            out.write(audio)
        target.replace(path)
    else:
        raise ValueError(fmt)
    return path


def truncated_copy(source: Path, target: Path, *, keep: float = 0.5) -> Path:
    """The first `keep` share of a file's bytes, as an interrupted upload leaves it."""
    data = source.read_bytes()
    target.write_bytes(data[: int(len(data) * keep)])
    return target


def corrupt_wav(path: Path, *, duration_s: float = 6.0) -> Path:
    """A 32-bit float WAV with an intact header whose samples are garbage bytes, many of them NaN or inf:
    no player can use it."""
    n = int(duration_s * SAMPLE_RATE)
    audio = np.zeros((n, 2), dtype=np.float32)
    sf.write(str(path), audio, SAMPLE_RATE, subtype="FLOAT", format="WAV")
    data = bytearray(path.read_bytes())
    header = data.index(b"data") + 8
    rng = np.random.default_rng(5)
    noise = rng.integers(0, 256, size=len(data) - header, dtype=np.uint8)
    noise[3::4] = 0x7F  # sets the exponent bits high: many samples become inf/NaN
    noise[2::4] |= 0x80
    data[header:] = noise.tobytes()
    path.write_bytes(bytes(data))
    return path
