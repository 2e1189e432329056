"""Validate untrusted audio without letting a decoder crash take the web or worker process down.

engine.audio_io.validate decodes with libsndfile and falls back to pedalboard for files libsndfile cannot
open. pedalboard trusts the header: a FLAC whose STREAMINFO block is overwritten (1,048,575 Hz,
4,294,967,295 frames) opens "fine" and then segfaults the interpreter on the first read. So:
- a file libsndfile opens, with a plausible header, is validated in this process (libsndfile stops at the
  real end of the data and reports damage as errors);
- a file libsndfile cannot open and whose first bytes name no audio format is refused at once;
- any other file libsndfile cannot open is validated in a child process: if the decoder crashes there, the file
  is refused as corrupt and this process carries on.
No Django imports here: the child process imports this module on its own.
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import soundfile

from production.engine import audio_io

MIN_SAMPLE_RATE = 8000
MAX_SAMPLE_RATE = 384000
MAX_CHANNELS = 32
CHILD_TIMEOUT_S = 300.0


def validate_untrusted(
    path: str | os.PathLike, *, min_duration_s: float, max_duration_s: float, name: str | None = None
) -> audio_io.AudioInfo:
    """`audio_io.validate`, safe against decoders that crash on malformed input.

    Raises audio_io.AudioValidationError (naming the file `name`, default the path's name) when the file
    is refused, including when its header is implausible or a decoder crashes or hangs on it.
    """
    name = name or Path(path).name
    if not os.path.isfile(path) or os.path.getsize(path) == 0:
        # Missing and empty files are refused before any decoder runs.
        return audio_io.validate(path, min_duration_s=min_duration_s, max_duration_s=max_duration_s)
    header = _libsndfile_header(path)
    if header is not None:
        sample_rate, channels = header
        if not (MIN_SAMPLE_RATE <= sample_rate <= MAX_SAMPLE_RATE and 1 <= channels <= MAX_CHANNELS):
            raise audio_io.AudioValidationError(
                f"{name} has a corrupt header: it claims {sample_rate} Hz and {channels} channel(s)."
            )
        return audio_io.validate(path, min_duration_s=min_duration_s, max_duration_s=max_duration_s)
    if audio_io.sniff_format(path) == "unknown":
        # Neither libsndfile nor the magic bytes recognise it: no need to hand it to another decoder.
        raise audio_io.AudioValidationError(
            f"{name} is not an audio file we can read: its content is not WAV, FLAC, AIFF, MP3 or OGG "
            "(the file name's extension does not matter)."
        )
    return _validate_in_child(path, min_duration_s=min_duration_s, max_duration_s=max_duration_s, name=name)


def _libsndfile_header(path: str | os.PathLike) -> tuple[int, int] | None:
    try:
        info = soundfile.info(str(path))
    except Exception:  # not openable by libsndfile: unknown content, or a variant only pedalboard reads
        return None
    return int(info.samplerate), int(info.channels)


def _validate_in_child(
    path: str | os.PathLike, *, min_duration_s: float, max_duration_s: float, name: str
) -> audio_io.AudioInfo:
    # "spawn": a fresh interpreter, so no lock held by another thread of this process is inherited.
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        future = pool.submit(audio_io.validate, str(path), min_duration_s=min_duration_s, max_duration_s=max_duration_s)
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
