"""Liquidsoap `annotate:` request strings: a location with metadata Liquidsoap reads as the track's own."""

from __future__ import annotations

from collections.abc import Mapping


def _quote(value: object) -> str:
    # Liquidsoap reads annotate values as double-quoted strings with backslash escapes; newlines would end the
    # request line, so they become spaces.
    text = " ".join(str(value).split())
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def annotate_request(location: str, metadata: Mapping[str, object]) -> str:
    """`annotate:key="value",...:location`, keys in the order given; None values are left out."""
    pairs = [f"{key}={_quote(value)}" for key, value in metadata.items() if value is not None]
    if not pairs:
        return location
    return "annotate:" + ",".join(pairs) + ":" + location


def gain_to_target_db(*, measured_lufs: float | None, target_lufs: float) -> float:
    """The gain (dB) that brings a track measured at `measured_lufs` to the station's target; 0 when unmeasured."""
    if measured_lufs is None:
        return 0.0
    return round(target_lufs - measured_lufs, 2)
