"""Drums and percussion: boom-bap kicks, backbeat with ghost notes, swung hats, fills, perc layers.

Notes use the General MIDI drum map so the score also plays through a SoundFont.
"""

from __future__ import annotations

import numpy as np

from .arrangement import Context, NoteEvent, clamp

KICK, RIM, SNARE, CLAP = 36, 37, 38, 39
CLOSED_HAT, PEDAL_HAT, OPEN_HAT = 42, 44, 46
TOM_LOW, TOM_MID, TOM_HIGH = 45, 47, 50
CRASH, RIDE = 49, 51
TAMBOURINE, BONGO_HIGH, BONGO_LOW, SHAKER = 54, 60, 61, 70
HAT_PITCHES = (CLOSED_HAT, PEDAL_HAT, OPEN_HAT)
_HIT_S = 0.1  # nominal MIDI length of a drum hit; the synth lets each sound ring its own length

_BACKBEAT = {"snare": (SNARE,), "clap": (CLAP,), "rim": (RIM,), "snare_clap": (SNARE, CLAP)}
_FILLS = (
    ((12, SNARE, 52), (13, SNARE, 62), (14, SNARE, 74), (15, SNARE, 88), (12, KICK, 80)),
    ((12, TOM_HIGH, 78), (13, TOM_HIGH, 70), (14, TOM_MID, 82), (15, TOM_LOW, 90)),
    ((10, KICK, 84), (11, SNARE, 34), (13, SNARE, 80), (14, KICK, 78), (15, SNARE, 86)),
    ((9, SNARE, 30), (11, SNARE, 36), (12, SNARE, 84), (14, TOM_MID, 76), (15, TOM_LOW, 84)),
)


def _velocity(base: float, rng: np.random.Generator, spread: float = 7.0) -> int:
    return int(clamp(round(base + rng.normal(0.0, spread / 2)), 1, 127))


class _Drummer:
    """Turns (bar, step, pitch, velocity) hits into humanised note events."""

    def __init__(self, ctx: Context, rng: np.random.Generator) -> None:
        self.ctx, self.rng = ctx, rng
        self.jitter_s = ctx.preset.humanize_ms / 1000.0
        self.events: list[NoteEvent] = []

    def hit(self, bar: int, step: float, pitch: int, velocity: int, *, late_s: float = 0.0) -> None:
        onset = self.ctx.timeline.time(bar, step) + late_s
        if self.jitter_s > 0:
            onset += float(clamp(self.rng.normal(0.0, self.jitter_s / 2), -self.jitter_s, self.jitter_s))
        onset = max(onset, 0.0)
        if onset < self.ctx.duration_s - 0.05:
            self.events.append(NoteEvent(onset, onset + _HIT_S, pitch, velocity))


def drums(ctx: Context, rng: np.random.Generator) -> list[NoteEvent]:
    """Kick, backbeat (snare/clap/rim) with ghost notes, swung hats with humanised velocity and timing,
    fills in the last bar of each section, drop-outs from the arrangement."""
    preset = ctx.preset
    player = _Drummer(ctx, rng)
    patterns = preset.kick_patterns
    section_kicks = {}
    for section in ctx.sections:
        if section.name == "A'" and "A" in section_kicks:
            section_kicks[section.name] = section_kicks["A"]
        else:
            section_kicks[section.name] = (int(rng.integers(len(patterns))), int(rng.integers(len(patterns))))
    backbeat = _BACKBEAT[preset.backbeat]
    hat_every = 16 // preset.hat_division
    laid_back_s = 0.6 * player.jitter_s  # a lazy, late backbeat is the LoFi feel
    after_fill = False
    for bar in range(ctx.total_bars):
        mode = ctx.drum_mode(bar)
        section, i = ctx.section_of(bar)
        if mode == "off":
            after_fill = False
            continue
        fill = ctx.fill_bar(bar)
        fill_hits = _FILLS[int(rng.integers(len(_FILLS)))] if fill else ()
        fill_from = min((s for s, _, _ in fill_hits), default=16)
        open_step = 14 if (not fill and rng.random() < 0.3) else None
        for step in range(0, 16, hat_every):
            if step >= fill_from:
                break
            if step % 4 and rng.random() < 0.06:  # an occasional missing hat keeps it human
                continue
            base = 74 if step % 4 == 0 else 60 if step % 2 == 0 else 46
            if section.name == "A'":
                base += 4
            pitch = OPEN_HAT if step == open_step else CLOSED_HAT
            player.hit(bar, step, pitch, _velocity(base, rng, 10))
        if mode in ("nokick", "full"):
            for step in (4, 12):
                if step < fill_from:
                    for pitch in backbeat:
                        player.hit(bar, step, pitch, _velocity(92 if pitch != CLAP else 78, rng), late_s=laid_back_s)
            ghost_prob = preset.ghost_note_prob * (1.3 if section.name == "A'" else 1.0)
            ghosts = [s for s in (3, 7, 9, 11, 15) if s < fill_from and rng.random() < ghost_prob]
            for step in ghosts[:3]:
                player.hit(bar, step, SNARE, _velocity(30, rng, 8))
        if mode == "full":
            first, second = section_kicks.get(section.name, (0, 0))
            pattern = list(patterns[first if i % 2 == 0 else second])
            if i % 4 == 3 and not fill and rng.random() < 0.6:
                pattern.append(int(rng.choice((13, 14, 15))))  # a pickup kick into the next phrase
            for step in sorted(set(pattern)):
                if step < fill_from:
                    player.hit(bar, step, KICK, _velocity(104 if step == 0 else 88, rng))
        if after_fill and i == 0:
            player.hit(bar, 0, CRASH, _velocity(58, rng))
            if mode != "full":
                player.hit(bar, 0, KICK, _velocity(100, rng))
        for step, pitch, velocity in fill_hits:
            player.hit(bar, step, pitch, _velocity(velocity, rng, 6))
        after_fill = fill
    return sorted(player.events, key=lambda e: (e.start_s, e.pitch))


def perc(ctx: Context, rng: np.random.Generator) -> list[NoteEvent]:
    """Percussion layers of the style (shaker, rim, tambourine, bongos); the first layer plays in light
    passages, all of them in full ones."""
    preset = ctx.preset
    player = _Drummer(ctx, rng)
    layers = preset.perc_layers
    shaker_every = 2 if preset.swing_unit == 8 else 1
    rim_patterns = ((12,), (6, 12), (3, 10), (0, 6, 12))
    bongo_patterns = (
        ((0, BONGO_LOW), (2, BONGO_HIGH), (6, BONGO_HIGH), (8, BONGO_LOW), (10, BONGO_HIGH), (14, BONGO_HIGH)),
        ((2, BONGO_HIGH), (3, BONGO_HIGH), (6, BONGO_LOW), (10, BONGO_HIGH), (11, BONGO_HIGH), (14, BONGO_LOW)),
    )
    rim_choice = {s.name: int(rng.integers(len(rim_patterns))) for s in ctx.sections}
    for bar in range(ctx.total_bars):
        level = ctx.part_level("perc", bar)
        if level == 0:
            continue
        section, i = ctx.section_of(bar)
        active = layers[:1] if level == 1 else layers
        for layer in active:
            if layer == "shaker":
                for step in range(0, 16, shaker_every):
                    base = 56 if step % 4 == 2 else 40 if step % 2 == 0 else 32
                    player.hit(bar, step, SHAKER, _velocity(base, rng, 8))
            elif layer == "rim":
                for step in rim_patterns[rim_choice[section.name]]:
                    player.hit(bar, step, RIM, _velocity(58, rng, 8))
            elif layer == "tambourine":
                for step in (4, 12):
                    player.hit(bar, step, TAMBOURINE, _velocity(62, rng))
                if level == 2:
                    for step in (2, 6, 10, 14):
                        player.hit(bar, step, TAMBOURINE, _velocity(36, rng))
            elif layer == "bongos":
                for step, pitch in bongo_patterns[(i // 2) % 2]:
                    player.hit(bar, step, pitch, _velocity(66 if step % 4 == 0 else 54, rng, 10))
    return sorted(player.events, key=lambda e: (e.start_s, e.pitch))
