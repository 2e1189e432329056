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


class _Loop:
    """One section's drum loop, drawn once: two bars of kick (a 2-bar pattern), the snare's ghost notes,
    the open hat, the hats' accent shape and whether the fourth bar picks up into the next phrase. Every
    bar of the section plays it; only the humanising (a few ms, a few velocity steps) differs."""

    def __init__(self, ctx: Context, rng: np.random.Generator) -> None:
        preset = ctx.preset
        patterns = preset.kick_patterns
        self.kicks = (patterns[int(rng.integers(len(patterns)))], patterns[int(rng.integers(len(patterns)))])
        candidates = [st for st in (3, 7, 9, 11, 15) if rng.random() < preset.ghost_note_prob]
        self.ghosts = tuple(candidates[:3])
        self.ghost_velocity = tuple(int(rng.integers(24, 37)) for _ in self.ghosts)
        self.open_hat = int(rng.choice((6, 14))) if rng.random() < 0.4 else None
        self.hat_shape = tuple(float(rng.normal(0, 5)) for _ in range(16))  # a drummer's own accents
        self.pickup = int(rng.choice((13, 14, 15))) if rng.random() < 0.5 else None
        self.fill = _FILLS[int(rng.integers(len(_FILLS)))]


def drums(ctx: Context, rng: np.random.Generator) -> list[NoteEvent]:
    """Kick, backbeat (snare/clap/rim) with ghost notes and swung hats, as one loop per section (A' plays
    A's loop, a little harder); a fill or a drop (a bar without kick) where the form ends a section; the
    bars the form leaves to hats, without kick or silent; a last kick and crash where it ends on a hit."""
    preset = ctx.preset
    player = _Drummer(ctx, rng)
    loops: dict[str, _Loop] = {}
    for section in ctx.sections:
        loop = _Loop(ctx, rng)  # drawn for every section, so the draws never depend on the form's names
        loops.setdefault("A" if section.name == "A'" else section.name, loop)
    backbeat = _BACKBEAT[preset.backbeat]
    hat_every = 16 // preset.hat_division
    laid_back_s = 0.6 * player.jitter_s  # a lazy, late backbeat is the LoFi feel
    after_fill = False
    for bar in range(ctx.total_bars):
        mode = ctx.drum_mode(bar)
        section, i = ctx.section_of(bar)
        loop = loops["A" if section.name == "A'" else section.name]
        harder = 4 if section.name == "A'" else 0
        if mode == "off":
            after_fill = False
            continue
        if mode == "hit":
            player.hit(bar, 0, KICK, _velocity(100, rng))
            player.hit(bar, 0, CRASH, _velocity(70, rng))
            after_fill = False
            continue
        fill = ctx.fill_bar(bar)
        fill_hits = loop.fill if fill else ()
        fill_from = min((s for s, _, _ in fill_hits), default=16)
        for step in range(0, 16, hat_every):
            if step >= fill_from:
                break
            base = (74 if step % 4 == 0 else 60 if step % 2 == 0 else 46) + harder + loop.hat_shape[step]
            pitch = OPEN_HAT if (step == loop.open_hat and not fill) else CLOSED_HAT
            player.hit(bar, step, pitch, _velocity(base, rng, 8))
        if mode in ("nokick", "full"):
            for step in (4, 12):
                if step < fill_from:
                    for pitch in backbeat:
                        base = (92 if pitch != CLAP else 78) + harder
                        player.hit(bar, step, pitch, _velocity(base, rng), late_s=laid_back_s)
            for step, velocity in zip(loop.ghosts, loop.ghost_velocity, strict=True):
                if step < fill_from:
                    player.hit(bar, step, SNARE, int(clamp(velocity + rng.normal(0, 2), 20, 40)))
        if mode == "full":
            pattern = list(loop.kicks[i % 2])
            if i % 4 == 3 and not fill and loop.pickup is not None:
                pattern.append(loop.pickup)  # a pickup kick into the next phrase
            for step in sorted(set(pattern)):
                if step < fill_from:
                    player.hit(bar, step, KICK, _velocity((104 if step == 0 else 88) + harder, rng))
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
