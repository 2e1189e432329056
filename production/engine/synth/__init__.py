"""Instruments: SoundFont presets through tinysoundfont (sampled.py) and the built-in synthesizer (no
files needed). `render_stems(score, sample_rate=, seed=, sources=)` is the entry point."""

from .stems import render_stems, velocity_gain

__all__ = ["render_stems", "velocity_gain"]
