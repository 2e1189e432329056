"""Release videos from artwork: seamless animated loops, long videos under full audio, shorts previews,
streaming canvases, chapters, and a read-back probe. Uses moviepy for the short loop and the ffmpeg binary
bundled with imageio-ffmpeg for everything long (there is no system ffmpeg and no ffprobe).

Why two steps: a one-hour video is one short loop repeated. The loop is rendered and encoded to H.264
once (a few seconds of frames); ffmpeg then repeats it with `-stream_loop -1` and `-c:v copy`, so the
only per-hour work is encoding the audio to AAC.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter

from distribution.media.timecode import format_timestamp

EFFECTS = ("grain", "rain", "particles", "zoom")
LANDSCAPE = (1920, 1080)
PORTRAIT = (1080, 1920)
PREVIEW_MIN_S, PREVIEW_MAX_S = 15.0, 30.0
CANVAS_MIN_S, CANVAS_MAX_S = 3.0, 8.0


class VideoError(RuntimeError):
    """ffmpeg failed, or inputs cannot make the requested video; the message carries ffmpeg's words."""


@dataclass(frozen=True)
class Chapter:
    title: str
    start_s: float


@dataclass(frozen=True)
class ChapterInfo:
    start_s: float
    end_s: float
    title: str


@dataclass(frozen=True)
class MediaInfo:
    width: int | None
    height: int | None
    duration_s: float | None
    has_audio: bool
    video_codec: str | None
    audio_codec: str | None
    fps: float | None = None
    audio_sample_rate: int | None = None
    chapters: list[ChapterInfo] = field(default_factory=list)

    @property
    def has_video(self) -> bool:
        return self.video_codec is not None


def ffmpeg_exe() -> str:
    """Path of the ffmpeg binary shipped inside the imageio-ffmpeg wheel."""
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def _run_ffmpeg(args: list[str]) -> None:
    command = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y", *args]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise VideoError(f"ffmpeg failed ({result.returncode}): {result.stderr.strip()[-2000:]}")


# ----------------------------------------------------------------------------------------------- probe

_DURATION = re.compile(r"Duration: (\d+):(\d+):(\d+(?:\.\d+)?)")
_VIDEO = re.compile(r"Stream #\d+:\d+.*?: Video: (\w+)(.*)")
_AUDIO = re.compile(r"Stream #\d+:\d+.*?: Audio: (\w+)(.*)")
_SIZE = re.compile(r"\b(\d{2,5})x(\d{2,5})\b")
_FPS = re.compile(r"(\d+(?:\.\d+)?) fps")
_RATE = re.compile(r"(\d+) Hz")
_CHAPTER = re.compile(r"Chapter #\d+:\d+: start (-?\d+(?:\.\d+)?), end (-?\d+(?:\.\d+)?)")
_TITLE = re.compile(r"^\s+title\s+: (.*)$")


def probe_media(path: str | Path) -> MediaInfo:
    """Read back a media file's streams by parsing `ffmpeg -i` (the wheel has no ffprobe).

    Returns size, duration, codecs, frame rate, audio sample rate and chapters. Raises VideoError when
    ffmpeg cannot open the file.
    """
    result = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    text = result.stderr
    if "Input #0" not in text:
        raise VideoError(f"ffmpeg cannot read {path}: {text.strip()[-500:]}")
    duration = None
    if match := _DURATION.search(text):
        h, m, s = match.groups()
        duration = int(h) * 3600 + int(m) * 60 + float(s)
    width = height = None
    video_codec = audio_codec = None
    fps = None
    sample_rate = None
    if match := _VIDEO.search(text):
        video_codec, rest = match.group(1), match.group(2)
        if size := _SIZE.search(rest):
            width, height = int(size.group(1)), int(size.group(2))
        if rate := _FPS.search(rest):
            fps = float(rate.group(1))
    if match := _AUDIO.search(text):
        audio_codec = match.group(1)
        if rate := _RATE.search(match.group(2)):
            sample_rate = int(rate.group(1))
    chapters: list[ChapterInfo] = []
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if match := _CHAPTER.search(line):
            title = ""
            for follow in lines[i + 1 : i + 4]:
                if t := _TITLE.match(follow):
                    title = t.group(1).strip()
                    break
            chapters.append(ChapterInfo(float(match.group(1)), float(match.group(2)), title))
    return MediaInfo(
        width=width,
        height=height,
        duration_s=duration,
        has_audio=audio_codec is not None,
        video_codec=video_codec,
        audio_codec=audio_codec,
        fps=fps,
        audio_sample_rate=sample_rate,
        chapters=chapters,
    )


def audio_duration_s(path: str | Path) -> float:
    """Exact duration of an audio file: pedalboard reads wav/flac/mp3/ogg headers; ffmpeg otherwise."""
    try:
        from pedalboard.io import AudioFile

        with AudioFile(str(path)) as audio:
            return audio.frames / audio.samplerate
    except Exception:
        info = probe_media(path)
        if info.duration_s is None:
            raise VideoError(f"cannot tell the duration of {path}") from None
        return info.duration_s


# -------------------------------------------------------------------------------------------- frames


def fit_artwork(artwork: Image.Image | str | Path, size: tuple[int, int]) -> np.ndarray:
    """The base frame (H, W, 3 uint8): the artwork centred on a blurred, darkened fill of itself.

    A square cover fills a 16:9 or 9:16 frame without stretching or black bars.
    """
    image = artwork if isinstance(artwork, Image.Image) else Image.open(artwork)
    image = image.convert("RGB")
    width, height = size
    scale = max(width / image.width, height / image.height)
    fill = image.resize(
        (max(1, round(image.width * scale)), max(1, round(image.height * scale))), Image.Resampling.BILINEAR
    )
    left, top = (fill.width - width) // 2, (fill.height - height) // 2
    fill = fill.crop((left, top, left + width, top + height))
    fill = fill.filter(ImageFilter.GaussianBlur(radius=max(width, height) / 60))
    base = np.asarray(fill, dtype=np.float32) * 0.55
    inner = min(width * 0.86, height * 0.80)
    art_scale = inner / max(image.width, image.height)
    art = image.resize((round(image.width * art_scale), round(image.height * art_scale)), Image.Resampling.LANCZOS)
    x0, y0 = (width - art.width) // 2, (height - art.height) // 2
    # Soft shadow under the artwork so it sits above the fill.
    shadow = Image.new("L", (width, height), 0)
    shadow.paste(255, (x0 + 8, y0 + 14, x0 + art.width + 8, y0 + art.height + 14))
    shadow_alpha = np.asarray(shadow.filter(ImageFilter.GaussianBlur(radius=18)), dtype=np.float32) / 255.0
    base *= (1.0 - 0.5 * shadow_alpha)[..., None]
    base[y0 : y0 + art.height, x0 : x0 + art.width] = np.asarray(art, dtype=np.float32)
    return np.clip(base, 0, 255).astype(np.uint8)


def loop_frame_function(
    base: np.ndarray, *, effect: str, duration_s: float, seed: int = 0
) -> Callable[[float], np.ndarray]:
    """f(t) -> frame for a loop of `duration_s` that is periodic: f(t + duration_s) == f(t).

    Every moving thing completes whole cycles in one period (drops fall whole screen heights, particles
    cross whole widths, zoom follows a cosine, grain cycles through a fixed pool), so the last frame
    flows into the first with no jump.
    """
    if effect not in EFFECTS:
        raise VideoError(f"unknown effect {effect!r}; use one of {', '.join(EFFECTS)}")
    height, width = base.shape[:2]
    period = float(duration_s)
    rng = np.random.default_rng(seed)
    base_f = base.astype(np.float32)

    if effect == "zoom":
        image = Image.fromarray(base)
        amount = 0.045

        def zoom(t: float) -> np.ndarray:
            scale = 1.0 + amount * (1.0 - np.cos(2 * np.pi * t / period)) / 2.0
            w, h = width / scale, height / scale
            box = ((width - w) / 2, (height - h) / 2, (width + w) / 2, (height + h) / 2)
            return np.asarray(image.resize((width, height), Image.Resampling.BILINEAR, box=box))

        return zoom

    if effect == "grain":
        # One distinct grain field per step, 12 steps a period: no two steps in a loop look alike, and the
        # step after the last is the first again. The 12 frames (grain plus a slow flicker) are made once;
        # each frame of the loop is then a lookup.
        steps = 12
        frames = []
        for k in range(steps):
            grain_k = np.clip(rng.normal(0.0, 9.0, size=(height, width, 1)), -127, 127).astype(np.float32)
            flicker = 1.0 + 0.015 * np.sin(2 * np.pi * (k + 0.5) / steps)
            frames.append(np.clip(base_f * flicker + grain_k, 0, 255).astype(np.uint8))

        def grain(t: float) -> np.ndarray:
            return frames[int((t % period) / period * steps) % steps]

        return grain

    if effect == "rain":
        count = max(60, width * height // 5000)
        streak_px = max(8, height // 36)
        travel = height + streak_px
        x0 = rng.uniform(0, width, count)
        y0 = rng.uniform(0, travel, count)
        laps = rng.integers(2, 5, count)  # whole screen heights per loop: seamless
        speed = laps * travel / period
        slant = 0.12
        streak_steps = np.arange(streak_px, dtype=np.float32)
        fade = np.broadcast_to((streak_steps / streak_px)[None, :] * 0.55, (count, streak_px)).ravel()
        dimmed_f = base_f * 0.82
        dimmed = dimmed_f.astype(np.uint8)
        drop = np.float32(225.0)

        def rain(t: float) -> np.ndarray:
            heads = (y0 + speed * (t % period)) % travel - streak_px
            ys = heads[:, None] + streak_steps[None, :]
            xs = x0[:, None] + slant * ys
            yi, xi = ys.astype(np.int64).ravel(), (xs.astype(np.int64) % width).ravel()
            keep = (yi >= 0) & (yi < height)
            pixels, inverse = np.unique(yi[keep] * width + xi[keep], return_inverse=True)
            a = np.minimum(np.bincount(inverse, weights=fade[keep]), 1.0).astype(np.float32)[:, None]
            frame = dimmed.copy()
            frame.reshape(-1, 3)[pixels] = np.clip(dimmed_f.reshape(-1, 3)[pixels] * (1 - a) + drop * a, 0, 255).astype(
                np.uint8
            )
            return frame

        return rain

    # particles: warm dust drifting up and sideways, wrapping around the frame.
    count = max(40, width * height // 20000)
    x0 = rng.uniform(0, width, count)
    y0 = rng.uniform(0, height, count)
    laps_x = rng.integers(-1, 2, count)
    laps_y = rng.integers(1, 3, count)
    wobble = rng.uniform(4, 14, count)
    phase0 = rng.uniform(0, 2 * np.pi, count)
    radius = rng.integers(1, 4, count)
    alpha = rng.uniform(0.25, 0.8, count)
    offsets = np.arange(-3, 4)
    oy, ox = np.meshgrid(offsets, offsets, indexing="ij")
    dist = np.hypot(oy[None], ox[None])
    weight = (np.clip(radius[:, None, None] + 0.5 - dist, 0, 1) * alpha[:, None, None]).ravel()
    base_u8 = base.astype(np.uint8)
    dust = np.array([255, 236, 200], np.float32)

    def particles(t: float) -> np.ndarray:
        phase = (t % period) / period
        xs = (x0 + laps_x * width * phase + wobble * np.sin(2 * np.pi * phase + phase0)) % width
        ys = (y0 - laps_y * height * phase) % height
        yi = (ys.astype(np.int64)[:, None, None] + oy[None]) % height
        xi = (xs.astype(np.int64)[:, None, None] + ox[None]) % width
        pixels, inverse = np.unique((yi * width + xi).ravel(), return_inverse=True)
        a = np.minimum(np.bincount(inverse, weights=weight), 1.0).astype(np.float32)[:, None]
        frame = base_u8.copy()
        frame.reshape(-1, 3)[pixels] = np.clip(base_f.reshape(-1, 3)[pixels] * (1 - a) + dust * a, 0, 255).astype(
            np.uint8
        )
        return frame

    return particles


def render_loop(
    artwork: Image.Image | str | Path,
    out_path: str | Path,
    *,
    size: tuple[int, int] = LANDSCAPE,
    effect: str = "rain",
    duration_s: float = 4.0,
    fps: int = 24,
    seed: int = 0,
    preset: str = "veryfast",
    crf: int = 24,
) -> Path:
    """Render a seamless silent loop to an H.264 MP4 with moviepy.

    The clip holds exactly round(duration_s * fps) frames of one period, starts on a keyframe and has no
    B-frames, so ffmpeg can repeat it with stream copy. x264's "veryfast" at CRF 24 encodes a 4 s 1080p
    loop in about half the CPU time of "medium" for a file of about the same size (rain: ~1.4 GB an hour).
    """
    from moviepy import VideoClip

    frames = max(1, round(duration_s * fps))
    period = frames / fps
    make_frame = loop_frame_function(fit_artwork(artwork, size), effect=effect, duration_s=period, seed=seed)
    out_path = Path(out_path)
    clip = VideoClip(frame_function=make_frame, duration=period)
    try:
        clip.write_videofile(
            str(out_path),
            fps=fps,
            codec="libx264",
            audio=False,
            preset=preset,
            logger=None,
            pixel_format="yuv420p",
            ffmpeg_params=["-crf", str(crf), "-bf", "0", "-g", str(frames), "-movflags", "+faststart"],
        )
    finally:
        clip.close()
    return out_path


# -------------------------------------------------------------------------------------------- chapters


def youtube_chapter_list(chapters: list[Chapter], *, total_duration_s: float | None = None) -> list[str]:
    """ "00:00 Title" lines for a YouTube description, first at 00:00; hours on every line past one hour."""
    if not chapters:
        return []
    ordered = sorted(chapters, key=lambda c: c.start_s)
    end = total_duration_s if total_duration_s is not None else ordered[-1].start_s
    force_hours = end >= 3600
    return [f"{format_timestamp(c.start_s, force_hours=force_hours)} {c.title}" for c in ordered]


def _ffmeta_escape(text: str) -> str:
    return re.sub(r"([=;#\\\n])", r"\\\1", text)


def write_ffmetadata(chapters: list[Chapter], total_duration_s: float, path: str | Path, *, title: str = "") -> Path:
    """An ffmpeg metadata file (;FFMETADATA1): one [CHAPTER] per entry, each ending where the next starts."""
    ordered = sorted(chapters, key=lambda c: c.start_s)
    lines = [";FFMETADATA1"]
    if title:
        lines.append(f"title={_ffmeta_escape(title)}")
    for i, chapter in enumerate(ordered):
        start_ms = round(chapter.start_s * 1000)
        end_s = ordered[i + 1].start_s if i + 1 < len(ordered) else total_duration_s
        end_ms = max(start_ms + 1, round(end_s * 1000))
        lines += [
            "[CHAPTER]",
            "TIMEBASE=1/1000",
            f"START={start_ms}",
            f"END={end_ms}",
            f"title={_ffmeta_escape(chapter.title)}",
        ]
    path = Path(path)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# ---------------------------------------------------------------------------------------- long videos


def _aac_command(audio_path: str | Path, out_path: Path, bitrate: str) -> list[str]:
    return [
        ffmpeg_exe(),
        "-hide_banner",
        "-nostdin",
        "-loglevel",
        "error",
        "-y",
        "-i",
        str(audio_path),
        "-vn",
        "-c:a",
        "aac",
        "-b:a",
        bitrate,
        str(out_path),
    ]


def assemble_long_video(
    loop_path: str | Path,
    audio_path: str | Path,
    out_path: str | Path,
    *,
    chapters: list[Chapter] | None = None,
    title: str = "",
    audio_bitrate: str = "192k",
    audio_is_aac: bool = False,
    duration_s: float | None = None,
) -> Path:
    """Repeat an encoded loop under the whole audio: `-stream_loop -1`, video stream-copied, audio to AAC.

    Guarantees: the output lasts as long as the audio (cut with -t at the audio's exact duration), video
    frames are not re-encoded, the moov atom is at the front (+faststart) so playback starts while
    downloading, and chapters (when given) are written as MP4 chapters. With `audio_is_aac` the audio is
    an AAC file already and is stream-copied too (then pass the source's `duration_s`).
    """
    duration = duration_s if duration_s is not None else audio_duration_s(audio_path)
    out_path = Path(out_path)
    with tempfile.TemporaryDirectory() as tmp:
        args = ["-stream_loop", "-1", "-i", str(loop_path), "-i", str(audio_path)]
        maps = ["-map", "0:v:0", "-map", "1:a:0"]
        if chapters:
            meta = write_ffmetadata(chapters, duration, Path(tmp) / "chapters.txt", title=title)
            args += ["-f", "ffmetadata", "-i", str(meta)]
            maps += ["-map_metadata", "2", "-map_chapters", "2"]
        elif title:
            maps += ["-metadata", f"title={title}"]
        audio_codec = ["-c:a", "copy"] if audio_is_aac else ["-c:a", "aac", "-b:a", audio_bitrate]
        _run_ffmpeg(
            [
                *args,
                *maps,
                "-c:v",
                "copy",
                *audio_codec,
                "-t",
                f"{duration:.3f}",
                "-shortest",
                "-movflags",
                "+faststart",
                str(out_path),
            ]
        )
    return out_path


def render_release_video(
    artwork: Image.Image | str | Path,
    audio_path: str | Path,
    out_path: str | Path,
    *,
    effect: str = "rain",
    loop_duration_s: float = 4.0,
    fps: int = 24,
    seed: int = 0,
    chapters: list[Chapter] | None = None,
    title: str = "",
    size: tuple[int, int] = LANDSCAPE,
    audio_bitrate: str = "192k",
) -> Path:
    """The full 1920x1080 release video under the whole audio.

    The audio is encoded to AAC by ffmpeg in the background while moviepy renders the short loop (the two
    use different cores), then one ffmpeg pass repeats the loop under the audio with both streams copied.
    Output: H.264 + AAC MP4, as long as the audio, +faststart, chapters when given.
    """
    duration = audio_duration_s(audio_path)
    with tempfile.TemporaryDirectory() as tmp:
        aac_path = Path(tmp) / "audio.m4a"
        encoder = subprocess.Popen(
            _aac_command(audio_path, aac_path, audio_bitrate),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            loop = render_loop(
                artwork,
                Path(tmp) / "loop.mp4",
                size=size,
                effect=effect,
                duration_s=loop_duration_s,
                fps=fps,
                seed=seed,
            )
        except BaseException:
            encoder.kill()
            encoder.wait()
            raise
        _, errors = encoder.communicate()
        if encoder.returncode != 0:
            raise VideoError(f"ffmpeg could not encode the audio to AAC: {errors.strip()[-2000:]}")
        return assemble_long_video(
            loop, aac_path, out_path, chapters=chapters, title=title, audio_is_aac=True, duration_s=duration
        )


def render_preview_clip(
    artwork: Image.Image | str | Path,
    audio_path: str | Path,
    out_path: str | Path,
    *,
    start_s: float,
    duration_s: float = 20.0,
    fade_s: float = 1.0,
    effect: str = "particles",
    seed: int = 0,
    size: tuple[int, int] = PORTRAIT,
    loop_duration_s: float = 4.0,
    fps: int = 24,
) -> Path:
    """A vertical 15-30 s clip for shorts and social: the chosen audio excerpt with fade-in and fade-out
    under a repeated loop of the artwork. Raises VideoError for a length outside 15-30 s or an excerpt
    that runs past the end of the audio."""
    if not PREVIEW_MIN_S <= duration_s <= PREVIEW_MAX_S:
        raise VideoError(f"a preview lasts {PREVIEW_MIN_S:.0f}-{PREVIEW_MAX_S:.0f} s; got {duration_s} s")
    total = audio_duration_s(audio_path)
    if start_s < 0 or start_s + duration_s > total + 1e-3:
        raise VideoError(f"the excerpt {start_s}-{start_s + duration_s} s runs outside the audio (0-{total:.2f} s)")
    fade_s = min(fade_s, duration_s / 4)
    fades = f"afade=t=in:st=0:d={fade_s:.3f},afade=t=out:st={duration_s - fade_s:.3f}:d={fade_s:.3f}"
    out_path = Path(out_path)
    with tempfile.TemporaryDirectory() as tmp:
        loop = render_loop(
            artwork,
            Path(tmp) / "loop.mp4",
            size=size,
            effect=effect,
            duration_s=loop_duration_s,
            fps=fps,
            seed=seed,
        )
        _run_ffmpeg(
            [
                "-stream_loop",
                "-1",
                "-i",
                str(loop),
                "-ss",
                f"{start_s:.3f}",
                "-t",
                f"{duration_s:.3f}",
                "-i",
                str(audio_path),
                "-map",
                "0:v:0",
                "-map",
                "1:a:0",
                "-c:v",
                "copy",
                "-af",
                fades,
                "-c:a",
                "aac",
                "-b:a",
                "192k",
                "-t",
                f"{duration_s:.3f}",
                "-movflags",
                "+faststart",
                str(out_path),
            ]
        )
    return out_path


def render_canvas(
    artwork: Image.Image | str | Path,
    out_path: str | Path,
    *,
    duration_s: float = 6.0,
    effect: str = "zoom",
    seed: int = 0,
    size: tuple[int, int] = PORTRAIT,
    fps: int = 24,
) -> Path:
    """A silent 3-8 s seamless 9:16 loop for streaming canvases (Spotify Canvas style)."""
    if not CANVAS_MIN_S <= duration_s <= CANVAS_MAX_S:
        raise VideoError(f"a canvas lasts {CANVAS_MIN_S:.0f}-{CANVAS_MAX_S:.0f} s; got {duration_s} s")
    return render_loop(artwork, out_path, size=size, effect=effect, duration_s=duration_s, fps=fps, seed=seed)
