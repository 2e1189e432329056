"""Videos read back with the bundled ffmpeg: streams, sizes, durations, chapters, fades, seamless loops."""

from __future__ import annotations

import itertools
import subprocess

import numpy as np
import pytest
import soundfile
from PIL import Image

from distribution.media.video import (
    EFFECTS,
    Chapter,
    VideoError,
    ffmpeg_exe,
    loop_frame_function,
    probe_media,
    render_canvas,
    render_preview_clip,
    render_release_video,
    write_ffmetadata,
    youtube_chapter_list,
)

RATE = 44100


def write_tone(path, seconds: float) -> None:
    t = np.arange(int(seconds * RATE)) / RATE
    tone = (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)
    soundfile.write(path, np.stack([tone, tone], axis=1), RATE, subtype="PCM_16")


@pytest.fixture
def cover(tmp_path):
    gradient = np.linspace(0, 255, 600, dtype=np.uint8)
    pixels = np.stack(
        [
            np.tile(gradient, (600, 1)),
            np.tile(gradient[:, None], (1, 600)),
            np.full((600, 600), 90, np.uint8),
        ],
        axis=-1,
    )
    path = tmp_path / "cover.png"
    Image.fromarray(pixels).save(path)
    return path


def decoded_audio(path) -> np.ndarray:
    raw = subprocess.run(
        [
            ffmpeg_exe(),
            "-nostdin",
            "-loglevel",
            "error",
            "-i",
            str(path),
            "-vn",
            "-ac",
            "2",
            "-ar",
            str(RATE),
            "-f",
            "f32le",
            "-",
        ],
        capture_output=True,
        check=True,
    ).stdout
    return np.frombuffer(raw, dtype=np.float32).reshape(-1, 2)[:, 0]  # left channel


def test_release_video_is_1080p_h264_aac_as_long_as_the_audio_with_chapters(tmp_path, cover):
    audio = tmp_path / "mix.wav"
    write_tone(audio, 3.0)
    out = render_release_video(
        cover,
        audio,
        tmp_path / "mix.mp4",
        effect="rain",
        loop_duration_s=1.0,
        fps=12,
        chapters=[Chapter("Dawn", 0.0), Chapter("Dusk = end", 1.5)],
        title="Mix",
    )

    info = probe_media(out)
    assert (info.width, info.height) == (1920, 1080)
    assert (info.video_codec, info.audio_codec) == ("h264", "aac") and info.has_audio
    assert info.duration_s == pytest.approx(3.0, abs=0.1)  # the loop repeated three times under the audio
    assert [(c.start_s, c.title) for c in info.chapters] == [(0.0, "Dawn"), (1.5, "Dusk = end")]
    assert info.chapters[-1].end_s == pytest.approx(3.0, abs=0.01)
    data = out.read_bytes()
    assert data.find(b"moov") < data.find(b"mdat")  # +faststart: the index comes first


def test_preview_clip_is_vertical_with_the_excerpt_faded_in_and_out(tmp_path, cover):
    audio = tmp_path / "track.wav"
    write_tone(audio, 17.0)
    out = render_preview_clip(
        cover,
        audio,
        tmp_path / "short.mp4",
        start_s=1.0,
        duration_s=15.0,
        fade_s=1.0,
        loop_duration_s=1.0,
        fps=12,
    )

    info = probe_media(out)
    assert (info.width, info.height, info.video_codec, info.audio_codec) == (1080, 1920, "h264", "aac")
    assert info.duration_s == pytest.approx(15.0, abs=0.15)
    samples = decoded_audio(out)

    def rms(a):
        return float(np.sqrt(np.mean(a**2)))

    middle = rms(samples[7 * RATE : 8 * RATE])
    assert middle == pytest.approx(0.3 / np.sqrt(2), rel=0.1)
    assert rms(samples[: RATE // 10]) < 0.2 * middle  # fade-in
    assert rms(samples[-RATE // 10 :]) < 0.2 * middle  # fade-out


def test_preview_length_and_excerpt_are_checked(tmp_path, cover):
    audio = tmp_path / "track.wav"
    write_tone(audio, 3.0)
    with pytest.raises(VideoError, match="15-30 s"):
        render_preview_clip(cover, audio, tmp_path / "x.mp4", start_s=0, duration_s=10)
    with pytest.raises(VideoError, match="outside the audio"):
        render_preview_clip(cover, audio, tmp_path / "x.mp4", start_s=0, duration_s=20)


def test_canvas_is_a_silent_vertical_loop(tmp_path, cover):
    out = render_canvas(cover, tmp_path / "canvas.mp4", duration_s=3.0, fps=12)
    info = probe_media(out)
    assert (info.width, info.height, info.video_codec) == (1080, 1920, "h264")
    assert not info.has_audio and info.duration_s == pytest.approx(3.0, abs=0.1)
    with pytest.raises(VideoError, match="3-8 s"):
        render_canvas(cover, tmp_path / "long.mp4", duration_s=12.0)


@pytest.mark.parametrize("effect", EFFECTS)
def test_loops_are_seamless_and_moving(effect):
    base = np.random.default_rng(1).integers(0, 255, size=(90, 160, 3), dtype=np.uint8)
    period = 2.0
    frame = loop_frame_function(base, effect=effect, duration_s=period, seed=4)
    for t in (0.0, 0.37, 1.5):
        assert np.array_equal(frame(t), frame(t + period))  # one period later: the same picture
    first, middle = frame(0.0).astype(np.int16), frame(period / 2).astype(np.int16)
    assert np.abs(first - middle).mean() > 0.5  # something moves within the loop
    # The last frame flows into the first: that jump is no bigger than the jumps between neighbours.
    frames = [frame(k / 24).astype(np.int16) for k in range(int(period * 24))]
    jumps = [np.abs(b - a).mean() for a, b in itertools.pairwise(frames)]
    wrap = np.abs(frames[0] - frames[-1]).mean()
    assert wrap <= max(jumps) * 1.05 + 0.5


def test_youtube_chapter_list_and_metadata_file(tmp_path):
    chapters = [Chapter("Drift", 185.4), Chapter("Dawn", 0.0)]
    assert youtube_chapter_list(chapters) == ["00:00 Dawn", "03:05 Drift"]
    assert youtube_chapter_list(chapters, total_duration_s=3700)[0] == "0:00:00 Dawn"
    text = write_ffmetadata(chapters, 300.0, tmp_path / "meta.txt", title="A=B").read_text()
    assert text.startswith(";FFMETADATA1\ntitle=A\\=B\n")
    assert "START=0\nEND=185400\ntitle=Dawn" in text and "START=185400\nEND=300000\ntitle=Drift" in text


def test_probe_refuses_a_file_that_is_not_media(tmp_path):
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"nothing here")
    with pytest.raises(VideoError):
        probe_media(junk)
