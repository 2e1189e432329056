"""The LoFi effects chain: per-part inserts, shared sends, the tape bus, vinyl and ambience.

Signal flow of `process` (every stage is a small function below that can be used and tested alone):

    each part:  (drums: sampler resample/bitcrush, compressor, drive) or warm high/low-pass filters
                -> (bass: saturation; keys: chorus; pad: Haas layer) -> pan -> side-chain pump (kick)
    sends:      reverb and tape echo, run at a quarter of the sample rate (dark, and four times cheaper)
    tape bus:   sum + returns -> mid/side width -> bus EQ -> tape saturation -> wow and flutter
    surface:    vinyl crackle and hiss + the ambience bed, set against the music's RMS

The style preset sets every amount, the brief's mood leans tone and space (moods.py), admin overrides
have the last word (`fx_settings_for`). The parts' warm filters (`insert_filters`) are linear, so the
render pipeline has the synth apply them note by note and tells `process` they are done (`prefiltered`).
Pan, pump, sums and sends run in one pass over all parts, block by block (`_place_parts`).

The processed stems returned are each part after its own inserts (what a stem pack ships); the mix adds
the shared sends, the tape bus and the surface noise on top, so the stems do not sum exactly to the mix.

Everything random comes from `numpy.random.default_rng` seeded from `seed`: same input and seed, same
output. No stage loops over samples: filters run in scipy/pedalboard, modulated delays are a vectorised
fractional read, envelopes are built at a control rate and interpolated. Long signals are worked on in
place and block by block (see dsp.py): on a busy machine a fresh 3-minute buffer costs more in page
faults than the filtering itself.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
import pedalboard
from scipy import signal

from production.engine.ambience import add_bed, add_vinyl_noise, vinyl_noise
from production.engine.automation import apply_mix_events, edge_fades
from production.engine.brief import AMBIENCES, PARTS
from production.engine.dsp import (
    CHUNK,
    SosStream,
    blocks,
    butter_sos,
    mean_square,
    sosfilt_blocks,
    upsample_linear,
    zeros_prefaulted,
)
from production.engine.moods import mood_profile

__all__ = [
    "FX_PRESETS",
    "STYLES",
    "FxSettings",
    "bitcrush",
    "chorus",
    "compress",
    "default_ambience",
    "delay",
    "filter_sos",
    "fx_settings_for",
    "haas",
    "highpass",
    "insert_filters",
    "lowpass",
    "ms_width",
    "pan",
    "process",
    "resample_lofi",
    "reverb",
    "shelf_sos",
    "sidechain_gain",
    "sidechain_pump",
    "tape_saturate",
    "tone_sos",
    "vinyl_noise",
    "wow_flutter",
]

STYLES = ("jazz", "boom_bap", "ambient", "study", "rainy_day", "cafe", "japanese")
REFERENCE_RMS_DBFS = -20.0  # nonlinear stages see every signal at this level, whatever the synth delivered
_CONTROL_HOP = 16  # envelopes and modulations are computed every 16 samples, then interpolated
_SEND_DECIMATION = 4  # reverb and echo run at sample_rate / 4
_OFF_DB = -120.0  # a send or level at or below this is switched off
FADE_OUT_SHARE = 0.08  # the track's fade-out: this share of its length (the synth fades the stems alike)
FADE_OUT_MAX_S = 3.0

# Which inserts each part gets. Fixed roles: presets tune the amounts, not the routing.
_SIDECHAINED = {"bass": 1.0, "keys": 1.0, "piano": 1.0, "pad": 1.0, "pluck": 0.5, "melody": 0.5}
_PART_HIGHPASS_HZ = {
    "drums": 30.0,
    "perc": 200.0,
    "bass": 30.0,
    "keys": 90.0,
    "piano": 60.0,
    "pad": 150.0,
    "pluck": 200.0,
    "melody": 150.0,
}
# Low-pass of the melodic parts relative to the preset's keys_lowpass_hz (the "warm keys" cut-off).
# The parts keep their 1-5 kHz (the insert low-pass sits above it); the warmth is made on the bus.
_PART_LOWPASS_RATIO = {"keys": 1.0, "piano": 1.0, "pad": 0.8, "pluck": 1.5, "melody": 1.1}


# --- settings -------------------------------------------------------------------------------------


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
    "drums": -22.0,  # a little room around the kit
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
    changes = mood_profile(mood).fx_changes(preset)
    if changes:
        preset = dataclasses.replace(
            preset, **{name: min(max(value, _RANGES[name][0]), _RANGES[name][1]) for name, value in changes.items()}
        )
    if not overrides:
        return preset
    if not isinstance(overrides, Mapping):
        raise ValueError("fx overrides must be a JSON object of setting -> value")
    known = {f.name for f in dataclasses.fields(FxSettings)}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise ValueError(f"unknown fx settings {unknown}; known settings are {', '.join(sorted(known))}")
    changes: dict[str, object] = {}
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


# --- the whole chain ------------------------------------------------------------------------------


def process(
    stems: dict[str, np.ndarray],
    *,
    style: str,
    sample_rate: int,
    seed: int,
    kick_times_s: np.ndarray,
    ambience: str,
    overrides: dict | None = None,
    mood: str = "chill",
    in_place: bool = False,
    prefiltered: Collection[str] = (),
    events: Collection = (),
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Run the LoFi chain over `stems` and return (mix, processed_stems).

    Takes: stems keyed by brief.PARTS (any subset), each (2, n) float32 of one common length; the style
    (one of STYLES); the kick onsets in seconds (the side-chain key); ambience (one of brief.AMBIENCES, or
    "default" for the style's own bed); the brief's mood and optional overrides of the style preset (see
    fx_settings_for).
    Guarantees: mix is (2, n) float32, finite; processed stems have the same keys and shapes; the result
    depends only on the inputs and `seed`. Levels are not normalised: master.master does that.
    With `in_place` the processed stems are written over the input arrays (float32 (2, n) ones), which
    saves allocating eight full-length buffers; the caller must not need the raw stems afterwards.
    `prefiltered` names parts whose stems already went through their insert tone filter
    (`insert_filters`; the synth can apply it note by note, which for a linear filter is the same sound
    at a fraction of the cost): their filter is not run again.
    `events` (the score's arrangement events): the whole-mix ones (filter sweeps without parts, tape stops)
    run on the mix after the tape bus (automation.py; the part ones run on the stems before this). The
    mix, beds included, then gets its edge fades: silent first and last 20 ms, a fade-out as long as the
    music's (FADE_OUT_SHARE of the track, at most FADE_OUT_MAX_S).
    """
    settings = fx_settings_for(style, overrides, mood=mood)
    if ambience == "default":
        ambience = settings.ambience
    if ambience not in AMBIENCES:
        raise ValueError(f"unknown ambience {ambience!r}; use one of {', '.join(AMBIENCES)} or 'default'")
    n_samples = _check_stems(stems)
    seeds = np.random.SeedSequence(seed).generate_state(4)
    kick_times_s = np.asarray(kick_times_s, dtype=np.float64).reshape(-1)

    pumps: dict[float, np.ndarray] = {}  # share of the depth -> side-chain gain every _CONTROL_HOP samples
    if settings.sidechain_depth_db > 0 and kick_times_s.size:
        full = _sidechain_control(
            n_samples,
            sample_rate=sample_rate,
            kick_times_s=kick_times_s,
            depth_db=settings.sidechain_depth_db,
            release_s=settings.sidechain_release_s,
            attack_s=0.004,
        )
        # depth_db * share in dB is the full-depth gain to the power share
        pumps = {
            share: full if share == 1.0 else np.power(full, np.float32(share)) for share in set(_SIDECHAINED.values())
        }

    # Inserts part by part (whole-signal stages: filters, plugins), then one pass block by block that
    # pans, pumps, sums and feeds the sends of every part while the block is in cache.
    processed: dict[str, np.ndarray] = {}
    placed: list[tuple[str, np.ndarray, bool]] = []  # (part, processed stem, mono: only row 0 computed)
    for part in PARTS:
        if part in stems:
            out, mono = _inserts(
                part,
                stems[part],
                settings=settings,
                sample_rate=sample_rate,
                in_place=in_place,
                prefiltered=part in prefiltered,
            )
            processed[part] = out
            if mono is not None:
                placed.append((part, out, mono))

    mix = zeros_prefaulted((2, n_samples))
    _place_parts(
        placed,
        mix,
        settings=settings,
        pumps=pumps,
        returns=_Returns(settings, sample_rate=sample_rate, parts=[part for part, _, _ in placed]),
    )

    mix = _tape_bus(mix, settings=settings, sample_rate=sample_rate, seed=int(seeds[0]))
    apply_mix_events(mix, events, sample_rate=sample_rate)
    music_rms = float(np.sqrt(mean_square(mix)))
    if music_rms > 0:  # surface noise and the bed go straight into the mix, set against the music
        if settings.vinyl_level_db > _OFF_DB:
            add_vinyl_noise(
                mix,
                sample_rate=sample_rate,
                seed=int(seeds[1]),
                rms=music_rms * _db_to_gain(settings.vinyl_level_db),
                crackle_per_s=settings.crackle_per_s,
                pops_per_s=settings.pops_per_s,
            )
        if ambience != "none":
            add_bed(
                mix,
                ambience,
                sample_rate=sample_rate,
                seed=int(seeds[2]),
                rms=music_rms * _db_to_gain(settings.ambience_level_db),
            )
    duration_s = n_samples / sample_rate
    edge_fades(mix, sample_rate=sample_rate, fade_out_s=min(FADE_OUT_MAX_S, FADE_OUT_SHARE * duration_s))
    return mix, processed


def insert_filters(
    style: str, *, sample_rate: int, overrides: Mapping | None = None, mood: str = "chill"
) -> dict[str, np.ndarray]:
    """The insert tone filter (high-pass + warm low-pass, one SOS cascade) of every part that has one.

    `process` runs these first in each part's chain; a caller that applies them earlier (the synth, note
    by note) passes those parts as `prefiltered`. Drums, percussion and plucks have none.
    """
    settings = fx_settings_for(style, overrides, mood=mood)
    filters = {}
    for part in PARTS:
        lowpass_hz = _part_lowpass_hz(part, settings)
        if lowpass_hz is not None:
            filters[part] = tone_sos(sample_rate, highpass_hz=_PART_HIGHPASS_HZ[part], lowpass_hz=lowpass_hz)
    return filters


def _check_stems(stems: Mapping[str, np.ndarray]) -> int:
    if not stems:
        raise ValueError("no stems to process")
    unknown = sorted(set(stems) - set(PARTS))
    if unknown:
        raise ValueError(f"unknown stems {unknown}; parts are {', '.join(PARTS)}")
    lengths = set()
    for part, audio in stems.items():
        if audio.ndim != 2 or audio.shape[0] != 2:
            raise ValueError(f"stem {part!r} must have shape (2, n), got {audio.shape}")
        lengths.add(audio.shape[1])
    if len(lengths) != 1:
        raise ValueError(f"stems must share one length, got {sorted(lengths)}")
    return lengths.pop()


def _silent(audio: np.ndarray) -> bool:
    """Whether every sample is zero, block by block (a playing part answers at its first sound)."""
    return not any(np.any(audio[:, start:stop]) for start, stop in blocks(audio.shape[-1]))


def _channels_equal(audio: np.ndarray) -> bool:
    """Whether both channels are identical, block by block (a stereo stem usually differs at once)."""
    return all(np.array_equal(audio[0, start:stop], audio[1, start:stop]) for start, stop in blocks(audio.shape[1]))


def _inserts(
    part: str,
    audio: np.ndarray,
    *,
    settings: FxSettings,
    sample_rate: int,
    in_place: bool = False,
    prefiltered: bool = False,
) -> tuple[np.ndarray, bool | None]:
    """One part's inserts -> (processed stem, mono), mono None for a silent part (nothing to place).

    Mono stems (identical channels) are processed once: only row 0 of the result is computed (mono
    True), and `_place_parts` pans it into both channels. Level-dependent stages (compressor threshold,
    saturation drive, bit depth) are set against the stem's own RMS, so they act the same whatever level
    the synth delivered. The result buffer is allocated once (or is the input, with `in_place`) and
    every stage after the first works in place on it (see dsp: fresh buffers cost more than the math).
    """
    audio = np.asarray(audio, dtype=np.float32)
    x = audio[:1] if _channels_equal(audio) else audio
    # Every stage below reads a block before it writes it, so the result may overwrite the input.
    reuse = in_place and audio.dtype == np.float32 and audio.flags.c_contiguous and audio.shape[0] == 2
    if _silent(x):  # a muted layer: nothing to process, nothing to send, nothing to add
        return (audio if reuse else np.zeros((2, audio.shape[1]), dtype=np.float32)), None
    out = audio if reuse else np.empty((2, audio.shape[1]), dtype=np.float32)
    work = out[: x.shape[0]]  # the channels being processed: one for a mono stem, both otherwise

    def reference_gain(signal: np.ndarray) -> float:  # brings the part's RMS to REFERENCE_RMS_DBFS
        rms = float(np.sqrt(mean_square(signal)))
        return _db_to_gain(REFERENCE_RMS_DBFS) / rms if rms > 1e-9 else 1.0

    if part == "drums":
        if not prefiltered:  # the kit's tone (drums_lowpass_hz) before the sampler stages, as on a console
            sos = tone_sos(
                sample_rate, highpass_hz=_PART_HIGHPASS_HZ[part], lowpass_hz=_part_lowpass_hz(part, settings)
            )
            x = filter_sos(x, sos, out=work)
        to_reference = reference_gain(x)
        if settings.drums_resample_hz > 0:
            x = resample_lofi(x, sample_rate=sample_rate, target_hz=settings.drums_resample_hz)
        if settings.drums_bitcrush_bits > 0:  # quantise as if at the reference level
            np.multiply(x, np.float32(to_reference), out=work)
            bitcrush(work, bits=settings.drums_bitcrush_bits, out=work)
            work *= np.float32(1 / to_reference)
            x = work
        threshold_db = REFERENCE_RMS_DBFS + settings.drums_comp_threshold_db - 20 * np.log10(to_reference)
        compress(x, sample_rate=sample_rate, threshold_db=threshold_db, ratio=settings.drums_comp_ratio, out=work)
        tape_saturate(work, drive_db=settings.drums_drive_db, input_gain=to_reference, out=work)
    else:
        lowpass_hz = _part_lowpass_hz(part, settings)
        if lowpass_hz is None or prefiltered:
            if not np.shares_memory(work, x):
                work[...] = x
        else:
            sos = tone_sos(sample_rate, highpass_hz=_PART_HIGHPASS_HZ[part], lowpass_hz=lowpass_hz)
            filter_sos(x, sos, out=work)
    if part == "bass" and settings.part_drive_db > 0:
        # Level-dependent: measured on the filtered part, the same whether the filter ran here or before.
        tape_saturate(work, drive_db=settings.part_drive_db, input_gain=reference_gain(work), out=work)
    if part == "keys" and settings.chorus_mix > 0:
        _half_rate_chorus(work, sample_rate=sample_rate, settings=settings)
    if part == "pad" and settings.haas_mix > 0:
        if work.shape[0] == 1:
            out[1] = out[0]
            work = out
        _haas_in_place(work, sample_rate=sample_rate, delay_ms=settings.haas_ms, mix=settings.haas_mix)
    return out, work.shape[0] == 1


class _Returns:
    """The reverb and echo sends and their returns, run block by block at sample_rate / _SEND_DECIMATION.

    `feed` takes one block's send signals (already decimated) and the mix block they came from; the
    returns are interpolated back to full rate and added into the mix one block late, once the next
    block's first return sample (the end point of the interpolation) is known. The plugins carry their
    state from block to block, so the result is that of one call over the whole signal.
    """

    def __init__(self, settings: FxSettings, *, sample_rate: int, parts: Collection[str]) -> None:
        rate = sample_rate / _SEND_DECIMATION
        self.rate = rate
        self.reverb_levels = {
            p: np.float32(_db_to_gain(settings.reverb_send_db[p]))
            for p in parts
            if settings.reverb_send_db[p] > _OFF_DB
        }
        self.delay_levels = {
            p: np.float32(_db_to_gain(settings.delay_send_db[p])) for p in parts if settings.delay_send_db[p] > _OFF_DB
        }
        self.reverb = None
        if settings.reverb_return_db > _OFF_DB and self.reverb_levels:
            self.reverb = pedalboard.Reverb(
                room_size=settings.reverb_room_size,
                damping=settings.reverb_damping,
                wet_level=1.0,
                dry_level=0.0,
                width=1.0,
            )
            self.reverb.reset()
            self.reverb_return = np.float32(_db_to_gain(settings.reverb_return_db))
        self.delay = None
        if settings.delay_return_db > _OFF_DB and self.delay_levels:
            self.delay = pedalboard.Delay(delay_seconds=settings.delay_s, feedback=settings.delay_feedback, mix=1.0)
            self.delay.reset()
            self.delay_return = np.float32(_db_to_gain(settings.delay_return_db))
        self._pending: tuple[np.ndarray, np.ndarray] | None = None  # (mix block, its returns)
        anti_alias = butter_sos(8, 0.42 * rate, "lowpass", sample_rate)  # -48 dB at the reduced Nyquist
        self._anti_alias = {"reverb": SosStream(anti_alias, 2), "delay": SosStream(anti_alias, 2)}

    def downsample(self, send: str, full: np.ndarray | None, length: int) -> np.ndarray:
        """One block of a send at the reduced rate, anti-aliased (silence when nothing is sent)."""
        if full is None:
            return np.zeros((2, length), dtype=np.float32)
        return self._anti_alias[send].process(full)[:, ::_SEND_DECIMATION].copy()

    @property
    def active(self) -> bool:
        return self.reverb is not None or self.delay is not None

    def feed(self, mix_block: np.ndarray, reverb_send: np.ndarray, delay_send: np.ndarray) -> None:
        returns = np.zeros_like(reverb_send)
        if self.reverb is not None:
            wet = self.reverb(reverb_send, self.rate, reset=False)
            wet *= self.reverb_return
            returns += wet
        if self.delay is not None:
            wet = self.delay(delay_send, self.rate, reset=False)
            wet *= self.delay_return
            returns += wet
        if self._pending is not None:
            self._mix_in(*self._pending, returns[:, :1])
        self._pending = (mix_block, returns)

    def finish(self) -> None:
        if self._pending is not None:
            self._mix_in(*self._pending, self._pending[1][:, -1:])
            self._pending = None

    @staticmethod
    def _mix_in(mix_block: np.ndarray, returns: np.ndarray, end_point: np.ndarray) -> None:
        upsample_linear(
            np.concatenate([returns, end_point], axis=1),
            hop=_SEND_DECIMATION,
            n_samples=mix_block.shape[1],
            add_to=mix_block,
        )


def _place_parts(
    placed: list[tuple[str, np.ndarray, bool]],
    mix: np.ndarray,
    *,
    settings: FxSettings,
    pumps: Mapping[float, np.ndarray],
    returns: _Returns,
) -> None:
    """Pan and gain every part, pump it from the kick, sum it into `mix` (overwritten), feed the sends and
    add their returns.

    Block by block over all parts at once: each block of each stem is read once while it is in cache,
    and the pump curve of a block is interpolated once for all the parts it ducks. Blocks start on
    control points and on send samples.
    """
    gains = {}
    for part, _, _ in placed:
        gain = _db_to_gain(settings.part_gain_db[part])
        gains[part] = tuple(np.float32(g * gain) for g in _pan_gains(settings.part_pan[part]))
    for start, stop in blocks(mix.shape[1]):
        curves: dict[float, np.ndarray] = {}  # share of the pump depth -> this block's gain curve
        target = mix[:, start:stop]
        send_length = -(-(stop - start) // _SEND_DECIMATION)
        reverb_full = np.zeros((2, stop - start), dtype=np.float32) if returns.reverb_levels else None
        delay_full = np.zeros((2, stop - start), dtype=np.float32) if returns.delay_levels else None
        for index, (part, out, mono) in enumerate(placed):
            block = out[:, start:stop]
            left, right = gains[part]
            if mono:  # pan the mono result into both channels
                np.multiply(block[0], right, out=block[1])
                block[0] *= left
            else:
                block[0] *= left
                block[1] *= right
            share = _SIDECHAINED.get(part, 0.0)
            if share in pumps:
                curve = curves.get(share)
                if curve is None:
                    curve = curves[share] = upsample_linear(
                        pumps[share][start // _CONTROL_HOP :], hop=_CONTROL_HOP, n_samples=stop - start
                    )
                block *= curve
            if index == 0:
                target[...] = block
            else:
                target += block
            if returns.active:
                for send, levels in ((reverb_full, returns.reverb_levels), (delay_full, returns.delay_levels)):
                    if part in levels:
                        send += block * levels[part]
        if returns.active:
            # The sends are summed at full rate and low-passed below the reduced rate's Nyquist before
            # every fourth sample is kept: nothing above it folds back as an alias.
            reverb_send = returns.downsample("reverb", reverb_full, send_length)
            delay_send = returns.downsample("delay", delay_full, send_length)
            returns.feed(target, reverb_send, delay_send)
    returns.finish()


def _part_lowpass_hz(part: str, settings: FxSettings) -> float | None:
    """The insert low-pass of a part, or None: plucks are shaped by the bus alone."""
    if part == "bass":
        return settings.bass_lowpass_hz
    if part in ("drums", "perc"):
        return settings.drums_lowpass_hz
    if part == "pluck":
        return None
    return settings.keys_lowpass_hz * _PART_LOWPASS_RATIO[part]


def _half_rate_chorus(x: np.ndarray, *, sample_rate: int, settings: FxSettings) -> np.ndarray:
    """Chorus on low-passed keys, in place on `x`: the wet path runs at half rate (the keys hold
    nothing up there) and is interpolated straight into the dry signal.

    Block by block: each block is decimated, streamed through one pedalboard.Chorus (its state carried
    over, so the wet signal is the one a single call gives) and mixed in once the next block's first wet
    sample, the end point of its interpolation, is known.
    """
    plugin = pedalboard.Chorus(
        rate_hz=settings.chorus_rate_hz, depth=settings.chorus_depth, centre_delay_ms=7.0, feedback=0.0, mix=1.0
    )
    plugin.reset()
    wet_gain, dry_gain = np.float32(settings.chorus_mix), np.float32(1 - settings.chorus_mix)
    anti_alias = SosStream(butter_sos(8, 0.42 * sample_rate / 2, "lowpass", sample_rate), x.shape[0])
    pending: tuple[int, int, np.ndarray] | None = None  # a block waiting for the next wet sample

    def mix_in(start: int, stop: int, wet: np.ndarray, end_point: np.ndarray) -> None:
        block = x[:, start:stop]
        block *= dry_gain
        upsample_linear(np.concatenate([wet, end_point], axis=1), hop=2, n_samples=stop - start, add_to=block)

    for start, stop in blocks(x.shape[1]):  # CHUNK is even: blocks start on a half-rate sample
        band = anti_alias.process(np.array(x[:, start:stop]))  # nothing above the half rate's Nyquist
        wet = plugin(np.ascontiguousarray(band[:, ::2]), sample_rate / 2, reset=False)
        wet *= wet_gain
        if pending is not None:
            mix_in(*pending, wet[:, :1])
        pending = (start, stop, wet)
    if pending is not None:
        mix_in(*pending, pending[2][:, -1:])
    return x


def _tape_bus(mix: np.ndarray, *, settings: FxSettings, sample_rate: int, seed: int) -> np.ndarray:
    """The shared tape bus, in place on `mix` (2, n): width, EQ, saturation, wow and flutter.

    Two passes over the mix: width and EQ block by block in a scratch buffer (measuring the level the
    saturation is set against on the way), then saturation applied to each block as the wow-and-flutter
    delay reads it in.
    """
    n = mix.shape[1]
    eq = SosStream(
        tone_sos(
            sample_rate,
            highpass_hz=settings.bus_highpass_hz,
            low_shelf=(150.0, settings.bus_low_shelf_db),
            high_shelf=(5000.0, settings.bus_high_shelf_db),
            lowpass_hz=settings.bus_lowpass_hz,
        ),
        2,
    )
    scratch = np.empty((2, CHUNK), dtype=np.float32)
    energy = 0.0
    for start, stop in blocks(n):
        block = scratch if stop - start == CHUNK else np.empty((2, stop - start), dtype=np.float32)
        block[...] = mix[:, start:stop]
        if settings.width != 1.0:
            ms_width(block, width=settings.width, out=block)
        eq.process(block)
        mix[:, start:stop] = block
        energy += mean_square(block) * block.size
    rms = float(np.sqrt(energy / max(mix.size, 1)))

    def shape(block: np.ndarray) -> np.ndarray:
        return tape_saturate(
            block, drive_db=settings.tape_drive_db, input_gain=_db_to_gain(REFERENCE_RMS_DBFS) / rms, out=block
        )

    saturate = settings.tape_drive_db > 0 and rms > 1e-9
    if settings.wow_depth_ms > 0 or settings.flutter_depth_ms > 0:
        control = _wow_delay_control(
            n,
            sample_rate=sample_rate,
            depth_ms=settings.wow_depth_ms,
            rate_hz=settings.wow_rate_hz,
            flutter_depth_ms=settings.flutter_depth_ms,
            flutter_rate_hz=settings.flutter_rate_hz,
            seed=seed,
        )
        return _modulated_delay(mix, control, hop=_CONTROL_HOP, out=mix, shape=shape if saturate else None)
    if saturate:
        for start, stop in blocks(n):
            shape(mix[:, start:stop])
    return mix


# --- filters --------------------------------------------------------------------------------------
# Filters run through scipy's sosfilt: a whole cascade (high-pass, shelves, low-pass) costs about one
# pass, where pedalboard runs one pass per filter plugin. Same RBJ/Butterworth responses.


def lowpass(audio: np.ndarray, *, sample_rate: float, cutoff_hz: float, order: int = 2) -> np.ndarray:
    """Butterworth low-pass (12 dB/octave at order 2)."""
    return filter_sos(audio, tone_sos(sample_rate, lowpass_hz=cutoff_hz, order=order))


def highpass(audio: np.ndarray, *, sample_rate: float, cutoff_hz: float, order: int = 2) -> np.ndarray:
    """Butterworth high-pass (12 dB/octave at order 2)."""
    return filter_sos(audio, tone_sos(sample_rate, highpass_hz=cutoff_hz, order=order))


def tone_sos(
    sample_rate: float,
    *,
    highpass_hz: float | None = None,
    lowpass_hz: float | None = None,
    low_shelf: tuple[float, float] | None = None,
    high_shelf: tuple[float, float] | None = None,
    order: int = 2,
) -> np.ndarray:
    """One second-order-sections cascade: optional high-pass, low shelf (hz, db), high shelf, low-pass.

    A cut-off at or above 0.49 x sample_rate is left out (nothing to remove there).
    """
    nyquist_limit = 0.49 * sample_rate
    sections = []
    if highpass_hz:
        sections.append(butter_sos(order, float(highpass_hz), "highpass", sample_rate))
    if low_shelf and low_shelf[1] != 0:
        sections.append(shelf_sos(sample_rate, kind="low", freq_hz=low_shelf[0], gain_db=low_shelf[1]))
    if high_shelf and high_shelf[1] != 0 and high_shelf[0] < nyquist_limit:
        sections.append(shelf_sos(sample_rate, kind="high", freq_hz=high_shelf[0], gain_db=high_shelf[1]))
    if lowpass_hz and lowpass_hz < nyquist_limit:
        sections.append(butter_sos(order, float(lowpass_hz), "lowpass", sample_rate))
    if not sections:
        return np.array([[1.0, 0.0, 0.0, 1.0, 0.0, 0.0]])
    return np.concatenate(sections)


def shelf_sos(sample_rate: float, *, kind: str, freq_hz: float, gain_db: float, slope: float = 1.0) -> np.ndarray:
    """An RBJ-cookbook shelving biquad as one SOS row; kind is "low" or "high"."""
    a = 10 ** (gain_db / 40)
    w0 = 2 * np.pi * freq_hz / sample_rate
    alpha = np.sin(w0) / 2 * np.sqrt((a + 1 / a) * (1 / slope - 1) + 2)
    cos_w0, root = np.cos(w0), 2 * np.sqrt(a) * alpha
    sign = 1 if kind == "low" else -1
    if kind not in ("low", "high"):
        raise ValueError("kind must be 'low' or 'high'")
    b0 = a * ((a + 1) - sign * (a - 1) * cos_w0 + root)
    b1 = sign * 2 * a * ((a - 1) - sign * (a + 1) * cos_w0)
    b2 = a * ((a + 1) - sign * (a - 1) * cos_w0 - root)
    a0 = (a + 1) + sign * (a - 1) * cos_w0 + root
    a1 = -sign * 2 * ((a - 1) + sign * (a + 1) * cos_w0)
    a2 = (a + 1) + sign * (a - 1) * cos_w0 - root
    return np.array([[b0 / a0, b1 / a0, b2 / a0, 1.0, a1 / a0, a2 / a0]])


def filter_sos(audio: np.ndarray, sos: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Run an SOS cascade along the last axis in float32, block by block; `out` may be `audio`."""
    return sosfilt_blocks(sos, audio, out=out)


# --- pedalboard plugins ---------------------------------------------------------------------------


def bitcrush(
    audio: np.ndarray, *, bits: float, sample_rate: float = 44100.0, out: np.ndarray | None = None
) -> np.ndarray:
    """Quantise to `bits` bits (pedalboard.Bitcrush): fewer distinct levels, grainy low-level detail."""
    return _run(pedalboard.Bitcrush(bit_depth=bits), audio, sample_rate, out=out)


def resample_lofi(audio: np.ndarray, *, sample_rate: float, target_hz: float) -> np.ndarray:
    """Down to `target_hz` with zero-order hold and back (pedalboard.Resample): sampler-style aliasing."""
    plugin = pedalboard.Resample(target_sample_rate=target_hz, quality=pedalboard.Resample.Quality.ZeroOrderHold)
    # One call over the whole signal: streamed, the plugin's latency would shorten the output.
    return plugin(np.ascontiguousarray(audio, dtype=np.float32), float(sample_rate)).astype(np.float32, copy=False)


def compress(
    audio: np.ndarray,
    *,
    sample_rate: float,
    threshold_db: float,
    ratio: float,
    attack_ms: float = 5.0,
    release_ms: float = 120.0,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """pedalboard.Compressor with an absolute threshold in dBFS; `out` may be `audio` itself."""
    plugin = pedalboard.Compressor(threshold_db=threshold_db, ratio=ratio, attack_ms=attack_ms, release_ms=release_ms)
    return _run(plugin, audio, sample_rate, out=out)


def chorus(
    audio: np.ndarray, *, sample_rate: float, rate_hz: float, depth: float, mix: float, centre_delay_ms: float = 7.0
) -> np.ndarray:
    """pedalboard.Chorus: the slow detune of a Rhodes through a chorus pedal."""
    plugin = pedalboard.Chorus(rate_hz=rate_hz, depth=depth, centre_delay_ms=centre_delay_ms, feedback=0.0, mix=mix)
    return _run(plugin, audio, sample_rate)


def reverb(
    audio: np.ndarray, *, sample_rate: float, room_size: float, damping: float, width: float = 1.0
) -> np.ndarray:
    """The wet signal only of pedalboard.Reverb (for a send bus)."""
    plugin = pedalboard.Reverb(room_size=room_size, damping=damping, wet_level=1.0, dry_level=0.0, width=width)
    return _run(plugin, audio, sample_rate)


def delay(audio: np.ndarray, *, sample_rate: float, delay_s: float, feedback: float) -> np.ndarray:
    """The wet signal only of pedalboard.Delay (for a send bus)."""
    return _run(pedalboard.Delay(delay_seconds=delay_s, feedback=feedback, mix=1.0), audio, sample_rate)


def _run(plugin, audio: np.ndarray, sample_rate: float, out: np.ndarray | None = None) -> np.ndarray:
    """Stream `audio` through a pedalboard plugin block by block (reset=False keeps its state, so the
    result equals one call over the whole signal); `out` may be `audio` itself."""
    audio = np.asarray(audio, dtype=np.float32)
    out = np.empty_like(audio) if out is None else out
    plugin.reset()
    for start, stop in blocks(audio.shape[-1]):
        out[..., start:stop] = plugin(np.ascontiguousarray(audio[..., start:stop]), float(sample_rate), reset=False)
    return out


# --- our own effects ------------------------------------------------------------------------------


def tape_saturate(
    audio: np.ndarray,
    *,
    drive_db: float,
    asymmetry: float = 0.1,
    input_gain: float = 1.0,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """Soft tape-style saturation: an offset tanh curve.

    Unity gain for small signals, so only the peaks are rounded; the small bias (`asymmetry`) makes the
    curve lopsided like tape, adding even as well as odd harmonics. `drive_db` is how hard the signal
    is pushed into the curve. `input_gain` sets the level the curve sees (e.g. to bring a stem to a
    reference level) and is undone on the way out, at no extra cost. `out` may be `audio` itself.
    """
    drive = np.float32(10 ** (drive_db / 20) * input_gain)
    bias = np.float32(asymmetry)
    offset = np.float32(np.tanh(bias))
    slope = drive * (1 - offset * offset)  # derivative of tanh(drive*x + bias) at x = 0
    shaped = np.multiply(np.asarray(audio, dtype=np.float32), drive, out=out)
    shaped += bias
    np.tanh(shaped, out=shaped)
    shaped -= offset
    shaped *= np.float32(1 / slope)
    return shaped


def wow_flutter(
    audio: np.ndarray,
    *,
    sample_rate: float,
    depth_ms: float,
    rate_hz: float,
    flutter_depth_ms: float = 0.0,
    flutter_rate_hz: float = 6.5,
    seed: int = 0,
    drift: float = 0.2,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """Tape wow and flutter: a slowly modulated fractional delay, read by linear interpolation.

    The delay swings by +/- `depth_ms` at about `rate_hz` (wow; the rate wanders by +/- `drift` so it
    does not sound like a clean LFO) plus +/- `flutter_depth_ms` at `flutter_rate_hz`. Pitch deviation
    is the delay's slope: 1 ms at 0.5 Hz bends pitch by about 0.3 % (5 cents). Both channels share the
    modulation, as on a real tape. Deterministic from `seed`. `out` may be `audio` itself.
    """
    audio = np.asarray(audio, dtype=np.float32)
    n = audio.shape[-1]
    if n == 0 or (depth_ms <= 0 and flutter_depth_ms <= 0):
        if out is None:
            return audio.copy()
        out[...] = audio
        return out
    control = _wow_delay_control(
        n,
        sample_rate=sample_rate,
        depth_ms=depth_ms,
        rate_hz=rate_hz,
        flutter_depth_ms=flutter_depth_ms,
        flutter_rate_hz=flutter_rate_hz,
        seed=seed,
        drift=drift,
    )
    return _modulated_delay(audio, control, hop=_CONTROL_HOP, out=out)


def _wow_delay_control(
    n: int,
    *,
    sample_rate: float,
    depth_ms: float,
    rate_hz: float,
    flutter_depth_ms: float,
    flutter_rate_hz: float,
    seed: int,
    drift: float = 0.2,
) -> np.ndarray:
    """wow_flutter's delay in samples every _CONTROL_HOP samples (ceil(n / hop) + 1 points)."""
    rng = np.random.default_rng(seed)
    hop = _CONTROL_HOP
    m = -(-n // hop) + 1
    t_s = np.arange(m) * (hop / sample_rate)
    wander = np.cumsum(_smooth_noise(rng, m, points_every=max(int(2.0 * sample_rate / hop), 2)))
    wow_phase = 2 * np.pi * rate_hz * (t_s + drift * wander * (hop / sample_rate)) + rng.uniform(0, 2 * np.pi)
    flutter_phase = 2 * np.pi * flutter_rate_hz * t_s + rng.uniform(0, 2 * np.pi)
    delay_ms = depth_ms * (1 + np.sin(wow_phase)) + flutter_depth_ms * (1 + np.sin(flutter_phase))
    return (delay_ms * (sample_rate / 1000)).astype(np.float32)


def _modulated_delay(
    audio: np.ndarray,
    delay_control: np.ndarray,
    *,
    hop: int,
    out: np.ndarray | None = None,
    shape: Callable[[np.ndarray], np.ndarray] | None = None,
) -> np.ndarray:
    """y[i] = x[i - delay(i)], linearly interpolated; the delay (>= 0, in samples) is given every `hop`
    samples. Block by block, so `out` may be `audio` itself: each block keeps a copy of the input it
    still needs from the block before (as far back as the longest delay), since that part of `audio`
    has been overwritten by then. Samples before the start read as the first sample.
    `shape`, when given, is applied in place to each block of input as it is read in (x = shape(input)),
    so a sample-wise stage before the delay costs no pass of its own.
    """
    n = audio.shape[-1]
    out = np.empty_like(audio) if out is None else out
    reach = int(np.ceil(delay_control.max())) + 2  # how far back any read can go
    history = np.repeat(audio[:, :1], reach, axis=1)  # the input just before the current block
    if shape is not None:
        shape(history)
    size = (CHUNK // hop) * hop
    for start in range(0, n, size):
        stop = min(start + size, n)
        segment = np.concatenate([history, audio[:, start:stop]], axis=1)
        if shape is not None:
            shape(segment[:, reach:])
        history = segment[:, -reach:].copy()
        delay = upsample_linear(delay_control[start // hop :], hop=hop, n_samples=stop - start)
        frac, whole = np.modf(delay)
        here = np.arange(reach, reach + stop - start, dtype=np.intp)
        here -= whole.astype(np.intp)  # where x[i - whole] sits in the segment
        current = np.take(segment, here, axis=1)  # np.take: about twice as fast as fancy indexing
        here -= 1
        previous = np.take(segment, here, axis=1)
        previous -= current
        previous *= frac
        np.add(current, previous, out=out[:, start:stop])
    return out


def _smooth_noise(rng: np.random.Generator, m: int, *, points_every: int) -> np.ndarray:
    """Smooth random curve in -1..1 of length m (random points joined by linear ramps)."""
    points = rng.uniform(-1.0, 1.0, -(-m // points_every) + 1)
    return np.interp(np.arange(m), np.arange(points.size) * points_every, points)


def sidechain_gain(
    n_samples: int,
    *,
    sample_rate: float,
    kick_times_s: np.ndarray,
    depth_db: float,
    release_s: float = 0.22,
    attack_s: float = 0.004,
) -> np.ndarray:
    """The side-chain pump as a gain curve (n_samples,) float32, keyed from the kick onsets.

    At each kick the gain falls by `depth_db` within about `attack_s` and recovers exponentially with
    time constant `release_s`; kicks closer than the release keep it ducked. Built at a control rate.
    """
    return upsample_linear(
        _sidechain_control(
            n_samples,
            sample_rate=sample_rate,
            kick_times_s=kick_times_s,
            depth_db=depth_db,
            release_s=release_s,
            attack_s=attack_s,
        ),
        hop=_CONTROL_HOP,
        n_samples=n_samples,
    )


def _sidechain_control(
    n_samples: int, *, sample_rate: float, kick_times_s: np.ndarray, depth_db: float, release_s: float, attack_s: float
) -> np.ndarray:
    """The pump's gain every _CONTROL_HOP samples (ceil(n / hop) + 1 points)."""
    kick_times_s = np.asarray(kick_times_s, dtype=np.float64).reshape(-1)
    hop = _CONTROL_HOP
    m = -(-n_samples // hop) + 1
    impulses = np.zeros(m)
    positions = np.round(kick_times_s * sample_rate / hop).astype(np.int64)
    impulses[positions[(positions >= 0) & (positions < m)]] = 1.0
    release = np.exp(-hop / (release_s * sample_rate))
    attack = np.exp(-hop / (attack_s * sample_rate))
    envelope = np.minimum(signal.lfilter([1.0], [1.0, -release], impulses), 1.0)
    envelope = signal.lfilter([1 - attack], [1.0, -attack], envelope)
    return (10 ** (-depth_db * envelope / 20)).astype(np.float32)


def sidechain_pump(
    audio: np.ndarray,
    *,
    sample_rate: float,
    kick_times_s: np.ndarray,
    depth_db: float,
    release_s: float = 0.22,
    attack_s: float = 0.004,
) -> np.ndarray:
    """Duck `audio` right after each kick (see sidechain_gain)."""
    gain = sidechain_gain(
        audio.shape[-1],
        sample_rate=sample_rate,
        kick_times_s=kick_times_s,
        depth_db=depth_db,
        release_s=release_s,
        attack_s=attack_s,
    )
    return (np.asarray(audio, dtype=np.float32) * gain).astype(np.float32, copy=False)


def pan(audio: np.ndarray, *, position: float) -> np.ndarray:
    """Constant-power pan, position -1 (left) .. 1 (right); unity on both channels at the centre.

    A (2, n) input is balanced channel by channel; a (1, n) or (n,) input becomes a panned stereo pair.
    """
    if not -1.0 <= position <= 1.0:
        raise ValueError("position must be within -1..1")
    audio = np.asarray(audio, dtype=np.float32)
    left, right = _pan_gains(position)
    source = audio.reshape(1, -1) if audio.ndim == 1 else audio
    out = np.empty((2, source.shape[-1]), dtype=np.float32)
    np.multiply(source[0], np.float32(left), out=out[0])
    np.multiply(source[-1], np.float32(right), out=out[1])
    return out


def _pan_gains(position: float) -> tuple[float, float]:
    angle = (position + 1) * np.pi / 4
    return float(np.sqrt(2) * np.cos(angle)), float(np.sqrt(2) * np.sin(angle))


def ms_width(audio: np.ndarray, *, width: float, out: np.ndarray | None = None) -> np.ndarray:
    """Mid/side width: side scaled by `width` (0 mono, 1 unchanged, >1 wider); mid untouched.

    `out` may be `audio` itself.
    """
    audio = np.asarray(audio, dtype=np.float32)
    if out is None:
        out = audio.copy()
    elif out is not audio:
        out[...] = audio
    # L' = mid + width*side = L + (width - 1) * side, R' = R - (width - 1) * side, side = (L - R) / 2
    for start, stop in blocks(out.shape[1]):
        extra_side = np.subtract(out[0, start:stop], out[1, start:stop])
        extra_side *= np.float32((width - 1) / 2)
        out[0, start:stop] += extra_side
        out[1, start:stop] -= extra_side
    return out


def haas(audio: np.ndarray, *, sample_rate: float, delay_ms: float, mix: float) -> np.ndarray:
    """A Haas-widened layer: the mono sum added at `mix` to the left as is and to the right `delay_ms` late.

    A 10-30 ms offset is heard as width, not echo; the source's own image is kept underneath.
    """
    audio = np.asarray(audio, dtype=np.float32)
    if audio.ndim != 2 or audio.shape[0] != 2:
        raise ValueError("haas needs a (2, n) signal")
    return _haas_in_place(audio.copy(), sample_rate=sample_rate, delay_ms=delay_ms, mix=mix)


def _haas_in_place(audio: np.ndarray, *, sample_rate: float, delay_ms: float, mix: float) -> np.ndarray:
    shift = round(delay_ms * sample_rate / 1000)
    n = audio.shape[1]
    # Backwards, block by block: the layer is added to the right channel later in time than where it is
    # read, so going from the end keeps every read ahead of the writes that would change it.
    for start, stop in reversed(list(blocks(n))):
        layer = np.add(audio[0, start:stop], audio[1, start:stop])
        layer *= np.float32(0.5 * mix)
        audio[0, start:stop] += layer
        end = min(stop + shift, n)
        if start + shift < end:
            audio[1, start + shift : end] += layer[: end - start - shift]
    return audio


# --- helpers --------------------------------------------------------------------------------------


def _db_to_gain(db: float) -> float:
    return float(10 ** (db / 20))
