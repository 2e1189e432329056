"""Read, stream and validate audio files (WAV, FLAC, AIFF, MP3, OGG), whatever their file name says.

Reading goes through pedalboard.io.AudioFile. Validation decodes the whole file in blocks through
libsndfile (soundfile) as well, because pedalboard silently pads a truncated WAV or AIFF with zeros up to
the length its header declares; libsndfile stops where the data really ends, so comparing the two finds
files cut short by an upload or a copy. Memory stays flat whatever the length of the file.
"""

from __future__ import annotations

import hashlib
import math
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile
from pedalboard.io import AudioFile
from scipy import signal

FORMATS = ("wav", "flac", "aiff", "mp3", "ogg")
_VALIDATE_BLOCK_FRAMES = 1 << 16
# An MP3 decoder may drop or add up to two MPEG frames of encoder delay and padding, so a file only counts
# as truncated when it falls short of its declared length by more than this.
_TRUNCATION_TOLERANCE_S = 0.1


class AudioValidationError(ValueError):
    """The file is not usable audio; the message says why in words an editor understands."""


@dataclass(frozen=True)
class AudioInfo:
    duration_s: float
    sample_rate: int
    channels: int
    format: str  # one of FORMATS, from the file's content (not its name); "unknown" if unrecognised
    frames: int


def sniff_format(path: str | os.PathLike) -> str:
    """The container format from the file's first bytes: one of FORMATS, or "unknown"."""
    with open(path, "rb") as handle:
        head = handle.read(12)
    if head[:4] in (b"RIFF", b"RF64") and head[8:12] == b"WAVE":
        return "wav"
    if head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"):
        return "aiff"
    if head[:4] == b"fLaC":
        return "flac"
    if head[:4] == b"OggS":
        return "ogg"
    if head[:3] == b"ID3" or (len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "mp3"
    return "unknown"


def probe(path: str | os.PathLike) -> AudioInfo:
    """What the file's header declares, without decoding the audio. Raises AudioValidationError."""
    return _header(path)[0]


def _header(path: str | os.PathLike) -> tuple[AudioInfo, bool]:
    """The declared AudioInfo and whether the declared length is exact (an MP3 without a length tag
    only has an estimate)."""
    fmt = _check_not_empty(path)
    try:
        with AudioFile(str(path)) as audio_file:
            frames, sample_rate, channels = audio_file.frames, audio_file.samplerate, audio_file.num_channels
            exact = bool(audio_file.exact_duration_known)
    except Exception as exc:
        raise AudioValidationError(_unreadable_message(path, fmt)) from exc
    info = AudioInfo(
        duration_s=frames / sample_rate,
        sample_rate=int(sample_rate),
        channels=int(channels),
        format=fmt,
        frames=int(frames),
    )
    return info, exact


def read(path: str | os.PathLike) -> tuple[np.ndarray, int]:
    """The whole file as (channels, samples) float32 and its sample rate. Short files only: stream long
    ones with `iter_blocks`."""
    with AudioFile(str(path)) as audio_file:
        audio = audio_file.read(audio_file.frames)
        return np.ascontiguousarray(audio, dtype=np.float32), int(audio_file.samplerate)


def iter_blocks(
    path: str | os.PathLike, block_s: float = 10.0, *, sample_rate: int | None = None, mono: bool = False
) -> Iterator[np.ndarray]:
    """Yield the file as consecutive (channels, n) float32 blocks of about `block_s` seconds.

    With `sample_rate`, blocks are resampled to that rate (streaming, see `Resampler`); with `mono`, the
    channels are averaged into one. Only one block (plus a little filter context) is in memory at a time.
    """
    with AudioFile(str(path)) as audio_file:
        native_rate = int(audio_file.samplerate)
        channels = 1 if mono else audio_file.num_channels
        resampler = (
            Resampler(native_rate, sample_rate, channels=channels)
            if sample_rate and sample_rate != native_rate
            else None
        )
        block_frames = max(1, int(block_s * native_rate))
        while audio_file.tell() < audio_file.frames:
            block = audio_file.read(block_frames)
            if block.shape[1] == 0:
                break
            if mono:
                block = block.mean(axis=0, keepdims=True)
            block = np.ascontiguousarray(block, dtype=np.float32)
            if resampler is not None:
                block = resampler.process(block)
            if block.shape[1]:
                yield block
        if resampler is not None:
            tail = resampler.flush()
            if tail.shape[1]:
                yield tail


class Resampler:
    """Streaming rational resampler with carried state.

    Feed consecutive (channels, n) blocks to `process`, then call `flush` once; the concatenated output
    equals `scipy.signal.resample_poly(whole_signal, up, down, axis=1)` to float rounding, with
    ceil(n_in * sample_rate_out / sample_rate_in) samples in all. Output lags input by a few dozen samples
    of filter context, which `flush` releases.
    """

    def __init__(self, sample_rate_in: int, sample_rate_out: int, *, channels: int) -> None:
        g = math.gcd(int(sample_rate_in), int(sample_rate_out))
        self.up = int(sample_rate_out) // g
        self.down = int(sample_rate_in) // g
        # resample_poly's default FIR spans ±10*max(up, down) samples at the upsampled rate, i.e. this many
        # input samples each side; context is kept in whole multiples of `down` so chunks stay phase-aligned.
        half_input = 10 * max(self.up, self.down) / self.up
        self._context = self.down * math.ceil((half_input + 2) / self.down)
        self._buffer = np.zeros((channels, 0), dtype=np.float32)
        self._buffer_start = 0  # input index of self._buffer[:, 0]
        self._next_input = 0  # input index (multiple of down) of the next output sample to emit
        self._total_input = 0

    def process(self, block: np.ndarray) -> np.ndarray:
        block = np.atleast_2d(block).astype(np.float32, copy=False)
        self._buffer = np.concatenate([self._buffer, block], axis=1)
        self._total_input += block.shape[1]
        return self._emit(final=False)

    def flush(self) -> np.ndarray:
        return self._emit(final=True)

    def _emit(self, *, final: bool) -> np.ndarray:
        buffer_end = self._buffer_start + self._buffer.shape[1]
        start = self._next_input
        end = buffer_end if final else ((buffer_end - self._context) // self.down) * self.down
        if end <= start:
            return np.zeros((self._buffer.shape[0], 0), dtype=np.float32)
        chunk_start = max(0, start - self._context)
        chunk = self._buffer[:, chunk_start - self._buffer_start :]
        resampled = signal.resample_poly(chunk, self.up, self.down, axis=1)
        first = (start - chunk_start) * self.up // self.down
        if final:
            last = math.ceil(self._total_input * self.up / self.down) - chunk_start * self.up // self.down
        else:
            last = (end - chunk_start) * self.up // self.down
        out = resampled[:, first:last].astype(np.float32)
        self._next_input = end
        keep_from = max(self._buffer_start, end - self._context)
        self._buffer = self._buffer[:, keep_from - self._buffer_start :]
        self._buffer_start = keep_from
        return out


def validate(path: str | os.PathLike, *, min_duration_s: float = 10.0, max_duration_s: float = 7200.0) -> AudioInfo:
    """Decode the whole file in blocks and return what it really holds, or raise AudioValidationError.

    Refuses: empty files, files that are not audio (whatever their extension), corrupt audio data,
    truncated files (declared length longer than the decodable data; an Ogg stream without its closing
    page), silent or non-finite audio, and durations outside [min_duration_s, max_duration_s].
    The returned frames and duration_s are those actually decoded.
    """
    header, exact_length = _header(path)
    name = Path(path).name
    if header.frames <= 0:
        raise AudioValidationError(f"{name} contains no audio samples.")
    if header.duration_s > max_duration_s + 1.0:
        raise AudioValidationError(
            f"{name} is {_clock(header.duration_s)} long; the limit is {_clock(max_duration_s)}."
        )
    decoded_frames, peak = _decode_through(path, header)
    if decoded_frames == 0:
        raise AudioValidationError(f"{name} contains no decodable audio samples.")
    missing_s = (header.frames - decoded_frames) / header.sample_rate
    if exact_length and missing_s > _TRUNCATION_TOLERANCE_S + 0.001 * header.duration_s:
        raise AudioValidationError(
            f"{name} is truncated: its header declares {_clock(header.duration_s)} of audio but only "
            f"{_clock(decoded_frames / header.sample_rate)} is present (was the upload or copy cut short?)."
        )
    if header.format == "ogg" and not _ogg_has_end_page(path):
        raise AudioValidationError(
            f"{name} is truncated: the Ogg stream stops without its final page (was the upload cut short?)."
        )
    if peak == 0.0:
        raise AudioValidationError(f"{name} is completely silent.")
    duration_s = decoded_frames / header.sample_rate
    if duration_s < min_duration_s:
        raise AudioValidationError(
            f"{name} is only {duration_s:.1f} s long; a track must last at least {min_duration_s:g} s."
        )
    if duration_s > max_duration_s:
        raise AudioValidationError(f"{name} is {_clock(duration_s)} long; the limit is {_clock(max_duration_s)}.")
    return AudioInfo(
        duration_s=duration_s,
        sample_rate=header.sample_rate,
        channels=header.channels,
        format=header.format,
        frames=decoded_frames,
    )


def sha256_file(path: str | os.PathLike, *, chunk_bytes: int = 1 << 20) -> str:
    """Hex SHA-256 of the file's bytes, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(chunk_bytes), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _check_not_empty(path: str | os.PathLike) -> str:
    name = Path(path).name
    try:
        size = os.path.getsize(path)
    except OSError as exc:
        raise AudioValidationError(f"{name} cannot be opened: {exc.strerror}.") from exc
    if size == 0:
        raise AudioValidationError(f"{name} is empty (0 bytes).")
    return sniff_format(path)


def _unreadable_message(path: str | os.PathLike, fmt: str) -> str:
    name = Path(path).name
    if fmt == "unknown":
        return (
            f"{name} is not an audio file we can read: its content is not WAV, FLAC, AIFF, MP3 or OGG "
            "(the file name's extension does not matter)."
        )
    return f"{name} looks like {fmt.upper()} but cannot be decoded: the file is corrupt."


def _decode_through(path: str | os.PathLike, header: AudioInfo) -> tuple[int, float]:
    """Decode every block; return (frames decoded, peak magnitude). Raises on decode errors."""
    name = Path(path).name
    try:
        handle = soundfile.SoundFile(str(path))
    except Exception:  # libsndfile cannot open every variant pedalboard can: decode with pedalboard instead
        return _decode_through_pedalboard(path, header)
    frames, peak = 0, 0.0
    with handle:
        while True:
            try:
                block = handle.read(_VALIDATE_BLOCK_FRAMES, dtype="float32", always_2d=True)
            except Exception as exc:
                raise AudioValidationError(
                    f"{name} is corrupt or truncated: decoding fails at "
                    f"{_clock(frames / header.sample_rate)} of {_clock(header.duration_s)}."
                ) from exc
            if block.shape[0] == 0:
                break
            peak = max(peak, _finite_peak(block, name, frames / header.sample_rate))
            frames += block.shape[0]
    return frames, peak


def _decode_through_pedalboard(path: str | os.PathLike, header: AudioInfo) -> tuple[int, float]:
    name = Path(path).name
    frames, peak = 0, 0.0
    with AudioFile(str(path)) as audio_file:
        while audio_file.tell() < audio_file.frames:
            try:
                block = audio_file.read(_VALIDATE_BLOCK_FRAMES)
            except Exception as exc:
                raise AudioValidationError(
                    f"{name} is corrupt: decoding fails at {_clock(frames / header.sample_rate)}."
                ) from exc
            if block.shape[1] == 0:
                break
            peak = max(peak, _finite_peak(block, name, frames / header.sample_rate))
            frames += block.shape[1]
    return frames, peak


def _finite_peak(block: np.ndarray, name: str, at_s: float) -> float:
    peak = float(np.max(np.abs(block))) if block.size else 0.0
    if not np.isfinite(peak):
        raise AudioValidationError(f"{name} is corrupt: it holds invalid (non-numeric) samples near {_clock(at_s)}.")
    return peak


def _ogg_has_end_page(path: str | os.PathLike) -> bool:
    """Whether the last Ogg page in the file carries the end-of-stream flag (header type bit 0x04)."""
    with open(path, "rb") as handle:
        handle.seek(0, os.SEEK_END)
        size = handle.tell()
        handle.seek(max(0, size - 65536))
        tail = handle.read()
    position = tail.rfind(b"OggS")
    return position >= 0 and position + 5 < len(tail) and bool(tail[position + 5] & 0x04)


def _clock(seconds: float) -> str:
    seconds = max(0.0, seconds)
    if seconds < 60:
        return f"{seconds:.1f} s"
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
