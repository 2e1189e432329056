"""A listener's track request turned into a render brief: activity picks the style (and ambience), the tempo
feel picks a BPM inside that style's range, the mood picks a key. Pure: plain values in, a dict of
`production.services.render_job_create` arguments out.
"""

from __future__ import annotations

import uuid

from production.engine.styles import PRESETS
from production.models import SEED_MAX

STYLE_FOR_ACTIVITY = {
    "study": "study",
    "work": "jazz",
    "sleep": "ambient",
    "relax": "rainy_day",
    "reading": "cafe",
    "gaming": "boom_bap",
    "meditation": "japanese",
}
AMBIENCE_FOR_ACTIVITY = {
    "study": "rain",
    "work": "vinyl",
    "sleep": "rain",
    "relax": "rain",
    "reading": "cafe",
    "gaming": "vinyl",
    "meditation": "nature",
}
# Where in the style's tempo range each feel sits (0 = slowest, 1 = fastest the style allows).
TEMPO_POSITION = {"slow": 0.15, "medium": 0.5, "upbeat": 0.9}
# Minor keys for the wistful moods, major for the warm and bright ones.
KEY_FOR_MOOD = {
    "chill": "F major",
    "cozy": "C major",
    "melancholy": "A minor",
    "dreamy": "D major",
    "focus": "D minor",
    "happy": "G major",
    "nostalgic": "E major",
    "sleepy": "E minor",
}


def brief_for_request(*, mood: str, activity: str, tempo_feel: str, request_uuid: uuid.UUID, duration_s: float) -> dict:
    """Arguments for render_job_create. The seed comes from the request's UUID, so the same request always
    gives the same brief (a second click re-renders the identical track). Raises KeyError for an unknown mood,
    activity or tempo feel."""
    style = STYLE_FOR_ACTIVITY[activity]
    low, high = PRESETS[style].tempo_range_bpm
    bpm = round(low + (high - low) * TEMPO_POSITION[tempo_feel])
    return {
        "style": style,
        "bpm": float(bpm),
        "key": KEY_FOR_MOOD[mood],
        "mood": mood,
        "ambience": AMBIENCE_FOR_ACTIVITY[activity],
        "duration_s": float(duration_s),
        "seed": request_uuid.int % (SEED_MAX + 1),
    }
