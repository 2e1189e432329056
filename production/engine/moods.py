"""What a brief's mood does to the music: harmony colour, density and touch, tone, space.

A mood is applied on top of the style (and of any admin overrides of the style): the style decides the
vocabulary, the mood leans it one way. Every mood maps to the same few audible levers:

- harmony colour: the mode minor keys are harmonised in (dorian is the brighter minor, aeolian the
  darker one; a style's signature mode such as the japanese phrygian is kept), how strongly progressions
  with borrowed chords (bVI, bVII, iv: modal interchange) are preferred or avoided, and whether chords
  lean to plain sevenths or to lush 11ths and 13ths;
- density and touch: how many melody notes and ghost notes there are, eighth or sixteenth hats, the
  swing, the register of the melody and the chord voicings, and the velocity of every note (which
  sets both level and timbre in the synth);
- tone and space: the tilt of the tape bus (a wide, gentle shelf from about 900 Hz up: a sampled Rhodes
  holds little above 2 kHz, so a cut-off far above its content changes nothing one hears, while a tilt
  leans every part's mids and top), the warm low-pass of the keys and the top of the tape bus, tape
  wobble, vinyl surface, reverb return and the level of the ambience bed.

"chill" is the neutral mood: it leaves the style exactly as it is. The tempo is the brief's own BPM:
a mood never changes it (the BPM is stored with the track and promised to DJs and playlists).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

from .brief import MOOD_ALIASES, MOODS
from .styles import StylePreset

_SWING_RANGE = (0.52, 0.66)  # where swung LoFi hats sit; a mood's swing shift stays inside it
_ADJUSTABLE_MINOR_MODES = ("aeolian", "dorian")  # the ordinary minors; phrygian (japanese) is a signature


@dataclass(frozen=True)
class Mood:
    """The levers of one mood. Neutral values (chill) leave the style untouched."""

    name: str
    minor_mode: str | None = None  # harmony mode for minor keys ("dorian" brighter, "aeolian" darker)
    borrowed_bias: float = 0.0  # > 0 prefers progressions with borrowed (darker) chords, < 0 avoids them
    extension_shift: float = 0.0  # > 0 leans chords to 11ths/13ths, < 0 to plain 7ths
    density: float = 1.0  # melody notes and ghost notes (multiplier)
    hats: int | None = None  # 8 or 16: hat subdivision, None keeps the style's
    swing_shift: float = 0.0  # added to the style's swing (lazier > 0)
    velocity: float = 1.0  # every note's velocity (multiplier): level and timbre
    register: int = 0  # semitones up (down) for the melody; the comping voicings move half as far
    tone: float = 1.0  # the keys' warm low-pass cut-off (multiplier): < 1 darker
    top_db: float = 0.0  # added to the tape bus high shelf (5 kHz)
    tilt_db: float = 0.0  # the bus tilt (a wide shelf from ~900 Hz): the tone lever sampled voices answer to
    wobble: float = 1.0  # tape wow depth (multiplier)
    vinyl_db: float = 0.0  # added to the vinyl surface level
    reverb_db: float = 0.0  # added to the reverb return
    ambience_db: float = 0.0  # added to the ambience bed level

    def preset(self, preset: StylePreset) -> StylePreset:
        """The style preset leaned this mood's way (composition side)."""
        if self.name == "chill":
            return preset
        changes: dict = {}
        if self.minor_mode is not None and preset.minor_mode in _ADJUSTABLE_MINOR_MODES:
            changes["minor_mode"] = self.minor_mode
        if self.extension_shift:
            s = self.extension_shift
            factors = (max(1.0 - s, 0.1), 1.0, max(1.0 + s, 0.1), max(1.0 + s, 0.1))
            changes["extension_weights"] = tuple(w * f for w, f in zip(preset.extension_weights, factors, strict=True))
        changes["melody_density"] = min(max(preset.melody_density * self.density, 0.1), 1.0)
        changes["ghost_note_prob"] = min(max(preset.ghost_note_prob * self.density, 0.0), 1.0)
        if self.hats is not None and (self.hats == 8 or preset.swing_unit == 16):
            changes["hat_division"] = self.hats
        if self.swing_shift:
            low, high = _SWING_RANGE
            changes["swing"] = min(max(preset.swing + self.swing_shift, low), high)
        return dataclasses.replace(preset, **changes)

    def scale_velocity(self, velocity: int) -> int:
        """A note's velocity under this mood, kept within MIDI's 1-127."""
        return min(max(round(velocity * self.velocity), 1), 127)

    def progression_weight(self, template: tuple[str, ...]) -> float:
        """Relative chance of a progression template: borrowed-chord colour counts for or against it."""
        if not self.borrowed_bias:
            return 1.0
        tokens = ",".join(template)
        darkness = tokens.count("@aeolian") + tokens.count("@phrygian") - tokens.count("@dorian")
        return float(3.0 ** (self.borrowed_bias * darkness))

    def fx_changes(self, settings) -> dict[str, float]:
        """Changes to an fx.FxSettings (tone and space side); fx clamps them to its ranges."""
        if self.name == "chill":
            return {}
        return {
            "keys_lowpass_hz": settings.keys_lowpass_hz * self.tone,
            "bus_high_shelf_db": settings.bus_high_shelf_db + self.top_db,
            "bus_tilt_db": settings.bus_tilt_db + self.tilt_db,
            "wow_depth_ms": settings.wow_depth_ms * self.wobble,
            "vinyl_level_db": settings.vinyl_level_db + self.vinyl_db,
            "reverb_return_db": settings.reverb_return_db + self.reverb_db,
            "ambience_level_db": settings.ambience_level_db + self.ambience_db,
        }


MOOD_PROFILES: Mapping[str, Mood] = {
    mood.name: mood
    for mood in (
        Mood("chill"),
        # Unobtrusive: settled diatonic harmony, plainer chords, fewer notes, a drier, quieter room.
        Mood(
            "focus",
            borrowed_bias=-0.6,
            extension_shift=-0.4,
            density=0.7,
            velocity=0.95,
            wobble=0.7,
            vinyl_db=-3.0,
            reverb_db=-2.0,
            ambience_db=-3.0,
        ),
        # Slow and soft: sparse, eighth hats, lazy swing, low and soft, dark and wobbly, more room and rain.
        Mood(
            "sleepy",
            extension_shift=0.3,
            density=0.5,
            hats=8,
            swing_shift=0.02,
            register=-4,
            velocity=0.75,
            tone=0.65,
            top_db=-3.0,
            tilt_db=-3.0,
            wobble=1.4,
            reverb_db=2.0,
            ambience_db=3.0,
        ),
        # Darker minor and borrowed chords (bVI, iv), minor 9ths and 11ths, lower, a muted top.
        Mood(
            "melancholy",
            minor_mode="aeolian",
            borrowed_bias=1.0,
            extension_shift=0.3,
            density=0.85,
            register=-2,
            velocity=0.88,
            tone=0.8,
            top_db=-1.5,
            tilt_db=-1.5,
            wobble=1.2,
            reverb_db=1.0,
            ambience_db=1.0,
        ),
        # Bright: dorian minor, diatonic progressions, busier and higher melody, sixteenth hats, firm
        # touch, open top.
        Mood(
            "happy",
            minor_mode="dorian",
            borrowed_bias=-1.0,
            extension_shift=-0.2,
            density=1.4,
            hats=16,
            register=4,
            velocity=1.15,
            tone=1.4,
            top_db=2.0,
            tilt_db=3.0,
            wobble=0.6,
            vinyl_db=-2.0,
            reverb_db=-1.0,
            ambience_db=-2.0,
        ),
        # Lush 11ths and 13ths, a floating, higher melody, deep wobble, big reverb.
        Mood(
            "dreamy",
            minor_mode="dorian",
            borrowed_bias=0.3,
            extension_shift=0.8,
            density=0.8,
            swing_shift=0.01,
            register=2,
            velocity=0.9,
            tone=0.9,
            wobble=1.5,
            reverb_db=3.0,
            ambience_db=2.0,
        ),
        # Old record: borrowed chords, worn tape and a louder vinyl surface, a rolled-off top.
        Mood(
            "nostalgic",
            borrowed_bias=0.7,
            extension_shift=0.3,
            density=0.9,
            velocity=0.95,
            tone=0.8,
            top_db=-1.5,
            tilt_db=-1.5,
            wobble=1.6,
            vinyl_db=4.0,
        ),
        # Warm and close: dorian minor, soft 9ths, a little lower and darker, the room around you.
        Mood(
            "cozy",
            minor_mode="dorian",
            extension_shift=0.3,
            register=-1,
            velocity=0.95,
            tone=0.9,
            top_db=-0.5,
            tilt_db=-1.0,
            vinyl_db=1.0,
            ambience_db=1.0,
        ),
    )
}
assert set(MOOD_PROFILES) == set(MOODS), "every mood a brief accepts needs a profile"


def mood_profile(name: str) -> Mood:
    """The profile of a mood named in brief.MOODS (or one of its MOOD_ALIASES); ValueError for any other."""
    try:
        return MOOD_PROFILES[MOOD_ALIASES.get(name, name)]
    except KeyError:
        raise ValueError(f"unknown mood {name!r}; use one of {', '.join(MOODS)}") from None
