"""The LoFi chain's settings: every knob (FxSettings), the style presets, and how the brief's mood and an
admin's overrides lean them (`fx_settings_for`). Pure data and validation: no audio here."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np

from production.engine.brief import AMBIENCES, PARTS
from production.engine.moods import mood_profile

STYLES = ("jazz", "boom_bap", "ambient", "study", "rainy_day", "cafe", "japanese")
OFF_DB = -120.0  # a send or level at or below this is switched off
_OFF_DB = OFF_DB


def _frozen(mapping: Mapping[str, float]) -> Mapping[str, float]:
    return MappingProxyType(dict(mapping))


_DEFAULT_PAN = {
    "drums": 0.0,
    "perc": 0.35,
    "bass": 0.0,
    "keys": -0.3,
    "piano": 0.2,
    "pad": 0.0,
    "pluck": 0.45,
    "melody": -0.15,
}
_DEFAULT_GAIN_DB = dict.fromkeys(PARTS, 0.0)
_DEFAULT_REVERB_SEND_DB = {
    "drums": _OFF_DB,  # the kit has its own short room (drums_room_db), not the long reverb
    "perc": -18.0,
    "bass": _OFF_DB,
    "keys": -12.0,
    "piano": -10.0,
    "pad": -8.0,
    "pluck": -10.0,
    "melody": -9.0,
}
_DEFAULT_DELAY_SEND_DB = {
    "drums": _OFF_DB,
    "perc": _OFF_DB,
    "bass": _OFF_DB,
    "keys": _OFF_DB,
    "piano": _OFF_DB,
    "pad": _OFF_DB,
    "pluck": -10.0,
    "melody": -14.0,
}


@dataclass(frozen=True)
class FxSettings:
    """Every knob of the LoFi chain. Levels in dB, times in s or ms, frequencies in Hz.

    Per-part maps (part_gain_db, part_pan, reverb_send_db, delay_send_db) are keyed by brief.PARTS;
    a send at or below -120 dB is off. Bit depth 0 and resample rate 0 switch those stages off.
    """

    ambience: str = "vinyl"  # the style's default bed, used when the brief asks for "default"
    ambience_level_db: float = -24.0  # bed RMS relative to the music RMS
    vinyl_level_db: float = -36.0  # always-on record surface (crackle + hiss) relative to the music RMS
    crackle_per_s: float = 10.0
    pops_per_s: float = 0.15
    keys_lowpass_hz: float = 7500.0  # cut-off of keys (above their 1-5 kHz); piano, pad, melody scale from it
    bass_lowpass_hz: float = 1600.0
    drums_lowpass_hz: float = 12000.0
    drums_drive_db: float = 4.0
    drums_bitcrush_bits: float = 0.0
    drums_resample_hz: float = 0.0
    drums_comp_threshold_db: float = 4.0  # relative to the drum stem's RMS
    drums_comp_ratio: float = 3.0
    drums_room_db: float = -15.0  # the kit's own short room (fx_room.py) against the dry kit
    part_drive_db: float = 3.0  # gentle saturation on bass, piano and melody
    chorus_rate_hz: float = 0.7  # on keys
    chorus_depth: float = 0.25
    chorus_mix: float = 0.35
    haas_ms: float = 16.0  # on the pad
    haas_mix: float = 0.5
    sidechain_depth_db: float = 3.0
    sidechain_release_s: float = 0.22
    reverb_room_size: float = 0.6
    reverb_damping: float = 0.6
    reverb_return_db: float = -2.0
    delay_s: float = 0.375
    delay_feedback: float = 0.35
    delay_return_db: float = -4.0
    width: float = 1.15  # mid/side width of the bus: 1 leaves it, 0 is mono
    bus_highpass_hz: float = 30.0
    bus_low_shelf_db: float = 1.5  # at 150 Hz: warmth
    bus_high_shelf_db: float = -2.0  # at 5 kHz: the dark LoFi top
    bus_tilt_db: float = 0.0  # a gentle shelf from ~900 Hz up (the mood's tone): > 0 brighter, < 0 darker
    bus_lowpass_hz: float = 10500.0  # the LoFi warmth: each style sets it within about 7-12 kHz
    tape_drive_db: float = 4.0
    wow_depth_ms: float = 1.2
    wow_rate_hz: float = 0.5
    flutter_depth_ms: float = 0.05
    flutter_rate_hz: float = 6.5
    part_gain_db: Mapping[str, float] = field(default_factory=lambda: _frozen(_DEFAULT_GAIN_DB))
    part_pan: Mapping[str, float] = field(default_factory=lambda: _frozen(_DEFAULT_PAN))
    reverb_send_db: Mapping[str, float] = field(default_factory=lambda: _frozen(_DEFAULT_REVERB_SEND_DB))
    delay_send_db: Mapping[str, float] = field(default_factory=lambda: _frozen(_DEFAULT_DELAY_SEND_DB))

    def __post_init__(self) -> None:
        problems = _validate(self)
        if problems:
            raise ValueError("invalid fx settings: " + "; ".join(problems))

    def to_dict(self) -> dict:
        """JSON-safe copy (maps as plain dicts): what an admin override field can start from."""
        return {
            f.name: dict(v) if isinstance(v := getattr(self, f.name), Mapping) else v for f in dataclasses.fields(self)
        }


_RANGES = {  # name -> (low, high), inclusive; what a sane LoFi chain accepts
    "ambience_level_db": (-80.0, 0.0),
    "vinyl_level_db": (-120.0, -10.0),
    "crackle_per_s": (0.0, 200.0),
    "pops_per_s": (0.0, 10.0),
    "keys_lowpass_hz": (500.0, 20000.0),
    "bass_lowpass_hz": (100.0, 20000.0),
    "drums_lowpass_hz": (500.0, 20000.0),
    "drums_drive_db": (0.0, 24.0),
    "drums_bitcrush_bits": (0.0, 24.0),
    "drums_resample_hz": (0.0, 48000.0),
    "drums_comp_threshold_db": (-30.0, 30.0),
    "drums_comp_ratio": (1.0, 20.0),
    "drums_room_db": (-120.0, 0.0),
    "part_drive_db": (0.0, 24.0),
    "chorus_rate_hz": (0.0, 10.0),
    "chorus_depth": (0.0, 1.0),
    "chorus_mix": (0.0, 1.0),
    "haas_ms": (0.0, 40.0),
    "haas_mix": (0.0, 1.0),
    "sidechain_depth_db": (0.0, 24.0),
    "sidechain_release_s": (0.01, 2.0),
    "reverb_room_size": (0.0, 1.0),
    "reverb_damping": (0.0, 1.0),
    "reverb_return_db": (-120.0, 12.0),
    "delay_s": (0.01, 2.0),
    "delay_feedback": (0.0, 0.95),
    "delay_return_db": (-120.0, 12.0),
    "width": (0.0, 2.0),
    "bus_highpass_hz": (10.0, 500.0),
    "bus_low_shelf_db": (-12.0, 12.0),
    "bus_high_shelf_db": (-24.0, 12.0),
    "bus_tilt_db": (-12.0, 12.0),
    "bus_lowpass_hz": (1000.0, 22000.0),
    "tape_drive_db": (0.0, 24.0),
    "wow_depth_ms": (0.0, 10.0),
    "wow_rate_hz": (0.05, 5.0),
    "flutter_depth_ms": (0.0, 2.0),
    "flutter_rate_hz": (1.0, 30.0),
}
_MAP_RANGES = {
    "part_gain_db": (-60.0, 12.0),
    "part_pan": (-1.0, 1.0),
    "reverb_send_db": (-120.0, 0.0),
    "delay_send_db": (-120.0, 0.0),
}


def _validate(settings: FxSettings) -> list[str]:
    problems = []
    if settings.ambience not in AMBIENCES:
        problems.append(f"ambience {settings.ambience!r} is not one of {', '.join(AMBIENCES)}")
    for name, (low, high) in _RANGES.items():
        value = getattr(settings, name)
        if not low <= value <= high:
            problems.append(f"{name}={value} is outside {low}..{high}")
    if 0 < settings.drums_bitcrush_bits < 2:
        problems.append("drums_bitcrush_bits must be 0 (off) or at least 2")
    if 0 < settings.drums_resample_hz < 2000:
        problems.append("drums_resample_hz must be 0 (off) or at least 2000")
    for name, (low, high) in _MAP_RANGES.items():
        mapping = getattr(settings, name)
        if set(mapping) != set(PARTS):
            problems.append(f"{name} must have exactly the parts {', '.join(PARTS)}")
            continue
        problems += [
            f"{name}[{part}]={value} is outside {low}..{high}"
            for part, value in mapping.items()
            if not low <= value <= high
        ]
    return problems


FX_PRESETS: dict[str, FxSettings] = {
    # Dusty jazz hop: Rhodes chorus, warm keys, moderate wobble, vinyl surface.
    "jazz": FxSettings(
        ambience="vinyl", keys_lowpass_hz=7500.0, bus_lowpass_hz=10500.0, chorus_mix=0.4, wow_depth_ms=1.2
    ),
    # Sampler drums (SP-1200-ish 26 kHz, 12 bit), harder drive and pump, less reverb.
    "boom_bap": FxSettings(
        ambience="vinyl",
        drums_bitcrush_bits=12.0,
        drums_resample_hz=26040.0,
        drums_lowpass_hz=10000.0,
        drums_drive_db=7.0,
        drums_room_db=-13.0,  # a boom-bap kit lives in its room
        sidechain_depth_db=4.0,
        reverb_return_db=-6.0,
        keys_lowpass_hz=7000.0,
        bus_lowpass_hz=9500.0,
        wow_depth_ms=0.8,
        tape_drive_db=6.0,
    ),
    # Slow deep wobble, big dark reverb, wide pad, barely any pump.
    "ambient": FxSettings(
        ambience="nature",
        wow_depth_ms=2.5,
        wow_rate_hz=0.3,
        keys_lowpass_hz=6500.0,
        bus_lowpass_hz=8000.0,
        reverb_room_size=0.85,
        reverb_return_db=2.0,
        sidechain_depth_db=1.0,
        haas_mix=0.6,
        width=1.2,
        drums_drive_db=2.0,
        drums_room_db=-18.0,  # the big reverb carries the space here
        vinyl_level_db=-42.0,
    ),
    # Unobtrusive: soft pump, gentle tape, rain outside.
    "study": FxSettings(
        ambience="rain",
        ambience_level_db=-26.0,
        keys_lowpass_hz=7000.0,
        bus_lowpass_hz=10000.0,
        sidechain_depth_db=2.5,
        wow_depth_ms=1.0,
    ),
    # Darker and wetter, more rain.
    "rainy_day": FxSettings(
        ambience="rain",
        ambience_level_db=-20.0,
        keys_lowpass_hz=6000.0,
        bus_lowpass_hz=8500.0,
        bus_high_shelf_db=-3.5,
        reverb_room_size=0.75,
        reverb_return_db=0.0,
        wow_depth_ms=1.6,
    ),
    # Jazz-cafe brightness with the room murmur behind it.
    "cafe": FxSettings(
        ambience="cafe",
        ambience_level_db=-22.0,
        keys_lowpass_hz=8500.0,
        bus_lowpass_hz=12000.0,
        bus_high_shelf_db=-1.0,
        chorus_mix=0.3,
        wow_depth_ms=0.9,
    ),
    # Koto-like plucks with echo, airy top, nature around.
    "japanese": FxSettings(
        ambience="nature",
        keys_lowpass_hz=8000.0,
        bus_lowpass_hz=11000.0,
        delay_s=0.42,
        delay_feedback=0.4,
        delay_return_db=-2.0,
        wow_depth_ms=1.0,
        bus_high_shelf_db=-1.0,
    ),
}


def default_ambience(style: str) -> str:
    """The ambience bed a style uses when the brief leaves it to the style."""
    return fx_settings_for(style).ambience


def fx_settings_for(style: str, overrides: Mapping | None = None, *, mood: str = "chill") -> FxSettings:
    """The preset for `style`, leaned towards `mood` (moods.Mood.fx_changes: tone, wobble, surface, space),
    with `overrides` (e.g. an admin JSON field) applied on top: an explicit override has the last word.

    Scalars replace the preset's value; per-part maps are merged part by part. Unknown styles, moods,
    keys, unknown parts, wrong types and out-of-range values raise ValueError naming the culprit.
    """
    if style not in FX_PRESETS:
        raise ValueError(f"unknown style {style!r}; use one of {', '.join(STYLES)}")
    preset = FX_PRESETS[style]
    mood_changes = mood_profile(mood).fx_changes(preset)
    if mood_changes:
        clamped: dict[str, Any] = {
            name: min(max(value, _RANGES[name][0]), _RANGES[name][1]) for name, value in mood_changes.items()
        }
        preset = dataclasses.replace(preset, **clamped)
    if not overrides:
        return preset
    if not isinstance(overrides, Mapping):
        raise ValueError("fx overrides must be a JSON object of setting -> value")
    known = {f.name for f in dataclasses.fields(FxSettings)}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise ValueError(f"unknown fx settings {unknown}; known settings are {', '.join(sorted(known))}")
    changes: dict[str, Any] = {}
    for name, value in overrides.items():
        current = getattr(preset, name)
        if isinstance(current, Mapping):
            if not isinstance(value, Mapping):
                raise ValueError(f"{name} must be an object of part -> number")
            bad_parts = sorted(set(value) - set(PARTS))
            if bad_parts:
                raise ValueError(f"{name}: unknown parts {bad_parts}; parts are {', '.join(PARTS)}")
            changes[name] = _frozen({**current, **{p: _number(f"{name}[{p}]", v) for p, v in value.items()}})
        elif name == "ambience":
            if not isinstance(value, str):
                raise ValueError("ambience must be a string")
            changes[name] = value
        else:
            changes[name] = _number(name, value)
    return dataclasses.replace(preset, **changes)


def _number(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{name} must be a number, got {value!r}")
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite")
    return float(value)
