"""Style presets: what each LoFi style plays (harmony vocabulary, groove, instruments, parts).

Effects settings live in fx.py under the same style names. A preset can be adjusted per render by an
admin JSON object (`preset_for(style, overrides)`); unknown keys and bad values are refused.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from .brief import AMBIENCES, PARTS
from .instruments import check_voice_id
from .theory import MODE_INTERVALS

INSTRUMENTS = ("epiano", "piano", "upright_bass", "sub_bass", "pad", "guitar", "koto", "lead", "vibes", "kit")
BASS_STYLES = ("walking", "root", "syncopated", "sub")
KEYS_PATTERNS = ("sustain", "charleston", "comp", "swells")
PIANO_PATTERNS = ("stabs", "broken", "block")
PLUCK_PATTERNS = ("arp_up", "arp_updown", "fingerpick", "koto_arp")
BACKBEATS = ("snare", "clap", "rim", "snare_clap")
PERC_LAYERS = ("shaker", "rim", "tambourine", "bongos")
KITS = ("dusty", "soft", "punchy")
MELODY_SCALES = ("diatonic", "pentatonic", "yo_in")

# Progression templates: one string per bar, "," separates two chords in one bar.
# "N" = degree N of the key's harmony mode, "N@mode" = borrowed from the parallel mode, "V/N" = secondary
# dominant of degree N.
_MAJOR_JAZZ = (
    ("2", "5", "1", "1"),  # ii-V-I
    ("1", "6", "2", "5"),  # I-vi-ii-V turnaround
    ("1", "V/2", "2", "5"),  # I-VI7-ii-V: secondary dominant into ii
    ("3", "V/2", "2", "5"),  # iii-VI7-ii-V
    ("4", "4@aeolian", "1", "1"),  # IV-iv-I: borrowed minor iv
    ("1", "V/4", "4", "4@aeolian"),  # I-I7-IV-iv
    ("6", "2", "5", "1"),  # vi-ii-V-I
    ("4", "3", "2", "1"),  # IV-iii-ii-I
    ("1", "7@aeolian", "4", "1"),  # I-bVII-IV-I: borrowed bVII
    ("6@aeolian", "7@aeolian", "1", "1"),  # bVI-bVII-I
    ("2", "V/6", "6", "2,5"),  # ii-III7-vi, ii-V turnaround
)
_MINOR_JAZZ = (
    ("2@aeolian", "5@harmonic_minor", "1", "1"),  # minor ii-V-i
    ("1", "4@aeolian", "7", "3"),  # i-iv-bVII-bIII
    ("1", "6@aeolian", "3", "7"),  # i-bVI-bIII-bVII
    ("4@aeolian", "5", "1", "1"),  # iv-v-i
    ("1", "6@aeolian", "2@aeolian", "5@harmonic_minor"),
    ("6@aeolian", "7", "1", "1"),
    ("1", "4@dorian", "1", "7"),  # dorian IV
    ("1", "V/4", "4@aeolian", "7"),  # i-I7-iv-bVII
    ("3", "6@aeolian", "2@aeolian", "5@harmonic_minor"),
)
_MAJOR_SIMPLE = (
    ("1", "6", "4", "5"),
    ("4", "5", "3", "6"),
    ("1", "3", "4", "4@aeolian"),
    ("6", "4", "1", "5"),
    ("2", "5", "1", "6"),
    ("4", "4@aeolian", "1", "6"),
    ("1", "7@aeolian", "4", "1"),
)
_MINOR_SIMPLE = (
    ("1", "4@aeolian", "7", "3"),
    ("1", "6@aeolian", "3", "7"),
    ("6@aeolian", "7", "1", "1"),
    ("1", "7", "6@aeolian", "5@harmonic_minor"),
    ("4@aeolian", "7", "3", "6@aeolian"),
    ("1", "4@dorian", "1", "4@aeolian"),
)
_MAJOR_JAPANESE = (
    ("4", "5", "3", "6"),  # the "royal road" progression of Japanese pop
    ("4", "5", "1", "6"),
    ("6", "4", "5", "1"),
    ("1", "V/6", "6", "4"),
    ("4", "3", "6", "6"),
)
_MINOR_JAPANESE = (  # phrygian harmony under the in scale: bII is the signature colour
    ("1", "2", "1", "1"),
    ("6", "2", "1", "1"),
    ("4", "6", "2", "1"),
    ("1", "7", "6", "2"),
    ("1", "4", "2", "1"),
)
_KICKS_BOOM_BAP = ((0, 10), (0, 7, 10), (0, 3, 10), (0, 10, 11), (0, 8, 10), (0, 6, 10))
_KICKS_LAZY = ((0, 10), (0, 11), (0, 7, 10), (0, 6))
_KICKS_SPARSE = ((0,), (0, 10), (0, 8))


@dataclass(frozen=True)
class StylePreset:
    """Everything a style decides about composition and sound, apart from effects."""

    name: str
    tempo_range_bpm: tuple[float, float]
    swing: float  # position of the off-beat within its pair, 0.5 = straight, 0.66 = triplet
    swing_unit: int  # 8: swung eighths; 16: swung sixteenths
    minor_mode: str  # harmony mode for minor keys
    melody_scale: str
    progressions_major: tuple[tuple[str, ...], ...]
    progressions_minor: tuple[tuple[str, ...], ...]
    extension_weights: tuple[float, float, float, float]  # chance of 7th, 9th, 11th, 13th chords
    secondary_dominant_prob: float  # chance a section's last bar becomes a secondary-dominant turnaround
    voicing_size: int
    rootless: bool
    parts: tuple[str, ...]
    instruments: dict[str, str] = field(
        default_factory=dict
    )  # part -> instrument family (what the composer writes for)
    # part -> voice ids (instruments.VOICES or label:<file>:<bank>:<preset>) replacing the style's palette
    # for that part (instruments.PALETTES); the cockpit's per-part sound choices. Empty: the style's palette.
    palette: dict[str, tuple[str, ...]] = field(default_factory=dict)
    bass_styles: tuple[str, ...] = ("root",)
    keys_patterns: tuple[str, ...] = ("sustain",)
    piano_patterns: tuple[str, ...] = ("stabs",)
    pluck_patterns: tuple[str, ...] = ("arp_up",)
    kick_patterns: tuple[tuple[int, ...], ...] = _KICKS_LAZY
    backbeat: str = "snare"
    hat_division: int = 8
    ghost_note_prob: float = 0.3
    perc_layers: tuple[str, ...] = ("shaker",)
    humanize_ms: float = 8.0
    melody_density: float = 0.55
    kit: str = "dusty"
    default_ambience: str = "vinyl"

    def __post_init__(self) -> None:
        def need(ok: bool, message: str) -> None:
            if not ok:
                raise ValueError(f"style preset {self.name!r}: {message}")

        low, high = self.tempo_range_bpm
        need(40 <= low <= high <= 200, "tempo_range_bpm must be [low, high] within 40-200")
        need(0.5 <= self.swing <= 0.75, "swing must be within 0.5-0.75")
        need(self.swing_unit in (8, 16), "swing_unit must be 8 or 16")
        need(self.minor_mode in MODE_INTERVALS, f"minor_mode must be one of {sorted(MODE_INTERVALS)}")
        need(self.melody_scale in MELODY_SCALES, f"melody_scale must be one of {MELODY_SCALES}")
        need(bool(self.progressions_major) and bool(self.progressions_minor), "progressions may not be empty")
        need(
            len(self.extension_weights) == 4 and sum(self.extension_weights) > 0 and min(self.extension_weights) >= 0,
            "extension_weights needs 4 non-negative weights",
        )
        need(0 <= self.secondary_dominant_prob <= 1, "secondary_dominant_prob must be within 0-1")
        need(3 <= self.voicing_size <= 6, "voicing_size must be 3-6")
        need(set(self.parts) <= set(PARTS) and bool(self.parts), f"parts must be among {PARTS}")
        need(set(self.instruments) <= set(PARTS), "instruments keys must be part names")
        need(set(self.instruments.values()) <= set(INSTRUMENTS), f"instruments must be among {INSTRUMENTS}")
        need(all(p in self.instruments for p in self.parts), "every part needs an instrument")
        need(isinstance(self.palette, dict) and set(self.palette) <= set(PARTS), "palette keys must be part names")
        for part, voices in self.palette.items():
            need(isinstance(voices, tuple) and bool(voices), f"palette[{part!r}] must be a non-empty list of voices")
            for voice in voices:
                problem = check_voice_id(voice, part)
                need(problem is None, f"palette[{part!r}]: {problem}")
        need(set(self.bass_styles) <= set(BASS_STYLES) and bool(self.bass_styles), f"bass_styles: {BASS_STYLES}")
        need(
            set(self.keys_patterns) <= set(KEYS_PATTERNS) and bool(self.keys_patterns),
            f"keys_patterns: {KEYS_PATTERNS}",
        )
        need(
            set(self.piano_patterns) <= set(PIANO_PATTERNS) and bool(self.piano_patterns),
            f"piano_patterns: {PIANO_PATTERNS}",
        )
        need(
            set(self.pluck_patterns) <= set(PLUCK_PATTERNS) and bool(self.pluck_patterns),
            f"pluck_patterns: {PLUCK_PATTERNS}",
        )
        need(
            bool(self.kick_patterns) and all(p and all(0 <= s < 16 for s in p) for p in self.kick_patterns),
            "kick_patterns are lists of 16th steps 0-15",
        )
        need(self.backbeat in BACKBEATS, f"backbeat must be one of {BACKBEATS}")
        need(self.hat_division in (8, 16), "hat_division must be 8 or 16")
        need(self.hat_division == 8 or self.swing_unit == 16, "sixteenth hats need swing_unit 16")
        need(0 <= self.ghost_note_prob <= 1, "ghost_note_prob must be within 0-1")
        need(set(self.perc_layers) <= set(PERC_LAYERS), f"perc_layers must be among {PERC_LAYERS}")
        need(0 <= self.humanize_ms <= 30, "humanize_ms must be within 0-30")
        need(0.1 <= self.melody_density <= 1, "melody_density must be within 0.1-1")
        need(self.kit in KITS, f"kit must be one of {KITS}")
        need(self.default_ambience in AMBIENCES, f"default_ambience must be one of {AMBIENCES}")


PRESETS: dict[str, StylePreset] = {
    "jazz": StylePreset(
        name="jazz",
        tempo_range_bpm=(70, 90),
        swing=0.62,
        swing_unit=8,
        minor_mode="dorian",
        melody_scale="diatonic",
        progressions_major=_MAJOR_JAZZ,
        progressions_minor=_MINOR_JAZZ,
        extension_weights=(0.1, 0.3, 0.3, 0.3),
        secondary_dominant_prob=0.6,
        voicing_size=4,
        rootless=True,
        parts=("drums", "perc", "bass", "keys", "piano", "melody"),
        instruments={
            "drums": "kit",
            "perc": "kit",
            "bass": "upright_bass",
            "keys": "epiano",
            "piano": "piano",
            "melody": "vibes",
        },
        bass_styles=("walking", "root", "walking"),
        keys_patterns=("charleston", "comp", "sustain"),
        piano_patterns=("stabs", "block"),
        kick_patterns=_KICKS_LAZY,
        backbeat="snare",
        hat_division=8,
        ghost_note_prob=0.45,
        perc_layers=("rim",),
        melody_density=0.6,
        kit="soft",
        default_ambience="vinyl",
    ),
    "boom_bap": StylePreset(
        name="boom_bap",
        tempo_range_bpm=(84, 96),
        swing=0.58,
        swing_unit=16,
        minor_mode="aeolian",
        melody_scale="pentatonic",
        progressions_major=_MAJOR_SIMPLE + _MAJOR_JAZZ[:3],
        progressions_minor=_MINOR_SIMPLE + _MINOR_JAZZ[:2],
        extension_weights=(0.3, 0.45, 0.15, 0.1),
        secondary_dominant_prob=0.3,
        voicing_size=4,
        rootless=False,
        parts=("drums", "perc", "bass", "keys", "piano", "melody"),
        instruments={
            "drums": "kit",
            "perc": "kit",
            "bass": "sub_bass",
            "keys": "epiano",
            "piano": "piano",
            "melody": "guitar",
        },
        bass_styles=("syncopated", "root"),
        keys_patterns=("sustain", "comp"),
        piano_patterns=("stabs",),
        kick_patterns=_KICKS_BOOM_BAP,
        backbeat="snare_clap",
        hat_division=16,
        ghost_note_prob=0.5,
        perc_layers=("tambourine",),
        humanize_ms=7.0,
        melody_density=0.45,
        kit="punchy",
        default_ambience="vinyl",
    ),
    "ambient": StylePreset(
        name="ambient",
        tempo_range_bpm=(60, 72),
        swing=0.54,
        swing_unit=8,
        minor_mode="dorian",
        melody_scale="pentatonic",
        progressions_major=_MAJOR_SIMPLE,
        progressions_minor=_MINOR_SIMPLE,
        extension_weights=(0.05, 0.45, 0.35, 0.15),
        secondary_dominant_prob=0.15,
        voicing_size=5,
        rootless=False,
        parts=("drums", "perc", "bass", "keys", "pad", "pluck", "melody"),
        instruments={
            "drums": "kit",
            "perc": "kit",
            "bass": "sub_bass",
            "keys": "epiano",
            "pad": "pad",
            "pluck": "guitar",
            "melody": "lead",
        },
        bass_styles=("sub",),
        keys_patterns=("swells", "sustain"),
        pluck_patterns=("arp_updown", "arp_up"),
        kick_patterns=_KICKS_SPARSE,
        backbeat="rim",
        hat_division=8,
        ghost_note_prob=0.1,
        perc_layers=("shaker",),
        humanize_ms=10.0,
        melody_density=0.3,
        kit="soft",
        default_ambience="nature",
    ),
    "study": StylePreset(
        name="study",
        tempo_range_bpm=(70, 85),
        swing=0.56,
        swing_unit=16,
        minor_mode="aeolian",
        melody_scale="diatonic",
        progressions_major=_MAJOR_SIMPLE + _MAJOR_JAZZ[:4],
        progressions_minor=_MINOR_SIMPLE + _MINOR_JAZZ[:3],
        extension_weights=(0.25, 0.45, 0.2, 0.1),
        secondary_dominant_prob=0.35,
        voicing_size=4,
        rootless=False,
        parts=("drums", "perc", "bass", "keys", "pad", "pluck", "melody"),
        instruments={
            "drums": "kit",
            "perc": "kit",
            "bass": "upright_bass",
            "keys": "epiano",
            "pad": "pad",
            "pluck": "guitar",
            "melody": "piano",
        },
        bass_styles=("root", "syncopated"),
        keys_patterns=("sustain", "comp"),
        pluck_patterns=("arp_up",),
        kick_patterns=_KICKS_LAZY,
        backbeat="snare",
        hat_division=16,
        ghost_note_prob=0.3,
        perc_layers=("shaker",),
        melody_density=0.5,
        kit="dusty",
        default_ambience="rain",
    ),
    "rainy_day": StylePreset(
        name="rainy_day",
        tempo_range_bpm=(65, 80),
        swing=0.57,
        swing_unit=8,
        minor_mode="aeolian",
        melody_scale="diatonic",
        progressions_major=_MAJOR_SIMPLE + _MAJOR_JAZZ[4:6],
        progressions_minor=_MINOR_SIMPLE,
        extension_weights=(0.2, 0.45, 0.25, 0.1),
        secondary_dominant_prob=0.25,
        voicing_size=4,
        rootless=False,
        parts=("drums", "perc", "bass", "keys", "piano", "pad", "melody"),
        instruments={
            "drums": "kit",
            "perc": "kit",
            "bass": "upright_bass",
            "keys": "epiano",
            "piano": "piano",
            "pad": "pad",
            "melody": "lead",
        },
        bass_styles=("root",),
        keys_patterns=("swells", "sustain"),
        piano_patterns=("broken", "block"),
        kick_patterns=_KICKS_LAZY,
        backbeat="rim",
        hat_division=8,
        ghost_note_prob=0.25,
        perc_layers=("shaker",),
        humanize_ms=10.0,
        melody_density=0.4,
        kit="soft",
        default_ambience="rain",
    ),
    "cafe": StylePreset(
        name="cafe",
        tempo_range_bpm=(80, 95),
        swing=0.6,
        swing_unit=8,
        minor_mode="dorian",
        melody_scale="diatonic",
        progressions_major=_MAJOR_JAZZ,
        progressions_minor=_MINOR_JAZZ,
        extension_weights=(0.15, 0.4, 0.2, 0.25),
        secondary_dominant_prob=0.5,
        voicing_size=4,
        rootless=True,
        parts=("drums", "perc", "bass", "piano", "pluck", "melody"),
        instruments={
            "drums": "kit",
            "perc": "kit",
            "bass": "upright_bass",
            "piano": "piano",
            "pluck": "guitar",
            "melody": "vibes",
        },
        bass_styles=("walking", "root"),
        piano_patterns=("stabs", "block"),
        pluck_patterns=("fingerpick",),
        kick_patterns=_KICKS_LAZY,
        backbeat="rim",
        hat_division=8,
        ghost_note_prob=0.35,
        perc_layers=("bongos", "shaker"),
        melody_density=0.55,
        kit="soft",
        default_ambience="cafe",
    ),
    "japanese": StylePreset(
        name="japanese",
        tempo_range_bpm=(70, 85),
        swing=0.55,
        swing_unit=16,
        minor_mode="phrygian",
        melody_scale="yo_in",
        progressions_major=_MAJOR_JAPANESE,
        progressions_minor=_MINOR_JAPANESE,
        extension_weights=(0.2, 0.5, 0.2, 0.1),
        secondary_dominant_prob=0.15,
        voicing_size=4,
        rootless=False,
        parts=("drums", "perc", "bass", "keys", "pad", "pluck", "melody"),
        instruments={
            "drums": "kit",
            "perc": "kit",
            "bass": "sub_bass",
            "keys": "epiano",
            "pad": "pad",
            "pluck": "koto",
            "melody": "lead",
        },
        bass_styles=("root", "syncopated"),
        keys_patterns=("sustain", "swells"),
        pluck_patterns=("koto_arp",),
        kick_patterns=_KICKS_LAZY,
        backbeat="clap",
        hat_division=16,
        ghost_note_prob=0.2,
        perc_layers=("rim", "tambourine"),
        melody_density=0.5,
        kit="dusty",
        default_ambience="nature",
    ),
}


def _coerce(value: Any, current: Any) -> Any:
    """JSON has lists where the preset has tuples: convert nested lists to tuples."""
    if isinstance(current, tuple) and isinstance(value, list):
        inner = current[0] if current else None
        return tuple(_coerce(v, inner) for v in value)
    return value


def _same_kind(value: Any, current: Any) -> bool:
    if isinstance(value, bool) or isinstance(current, bool):
        return isinstance(value, bool) and isinstance(current, bool)
    if isinstance(current, float):
        return isinstance(value, (int, float))
    return isinstance(value, type(current))


def _palette_override(value: Any, current: dict) -> dict:
    """{"keys": "tine_ep"} or {"keys": ["tine_ep", "rhodes_ep"]} merged over the preset's palette."""
    if not isinstance(value, dict):
        raise ValueError("style override 'palette' must be an object of part -> voice id or list of voice ids")
    merged = dict(current)
    for part, voices in value.items():
        merged[part] = (voices,) if isinstance(voices, str) else tuple(voices) if isinstance(voices, list) else voices
    return merged


def preset_for(style: str, overrides: dict | None = None) -> StylePreset:
    """The preset for `style`, with admin `overrides` applied (keys are StylePreset field names).

    `instruments` and `palette` overrides are merged into the preset's mappings part by part. Raises
    ValueError for an unknown style, unknown keys, values of the wrong type or values out of range.
    """
    if style not in PRESETS:
        raise ValueError(f"unknown style {style!r}; use one of {', '.join(PRESETS)}")
    preset = PRESETS[style]
    if not overrides:
        return preset
    if not isinstance(overrides, dict):
        raise ValueError("style overrides must be a JSON object")
    fields = {f.name: f for f in dataclasses.fields(StylePreset)}
    unknown = sorted(set(overrides) - set(fields) | ({"name"} & set(overrides)))
    if unknown:
        raise ValueError(f"unknown style override keys {unknown}; allowed: {sorted(set(fields) - {'name'})}")
    changes: dict[str, Any] = {}
    for key, value in overrides.items():
        current = getattr(preset, key)
        if key == "instruments":
            if not isinstance(value, dict):
                raise ValueError("style override 'instruments' must be an object of part -> instrument")
            value = {**current, **value}
        if key == "palette":
            value = _palette_override(value, current)
        value = _coerce(value, current)
        if not _same_kind(value, current):
            raise ValueError(f"style override {key!r} has the wrong type: expected {type(current).__name__}")
        changes[key] = float(value) if isinstance(current, float) else value
    try:
        return dataclasses.replace(preset, **changes)
    except (TypeError, ValueError) as exc:
        raise ValueError(str(exc)) from exc
