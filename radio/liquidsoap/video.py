"""The live video for RTMP targets: the station's visual with the now-playing title drawn over it, H.264 + AAC,
encoded ONCE and fanned out to every target with ffmpeg's tee muxer (adding Twitch costs no second encode).

The title comes from a text file drawtext re-reads every frame (`reload=1`); the supervisor rewrites it
atomically (write + rename) at each track, so a frame never shows half a title.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
)


# Platform-recommended live rates (YouTube Live and Twitch agree closely): 720p30 at 3 Mb/s, 1080p30 at
# 4.5 Mb/s (Twitch's cap is 6 Mb/s), keyframes every 2 s, AAC 160 kb/s at 44.1 kHz stereo.
class VideoPreset(TypedDict):
    size: tuple[int, int]
    bitrate_k: int


VIDEO_PRESETS: dict[str, VideoPreset] = {
    "720": {"size": (1280, 720), "bitrate_k": 3000},
    "1080": {"size": (1920, 1080), "bitrate_k": 4500},
}
FPS = 30
AUDIO_BITRATE_K = 160


@dataclass(frozen=True)
class VideoPush:
    audio_url: str  # the station's Icecast mount
    visual_path: str  # a still image, or a short video when `visual_is_loop`
    title_file: str
    targets: tuple[str, ...]  # full RTMP URLs (server + stream key)
    resolution: str = "720"
    visual_is_loop: bool = False
    font_path: str = ""


def default_font() -> str:
    """A bold TrueType font from the OS packages; empty when none is installed (drawtext then needs one)."""
    return next((path for path in FONT_CANDIDATES if Path(path).is_file()), "")


def _filter_escape(value: str) -> str:
    # Values inside a filtergraph: backslash, colon and quote are special.
    return value.replace("\\", "\\\\").replace(":", "\\:").replace("'", "\\'")


def _tee_escape(url: str) -> str:
    # The tee muxer splits on "|" and reads "[...]" options; stream keys never contain these, URLs might.
    return url.replace("\\", "\\\\").replace("|", "\\|").replace("[", "\\[").replace("]", "\\]")


def tee_outputs(targets: tuple[str, ...]) -> str:
    """The tee muxer's output list: one FLV per target; a failing target is dropped, the others go on."""
    return "|".join(f"[f=flv:onfail=ignore:flvflags=no_duration_filesize]{_tee_escape(url)}" for url in targets)


# What ffmpeg's tee muxer prints (at "error" level) when one output fails: at opening or later while pushing.
# With onfail=ignore the others go on; the failed one stays down until the push restarts.
_SLAVE_FAILED = re.compile(r"Slave muxer #(\d+) failed: (.+?), continuing with \d+/\d+ slaves")
_ALL_FAILED = "All tee outputs failed"


def tee_failure(line: str, target_count: int) -> list[tuple[int, str]]:
    """[(target index, error)] a line of the push's output reports as failed; [] for any other line."""
    match = _SLAVE_FAILED.search(line)
    if match:
        return [(int(match.group(1)), match.group(2))]
    if _ALL_FAILED in line:
        return [(index, "All outputs failed") for index in range(target_count)]
    return []


def push_command(ffmpeg: str, push: VideoPush) -> list[str]:
    """The ffmpeg command (argv) of the push. One encode, `-f tee` to every target."""
    if not push.targets:
        raise ValueError("The video push needs at least one RTMP target.")
    preset = VIDEO_PRESETS[push.resolution]
    width, height = preset["size"]
    bitrate = preset["bitrate_k"]
    font = push.font_path or default_font()
    if not font:
        raise FileNotFoundError("No TrueType font found for the title: install fonts-dejavu-core.")
    visual_input = (
        ["-stream_loop", "-1", "-re", "-i", push.visual_path]
        if push.visual_is_loop
        else ["-loop", "1", "-framerate", str(FPS), "-re", "-i", push.visual_path]
    )
    # An HTTP stream that drops (Icecast restarted) is reopened instead of ending the push.
    reconnect = ["-reconnect", "1", "-reconnect_streamed", "1", "-reconnect_delay_max", "5"]
    if not push.audio_url.startswith(("http://", "https://")):
        reconnect = []
    font_size = height // 18
    title = (
        f"drawtext=fontfile='{_filter_escape(font)}':textfile='{_filter_escape(push.title_file)}':reload=1:expansion=none"
        f":fontcolor=white:fontsize={font_size}:box=1:boxcolor=black@0.45:boxborderw={font_size // 2}"
        f":x=(w-text_w)/2:y=h-text_h-{height // 9}"
    )
    video_filter = (
        f"[0:v]scale={width}:{height}:force_original_aspect_ratio=increase,crop={width}:{height},"
        f"fps={FPS},format=yuv420p,{title}[v]"
    )
    return [
        ffmpeg,
        "-hide_banner",
        "-loglevel",
        "warning",
        "-stats",
        "-stats_period",
        "2",
        *visual_input,
        *reconnect,
        "-i",
        push.audio_url,
        "-filter_complex",
        video_filter,
        "-map",
        "[v]",
        "-map",
        "1:a:0",
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-tune",
        "stillimage",
        "-b:v",
        f"{bitrate}k",
        "-maxrate",
        f"{bitrate}k",
        "-bufsize",
        f"{bitrate * 2}k",
        "-g",
        str(FPS * 2),
        "-keyint_min",
        str(FPS * 2),
        "-sc_threshold",
        "0",
        "-pix_fmt",
        "yuv420p",
        "-c:a",
        "aac",
        "-b:a",
        f"{AUDIO_BITRATE_K}k",
        "-ar",
        "44100",
        "-ac",
        "2",
        "-flags",
        "+global_header",  # tee to FLV: the codec headers must be global
        "-f",
        "tee",
        tee_outputs(push.targets),
    ]


def title_file_write(path: str | os.PathLike, text: str) -> None:
    """Replace the title file atomically (drawtext re-reads it every frame)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    clean = " ".join(text.split()) or " "  # drawtext runs with expansion=none: "%" is shown as it is
    with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, encoding="utf-8", suffix=".tmp") as handle:
        handle.write(clean)
        temporary = handle.name
    os.replace(temporary, path)
