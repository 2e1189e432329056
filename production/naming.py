"""Names for what the engine makes: track titles from a brief, and the default persona of each style."""

from __future__ import annotations

import hashlib

from django.utils.text import slugify

# Two short word lists give 1,600 titles per style; the seed picks, so a re-render keeps its title.
_FIRST = (
    "Amber",
    "Quiet",
    "Velvet",
    "Paper",
    "Slow",
    "Late",
    "Faded",
    "Warm",
    "Hazy",
    "Soft",
    "Sleepy",
    "Golden",
    "Rainy",
    "Blue",
    "Dusty",
    "Silver",
    "Hidden",
    "Gentle",
    "Lonely",
    "Cloudy",
    "Distant",
    "Midnight",
    "Morning",
    "Winter",
    "Autumn",
    "Neon",
    "Lantern",
    "Cosy",
    "Misty",
    "Tender",
    "Rusty",
    "Pale",
    "Drowsy",
    "Empty",
    "Open",
    "Little",
    "Second",
    "Last",
    "Half",
    "Kind",
)
_SECOND = (
    "Window",
    "Tram",
    "Letters",
    "Tea",
    "Streets",
    "Balcony",
    "Notebook",
    "Harbour",
    "Rooftop",
    "Library",
    "Garden",
    "Radio",
    "Polaroid",
    "Sunday",
    "Corner",
    "Staircase",
    "Platform",
    "Cassette",
    "Lamp",
    "Bicycle",
    "Kitchen",
    "Cafe",
    "Puddles",
    "Clouds",
    "Pages",
    "Sweater",
    "Fields",
    "Ferry",
    "Postcard",
    "Moon",
    "Static",
    "Blinds",
    "Porch",
    "Orchard",
    "Tides",
    "Embers",
    "Hallway",
    "Skyline",
    "Blanket",
    "Dreams",
)

# One label persona per engine style, so a catalogue of generated tracks reads like a roster. Three of them
# are the personas the demo catalogue seeds (catalog/demo.py): same slugs, so renders join them.
DEFAULT_PERSONAS = {
    "jazz": ("paper-lantern", "Paper Lantern"),
    "cafe": ("kissa-tapes", "Kissa Tapes"),
    "japanese": ("kissa-tapes", "Kissa Tapes"),
    "ambient": ("rain-on-tin", "Rain on Tin"),
    "rainy_day": ("rain-on-tin", "Rain on Tin"),
    "boom_bap": ("dusty-crates", "Dusty Crates"),
    "study": ("quiet-library", "Quiet Library"),
}


def track_title(*, style: str, seed: int) -> str:
    """A title for a generated track: stable for the same style and seed."""
    digest = hashlib.sha256(f"{style}:{seed}".encode()).digest()
    first = _FIRST[int.from_bytes(digest[:4], "big") % len(_FIRST)]
    second = _SECOND[int.from_bytes(digest[4:8], "big") % len(_SECOND)]
    return f"{first} {second}"


def default_persona(style: str) -> tuple[str, str]:
    """(slug, name) of the persona a style's tracks go out under when the job names no artist."""
    if style in DEFAULT_PERSONAS:
        return DEFAULT_PERSONAS[style]
    name = f"{style.replace('_', ' ').title()} Tapes"
    return slugify(name), name
