"""Artwork: sizes, formats, size limits, readable title contrast, A/B variants and upload validation."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from distribution.media.artwork import (
    LAYOUTS,
    PALETTES,
    ArtworkError,
    ArtworkSpec,
    contrast_ratio,
    relative_luminance,
    render_cover,
    render_thumbnail,
    thumbnail_variants,
    validate_upload,
)


def decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def measured_contrast(image: Image.Image, box, text_color) -> float:
    """Independent check: text colour against the median of the clearly non-text pixels in the title box."""
    region = np.asarray(image.convert("RGB"), dtype=np.float64)[box[1] : box[3], box[0] : box[2]].reshape(-1, 3)
    distance = np.linalg.norm(region - np.array(text_color, dtype=np.float64), axis=1)
    background = region[distance > 100]  # leaves out glyphs and their anti-aliased edges
    assert len(background) > 0.3 * len(region)
    return contrast_ratio(float(relative_luminance(text_color)), float(np.median(relative_luminance(background))))


def test_wcag_luminance_and_contrast_reference_values():
    assert float(relative_luminance((255, 255, 255))) == pytest.approx(1.0)
    assert float(relative_luminance((0, 0, 0))) == pytest.approx(0.0)
    assert contrast_ratio(1.0, 0.0) == pytest.approx(21.0)
    # #767676 on white is the classic 4.54:1 AA boundary grey.
    assert contrast_ratio(float(relative_luminance((118, 118, 118))), 1.0) == pytest.approx(4.54, abs=0.01)


def test_cover_is_a_3000px_rgb_jpeg_that_passes_distributor_rules():
    art = render_cover(ArtworkSpec(title="Midnight Piano for Study", subtitle="Lantern", palette="matcha", seed=5))
    image = decode(art.jpeg)
    assert (image.format, image.mode, image.size) == ("JPEG", "RGB", (3000, 3000))
    info = validate_upload(art.jpeg, "cover")
    assert (info.width, info.height, info.format) == (3000, 3000, "JPEG")
    assert art.contrast_ratio >= 4.5
    assert measured_contrast(image, art.text_box, art.text_color) >= 4.5


@pytest.mark.parametrize("index, palette", list(enumerate(PALETTES)))
def test_thumbnails_are_1280x720_under_2mb_with_readable_titles(index, palette):
    # Every palette, and across them every layout.
    for layout in (LAYOUTS[index % len(LAYOUTS)],):
        art = render_thumbnail(
            ArtworkSpec(title="Rainy Window Sessions", subtitle="Lantern LoFi", palette=palette, seed=3, layout=layout)
        )
        image = decode(art.jpeg)
        assert (image.format, image.size) == ("JPEG", (1280, 720))
        assert len(art.jpeg) < 2 * 1024 * 1024
        validate_upload(art.jpeg, "thumbnail")
        assert art.contrast_ratio >= 4.5, (palette, layout)
        assert measured_contrast(image, art.text_box, art.text_color) >= 4.5, (palette, layout)


def test_same_spec_renders_the_same_bytes():
    spec = ArtworkSpec(title="Same", palette="ember", seed=11, layout="band")
    assert render_thumbnail(spec).jpeg == render_thumbnail(spec).jpeg


def test_ab_variants_differ_in_palette_layout_seed_and_pixels():
    variants = thumbnail_variants(ArtworkSpec(title="Cozy Café", palette="peach", seed=2), count=3)
    specs = [v.spec for v in variants]
    assert specs[0] == ArtworkSpec(title="Cozy Café", palette="peach", seed=2)
    assert len({s.palette for s in specs}) == 3 and len({s.layout for s in specs}) == 3
    assert len({s.seed for s in specs}) == 3
    pixels = [np.asarray(v.image, dtype=np.int16) for v in variants]
    assert np.abs(pixels[0] - pixels[1]).mean() > 10 and np.abs(pixels[1] - pixels[2]).mean() > 10
    assert all(v.contrast_ratio >= 4.5 for v in variants)


def encoded(image: Image.Image, fmt: str, **kwargs) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **kwargs)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "data, kind, message",
    [
        (encoded(Image.new("RGB", (3000, 2000)), "JPEG"), "cover", "square"),
        (encoded(Image.new("RGB", (1400, 1400)), "PNG"), "cover", "at least 3000x3000"),
        (encoded(Image.new("CMYK", (3000, 3000)), "JPEG"), "cover", "RGB"),
        (encoded(Image.new("RGB", (3000, 3000)), "WEBP"), "cover", "JPEG or PNG"),
        (encoded(Image.new("RGB", (1280, 960)), "JPEG"), "thumbnail", "16:9"),
        (encoded(Image.new("RGB", (640, 360)), "JPEG"), "thumbnail", "at least 1280x720"),
        (b"not an image at all", "cover", "not an image"),
    ],
)
def test_validate_upload_names_the_broken_rule(data, kind, message):
    with pytest.raises(ArtworkError, match=message):
        validate_upload(data, kind)


def test_thumbnail_of_2mb_or_more_is_refused():
    noise = np.random.default_rng(0).integers(0, 256, size=(1080, 1920, 3), dtype=np.uint8)
    data = encoded(Image.fromarray(noise), "PNG")
    assert len(data) >= 2 * 1024 * 1024
    with pytest.raises(ArtworkError, match="under 2 MB"):
        validate_upload(data, "thumbnail")


def test_a_cover_file_over_10mb_is_refused():
    noise = np.random.default_rng(0).integers(0, 256, size=(3000, 3000, 3), dtype=np.uint8)
    data = encoded(Image.fromarray(noise), "PNG")
    assert len(data) > 10 * 1024 * 1024
    with pytest.raises(ArtworkError, match="stores accept up to 10 MB"):
        validate_upload(data, "cover")


def test_large_png_thumbnail_that_fits_is_accepted():
    info = validate_upload(encoded(Image.new("RGB", (1920, 1080), (10, 20, 30)), "PNG"), "thumbnail")
    assert (info.width, info.height, info.format) == (1920, 1080, "PNG")
