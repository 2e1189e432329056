"""Timestamps as people and platforms read them ("03:05", "1:02:03") and as ISO 8601 durations."""

from __future__ import annotations


def format_timestamp(seconds: float, *, force_hours: bool = False) -> str:
    """Format seconds as "MM:SS", or "H:MM:SS" past one hour (the form YouTube turns into chapter links).

    Seconds are floored, never rounded up, so a chapter link never lands after the start of its track.
    """
    if seconds < 0:
        raise ValueError("a timestamp cannot be negative")
    total = int(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours or force_hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes:02d}:{secs:02d}"


def iso8601_duration(seconds: float) -> str:
    """ISO 8601 duration as DDEX wants it: PT3M5S, PT1H2M3S; whole seconds (rounded to nearest)."""
    if seconds < 0:
        raise ValueError("a duration cannot be negative")
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    text = "PT"
    if hours:
        text += f"{hours}H"
    if minutes or hours:
        text += f"{minutes}M"
    return text + f"{secs}S"
