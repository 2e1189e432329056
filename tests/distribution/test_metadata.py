"""Release metadata: unique titles, tags within YouTube's count, disclosures, tracklists, platform limits."""

from __future__ import annotations

import re
import string

import pytest

from distribution.platforms.metadata import (
    TITLE_TEMPLATES,
    MetadataError,
    ReleaseInfo,
    TrackInfo,
    build_metadata,
    build_tags,
    chapter_lines,
    generate_title,
    youtube_tags_length,
)


def track(title: str, duration_s: float = 180.0, *, ai: bool = False, **kwargs) -> TrackInfo:
    return TrackInfo(title=title, artist="Lantern", duration_s=duration_s, ai_generated=ai, **kwargs)


def release(kind: str = "single", tracks: list[TrackInfo] | None = None, **kwargs) -> ReleaseInfo:
    defaults = dict(
        title="Rainy Window",
        kind=kind,
        artist="Lantern",
        tracks=tracks or [track("Rainy Window")],
        moods=["chill"],
        style="lofi hip hop",
        label_name="Lantern LoFi",
        licence_url="https://lantern.example/licence",
        store_url="https://lantern.example/store",
        ambience="rain",
    )
    defaults.update(kwargs)
    return ReleaseInfo(**defaults)


def test_there_are_at_least_25_templates_built_from_the_five_slots():
    assert len(set(TITLE_TEMPLATES)) >= 25
    slots = {"mood", "instrument", "activity", "ambience", "time"}
    for template in TITLE_TEMPLATES:
        used = {name for _, name, _, _ in string.Formatter().parse(template) if name}
        assert used and used <= slots


def test_titles_are_seeded_and_never_repeat_a_taken_title_in_any_case():
    same = generate_title(mood="chill", style="jazzhop", ambience="rain", seed=7, taken=set())
    assert same == generate_title(mood="chill", style="jazzhop", ambience="rain", seed=7, taken=set())

    taken: set[str] = set()
    for seed in range(80):
        title = generate_title(mood="chill", style="jazzhop", ambience="rain", seed=seed, taken=taken)
        assert title.casefold() not in {t.casefold() for t in taken}
        taken.add(title.upper() if seed % 2 else title)  # stored in another case: still taken
    assert len(taken) == 80

    blocked = generate_title(mood="chill", style="jazzhop", ambience="rain", seed=7, taken={f"  {same.lower()} "})
    assert blocked.casefold() != same.casefold()


def test_titles_use_the_mood_and_ambience_vocabulary():
    titles = [generate_title(mood="cozy", style="piano", ambience="cafe", seed=s, taken=set()) for s in range(40)]
    words = " ".join(titles)
    assert re.search(r"Cozy|Warm|Snug|Soft|Homey", words)
    assert re.search(r"Café|Coffee Shop|Espresso Bar|Tea House", words)


def test_youtube_tag_length_counts_commas_and_quotes():
    assert youtube_tags_length(["lofi", "study music"]) == 4 + 1 + len('"study music"')
    assert youtube_tags_length([]) == 0


def test_tags_stay_within_500_characters_with_primary_tags_first():
    many = [f"very specific niche tag number {i}" for i in range(60)]
    info = release(kind="mix", tracks=[track(f"T{i}", bpm=70 + i, key="A minor") for i in range(5)], extra_tags=many)
    tags = build_metadata(info, "youtube").tags
    assert youtube_tags_length(tags) <= 500
    assert tags[:2] == ["lofi", "lofi hip hop"]
    assert "rain lofi" in tags and "70 bpm" in tags  # niche tags kept while they fit
    assert any(t.startswith("very specific") for t in tags) and not all(t in tags for t in many)
    assert len({t.casefold() for t in tags}) == len(tags)


def test_ai_disclosure_appears_only_when_tracks_are_generated():
    with_ai = build_metadata(release(tracks=[track("Rainy Window", ai=True)]), "youtube")
    without = build_metadata(release(tracks=[track("Rainy Window")]), "youtube")
    assert "generated with AI" in with_ai.description and with_ai.ai_disclosure
    assert "AI" not in without.description and not without.ai_disclosure

    mixed = release(kind="ep", tracks=[track("One", ai=True), track("Two")])
    for platform in ("youtube", "soundcloud", "distributor"):
        assert "1 of 2 tracks (One)" in build_metadata(mixed, platform).description


def test_mix_description_has_timestamps_in_order():
    tracks = [track("Dawn", 185), track("Drift", 200), track("Dusk", 3300)]
    description = build_metadata(release(kind="mix", tracks=tracks), "youtube").description
    assert "0:00:00 Dawn\n0:03:05 Drift\n0:06:25 Dusk" in description  # past an hour: hours on every line


def test_compilation_uses_given_start_times_and_names_artists():
    tracks = [track("A", 60, start_s=0), track("B", 60, start_s=75.9), track("C", 60)]
    assert chapter_lines(tracks, with_artist=True) == [
        "00:00 Lantern - A",
        "01:15 Lantern - B",
        "02:15 Lantern - C",
    ]
    description = build_metadata(release(kind="compilation", tracks=tracks), "youtube").description
    assert "00:00 Lantern - A" in description


def test_single_has_no_tracklist_but_credits_licence_and_call_to_action():
    text = build_metadata(release(), "youtube").description
    assert "Tracklist" not in text and "Tracks:" not in text
    assert "Music: Lantern" in text and "Label: Lantern LoFi" in text
    assert "https://lantern.example/licence" in text and "Subscribe" in text


def test_youtube_limits_hold_for_a_huge_mix_and_markers_survive():
    tracks = [track(f"An Unusually Long Track Title Number {i} <live>", 120, ai=True) for i in range(400)]
    info = release(
        kind="mix",
        tracks=tracks,
        title="A <Very> " + "Long " * 40 + "Title",
        reference_marker="[ref:3f2a-uuid]",
    )
    meta = build_metadata(info, "youtube")
    assert len(meta.title) <= 100 and "<" not in meta.title and ">" not in meta.title
    assert len(meta.description.encode("utf-8")) <= 5000
    assert "<" not in meta.description and ">" not in meta.description
    assert meta.description.endswith("[ref:3f2a-uuid]")
    assert "generated with AI" in meta.description
    assert re.search(r"… and \d+ more", meta.description)
    assert "0:00:00 An Unusually Long Track Title Number 0" in meta.description


def test_soundcloud_and_distributor_formats():
    info = release(kind="ep", tracks=[track("One"), track("Two")])
    soundcloud = build_metadata(info, "soundcloud")
    assert '"lofi hip hop"' in soundcloud.tag_string and soundcloud.tag_string.startswith("lofi ")
    assert len(soundcloud.description) <= 4000 and "Follow" in soundcloud.description
    distributor = build_metadata(info, "distributor")
    assert distributor.title == "Rainy Window"
    assert "https://" not in distributor.description  # stores show their own pages, no outbound links


def test_unknown_kind_or_platform_is_refused():
    with pytest.raises(MetadataError):
        release(kind="boxset")
    with pytest.raises(MetadataError):
        build_metadata(release(), "myspace")


def test_tags_for_the_distributor_are_shorter():
    assert youtube_tags_length(build_tags(release(), limit_chars=200)) <= 200
