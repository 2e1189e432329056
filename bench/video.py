"""Benchmark: a one-hour release video against encoding the same hour of audio to AAC alone.

Target: the whole video (loop rendered with moviepy + long video assembled by ffmpeg with a stream-copied
loop) takes no more than 1.5x the time the same ffmpeg needs just to encode the audio to AAC.

Run: .venv/bin/python bench/video.py [--minutes 60]. The last line printed is `ratio=<x>`.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from distribution.media.artwork import ArtworkSpec, render_cover
from distribution.media.video import ffmpeg_exe, probe_media, render_release_video

SAMPLE_RATE = 44100
BLOCK_S = 30


def synthesize_wav(path: Path, minutes: float, *, seed: int = 0) -> float:
    """Write test audio block by block (memory stays flat): soft chords, a kick pulse and noise.

    Not timed. Returns the duration in seconds.
    """
    from pedalboard.io import AudioFile

    rng = np.random.default_rng(seed)
    total = int(minutes * 60 * SAMPLE_RATE)
    chord_hz = np.array([220.0, 261.63, 329.63, 392.0])
    written = 0
    with AudioFile(str(path), "w", SAMPLE_RATE, 2, bit_depth=16) as out:
        while written < total:
            n = min(BLOCK_S * SAMPLE_RATE, total - written)
            t = (written + np.arange(n)) / SAMPLE_RATE
            tone = np.sin(2 * np.pi * chord_hz[:, None] * t[None, :]).sum(axis=0) * 0.08
            kick = np.sin(2 * np.pi * 55 * t) * np.exp(-((t * 1.4) % 1.0) * 18) * 0.3
            noise = rng.normal(0, 0.02, (2, n))
            block = (tone + kick)[None, :] + noise
            out.write(block.astype(np.float32))
            written += n
    return total / SAMPLE_RATE


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=60.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp_dir = Path(tmp)
        wav = tmp_dir / "hour.wav"
        duration_s = synthesize_wav(wav, args.minutes)
        cover = render_cover(
            ArtworkSpec(title="Bench Hour", subtitle="Lantern LoFi", palette="midnight"), size_px=1500
        ).image

        start = time.perf_counter()
        subprocess.run(
            [
                ffmpeg_exe(),
                "-hide_banner",
                "-nostdin",
                "-loglevel",
                "error",
                "-y",
                "-i",
                str(wav),
                "-vn",
                "-c:a",
                "aac",
                "-b:a",
                "192k",
                str(tmp_dir / "audio_only.m4a"),
            ],
            check=True,
        )
        audio_only_s = time.perf_counter() - start

        start = time.perf_counter()
        out = render_release_video(cover, wav, tmp_dir / "video.mp4", effect="rain", loop_duration_s=4.0)
        video_s = time.perf_counter() - start

        info = probe_media(out)
        size_mb = out.stat().st_size / 1e6
        print(f"audio_duration_s={duration_s:.1f}")
        print(f"aac_only_s={audio_only_s:.2f}")
        print(f"video_total_s={video_s:.2f}")
        print(
            f"video={info.width}x{info.height} {info.video_codec}/{info.audio_codec} "
            f"duration_s={info.duration_s:.2f} size_mb={size_mb:.1f}"
        )
        print(f"ratio={video_s / audio_only_s:.3f}")


if __name__ == "__main__":
    main()
