"""The drums' own short room (fx_room.drum_room), in place of the shared long reverb on the kit."""

from __future__ import annotations

import numpy as np

from production.engine import fx

SR = 44100


def _db(x: np.ndarray) -> float:
    return float(10 * np.log10(np.mean(np.square(x, dtype=np.float64)) + 1e-30))


def _hit(n: int, at: int) -> np.ndarray:
    """A short, bright snare-like burst (decaying noise) in both channels."""
    audio = np.zeros((2, n), dtype=np.float32)
    burst = np.random.default_rng(3).standard_normal(int(0.01 * SR)).astype(np.float32)
    burst *= np.exp(-np.arange(burst.size) / (0.002 * SR)).astype(np.float32)
    audio[:, at : at + burst.size] = burst
    return audio


def test_the_room_answers_a_hit_with_early_reflections_that_differ_left_and_right_and_stop_short():
    n, at = SR, int(0.1 * SR)
    dry = _hit(n, at)
    wet = fx.drum_room(dry.copy(), sample_rate=SR, level_db=-6.0)
    room = wet - dry
    early = room[:, at + int(0.012 * SR) : at + int(0.075 * SR)]
    assert _db(early) > _db(dry[:, at : at + int(0.01 * SR)]) - 30  # reflections well within earshot
    assert not np.allclose(room[0], room[1], atol=1e-6)  # different walls on each side: width
    assert np.abs(room[:, at + int(0.1 * SR) :]).max() < 1e-4  # a small room: nothing after 100 ms
    assert np.abs(room[:, :at]).max() == 0.0  # nothing before the hit


def test_the_kit_goes_to_its_room_and_not_to_the_long_reverb():
    n, at = 3 * SR, int(0.2 * SR)
    kit = _hit(n, at)
    for style in fx.STYLES:
        settings = fx.fx_settings_for(style)
        assert settings.reverb_send_db["drums"] <= -120 and settings.drums_room_db > -120, style
    _, processed = fx.process(
        {"drums": kit}, style="jazz", sample_rate=SR, seed=1, kick_times_s=np.zeros(0), ambience="none"
    )
    _, roomless = fx.process(
        {"drums": kit.copy()},
        style="jazz",
        sample_rate=SR,
        seed=1,
        kick_times_s=np.zeros(0),
        ambience="none",
        overrides={"drums_room_db": -120.0, "vinyl_level_db": -120.0},
    )
    window = slice(at + int(0.015 * SR), at + int(0.07 * SR))
    assert _db(processed["drums"][:, window]) > _db(roomless["drums"][:, window]) + 6  # the room is heard
    late = slice(at + int(0.4 * SR), at + int(1.2 * SR))  # where a long reverb would still ring
    quiet_mix, _ = fx.process(
        {"drums": kit.copy()},
        style="jazz",
        sample_rate=SR,
        seed=1,
        kick_times_s=np.zeros(0),
        ambience="none",
        overrides={"vinyl_level_db": -120.0},
    )
    assert _db(quiet_mix[:, late]) < _db(quiet_mix[:, at : at + int(0.05 * SR)]) - 50
