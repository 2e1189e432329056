"""Reply templates, captions, briefs and upload times: pure helpers, no database."""

from __future__ import annotations

import uuid
from datetime import datetime

import pytest

from community import briefs
from community.engine import captions, templating, upload_times
from production.engine.brief import Brief, Key
from production.engine.styles import PRESETS

# --- Reply templates ----------------------------------------------------------------------------------------


def test_placeholders_are_filled_and_attribute_access_is_not_evaluated():
    body = "Thanks {author}! {track_title} from {release_title} is on {channel}. {author.__class__}"

    text = templating.render_reply(
        body, {"author": "Mia", "track_title": "Rain", "release_title": "Dusk EP", "channel": "Lantern"}
    )

    assert text.startswith("Thanks Mia! Rain from Dusk EP is on Lantern.")
    assert "{author.__class__}" in text  # left as typed, never evaluated
    assert templating.unknown_placeholders(body) == ["author.__class__"]


# --- Captions -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("platform", ["instagram", "tiktok", "x", "reddit"])
def test_captions_fit_their_platform_and_keep_title_and_artist(platform):
    tags = [f"tag number {i}" for i in range(40)]
    caption = captions.social_caption(
        platform=platform,
        title="Rainy Window",
        artist="Mori",
        tags=tags,
        link="https://www.youtube.com/watch?v=abc",
        ai_disclosure="Made with the label's own generative tools. " * 3,
    )

    assert len(caption) <= captions.MAX_CHARS[platform]
    assert caption.startswith("Rainy Window by Mori")


def test_an_x_caption_drops_hashtags_before_the_link():
    caption = captions.social_caption(
        platform="x",
        title="T" * 215,
        artist="A",
        tags=["lofi", "study music"],
        link="https://www.youtube.com/watch?v=abc",
    )

    assert "Listen: https://www.youtube.com/watch?v=abc" in caption
    assert "#studymusic" not in caption


def test_instagram_caption_has_hashtags_from_the_tags():
    caption = captions.social_caption(
        platform="instagram", title="Rain", artist="Mori", tags=["lofi", "study music", "lofi"]
    )

    assert caption.endswith("#lofi #studymusic")


# --- Request briefs -----------------------------------------------------------------------------------------


def test_a_request_brief_is_one_the_engine_accepts_and_within_the_style_tempo():
    request_uuid = uuid.uuid4()
    slow = briefs.brief_for_request(
        mood="melancholy", activity="sleep", tempo_feel="slow", request_uuid=request_uuid, duration_s=120
    )
    fast = briefs.brief_for_request(
        mood="melancholy", activity="sleep", tempo_feel="upbeat", request_uuid=request_uuid, duration_s=120
    )

    low, high = PRESETS["ambient"].tempo_range_bpm
    assert slow["style"] == "ambient" and low <= slow["bpm"] < fast["bpm"] <= high
    assert slow["key"] == "A minor" and slow["seed"] == fast["seed"]
    Brief(
        style=slow["style"],
        bpm=slow["bpm"],
        key=Key.parse(slow["key"]),
        duration_s=slow["duration_s"],
        seed=slow["seed"],
        mood=slow["mood"],
        ambience=slow["ambience"],
    )  # raises if the engine refuses


def test_every_form_choice_maps_to_a_brief():
    from community.models import TrackRequest

    for mood in TrackRequest.Mood.values:
        for activity in TrackRequest.Activity.values:
            for feel in TrackRequest.TempoFeel.values:
                brief = briefs.brief_for_request(
                    mood=mood, activity=activity, tempo_feel=feel, request_uuid=uuid.uuid4(), duration_s=60
                )
                Key.parse(brief["key"])
                assert brief["style"] in PRESETS


# --- Upload times -------------------------------------------------------------------------------------------


def test_thin_history_gives_the_configured_defaults():
    slots = upload_times.best_upload_slots([], min_videos=5, defaults=[("Saturday", 10), "Sunday 18"])

    assert [(s.weekday, s.hour, s.source) for s in slots] == [(5, 10, "default"), (6, 18, "default")]


def test_enough_history_ranks_slots_by_shrunk_mean_views():
    friday_17 = [upload_times.UploadOutcome(datetime(2026, 1, d, 17), 5000) for d in (2, 9, 16)]  # Fridays
    monday_9 = [upload_times.UploadOutcome(datetime(2026, 1, d, 9), 800) for d in (5, 12)]
    lucky_once = [upload_times.UploadOutcome(datetime(2026, 1, 7, 12), 5500)]  # one Wednesday, above Friday's mean

    slots = upload_times.best_upload_slots(friday_17 + monday_9 + lucky_once, min_videos=5)

    assert slots[0].label == "Friday 17:00" and slots[0].source == "history" and slots[0].videos == 3
    assert slots[-1].label == "Monday 09:00"


def test_defaults_in_settings_are_validated():
    with pytest.raises(ValueError):
        upload_times.parse_defaults([("Funday", 10)])
    with pytest.raises(ValueError):
        upload_times.parse_defaults([(2, 25)])
