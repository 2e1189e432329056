"""The LoFi effects chain: per-part inserts, shared sends, the tape bus, vinyl and ambience.

Signal flow of `process` (every stage is a small function that can be used and tested alone):

    each part:  (drums: sampler resample/bitcrush, compressor, drive, own short room) or warm filters
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

This module is the effects' front door: callers use `fx.process`, `fx.fx_settings_for`, `fx.insert_filters`
and the building blocks by these names. Where each capability lives:

    fx_settings.py  FxSettings, the style presets, mood and override handling (no audio)
    fx_chain.py     process, insert_filters: the chain, the sends, the tape bus
    fx_plugins.py   pedalboard effects: bitcrush, resample_lofi, compress, chorus, reverb, delay
    fx_tape.py      tape_saturate, wow_flutter
    fx_stereo.py    pan, ms_width, haas, the side-chain pump
    fx_room.py      drum_room: the kit's own short room (early reflections)
    dsp.py          the filters (tone_sos, shelf_sos, lowpass, highpass, filter_sos) and block helpers
"""

from __future__ import annotations

from production.engine.ambience import vinyl_noise
from production.engine.dsp import filter_sos, highpass, lowpass, shelf_sos, tone_sos
from production.engine.fx_chain import FADE_OUT_MAX_S, FADE_OUT_SHARE, REFERENCE_RMS_DBFS, insert_filters, process
from production.engine.fx_plugins import bitcrush, chorus, compress, delay, resample_lofi, reverb
from production.engine.fx_room import drum_room
from production.engine.fx_settings import FX_PRESETS, STYLES, FxSettings, default_ambience, fx_settings_for
from production.engine.fx_stereo import haas, ms_width, pan, sidechain_gain, sidechain_pump
from production.engine.fx_tape import tape_saturate, wow_flutter

__all__ = [
    "FADE_OUT_MAX_S",
    "FADE_OUT_SHARE",
    "FX_PRESETS",
    "REFERENCE_RMS_DBFS",
    "STYLES",
    "FxSettings",
    "bitcrush",
    "chorus",
    "compress",
    "default_ambience",
    "delay",
    "drum_room",
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
