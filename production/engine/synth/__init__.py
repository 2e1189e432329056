"""Built-in synthesis: no downloaded samples. `render_stems(score, sample_rate=, seed=)` is the entry point."""

from .stems import SoundFontUnavailable, render_stems, velocity_gain

__all__ = ["SoundFontUnavailable", "render_stems", "velocity_gain"]
