""" "8-hour loops": a station's rendered long mix as one long VOD video with chapters, for a "24/7"-style upload.

The mix (production's long-mix render) is encoded to AAC once and repeated without re-encoding (ffmpeg's concat
demuxer, stream copy) until it fills the hours asked for; the picture is distribution's release-video loop (the
release artwork with its effect), repeated under the audio by distribution's `assemble_long_video`. Chapters: every
track of every repetition, also as the "00:00 Title" lines of a YouTube description. Memory does not grow with
length: ffmpeg streams everything.
"""

from __future__ import annotations

import math
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from distribution.media import video as video_engine
from lofi_site.files import PRIVATE, PUBLIC, local_copy_kept
from radio.models import Station

MAX_HOURS = 12.0


class LoopVideoError(ValueError):
    """The station has no rendered long mix, or the request cannot be met."""


@dataclass(frozen=True)
class LoopVideo:
    path: Path
    duration_s: float
    repeats: int
    description: str


def loop_chapters(tracklist: list[dict], mix_duration_s: float, repeats: int) -> list[video_engine.Chapter]:
    """The mix's tracklist repeated `repeats` times, each start shifted by the mix's length."""
    chapters = []
    for loop in range(repeats):
        for entry in sorted(tracklist, key=lambda e: e.get("start_s", 0)):
            title = entry.get("title", "")
            if entry.get("artist"):
                title = f"{entry['artist']} - {title}"
            chapters.append(video_engine.Chapter(title=title, start_s=loop * mix_duration_s + entry.get("start_s", 0)))
    return chapters


def _artwork(station: Station, workdir: Path):
    mix = station.long_mix
    if station.visual:
        return local_copy_kept(PUBLIC, station.visual.name, workdir)
    if mix is not None and mix.release.artwork:
        return local_copy_kept(PUBLIC, mix.release.artwork.name, workdir)
    from PIL import Image

    return Image.new("RGB", (1920, 1080), (24, 22, 38))


def long_mix_loop_video_render(*, station: Station, hours: float, out_path: Path, effect: str = "rain") -> LoopVideo:
    """Render the station's long mix, repeated to fill `hours` (whole repetitions, at least one), as an H.264 +
    AAC MP4 with chapters at `out_path`. Returns its length, repetitions and the YouTube description lines."""
    mix = station.long_mix
    if mix is None or mix.status != mix.Status.SUCCEEDED or not mix.path or not mix.duration_s:
        raise LoopVideoError(f"Station {station.slug!r} has no rendered long mix: render one on its release first.")
    if not 0 < hours <= MAX_HOURS:
        raise LoopVideoError(f"Hours must be above 0 and at most {MAX_HOURS:g}.")
    repeats = max(1, math.floor(hours * 3600 / mix.duration_s))
    duration_s = repeats * mix.duration_s
    ffmpeg = video_engine.ffmpeg_exe()
    with tempfile.TemporaryDirectory(prefix="radio-loop-") as tmp:
        workdir = Path(tmp)
        audio = local_copy_kept(PRIVATE, mix.path, workdir)
        aac = workdir / "mix.m4a"
        _ffmpeg(
            [
                ffmpeg,
                "-nostdin",
                "-loglevel",
                "error",
                "-y",
                "-i",
                str(audio),
                "-vn",
                "-c:a",
                "aac",
                "-b:a",
                "192k",
                str(aac),
            ]
        )
        listing = workdir / "repeat.txt"
        listing.write_text("".join(f"file '{aac}'\n" for _ in range(repeats)), encoding="utf-8")
        looped = workdir / "looped.m4a"
        _ffmpeg(
            [
                ffmpeg,
                "-nostdin",
                "-loglevel",
                "error",
                "-y",
                "-f",
                "concat",
                "-safe",
                "0",
                "-i",
                str(listing),
                "-c",
                "copy",
                str(looped),
            ]
        )
        loop = video_engine.render_loop(_artwork(station, workdir), workdir / "loop.mp4", effect=effect)
        chapters = loop_chapters(mix.tracklist, mix.duration_s, repeats)
        title = f"{mix.release.title} · {station.name} · {duration_s / 3600:.1f} h"
        video_engine.assemble_long_video(
            loop, looped, out_path, chapters=chapters, title=title, audio_is_aac=True, duration_s=duration_s
        )
    lines = video_engine.youtube_chapter_list(chapters, total_duration_s=duration_s)
    return LoopVideo(Path(out_path), duration_s, repeats, "\n".join(lines))


def _ffmpeg(argv: list[str]) -> None:
    result = subprocess.run(argv, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise LoopVideoError(f"ffmpeg failed: {result.stderr.strip()[-1500:]}")


@transaction.atomic
def station_long_mix_set(*, station: Station, mix) -> Station:
    """Make the station play `mix` on repeat ("long mix" mode)."""
    if mix.status != mix.Status.SUCCEEDED:
        raise LoopVideoError("Only a rendered (succeeded) long mix can go on air.")
    station.long_mix, station.mode = mix, Station.Mode.LONG_MIX
    station.save(update_fields=["long_mix", "mode", "updated_at"])
    return station
