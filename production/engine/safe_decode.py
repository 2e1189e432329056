"""Validate untrusted audio without letting a decoder crash take the web or worker process down.

engine.audio_io.validate decodes with libsndfile and falls back to pedalboard for files libsndfile cannot
open. pedalboard trusts the header: a FLAC whose STREAMINFO block is overwritten (1,048,575 Hz,
4,294,967,295 frames) opens "fine" and then segfaults the interpreter on the first read. So:
- a file libsndfile opens, with a plausible header, is validated in this process (libsndfile stops at the
  real end of the data and reports damage as errors);
- a file libsndfile cannot open and whose first bytes name no audio format is refused at once;
- any other file libsndfile cannot open is validated in a child process: if the decoder crashes there, the file
  is refused as corrupt and this process carries on.
Before any decoder runs, the header is held to the upload limits (channels, sample rate, duration): a few MB of
FLAC can declare two hours of eight channels at 96 kHz, which took 25 s to decode inside a web request. Files
whose declared samples (channels x frames) exceed `full_decode_samples` are decoded only at their start and their
end (which still catches truncation and garbage); the whole file is decoded later by the analysis task, in the
background, under its own time limit.
No Django imports here: the child process imports this module on its own.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import multiprocessing
import os
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile

from production.engine import audio_io

MIN_SAMPLE_RATE = 8000
MAX_SAMPLE_RATE = 384000  # beyond this (or MAX_CHANNELS) a header is not plausible at all: "corrupt header"
MAX_CHANNELS = 32
CHILD_TIMEOUT_S = 60.0
WINDOW_S = 15.0  # seconds decoded at each end of a file too large to decode whole in the request
_TRUNCATION_TOLERANCE_S = 0.1
_BLOCK_FRAMES = 1 << 16


@dataclass(frozen=True)
class UploadLimits:
    """What an upload may declare, and how much of it is decoded while the uploader waits."""

    min_duration_s: float
    max_duration_s: float
    max_channels: int = MAX_CHANNELS
    max_sample_rate: int = MAX_SAMPLE_RATE
    full_decode_samples: int | None = None  # None: always decode the whole file


def validate_untrusted(
    path: str | os.PathLike,
    *,
    min_duration_s: float,
    max_duration_s: float,
    name: str | None = None,
    max_channels: int = MAX_CHANNELS,
    max_sample_rate: int = MAX_SAMPLE_RATE,
    full_decode_samples: int | None = None,
) -> audio_io.AudioInfo:
    """`audio_io.validate`, safe against decoders that crash on malformed input, within the upload limits.

    Raises audio_io.AudioValidationError (naming the file `name`, default the path's name) when the file
    is refused, including when its header is implausible or over a limit, or a decoder crashes or hangs on it.
    """
    name = name or Path(path).name
    limits = UploadLimits(min_duration_s, max_duration_s, max_channels, max_sample_rate, full_decode_samples)
    if not os.path.isfile(path) or os.path.getsize(path) == 0:
        # Missing and empty files are refused before any decoder runs.
        return audio_io.validate(path, min_duration_s=min_duration_s, max_duration_s=max_duration_s)
    header = _libsndfile_header(path)
    if header is not None:
        return _validate_with_header(path, header, limits, name, reader="libsndfile")
    if audio_io.sniff_format(path) == "unknown":
        # Neither libsndfile nor the magic bytes recognise it: no need to hand it to another decoder.
        raise audio_io.AudioValidationError(
            f"{name} is not an audio file we can read: its content is not WAV, FLAC, AIFF, MP3 or OGG "
            "(the file name's extension does not matter)."
        )
    return _validate_in_child(path, limits, name)


def _libsndfile_header(path: str | os.PathLike) -> tuple[int, int, int] | None:
    try:
        info = soundfile.info(str(path))
    except Exception:  # not openable by libsndfile: unknown content, or a variant only pedalboard reads
        return None
    return int(info.samplerate), int(info.channels), int(info.frames)


def check_header(name: str, sample_rate: int, channels: int, frames: int, limits: UploadLimits) -> None:
    """Refuse, from the declared numbers alone, what is implausible or over the upload limits."""
    if not (MIN_SAMPLE_RATE <= sample_rate <= MAX_SAMPLE_RATE and 1 <= channels <= MAX_CHANNELS):
        raise audio_io.AudioValidationError(
            f"{name} is corrupt: its header claims {sample_rate} Hz and {channels} channel(s)."
        )
    if channels > limits.max_channels:
        raise audio_io.AudioValidationError(
            f"{name} has {channels} audio channels; uploads may have at most {limits.max_channels}."
        )
    if sample_rate > limits.max_sample_rate:
        raise audio_io.AudioValidationError(
            f"{name} is sampled at {sample_rate} Hz; uploads may be at most {limits.max_sample_rate} Hz."
        )
    declared_s = frames / sample_rate
    if declared_s > limits.max_duration_s + 1.0:
        raise audio_io.AudioValidationError(
            f"{name} is {audio_io._clock(declared_s)} long; the limit is {audio_io._clock(limits.max_duration_s)}."
        )


def _validate_with_header(path, header: tuple[int, int, int], limits: UploadLimits, name: str, *, reader: str):
    sample_rate, channels, frames = header
    check_header(name, sample_rate, channels, frames, limits)
    if limits.full_decode_samples is None or channels * frames <= limits.full_decode_samples:
        return audio_io.validate(path, min_duration_s=limits.min_duration_s, max_duration_s=limits.max_duration_s)
    if reader == "libsndfile":
        # libsndfile counts only the frames present; the declared length (read without decoding, as
        # audio_io.validate does) is what a cut-short file fails to reach.
        declared, exact = audio_io._header(path)
        if exact:
            frames = max(frames, declared.frames)
    return _validate_ends(path, sample_rate, channels, frames, limits, name, reader=reader)


def _validate_ends(path, sample_rate: int, channels: int, frames: int, limits: UploadLimits, name: str, *, reader):
    """Decode the first and the last WINDOW_S seconds: the data must decode there and reach the declared end."""
    declared_s = frames / sample_rate
    if declared_s < limits.min_duration_s:
        raise audio_io.AudioValidationError(
            f"{name} is only {declared_s:.1f} s long; a track must last at least {limits.min_duration_s:g} s."
        )
    window = int(WINDOW_S * sample_rate)
    with _opened(path, reader) as (read, seek):
        head = _decode_frames(read, window, name, sample_rate, at_frame=0)
        if head < window:
            raise _truncated(name, declared_s, head / sample_rate)
        tail_start = frames - window
        try:
            seek(tail_start)
        except Exception as exc:  # the declared end is beyond the data
            raise _truncated(name, declared_s, head / sample_rate) from exc
        tail = _decode_frames(read, None, name, sample_rate, at_frame=tail_start)
    reached = tail_start + tail
    if (frames - reached) / sample_rate > _TRUNCATION_TOLERANCE_S + 0.001 * declared_s:
        raise _truncated(name, declared_s, reached / sample_rate)
    fmt = audio_io.sniff_format(path)
    return audio_io.AudioInfo(
        duration_s=declared_s, sample_rate=sample_rate, channels=channels, format=fmt, frames=frames
    )


@contextlib.contextmanager
def _opened(path, reader: str):
    """(read(n) -> (frames, channels) float32 array, seek(frame)) over libsndfile or pedalboard."""
    if reader == "libsndfile":
        with soundfile.SoundFile(str(path)) as handle:
            yield (lambda n: handle.read(n, dtype="float32", always_2d=True)), handle.seek
    else:
        from pedalboard.io import AudioFile

        with AudioFile(str(path)) as handle:
            yield (lambda n: handle.read(n).T), handle.seek


def _decode_frames(read, limit: int | None, name: str, sample_rate: int, *, at_frame: int) -> int:
    decoded = 0
    while limit is None or decoded < limit:
        want = _BLOCK_FRAMES if limit is None else min(_BLOCK_FRAMES, limit - decoded)
        try:
            block = read(want)
        except Exception as exc:
            raise audio_io.AudioValidationError(
                f"{name} is corrupt or truncated: decoding fails at "
                f"{audio_io._clock((at_frame + decoded) / sample_rate)}."
            ) from exc
        if block.shape[0] == 0:
            break
        if not np.isfinite(block).all():
            raise audio_io.AudioValidationError(
                f"{name} is corrupt: it holds invalid (non-numeric) samples near "
                f"{audio_io._clock((at_frame + decoded) / sample_rate)}."
            )
        decoded += block.shape[0]
    return decoded


def _truncated(name: str, declared_s: float, present_s: float) -> audio_io.AudioValidationError:
    return audio_io.AudioValidationError(
        f"{name} is truncated: its header declares {audio_io._clock(declared_s)} of audio but only "
        f"{audio_io._clock(present_s)} is present (was the upload or copy cut short?)."
    )


def _validate_with_pedalboard(path: str, limits: UploadLimits, name: str) -> audio_io.AudioInfo:
    """Runs in the child: the header as pedalboard reads it (opening does not decode), then the same checks."""
    from pedalboard.io import AudioFile

    try:
        with AudioFile(path) as handle:
            header = (int(handle.samplerate), int(handle.num_channels), int(handle.frames))
    except Exception:  # let the full validation word the refusal, as it always did
        return audio_io.validate(path, min_duration_s=limits.min_duration_s, max_duration_s=limits.max_duration_s)
    return _validate_with_header(path, header, limits, name, reader="pedalboard")


def _validate_in_child(path: str | os.PathLike, limits: UploadLimits, name: str) -> audio_io.AudioInfo:
    # "spawn": a fresh interpreter, so no lock held by another thread of this process is inherited.
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        future = pool.submit(_validate_with_pedalboard, str(path), limits, name)
        try:
            return future.result(timeout=CHILD_TIMEOUT_S)
        except BrokenProcessPool as error:
            raise audio_io.AudioValidationError(
                f"{name} is corrupt: the audio decoder crashed while reading it."
            ) from error
        except concurrent.futures.TimeoutError as error:
            for process in list(getattr(pool, "_processes", {}).values()):
                process.kill()  # our own child, stuck in a decoder
            raise audio_io.AudioValidationError(
                f"{name} could not be decoded within {CHILD_TIMEOUT_S:.0f} s; it looks corrupt."
            ) from error
