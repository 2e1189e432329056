"""Demo seed steps of the catalogue: style and mood vocabularies, a few artist personas (lofi_site/demo.py).

Tracks are not made here: real demo tracks come from the render engine (production's seed step), never from
placeholder audio.
"""

from __future__ import annotations

from catalog import services
from lofi_site.demo import Out, demo_step

STYLES = [
    ("jazz", "Jazz", "Jazzy lo-fi: extended chords, brushed drums, upright or electric bass."),
    ("boom_bap", "Boom bap", "Dusty hip-hop drums with a hard kick and snare, swung hats."),
    ("ambient", "Ambient", "Beatless or near-beatless pads and textures."),
    ("study", "Study", "Steady, unobtrusive beats for focus."),
    ("rainy_day", "Rainy day", "Soft keys and rain ambience."),
    ("cafe", "Café", "Warm acoustic colours and room ambience of a coffee shop."),
    ("japanese", "Japanese", "Pentatonic melodies, koto and shakuhachi colours."),
]
MOODS = [
    ("chill", "Chill"),
    ("focus", "Focus"),
    ("sleepy", "Sleepy"),
    ("melancholy", "Melancholy"),
    ("happy", "Happy"),
    ("dreamy", "Dreamy"),
    ("nostalgic", "Nostalgic"),
    ("cozy", "Cozy"),
]
_PERSONA = "A persona of the label's generative engine."
ARTISTS = [
    ("paper-lantern", "Paper Lantern", f"Late-night jazz lo-fi. {_PERSONA}"),
    ("kissa-tapes", "Kissa Tapes", f"Café and Japanese lo-fi. {_PERSONA}"),
    ("rain-on-tin", "Rain on Tin", f"Ambient and rainy-day beats. {_PERSONA}"),
]


@demo_step(order=20)
def vocabularies(out: Out) -> None:
    for slug, name, description in STYLES:
        services.style_ensure(slug=slug, name=name, description=description)
    for slug, name in MOODS:
        services.mood_ensure(slug=slug, name=name)
    out(f"  {len(STYLES)} styles, {len(MOODS)} moods")


@demo_step(order=30)
def artist_personas(out: Out) -> None:
    for slug, name, bio in ARTISTS:
        services.artist_ensure(slug=slug, name=name, bio=bio, is_persona=True)
    out(f"  {len(ARTISTS)} artist personas")
