"""The mix page's stream: a long lossless master transcoded to a constant-bitrate MP3, block by block, so memory
stays flat however long the mix is. Pure (pedalboard and paths; no Django): the listeners' small media engine.

The public page streams this, never the master: the lossless file stays in private storage for licensees.
"""

from __future__ import annotations

from pathlib import Path

STREAM_BITRATE = "192k"
BLOCK_S = 10  # seconds read and encoded at a time


def transcode_to_mp3(source: Path, target: Path, *, bitrate: str = STREAM_BITRATE) -> float:
    """Write `source` (any format pedalboard reads: FLAC, WAV, MP3...) to `target` as MP3; returns its length
    in seconds."""
    from pedalboard.io import AudioFile

    with (
        AudioFile(str(source)) as src,
        AudioFile(str(target), "w", samplerate=src.samplerate, num_channels=src.num_channels, quality=bitrate) as out,
    ):
        block = int(src.samplerate * BLOCK_S)
        while src.tell() < src.frames:
            out.write(src.read(block))
        return src.frames / src.samplerate
