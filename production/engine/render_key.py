"""The identity of a render: what must be equal for two renders to give the same audio.

A render is a pure function of the brief, the preset and effects overrides, the instrument library (the
SoundFont files' contents) and the engine's code. `ENGINE_VERSION` stands for the code: bump it in any change
that alters rendered audio for an unchanged brief, so no stored render from older code is reused.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Any

from . import instruments
from .brief import Brief

# Bump on every change that alters the audio of an unchanged brief (see the module docstring).
ENGINE_VERSION = "2026.12.4"  # .4: fast SoundFont releases applied per sample; drum hits no longer dropped to one frame


def library_digest(style: str, *, palette_overrides: dict | None = None, label_dir: str | None = None) -> str:
    """sha256 over the SoundFont files (and presets) every voice the style may choose would play from here.

    The seed picks voices from the style's palettes, so the whole palette is hashed: a new SoundFont in the
    label's folder, or a Debian font installed or removed, changes the digest and so the render key.
    """
    rows = []
    for part in instruments.PARTS:
        for voice in instruments.palette(style, part, palette_overrides):
            source = instruments.resolve(voice, part, label_dir)
            digest = instruments.file_sha256(source.path) if source.path else ""
            rows.append((part, voice, source.origin, digest, source.bank, source.preset))
    return hashlib.sha256(json.dumps(sorted(rows), default=str).encode()).hexdigest()


def render_key(
    brief: Brief,
    *,
    preset_overrides: dict | None,
    fx_overrides: dict | None,
    library: str,
    engine_version: str | None = None,
) -> str:
    """A sha256 hex digest naming the audio these inputs render to (same inputs, same key); the engine
    version defaults to this code's `ENGINE_VERSION`."""
    payload: dict[str, Any] = {
        "brief": {field.name: _plain(getattr(brief, field.name)) for field in dataclasses.fields(brief)},
        "preset": preset_overrides or {},
        "fx": fx_overrides or {},
        "library": library,
        "engine": engine_version or ENGINE_VERSION,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {field.name: _plain(getattr(value, field.name)) for field in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    return value
