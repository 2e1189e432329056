"""The LoFi chain itself: `process` (inserts per part, placement and sends in one pass, the tape bus, the
surface and the bed, the edge fades) and `insert_filters` (the parts' linear tone filters, which the
synth may apply note by note). See fx.py for the signal flow; the building blocks live in dsp.py
(filters), fx_plugins.py, fx_tape.py and fx_stereo.py, the knobs in fx_settings.py."""

from __future__ import annotations

from collections.abc import Collection, Mapping

import numpy as np
import pedalboard

from production.engine.ambience import add_bed, add_vinyl_noise
from production.engine.automation import apply_mix_events, edge_fades
from production.engine.brief import AMBIENCES, PARTS
from production.engine.dsp import (
    CHUNK,
    CONTROL_HOP,
    Halver,
    SosStream,
    blocks,
    butter_sos,
    db_to_gain,
    filter_sos,
    mean_square,
    shelf_sos,
    tone_sos,
    upsample_linear,
    zeros_prefaulted,
)
from production.engine.fx_plugins import bitcrush, compress, resample_lofi
from production.engine.fx_room import drum_room
from production.engine.fx_settings import OFF_DB, FxSettings, fx_settings_for
from production.engine.fx_stereo import _haas_in_place, _pan_gains, _sidechain_control, ms_width
from production.engine.fx_tape import _modulated_delay, _wow_delay_control, tape_saturate

REFERENCE_RMS_DBFS = -20.0  # nonlinear stages see every signal at this level, whatever the synth delivered
_CONTROL_HOP = CONTROL_HOP  # envelopes and modulations are computed every 16 samples, then interpolated
_SEND_DECIMATION = 4  # reverb and echo run at sample_rate / 4
_OFF_DB = OFF_DB
FADE_OUT_SHARE = 0.08  # the track's fade-out: this share of its length (the synth fades the stems alike)
FADE_OUT_MAX_S = 3.0
_TILT_HZ, _TILT_SLOPE = 900.0, 0.5  # the bus tilt: a shelf this wide moves 300 Hz-5 kHz gradually

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
                rms=music_rms * db_to_gain(settings.vinyl_level_db),
                crackle_per_s=settings.crackle_per_s,
                pops_per_s=settings.pops_per_s,
            )
        if ambience != "none":
            add_bed(
                mix,
                ambience,
                sample_rate=sample_rate,
                seed=int(seeds[2]),
                rms=music_rms * db_to_gain(settings.ambience_level_db),
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
        return db_to_gain(REFERENCE_RMS_DBFS) / rms if rms > 1e-9 else 1.0

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
        if settings.drums_room_db > _OFF_DB:  # the room is stereo: a mono kit opens up to both channels
            if work.shape[0] == 1:
                out[1] = out[0]
                work = out
            drum_room(work, sample_rate=sample_rate, level_db=settings.drums_room_db)
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
            p: np.float32(db_to_gain(settings.reverb_send_db[p])) for p in parts if settings.reverb_send_db[p] > _OFF_DB
        }
        self.delay_levels = {
            p: np.float32(db_to_gain(settings.delay_send_db[p])) for p in parts if settings.delay_send_db[p] > _OFF_DB
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
            self.reverb_return = np.float32(db_to_gain(settings.reverb_return_db))
        self.delay = None
        if settings.delay_return_db > _OFF_DB and self.delay_levels:
            self.delay = pedalboard.Delay(delay_seconds=settings.delay_s, feedback=settings.delay_feedback, mix=1.0)
            self.delay.reset()
            self.delay_return = np.float32(db_to_gain(settings.delay_return_db))
        self._pending: tuple[np.ndarray, np.ndarray] | None = None  # (mix block, its returns)
        # Decimation in two halvings: dsp.Halver's binomial FIR halves the rate (what would fold into the
        # band the sends keep, 17-22 kHz, is 30-40 dB down), then the 8th-order low-pass (-48 dB at the
        # reduced Nyquist) runs at half rate: half the filtering of one full-rate step.
        anti_alias = butter_sos(8, 0.42 * rate, "lowpass", sample_rate / 2)
        self._anti_alias = {"reverb": SosStream(anti_alias, 2), "delay": SosStream(anti_alias, 2)}
        self._halvers = {"reverb": Halver(2), "delay": Halver(2)}

    def downsample(self, send: str, full: np.ndarray | None, length: int) -> np.ndarray:
        """One block of a send at the reduced rate, anti-aliased (silence when nothing is sent)."""
        if full is None:
            return np.zeros((2, length), dtype=np.float32)
        half = self._halvers[send].process(full)
        return self._anti_alias[send].process(half)[:, :: _SEND_DECIMATION // 2].copy()

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
        gain = db_to_gain(settings.part_gain_db[part])
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
                    if send is not None and part in levels:
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
    halver = Halver(x.shape[0])  # the keys are low-passed well under the half rate's Nyquist already
    pending: tuple[int, int, np.ndarray] | None = None  # a block waiting for the next wet sample

    def mix_in(start: int, stop: int, wet: np.ndarray, end_point: np.ndarray) -> None:
        block = x[:, start:stop]
        block *= dry_gain
        upsample_linear(np.concatenate([wet, end_point], axis=1), hop=2, n_samples=stop - start, add_to=block)

    for start, stop in blocks(x.shape[1]):  # CHUNK is even: blocks start on a half-rate sample
        wet = plugin(halver.process(x[:, start:stop]), sample_rate / 2, reset=False)
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
    sos = tone_sos(
        sample_rate,
        highpass_hz=settings.bus_highpass_hz,
        low_shelf=(150.0, settings.bus_low_shelf_db),
        high_shelf=(5000.0, settings.bus_high_shelf_db),
        lowpass_hz=settings.bus_lowpass_hz,
    )
    if settings.bus_tilt_db:  # the mood's tone: one wide, gentle shelf that leans the whole top
        tilt = shelf_sos(sample_rate, kind="high", freq_hz=_TILT_HZ, gain_db=settings.bus_tilt_db, slope=_TILT_SLOPE)
        sos = np.concatenate([sos, tilt])
    eq = SosStream(sos, 2)  # one stream over the whole mix, its state carried block to block: no steps
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
            block, drive_db=settings.tape_drive_db, input_gain=db_to_gain(REFERENCE_RMS_DBFS) / rms, out=block
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
