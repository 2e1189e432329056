"""The instrument library: which sampled (SoundFont) or built-in voice plays each part of each style.

A *voice id* names a sound independent of where it comes from ("tine_ep", "mellow_grand", "brush_kit",
"synth_sub_bass"). `resolve(voice_id, label_dir)` finds the file and preset that plays it, in this order:

1. the label's own SoundFont folder (settings.LOFI_SOUNDFONT_DIR, passed in as a plain path): a file named
   `<voice id>.sf2` or `<voice id>.sf3` plays that voice (the voice's bank/preset if the file has it, else
   the file's first preset); a voice id `label:<file name>:<bank>:<preset>` plays any preset of any file
   in that folder;
2. the OS's free SoundFonts where installed (Debian: fluid-soundfont-gm, musescore-general-soundfont-small,
   avldrums.lv2-soundfont), in the order each voice lists them (the better-sounding file first);
3. pretty_midi's bundled TimGM6mb.sf2 (always installed with pretty_midi), at the voice's General MIDI
   bank and program;
4. voices of kind "synth" are the built-in synthesizer (synth/instruments.py, synth/drums.py): a sine sub
   bass or a slow-filter pad is a fair LoFi sound, and it needs no file at all.

`PALETTES[style][part]` lists the voices a style may use for a part, the first being the default; the
composer picks one per part from the seed (`Score.voices[part]`), an editor can narrow or replace a
style's palette per part on the StylePreset (`palette` composition override). What each render played
(file, sha256, bank, preset) goes into its RenderResult, so a re-render on the same library is
bit-identical and a changed library is visible.

Choices per style, by spectrogram (36 s renders of every style, master and stems, log-frequency
spectrograms and band levels; tinysoundfont plays no SoundFont modulators, so some presets sound darker here
than in FluidSynth). Measured at velocity 100, level of each band against the voice's 0.1-1 kHz body:
- Electric pianos: MuseScore's "Tine Electric Piano" renders sample for sample like FluidR3's "Rhodes EP"
  (the same recordings), -17 dB at 1-2 kHz and -47 dB at 2-5 kHz at velocity 100: a round, dark Rhodes body
  with little bell. The palettes play "rhodes_ep" from FluidR3 (the same sound without loading the 40 MB
  sf3, which tinysoundfont decompresses into ~490 MB and 2 s of CPU per process: with it a 3-minute render
  peaked near 1.4 GB, without it under 1 GB); "detuned_ep" (a chorus-like beating) and FluidR3's FM "Legend
  EP 2" (brighter, -21 / -46 dB at E4) are the alternatives. "tine_ep" and "mellow_grand" stay in the
  library for editors (they play from MuseScore when it is installed).
  Presence (engine 2026.12.3): a Cmaj7 at velocity 100 measured -22 / -43 dB (1-2 / 2-5 kHz against the
  100-500 Hz body) on the Rhodes and Detuned EP 1 samples, -14 / -33 dB on FluidR3's FM pianos ("Legend
  EP 2", "Detuned EP 2" = "detuned_fm_ep", the same recordings detuned). tinysoundfont plays no velocity
  filter modulators, so these figures do not move with velocity. Each voice carries a presence shelf
  (`presence_db`, a high shelf from PRESENCE_HZ, played in the same SOS cascade as the part's tone: per
  note from silence to the note's faded end, or over the whole stem with its state carried): +6 dB on
  the Rhodes-sample EPs (-20 / -38 dB), +3 dB on the FM pianos (-13 / -30 dB); a label's own file plays
  as recorded. Every style with keys may now play an FM piano (jazz, boom-bap and rainy_day "legend_ep";
  ambient, study and japanese "detuned_fm_ep"). A shelf whose filter state restarts each block steps at
  the block edges (a keys stem of boom_bap seed 5 through a +6 dB 2.5 kHz shelf restarted per 65536-sample
  block: 12 clicks, all at block edges; the same shelf with its state carried: none): that is what a
  presence EQ outside a stateful filter trips in the click detector.
  Masters (40 s, seed 5, A minor, chill), 1-2 / 2-5 kHz against the 100-500 Hz body, before -> after
  (keys voice the seed chose after): ambient -8.2 / -19.9 -> -8.1 / -20.0 (detuned_fm_ep; its keys stem
  -24.0 / -45.9 -> -14.1 / -28.7), boom_bap -15.7 / -16.8 -> -15.5 / -16.8 (detuned_ep; stem -22.8 /
  -48.4 -> -20.9 / -43.4), cafe (no keys) -15.4 / -19.6 both, japanese -9.7 / -15.4 -> -9.0 / -14.8
  (detuned_fm_ep; stem -22.6 / -48.8 -> -16.9 / -36.0), jazz -17.1 / -17.9 -> -16.8 / -17.9 (legend_ep;
  stem -17.5 / -38.7 -> -16.7 / -36.0), rainy_day -21.4 / -23.1 -> -20.5 / -23.1 (legend_ep; stem -23.3 /
  -50.3 -> -18.1 / -38.8), study -18.5 / -24.9 -> -17.6 / -24.6 (detuned_fm_ep; stem -22.6 / -48.6 ->
  -17.9 / -35.4). The keys stems gain 2-17 dB at 2-5 kHz; the masters move by under 1 dB, because their
  1-5 kHz comes mostly from the piano, guitars, vibraphone and kit, and the keys sit under them.
- Piano: MuseScore's "Mellow Grand" (bank 8) measured -45 dB at 1-2 kHz and -68 dB at 2-5 kHz, a muffled
  piano behind a blanket (the issue's complaint); FluidR3's Yamaha Grand keeps -8 dB at 1-5 kHz and its
  hammer, and is the piano of every style (and study's second melody voice), made warm by the velocity
  filter, the insert low-pass and the bus low-pass. In whole renders this lifted the masters' 2-5 kHz by
  3-4 dB (jazz: 1-2 kHz at -20 dB against the body instead of -24, 2-5 kHz at -28 instead of -31).
- Guitars: FluidR3 "Nylon" (-7 / -20 dB, a finger attack at 2-4 kHz) for plucked parts; the "Jazz Guitar"
  (FluidR3 and MuseScore render it alike, -3 / -5 dB at velocity 100) is the brightest pitched voice, for
  cafe and boom-bap lines.
- Vibraphone (FluidR3, -27 / -40 dB at velocity 100; MuseScore's is 7 dB brighter at 1-2 kHz but costs the
  sf3): the default melody of jazz, ambient, rainy_day, cafe and study; its mallet transient shows as the
  vertical lines at each note in the spectrograms, not clicks.
- Koto: FluidR3 "Koto" and "Taisho Koto" (-4 / -12 dB), the brightest plucks: japanese.
- Bass: FluidR3 "Acoustic Bass" (nothing above 1 kHz to speak of: an upright's body) for jazz, rainy_day
  and cafe; "Fingered Bass" for study; the built-in sine sub for boom-bap, ambient and japanese.
- Pads: FluidR3 "Warm Pad" (-21 / -27 dB) and "Halo Pad" (-17 / -23 dB) under the keys; the built-in pad.
- Kits: snares measured centroids of 1.0-2.0 kHz with no 2-2.7 kHz bump (jazz 2.0, brush 1.9, room 1.5,
  Red Zeppelin 1.2, Black Pearl 1.0 kHz), so none is boxy; the AVL acoustic kits (Black Pearl, Red
  Zeppelin: natural 1-2 s kick tails) for boom-bap, study, japanese; FluidR3's Brush kit for rainy_day,
  cafe and ambient; its Jazz kit for jazz. The kit's space is its own short room (fx_room.py).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import pretty_midi

from .brief import PARTS

FLUID = "/usr/share/sounds/sf2/FluidR3_GM.sf2"
MUSESCORE = "/usr/share/sounds/sf3/MuseScore_General_Lite.sf3"
BLACK_PEARL = "/usr/share/sounds/sf2/Black_Pearl_4_LV2.sf2"
RED_ZEPPELIN = "/usr/share/sounds/sf2/Red_Zeppelin_4_LV2.sf2"
TIMGM = str(Path(pretty_midi.__file__).with_name("TimGM6mb.sf2"))
SOUNDFONT_SUFFIXES = (".sf2", ".sf3")
LABEL_PREFIX = "label:"


@dataclass(frozen=True)
class Voice:
    """One sound. kind "soundfont": played from `system` files in order, else TimGM6mb at `gm`;
    kind "synth": the built-in voice `synth` (a synth/instruments.VOICES key, or "kit" for the drums)."""

    id: str
    name: str
    kind: str  # "soundfont" or "synth"
    gm: tuple[int, int] = (0, 0)  # General MIDI (bank, program); bank 128 = drum kits
    system: tuple[tuple[str, int, int], ...] = ()  # (file, bank, preset), best first
    synth: str = ""
    drums: bool = False
    gain_db: float = 0.0  # level trim of the voice against the others of its part
    presence_db: float = 0.0  # high shelf (PRESENCE_HZ) played into the voice's notes: a dark sample's bite


PRESENCE_HZ = 1500.0  # corner of a voice's presence shelf (half its gain here, all of it from ~3 kHz)


def _sf(vid, name, gm, *system, drums=False, gain_db=0.0, presence_db=0.0) -> Voice:
    return Voice(vid, name, "soundfont", gm, tuple(system), drums=drums, gain_db=gain_db, presence_db=presence_db)


def _synth(vid, name, synth, drums=False) -> Voice:
    return Voice(vid, name, "synth", synth=synth, drums=drums)


VOICES: dict[str, Voice] = {
    v.id: v
    for v in (
        _sf("tine_ep", "Tine electric piano", (0, 4), (MUSESCORE, 0, 4), (FLUID, 0, 4), presence_db=6.0),
        _sf("rhodes_ep", "Rhodes electric piano", (0, 4), (FLUID, 0, 4), (MUSESCORE, 0, 4), presence_db=6.0),
        _sf("detuned_ep", "Detuned electric piano", (0, 4), (FLUID, 8, 4), (MUSESCORE, 8, 4), presence_db=6.0),
        _sf("legend_ep", "FM electric piano", (0, 5), (FLUID, 0, 5), (MUSESCORE, 0, 5), presence_db=3.0),
        _sf("detuned_fm_ep", "Detuned FM electric piano", (0, 5), (FLUID, 8, 5), (MUSESCORE, 8, 5), presence_db=3.0),
        _sf("mellow_grand", "Mellow (felt) grand piano", (0, 0), (MUSESCORE, 8, 0), (FLUID, 0, 0)),
        _sf("grand_piano", "Grand piano", (0, 0), (FLUID, 0, 0), (MUSESCORE, 0, 0)),
        _sf("nylon_guitar", "Nylon-string guitar", (0, 24), (FLUID, 0, 24), (MUSESCORE, 0, 24)),
        _sf("jazz_guitar", "Jazz guitar", (0, 26), (FLUID, 0, 26), (MUSESCORE, 0, 26)),
        _sf("vibraphone", "Vibraphone", (0, 11), (FLUID, 0, 11), (MUSESCORE, 0, 11)),
        _sf("kalimba", "Kalimba", (0, 108), (FLUID, 0, 108), (MUSESCORE, 0, 108)),
        _sf("flute", "Flute", (0, 73), (FLUID, 0, 73), (MUSESCORE, 0, 73)),
        _sf("shakuhachi", "Shakuhachi", (0, 77), (FLUID, 0, 77), (MUSESCORE, 0, 77)),
        _sf("acoustic_bass", "Upright bass", (0, 32), (FLUID, 0, 32), (MUSESCORE, 0, 32)),
        _sf("finger_bass", "Electric finger bass", (0, 33), (FLUID, 0, 33), (MUSESCORE, 0, 33)),
        _sf("koto", "Koto", (0, 107), (FLUID, 0, 107), (MUSESCORE, 0, 107)),
        _sf("taisho_koto", "Taisho koto", (0, 107), (FLUID, 8, 107), (MUSESCORE, 8, 107)),
        _sf("warm_pad", "Warm pad", (0, 89), (FLUID, 0, 89), (MUSESCORE, 0, 89)),
        _sf("halo_pad", "Halo pad", (0, 94), (FLUID, 0, 94), (MUSESCORE, 0, 94)),
        _sf("jazz_kit", "Jazz kit", (128, 32), (FLUID, 128, 32), (MUSESCORE, 128, 32), drums=True),
        _sf("brush_kit", "Brush kit", (128, 40), (FLUID, 128, 40), (MUSESCORE, 128, 40), drums=True),
        _sf("room_kit", "Room kit", (128, 8), (FLUID, 128, 8), (MUSESCORE, 128, 8), drums=True),
        _sf(
            "black_pearl_kit", "Acoustic kit (Black Pearl)", (128, 8), (BLACK_PEARL, 0, 0), (FLUID, 128, 8), drums=True
        ),
        _sf(
            "red_zeppelin_kit",
            "Acoustic kit (Red Zeppelin)",
            (128, 8),
            (RED_ZEPPELIN, 0, 0),
            (FLUID, 128, 8),
            drums=True,
        ),
        _synth("synth_epiano", "Built-in electric piano", "epiano"),
        _synth("synth_piano", "Built-in felt piano", "piano"),
        _synth("synth_upright_bass", "Built-in upright bass", "upright_bass"),
        _synth("synth_sub_bass", "Built-in sine sub bass", "sub_bass"),
        _synth("synth_pad", "Built-in filtered pad", "pad"),
        _synth("synth_guitar", "Built-in plucked string", "guitar"),
        _synth("synth_koto", "Built-in koto pluck", "koto"),
        _synth("synth_lead", "Built-in soft lead", "lead"),
        _synth("synth_vibes", "Built-in vibraphone", "vibes"),
        _synth("synth_kit", "Built-in drum kit", "kit", drums=True),
    )
}
DRUM_PARTS = ("drums", "perc")

PALETTES: dict[str, dict[str, tuple[str, ...]]] = {
    "jazz": {
        "drums": ("jazz_kit", "brush_kit", "black_pearl_kit"),
        "perc": ("jazz_kit",),
        "bass": ("acoustic_bass",),
        "keys": ("rhodes_ep", "detuned_ep", "legend_ep"),
        "piano": ("grand_piano",),
        "melody": ("vibraphone", "jazz_guitar", "rhodes_ep"),
    },
    "boom_bap": {
        "drums": ("black_pearl_kit", "red_zeppelin_kit", "room_kit"),
        "perc": ("room_kit",),
        "bass": ("synth_sub_bass", "finger_bass"),
        "keys": ("rhodes_ep", "legend_ep", "detuned_ep"),
        "piano": ("grand_piano",),
        "melody": ("jazz_guitar", "nylon_guitar", "vibraphone"),
    },
    "ambient": {
        "drums": ("brush_kit", "jazz_kit"),
        "perc": ("brush_kit",),
        "bass": ("synth_sub_bass",),
        "keys": ("detuned_ep", "rhodes_ep", "detuned_fm_ep"),
        "pad": ("halo_pad", "warm_pad", "synth_pad"),
        "pluck": ("nylon_guitar", "kalimba"),
        "melody": ("vibraphone", "kalimba", "synth_lead"),
    },
    "study": {
        "drums": ("black_pearl_kit", "room_kit", "brush_kit"),
        "perc": ("room_kit",),
        "bass": ("finger_bass", "acoustic_bass"),
        "keys": ("rhodes_ep", "detuned_ep", "detuned_fm_ep"),
        "pad": ("warm_pad", "synth_pad"),
        "pluck": ("nylon_guitar",),
        "melody": ("vibraphone", "grand_piano"),
    },
    "rainy_day": {
        "drums": ("brush_kit", "jazz_kit"),
        "perc": ("brush_kit",),
        "bass": ("acoustic_bass", "finger_bass"),
        "keys": ("rhodes_ep", "detuned_ep", "legend_ep"),
        "piano": ("grand_piano",),
        "pad": ("warm_pad", "synth_pad"),
        "melody": ("vibraphone", "flute", "synth_lead"),
    },
    "cafe": {
        "drums": ("brush_kit", "jazz_kit"),
        "perc": ("jazz_kit",),
        "bass": ("acoustic_bass",),
        "piano": ("grand_piano",),
        "pluck": ("nylon_guitar", "jazz_guitar"),
        "melody": ("vibraphone", "jazz_guitar"),
    },
    "japanese": {
        "drums": ("black_pearl_kit", "room_kit"),
        "perc": ("room_kit",),
        "bass": ("synth_sub_bass", "finger_bass"),
        "keys": ("rhodes_ep", "detuned_ep", "detuned_fm_ep"),
        "pad": ("warm_pad", "synth_pad"),
        "pluck": ("koto", "taisho_koto"),
        "melody": ("shakuhachi", "kalimba", "flute"),
    },
}

# A part a style's palette does not list (an editor switched it on) plays the library-wide default.
DEFAULT_VOICE = {
    "drums": "jazz_kit",
    "perc": "jazz_kit",
    "bass": "acoustic_bass",
    "keys": "rhodes_ep",
    "piano": "grand_piano",
    "pad": "warm_pad",
    "pluck": "nylon_guitar",
    "melody": "vibraphone",
}


def palette(style: str, part: str, overrides: dict | None = None) -> tuple[str, ...]:
    """The voices `style` may play `part` with, the default first.

    `overrides` is a StylePreset's `palette` (part -> voice ids, the cockpit's per-part choices); it
    replaces the style's list for the parts it names. Raises ValueError for an unknown style or part.
    """
    if style not in PALETTES:
        raise ValueError(f"unknown style {style!r}; use one of {', '.join(PALETTES)}")
    if part not in PARTS:
        raise ValueError(f"unknown part {part!r}; use one of {', '.join(PARTS)}")
    if overrides and overrides.get(part):
        return tuple(overrides[part])
    return PALETTES[style].get(part, (DEFAULT_VOICE[part],))


def choose(style: str, part: str, seed: int, overrides: dict | None = None) -> str:
    """The voice the seed picks for a part from its palette (the same seed, the same voice)."""
    import numpy as np  # late: this module is imported by the Django forms for validation

    choices = palette(style, part, overrides)
    rng = np.random.default_rng([int(seed), 4099, PARTS.index(part)])
    return choices[int(rng.integers(len(choices)))]


def check_voice_id(voice_id: object, part: str) -> str | None:
    """Why `voice_id` cannot play `part` (a message), or None when it can (label files are checked at
    render time, where the folder is known)."""
    if not isinstance(voice_id, str) or not voice_id:
        return f"voice for {part} must be a non-empty string"
    if voice_id.startswith(LABEL_PREFIX):
        pieces = voice_id[len(LABEL_PREFIX) :].rsplit(":", 2)
        if len(pieces) != 3 or not pieces[0] or not all(p.isdigit() for p in pieces[1:]):
            return f"label voice {voice_id!r} must be label:<file name>:<bank>:<preset>"
        if Path(pieces[0]).name != pieces[0] or not pieces[0].lower().endswith(SOUNDFONT_SUFFIXES):
            return f"label voice {voice_id!r} must name a .sf2/.sf3 file inside the label folder"
        return None
    voice = VOICES.get(voice_id)
    if voice is None:
        known = ", ".join(sorted(VOICES))
        return f"unknown voice {voice_id!r} for {part}; use one of {known} or label:<file>:<bank>:<preset>"
    if voice.drums != (part in DRUM_PARTS):
        kind = "a drum kit" if part in DRUM_PARTS else "a pitched instrument"
        return f"voice {voice_id!r} cannot play {part}: {part} needs {kind}"
    return None


@dataclass(frozen=True)
class Source:
    """Where a voice comes from in this library: a SoundFont preset, or the built-in synth."""

    voice: str
    kind: str  # "soundfont" or "synth"
    origin: str  # "label", "system", "pretty_midi" or "builtin"
    path: str = ""
    bank: int = 0
    preset: int = 0
    drums: bool = False
    synth: str = ""
    gain_db: float = 0.0
    presence_db: float = 0.0

    def provenance(self) -> dict:
        """JSON-safe record of what played: voice, origin, file and its sha256, bank, preset."""
        if self.kind == "synth":
            return {"voice": self.voice, "origin": "builtin", "synth": self.synth}
        return {
            "voice": self.voice,
            "origin": self.origin,
            "file": self.path,
            "sha256": file_sha256(self.path),
            "bank": self.bank,
            "preset": self.preset,
        }


def _label_file(label_dir: str | None, name: str) -> str | None:
    if not label_dir:
        return None
    path = Path(label_dir) / name
    return str(path) if path.is_file() else None


def resolve(voice_id: str, part: str, label_dir: str | None = None) -> Source:
    """The file and preset (or built-in voice) that plays `voice_id` here. Raises ValueError for a voice
    that cannot play the part or a label voice whose file is not in the label folder."""
    problem = check_voice_id(voice_id, part)
    if problem:
        raise ValueError(problem)
    drums = part in DRUM_PARTS
    if voice_id.startswith(LABEL_PREFIX):
        name, bank_text, preset_text = voice_id[len(LABEL_PREFIX) :].rsplit(":", 2)
        path = _label_file(label_dir, name)
        if path is None:
            raise ValueError(f"label voice {voice_id!r}: {name!r} is not in the label SoundFont folder {label_dir!r}")
        return Source(voice_id, "soundfont", "label", path, int(bank_text), int(preset_text), drums)
    voice = VOICES[voice_id]
    if voice.kind == "synth":
        return Source(voice_id, "synth", "builtin", drums=voice.drums, synth=voice.synth)
    tone: dict[str, Any] = {"gain_db": voice.gain_db, "presence_db": voice.presence_db}
    for suffix in SOUNDFONT_SUFFIXES:
        path = _label_file(label_dir, voice_id + suffix)
        if path is not None:
            bank, preset = _label_preset(path, voice)
            # the label's own file plays as recorded: the presence shelf is for the OS fonts' dark samples
            return Source(voice_id, "soundfont", "label", path, bank, preset, drums, gain_db=voice.gain_db)
    for path, bank, preset in voice.system:
        if os.path.isfile(path):
            return Source(voice_id, "soundfont", "system", path, bank, preset, drums, **tone)
    bank, program = voice.gm
    return Source(voice_id, "soundfont", "pretty_midi", TIMGM, bank, program, drums, **tone)


def _label_preset(path: str, voice: Voice) -> tuple[int, int]:
    """The voice's own bank/preset when the label file has it, else the file's first preset."""
    from .synth.sampled import preset_names  # late: loading a SoundFont is only needed here

    names = preset_names(path)
    wanted = [(bank, preset) for _, bank, preset in voice.system] + [voice.gm]
    for key in wanted:
        if key in names:
            return key
    if not names:
        raise ValueError(f"the label SoundFont {path!r} has no presets")
    return min(names)


@lru_cache(maxsize=32)
def _sha256(path: str, size: int, mtime_ns: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def file_sha256(path: str) -> str:
    """sha256 of a SoundFont file, hashed once per process per (path, size, mtime)."""
    stat = os.stat(path)
    return _sha256(path, stat.st_size, stat.st_mtime_ns)


def library(label_dir: str | None = None) -> list[dict]:
    """Every voice with where it plays from here: what the cockpit lists for editors."""
    rows = []
    for voice in VOICES.values():
        part = "drums" if voice.drums else "keys"
        source = resolve(voice.id, part, label_dir)
        rows.append(
            {
                "voice": voice.id,
                "name": voice.name,
                "drums": voice.drums,
                "origin": source.origin,
                "file": source.path,
                "bank": source.bank,
                "preset": source.preset,
            }
        )
    return rows


def sources_for(
    style: str,
    parts: tuple[str, ...] | list[str],
    requested: dict[str, str],
    *,
    overrides: dict | None = None,
    label_dir: str | None = None,
) -> dict[str, Source]:
    """What plays each part of a score: the voice the composer chose (`requested`, i.e. Score.voices) when
    the style's palette (with the preset's `overrides`) allows it, else the palette's default."""
    sources = {}
    for part in parts:
        choices = palette(style, part, overrides)
        voice = requested.get(part)
        sources[part] = resolve(voice if voice in choices else choices[0], part, label_dir)
    return sources
