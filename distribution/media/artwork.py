"""Procedural release artwork: covers, YouTube thumbnails, A/B thumbnail variants, upload validation.

Everything is drawn here (numpy for backgrounds, Pillow for text with the font Pillow ships); nothing is
downloaded. Text colour is chosen, and a backing panel added when needed, so the WCAG contrast ratio
between the text and the background under it is at least 4.5.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass, replace

import numpy as np
from PIL import Image, ImageDraw, ImageFont

COVER_SIZE_PX = 3000
THUMBNAIL_SIZE_PX = (1280, 720)
THUMBNAIL_MAX_BYTES = 2 * 1024 * 1024  # YouTube: thumbnails must be under 2 MB
COVER_MAX_BYTES = 10 * 1024 * 1024  # a common distributor ceiling for cover uploads
MIN_TEXT_CONTRAST = 4.5  # WCAG 2 AA for normal text
LAYOUTS = ("center", "lower_left", "band")
BACKGROUND_STYLES = ("sunset", "hills", "bokeh", "waves")

RGB = tuple[int, int, int]


class ArtworkError(ValueError):
    """An image that does not meet a platform's artwork rules; the message says which rule and why."""


@dataclass(frozen=True)
class Palette:
    name: str
    sky: tuple[RGB, RGB, RGB]  # gradient stops, top to bottom
    shapes: tuple[RGB, RGB, RGB]  # sun/moon, near and far silhouettes
    text: tuple[RGB, ...]  # preferred text colours, tried before plain white and near-black


PALETTES: dict[str, Palette] = {
    p.name: p
    for p in (
        Palette(
            "dusk",
            ((44, 30, 74), (164, 77, 121), (246, 169, 112)),
            ((255, 214, 150), (58, 36, 80), (96, 52, 98)),
            ((255, 240, 220), (30, 20, 45)),
        ),
        Palette(
            "midnight",
            ((8, 12, 36), (26, 38, 84), (64, 76, 140)),
            ((236, 232, 200), (12, 16, 40), (28, 36, 76)),
            ((240, 240, 255), (10, 12, 30)),
        ),
        Palette(
            "matcha",
            ((206, 222, 180), (150, 184, 132), (84, 122, 92)),
            ((250, 244, 214), (48, 78, 60), (98, 136, 100)),
            ((28, 44, 34), (252, 250, 236)),
        ),
        Palette(
            "peach",
            ((255, 214, 186), (250, 168, 150), (214, 118, 132)),
            ((255, 244, 220), (150, 70, 96), (196, 104, 120)),
            ((60, 24, 40), (255, 250, 244)),
        ),
        Palette(
            "ocean",
            ((12, 50, 86), (24, 110, 140), (120, 196, 200)),
            ((240, 250, 236), (8, 36, 60), (18, 76, 104)),
            ((236, 250, 255), (6, 26, 44)),
        ),
        Palette(
            "lavender",
            ((92, 80, 150), (160, 140, 204), (226, 206, 236)),
            ((255, 240, 246), (66, 54, 112), (110, 94, 160)),
            ((30, 24, 60), (255, 252, 255)),
        ),
        Palette(
            "ember",
            ((30, 10, 12), (120, 34, 26), (230, 110, 50)),
            ((255, 200, 120), (24, 8, 10), (70, 20, 18)),
            ((255, 236, 210), (20, 6, 8)),
        ),
        Palette(
            "sepia",
            ((232, 214, 182), (196, 164, 124), (120, 90, 64)),
            ((252, 240, 210), (74, 52, 36), (140, 108, 78)),
            ((44, 30, 20), (252, 246, 232)),
        ),
    )
}


@dataclass(frozen=True)
class ArtworkSpec:
    title: str
    subtitle: str = ""
    palette: str = "dusk"
    seed: int = 0
    layout: str = "center"
    background: str = ""  # one of BACKGROUND_STYLES; empty = chosen by the seed

    def __post_init__(self) -> None:
        if self.palette not in PALETTES:
            raise ArtworkError(f"unknown palette {self.palette!r}; use one of {', '.join(PALETTES)}")
        if self.layout not in LAYOUTS:
            raise ArtworkError(f"unknown layout {self.layout!r}; use one of {', '.join(LAYOUTS)}")
        if self.background and self.background not in BACKGROUND_STYLES:
            raise ArtworkError(f"unknown background {self.background!r}; use one of {', '.join(BACKGROUND_STYLES)}")


@dataclass(frozen=True)
class RenderedArtwork:
    spec: ArtworkSpec
    image: Image.Image  # RGB, final pixels
    jpeg: bytes
    text_color: RGB
    text_box: tuple[int, int, int, int]  # left, top, right, bottom of the title block
    contrast_ratio: float  # worst case between text colour and background under the text
    used_panel: bool


@dataclass(frozen=True)
class ImageInfo:
    width: int
    height: int
    format: str  # "JPEG" or "PNG"
    mode: str
    size_bytes: int


# ------------------------------------------------------------------------------------------ contrast


def relative_luminance(rgb: np.ndarray | tuple[int, int, int]) -> np.ndarray:
    """WCAG 2 relative luminance of sRGB colours (last axis = R, G, B in 0..255)."""
    c = np.asarray(rgb, dtype=np.float64) / 255.0
    linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return linear @ np.array([0.2126, 0.7152, 0.0722])


def contrast_ratio(lum_a: float, lum_b: float) -> float:
    """WCAG contrast ratio (1..21) between two relative luminances."""
    high, low = max(lum_a, lum_b), min(lum_a, lum_b)
    return float((high + 0.05) / (low + 0.05))


def _worst_contrast(color: RGB, region: np.ndarray) -> float:
    """Contrast against the darkest and lightest 5% of the region: textured backgrounds vary."""
    lum = relative_luminance(region.reshape(-1, 3))
    low, high = np.percentile(lum, [5, 95])
    text_lum = float(relative_luminance(color))
    return min(contrast_ratio(text_lum, low), contrast_ratio(text_lum, high))


# ---------------------------------------------------------------------------------------- background


def _gradient(height: int, width: int, stops: tuple[RGB, RGB, RGB], angle_rad: float) -> np.ndarray:
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    u = (x / width - 0.5) * np.sin(angle_rad) + (y / height - 0.5) * np.cos(angle_rad)
    u = (u - u.min()) / max(float(u.max() - u.min()), 1e-6)
    positions = np.array([0.0, 0.55, 1.0])
    colours = np.array(stops, dtype=np.float32)
    return np.stack([np.interp(u, positions, colours[:, ch]) for ch in range(3)], axis=-1).astype(np.float32)


def _blend(canvas: np.ndarray, mask: np.ndarray, color: RGB | np.ndarray) -> None:
    """In place: canvas = canvas * (1 - mask) + color * mask, mask in 0..1 of shape (H, W)."""
    m = mask[..., None]
    canvas *= 1.0 - m
    canvas += m * np.asarray(color, dtype=np.float32)


def render_background(width: int, height: int, palette: Palette, *, seed: int, style: str = "") -> np.ndarray:
    """A procedural background, uint8 array of shape (height, width, 3): gradient sky, a seeded scene
    (sunset sun with stripes, layered hills, bokeh lights or waves), vignette and film grain.

    Shapes are drawn at up to 1500 px and scaled up (they are smooth); grain is added at full size.
    """
    rng = np.random.default_rng(seed)
    style = style or BACKGROUND_STYLES[seed % len(BACKGROUND_STYLES)]
    scale = min(1.0, 1500 / max(width, height))
    w, h = max(1, round(width * scale)), max(1, round(height * scale))
    canvas = _gradient(h, w, palette.sky, angle_rad=float(rng.uniform(-0.35, 0.35)))
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    unit = float(min(w, h))
    sun, near, far = palette.shapes

    if style in ("sunset", "hills", "waves"):
        cx, cy = w * rng.uniform(0.3, 0.7), h * rng.uniform(0.3, 0.5)
        radius = unit * rng.uniform(0.16, 0.26)
        dist = np.hypot(x - cx, y - cy)
        glow = np.clip(1.0 - dist / (radius * 2.6), 0.0, 1.0) ** 2 * 0.35
        _blend(canvas, glow, sun)
        disc = np.clip((radius - dist) / (unit * 0.004), 0.0, 1.0)
        if style == "sunset":
            # Retro stripes cut through the lower half of the sun.
            stripes = (np.sin((y - cy) / (unit * 0.018)) > 0.35) & (y > cy)
            disc = disc * ~stripes
        _blend(canvas, disc, sun)
    if style in ("sunset", "hills"):
        for layer, color in ((0, far), (1, near)):
            base = h * (0.62 + 0.12 * layer)
            amp = h * rng.uniform(0.03, 0.07)
            freq = rng.uniform(1.5, 3.5) * 2 * np.pi / w
            phase = rng.uniform(0, 2 * np.pi)
            ridge = base + amp * np.sin(freq * x[0] + phase) + 0.4 * amp * np.sin(2.7 * freq * x[0] + 1.3 * phase)
            mask = np.clip((y - ridge[None, :]) / (unit * 0.003), 0.0, 1.0)
            _blend(canvas, mask, color)
    elif style == "waves":
        for layer in range(4):
            base = h * (0.60 + 0.09 * layer)
            amp = h * 0.015 * (layer + 1)
            freq = (2.0 + layer) * 2 * np.pi / w
            ridge = base + amp * np.sin(freq * x[0] + rng.uniform(0, 2 * np.pi))
            mask = np.clip((y - ridge[None, :]) / (unit * 0.003), 0.0, 1.0)
            shade = np.asarray(far, np.float32) * (1 - layer / 4) + np.asarray(near, np.float32) * (layer / 4)
            _blend(canvas, mask, shade)
    else:  # bokeh: soft out-of-focus lights; a loop over a few dozen shapes, each drawn in its own box
        for _ in range(int(rng.integers(24, 40))):
            r = unit * rng.uniform(0.02, 0.08)
            cx, cy = rng.uniform(0, w), rng.uniform(0, h)
            x0, x1 = int(max(0, cx - r - 2)), int(min(w, cx + r + 2))
            y0, y1 = int(max(0, cy - r - 2)), int(min(h, cy + r + 2))
            if x1 <= x0 or y1 <= y0:
                continue
            d = np.hypot(x[y0:y1, x0:x1] - cx, y[y0:y1, x0:x1] - cy)
            mask = np.clip((r - d) / (r * 0.35), 0.0, 1.0) * rng.uniform(0.15, 0.45)
            color = (sun, near, far)[int(rng.integers(0, 3))] if rng.random() < 0.3 else sun
            _blend(canvas[y0:y1, x0:x1], mask, color)

    # Vignette: darken corners a little so the centre (and the title) reads first.
    r2 = ((x / w - 0.5) ** 2 + (y / h - 0.5) ** 2) * 2.0
    canvas *= (1.0 - 0.28 * r2)[..., None]

    image = Image.fromarray(np.clip(canvas, 0, 255).astype(np.uint8))
    if (w, h) != (width, height):
        image = image.resize((width, height), Image.Resampling.BICUBIC)
    pixels = np.asarray(image, dtype=np.int16)
    grain = np.random.default_rng(seed + 1).normal(0.0, 7.0, size=(height, width, 1)).astype(np.int16)
    return np.clip(pixels + grain, 0, 255).astype(np.uint8)


# ----------------------------------------------------------------------------------------------- text


def _font(size_px: int) -> ImageFont.FreeTypeFont:
    # Pillow >= 10.1 ships a scalable default font; no font file is downloaded or needed. Without FreeType it
    # falls back to a fixed bitmap font, which cannot be sized: say so rather than draw a title too small to read.
    font = ImageFont.load_default(size=size_px)
    if not isinstance(font, ImageFont.FreeTypeFont):
        raise RuntimeError("Pillow has no FreeType support here, so cover titles cannot be drawn at a size.")
    return font


def _wrap(draw: ImageDraw.ImageDraw, text: str, font, max_width: int) -> list[str]:
    words, lines, current = text.split(), [], ""
    for word in words:
        trial = f"{current} {word}".strip()
        if current and draw.textlength(trial, font=font) > max_width:
            lines.append(current)
            current = word
        else:
            current = trial
    if current:
        lines.append(current)
    return lines or [""]


def _fit_title(draw, text: str, max_width: int, start_px: int) -> tuple[list[str], ImageFont.FreeTypeFont]:
    size = start_px
    while size > 12:
        font = _font(size)
        lines = _wrap(draw, text, font, max_width)
        if len(lines) <= 3 and all(draw.textlength(line, font=font) <= max_width for line in lines):
            return lines, font
        size = int(size * 0.9)
    font = _font(12)
    return _wrap(draw, text, font, max_width), font


def _text_block(draw, lines, font, sub, sub_font, line_gap) -> tuple[int, int, list[int]]:
    widths = [int(draw.textlength(line, font=font)) for line in lines]
    line_h = font.getbbox("Hg")[3] if hasattr(font, "getbbox") else font.size
    height = len(lines) * line_h + (len(lines) - 1) * line_gap
    if sub:
        widths.append(int(draw.textlength(sub, font=sub_font)))
        height += line_gap * 2 + sub_font.getbbox("Hg")[3]
    return max(widths), height, [line_h]


def _place(layout: str, width: int, height: int, block_w: int, block_h: int) -> tuple[int, int]:
    if layout == "center":
        return (width - block_w) // 2, (height - block_h) // 2
    if layout == "lower_left":
        return int(width * 0.07), int(height * 0.90) - block_h
    return (width - block_w) // 2, int(height * 0.70) - block_h // 2  # band


def _draw_text(image: Image.Image, spec: ArtworkSpec, palette: Palette) -> tuple[RGB, tuple, float, bool]:
    width, height = image.size
    draw = ImageDraw.Draw(image)
    max_width = int(width * (0.80 if spec.layout != "lower_left" else 0.78))
    lines, font = _fit_title(draw, spec.title, max_width, start_px=int(min(width, height) * 0.11))
    sub_font = _font(max(12, int(font.size * 0.42)))
    line_gap = max(2, int(font.size * 0.18))
    block_w, block_h, (line_h,) = _text_block(draw, lines, font, spec.subtitle, sub_font, line_gap)
    left, top = _place(spec.layout, width, height, block_w, block_h)
    pad = int(font.size * 0.45)
    box = (
        max(0, left - pad),
        max(0, top - pad),
        min(width, left + block_w + pad),
        min(height, top + block_h + pad),
    )

    if spec.layout == "band":
        box = (0, box[1], width, box[3])
    pixels = np.asarray(image, dtype=np.float32)
    region = pixels[box[1] : box[3], box[0] : box[2]]
    candidates = [*palette.text, (255, 255, 255), (18, 18, 24)]
    color = max(candidates, key=lambda c: _worst_contrast(c, region))
    contrast = _worst_contrast(color, region)
    used_panel = spec.layout == "band" or contrast < MIN_TEXT_CONTRAST
    if used_panel:
        # Pull the region under the text towards the opposite of the text colour until it reads.
        light_text = float(relative_luminance(color)) > 0.4
        target = np.array((0, 0, 0) if light_text else (255, 255, 255), np.float32)
        alpha = 0.25 if spec.layout == "band" else 0.05
        while True:
            panel = region * (1 - alpha) + target * alpha
            contrast = _worst_contrast(color, panel)
            if contrast >= MIN_TEXT_CONTRAST or alpha >= 1.0:
                break
            alpha = min(1.0, alpha + 0.05)
        pixels = pixels.copy()
        pixels[box[1] : box[3], box[0] : box[2]] = panel
        image.paste(Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)))
        draw = ImageDraw.Draw(image)

    y = top
    for line in lines:
        line_w = draw.textlength(line, font=font)
        x = left if spec.layout == "lower_left" else (width - line_w) / 2
        draw.text((x, y), line, font=font, fill=color)
        y += line_h + line_gap
    if spec.subtitle:
        y += line_gap
        sub_w = draw.textlength(spec.subtitle, font=sub_font)
        x = left if spec.layout == "lower_left" else (width - sub_w) / 2
        draw.text((x, y), spec.subtitle, font=sub_font, fill=color)
    return color, box, contrast, used_panel


# --------------------------------------------------------------------------------------------- render


def _encode_jpeg(image: Image.Image, max_bytes: int, quality: int = 92) -> bytes:
    while True:
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=quality, optimize=True)
        data = buffer.getvalue()
        if len(data) < max_bytes or quality <= 40:
            if len(data) >= max_bytes:
                raise ArtworkError(f"could not encode the image under {max_bytes} bytes")
            return data
        quality -= 6


def _render(spec: ArtworkSpec, width: int, height: int, max_bytes: int) -> RenderedArtwork:
    palette = PALETTES[spec.palette]
    background = render_background(width, height, palette, seed=spec.seed, style=spec.background)
    image = Image.fromarray(background)
    color, box, contrast, used_panel = _draw_text(image, spec, palette)
    return RenderedArtwork(
        spec=spec,
        image=image,
        jpeg=_encode_jpeg(image, max_bytes),
        text_color=color,
        text_box=box,
        contrast_ratio=contrast,
        used_panel=used_panel,
    )


def render_cover(spec: ArtworkSpec, *, size_px: int = COVER_SIZE_PX) -> RenderedArtwork:
    """Square release cover, RGB JPEG (3000x3000 by default, the distributor minimum), under 10 MB,
    title contrast >= 4.5:1 against the background under it."""
    return _render(spec, size_px, size_px, COVER_MAX_BYTES)


def render_thumbnail(spec: ArtworkSpec) -> RenderedArtwork:
    """YouTube thumbnail: 1280x720 RGB JPEG under 2 MB, title contrast >= 4.5:1."""
    width, height = THUMBNAIL_SIZE_PX
    return _render(spec, width, height, THUMBNAIL_MAX_BYTES)


def thumbnail_variants(spec: ArtworkSpec, *, count: int = 2) -> list[RenderedArtwork]:
    """A/B test thumbnails: variant 0 is `spec`; each further one changes seed, palette and layout."""
    rng = random.Random(spec.seed)
    names = [p for p in PALETTES if p != spec.palette]
    rng.shuffle(names)
    specs = [spec]
    for i in range(1, count):
        specs.append(
            replace(
                spec,
                seed=spec.seed + 7919 * i,
                palette=names[(i - 1) % len(names)],
                layout=LAYOUTS[(LAYOUTS.index(spec.layout) + i) % len(LAYOUTS)],
                background="",
            )
        )
    return [render_thumbnail(s) for s in specs]


# ------------------------------------------------------------------------------------------ validation


def validate_upload(data: bytes, kind: str = "cover") -> ImageInfo:
    """Check an uploaded image against platform rules and describe it.

    cover: JPEG or PNG, RGB, square, at least 3000x3000, at most 10 MB (distributor rules).
    thumbnail: JPEG or PNG, 16:9, at least 1280x720, under 2 MB (YouTube rules).
    Raises ArtworkError naming the first rule that fails.
    """
    if kind not in ("cover", "thumbnail"):
        raise ArtworkError(f"unknown artwork kind {kind!r}; use 'cover' or 'thumbnail'")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            probe.verify()
        image = Image.open(io.BytesIO(data))
    except Exception as exc:
        raise ArtworkError(f"the {kind} is not an image file that can be read ({exc.__class__.__name__})") from exc
    info = ImageInfo(
        width=image.width,
        height=image.height,
        format=image.format or "",
        mode=image.mode,
        size_bytes=len(data),
    )
    if info.format not in ("JPEG", "PNG"):
        raise ArtworkError(f"the {kind} must be a JPEG or PNG file; this one is {info.format or 'unknown'}")
    if kind == "cover":
        if info.mode != "RGB":
            raise ArtworkError(
                f"the cover must be in RGB colour; this one is {info.mode} "
                "(convert CMYK, greyscale or transparent images to RGB)"
            )
        if info.width != info.height:
            raise ArtworkError(f"the cover must be square; this one is {info.width}x{info.height}")
        if info.width < COVER_SIZE_PX:
            raise ArtworkError(
                f"the cover must be at least {COVER_SIZE_PX}x{COVER_SIZE_PX} pixels; "
                f"this one is {info.width}x{info.height}"
            )
        if info.size_bytes > COVER_MAX_BYTES:
            raise ArtworkError(
                f"the cover file is {info.size_bytes / 1024 / 1024:.1f} MB; stores accept up to "
                f"{COVER_MAX_BYTES // (1024 * 1024)} MB (save it as a JPEG)"
            )
        return info
    if abs(info.width * 9 - info.height * 16) > 0.01 * info.width * 9:
        raise ArtworkError(f"the thumbnail must be 16:9; this one is {info.width}x{info.height}")
    if info.width < THUMBNAIL_SIZE_PX[0] or info.height < THUMBNAIL_SIZE_PX[1]:
        raise ArtworkError(f"the thumbnail must be at least 1280x720 pixels; this one is {info.width}x{info.height}")
    if info.size_bytes >= THUMBNAIL_MAX_BYTES:
        raise ArtworkError(f"the thumbnail is {info.size_bytes / 1024 / 1024:.1f} MB; YouTube accepts files under 2 MB")
    return info
