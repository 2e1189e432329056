"""Release metadata: titles, descriptions, tags and per-platform formats. Pure Python, no Django.

Plain dataclasses in (`ReleaseInfo`, `TrackInfo`), plain values out (`PlatformMetadata`). The Django side
maps its Release/Track rows onto these and stores what comes back.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import date

from distribution.media.timecode import format_timestamp

RELEASE_KINDS = ("single", "ep", "album", "compilation", "mix")
PLATFORMS = ("youtube", "distributor", "soundcloud")

# YouTube limits (videos resource, snippet.title / snippet.description / snippet.tags).
YOUTUBE_TITLE_MAX_CHARS = 100
YOUTUBE_DESCRIPTION_MAX_BYTES = 5000
YOUTUBE_TAGS_MAX_CHARS = 500
SOUNDCLOUD_TITLE_MAX_CHARS = 100
SOUNDCLOUD_DESCRIPTION_MAX_CHARS = 4000
DISTRIBUTOR_TITLE_MAX_CHARS = 200

# ---------------------------------------------------------------------------------------------------------
# Vocabulary for titles. Keys are lower-case; unknown moods/styles/ambiences fall back to generic words so
# a new mood in the catalogue never breaks title generation.
MOOD_WORDS: dict[str, tuple[str, ...]] = {
    "chill": ("Chill", "Mellow", "Easy", "Laid-Back", "Slow"),
    "calm": ("Calm", "Quiet", "Still", "Gentle", "Soft"),
    "sad": ("Blue", "Wistful", "Lonely", "Faded", "Bittersweet"),
    "melancholic": ("Melancholy", "Wistful", "Grey", "Faded", "Rainy-Day"),
    "happy": ("Sunny", "Bright", "Warm", "Golden", "Cheerful"),
    "dreamy": ("Dreamy", "Hazy", "Floating", "Cloudy", "Drifting"),
    "nostalgic": ("Nostalgic", "Old", "Faded", "Remembered", "Vintage"),
    "focus": ("Focused", "Steady", "Clear", "Deep", "Quiet"),
    "cozy": ("Cozy", "Warm", "Snug", "Soft", "Homey"),
    "romantic": ("Tender", "Velvet", "Sweet", "Slow-Dance", "Moonlit"),
    "energetic": ("Bouncy", "Upbeat", "Lively", "Bright", "Skipping"),
    "dark": ("Dusky", "Shadowed", "Nocturnal", "Smoky", "Low-Lit"),
}
GENERIC_MOOD_WORDS = ("Mellow", "Soft", "Warm", "Quiet", "Hazy")

INSTRUMENT_WORDS: dict[str, tuple[str, ...]] = {
    "lofi": ("Piano", "Rhodes", "Guitar", "Tape Keys", "Beats"),
    "lofi hip hop": ("Piano", "Rhodes", "Boom Bap", "Guitar", "Beats"),
    "jazzhop": ("Saxophone", "Upright Bass", "Jazz Keys", "Trumpet", "Rhodes"),
    "jazz": ("Saxophone", "Upright Bass", "Jazz Piano", "Brushes", "Trumpet"),
    "chillhop": ("Guitar", "Keys", "Bass", "Beats", "Synth"),
    "ambient": ("Pads", "Synth", "Drones", "Bells", "Strings"),
    "synthwave": ("Synth", "Arpeggios", "Tape Synth", "Neon Keys", "Drum Machine"),
    "piano": ("Piano", "Felt Piano", "Upright Piano", "Keys", "Grand Piano"),
    "guitar": ("Guitar", "Nylon Guitar", "Clean Guitar", "Strings", "Acoustic Guitar"),
}
GENERIC_INSTRUMENT_WORDS = ("Piano", "Keys", "Guitar", "Beats", "Tape")

AMBIENCE_WORDS: dict[str, tuple[str, ...]] = {
    "rain": ("Rain", "Rainy Window", "Drizzle", "Rainfall", "Raindrops"),
    "cafe": ("Café", "Coffee Shop", "Corner Café", "Espresso Bar", "Tea House"),
    "nature": ("Forest", "Birdsong", "Meadow", "Creek", "Garden"),
    "vinyl": ("Vinyl", "Record Player", "Crackle", "Turntable", "Old Records"),
    "none": ("City Lights", "Rooftop", "Bedroom", "Window Seat", "Library"),
}

ACTIVITY_WORDS = (
    "Study",
    "Focus",
    "Sleep",
    "Reading",
    "Work",
    "Coding",
    "Relaxing",
    "Journaling",
    "Late-Night Drives",
    "Homework",
    "Daydreaming",
    "Unwinding",
    "Slow Mornings",
    "Deep Work",
    "Writing",
)
TIME_WORDS = (
    "Midnight",
    "Sunday Morning",
    "3 AM",
    "Late Night",
    "Golden Hour",
    "Rainy Afternoon",
    "Autumn Evening",
    "Winter Night",
    "Early Morning",
    "Dusk",
    "After Hours",
    "Summer Night",
    "Blue Hour",
    "Weekend",
)

# At least 25 shapes of [Mood] + [Instrument] + [Activity] + [Ambience] + [Time]. Placeholders:
# {mood} {instrument} {activity} {ambience} {time}.
TITLE_TEMPLATES = (
    "{mood} {instrument} for {activity}",
    "{time} {instrument}",
    "{mood} {time}",
    "{instrument} & {ambience}",
    "{ambience} at {time}",
    "{mood} {instrument} at {time}",
    "{time} {ambience}",
    "{instrument} for {activity} at {time}",
    "{mood} {ambience}",
    "{ambience} & {instrument}",
    "{mood} Beats for {activity}",
    "{time} {activity}",
    "{activity} in the {ambience}",
    "{mood} {instrument} in the {ambience}",
    "{time} {mood} {instrument}",
    "{instrument} Under {time} Skies",
    "{mood} Notes for {activity}",
    "{ambience} Sessions",
    "{time} Sessions: {instrument}",
    "{mood} Tapes for {activity}",
    "A {mood} {time}",
    "{instrument} Diaries",
    "{ambience} & {activity}",
    "{mood} {instrument} Loops",
    "{time} Letters",
    "{instrument} by the {ambience}",
    "{mood} Hours of {activity}",
    "{activity} with {instrument}",
)

DEFAULT_HOOKS = (
    "Press play, slow down and let the {mood} {style} carry you through {activity}.",
    "{title}: {mood} {style} for {activity}, made to sit quietly in the background.",
    "A {mood} {style} moment for {activity}. Headphones on.",
)


class MetadataError(ValueError):
    """Input that cannot produce valid platform metadata (unknown kind or platform, empty release)."""


@dataclass(frozen=True)
class TrackInfo:
    title: str
    artist: str
    duration_s: float
    isrc: str = ""
    bpm: float | None = None
    key: str = ""
    ai_generated: bool = False
    start_s: float | None = None  # position in a mix or compilation video; None = follow the previous track


@dataclass(frozen=True)
class ReleaseInfo:
    title: str
    kind: str  # one of RELEASE_KINDS
    artist: str
    tracks: list[TrackInfo]
    moods: list[str] = field(default_factory=list)
    style: str = "lofi"
    label_name: str = ""
    licence_url: str = ""
    store_url: str = ""
    release_date: date | None = None
    ambience: str = "none"
    genre: str = "Lo-Fi"
    activity: str = ""  # e.g. "study"; empty = chosen from ACTIVITY_WORDS by the seed
    seed: int = 0
    extra_tags: list[str] = field(default_factory=list)
    # A unique marker such as "[ref:<publication uuid>]" kept at the end of the YouTube description so a
    # redelivered publish can find the video it already uploaded.
    reference_marker: str = ""

    def __post_init__(self) -> None:
        if self.kind not in RELEASE_KINDS:
            raise MetadataError(f"unknown release kind {self.kind!r}; use one of {', '.join(RELEASE_KINDS)}")


@dataclass(frozen=True)
class PlatformMetadata:
    platform: str
    title: str
    description: str
    tags: list[str]
    tag_string: str  # tags in the platform's one-field form (YouTube: commas, SoundCloud: quoted words)
    chapters: list[str] = field(default_factory=list)  # "00:00 Title" lines; empty unless a tracklist applies
    ai_disclosure: str = ""
    category_id: str = "10"  # YouTube category "Music"
    language: str = "en"


# --------------------------------------------------------------------------------------------- titles


def _words(table: dict[str, tuple[str, ...]], key: str, fallback: tuple[str, ...]) -> tuple[str, ...]:
    return table.get((key or "").strip().lower(), fallback)


def generate_title(*, mood: str, style: str, ambience: str, seed: int, taken: set[str]) -> str:
    """A title from [Mood] + [Instrument] + [Activity] + [Ambience] + [Time] that is not in `taken`.

    The same arguments always give the same title. The uniqueness check ignores case and surrounding
    spaces. When the vocabulary is exhausted for these inputs a volume number is appended, so a title is
    always returned and it is never one already taken.
    """
    taken_folded = {t.strip().casefold() for t in taken}
    rng = random.Random(f"{seed}|{mood}|{style}|{ambience}")
    mood_words = _words(MOOD_WORDS, mood, GENERIC_MOOD_WORDS)
    instrument_words = _words(INSTRUMENT_WORDS, style, GENERIC_INSTRUMENT_WORDS)
    ambience_words = _words(AMBIENCE_WORDS, ambience, AMBIENCE_WORDS["none"])

    def compose() -> str:
        template = rng.choice(TITLE_TEMPLATES)
        return template.format(
            mood=rng.choice(mood_words),
            instrument=rng.choice(instrument_words),
            activity=rng.choice(ACTIVITY_WORDS),
            ambience=rng.choice(ambience_words),
            time=rng.choice(TIME_WORDS),
        )

    first = None
    for _ in range(400):
        candidate = compose()
        first = first or candidate
        if candidate.casefold() not in taken_folded:
            return candidate
    volume = 2
    while f"{first} Vol. {volume}".casefold() in taken_folded:
        volume += 1
    return f"{first} Vol. {volume}"


# ----------------------------------------------------------------------------------------------- tags


def youtube_tags_length(tags: list[str]) -> int:
    """Characters YouTube counts against its 500 limit: tags joined by commas, spaced tags in quotes."""
    if not tags:
        return 0
    return sum(len(tag) + (2 if " " in tag else 0) for tag in tags) + (len(tags) - 1)


def _clean_tag(tag: str) -> str:
    # YouTube rejects < and >; commas and quotes would split or break the tag field.
    tag = re.sub(r"[<>,\"]", "", tag)
    return re.sub(r"\s+", " ", tag).strip()


def build_tags(release: ReleaseInfo, *, limit_chars: int = YOUTUBE_TAGS_MAX_CHARS) -> list[str]:
    """Primary, then secondary, then niche tags, deduplicated, as many as fit in `limit_chars`.

    Primary tags name the genre and style, secondary ones moods and uses, niche ones ambience, tempo,
    key and the artist. The YouTube length rule (`youtube_tags_length`) is respected.
    """
    style = (release.style or "lofi").strip()
    moods = [m.strip().lower() for m in release.moods if m.strip()]
    ambience = (release.ambience or "none").strip().lower()
    primary = ["lofi", "lofi hip hop", f"{style} beats", release.genre.lower(), style, "chill beats"]
    secondary = (
        [f"{m} lofi" for m in moods]
        + [f"{m} music" for m in moods]
        + [
            "study music",
            "beats to study to",
            "relaxing music",
            "focus music",
            "sleep music",
            "chillhop",
            "instrumental",
        ]
    )
    niche: list[str] = []
    if ambience != "none":
        niche += [f"{ambience} lofi", f"lofi with {ambience} sounds", f"{ambience} ambience"]
    bpms = sorted({round(t.bpm) for t in release.tracks if t.bpm})
    niche += [f"{bpm} bpm" for bpm in bpms[:3]]
    keys = sorted({t.key.strip() for t in release.tracks if t.key.strip()})
    niche += [f"{k} lofi" for k in keys[:3]]
    niche += [release.artist, release.label_name, release.title]
    if release.kind == "mix":
        niche += ["lofi mix", "1 hour lofi", "long lofi mix"]
    niche += list(release.extra_tags)

    chosen: list[str] = []
    seen: set[str] = set()
    for tag in (_clean_tag(t) for t in primary + secondary + niche):
        if not tag or tag.casefold() in seen:
            continue
        if youtube_tags_length([*chosen, tag]) > limit_chars:
            continue  # a shorter tag further down may still fit
        chosen.append(tag)
        seen.add(tag.casefold())
    return chosen


def soundcloud_tag_string(tags: list[str]) -> str:
    """SoundCloud's tag_list: space-separated, multi-word tags in double quotes."""
    return " ".join(f'"{t}"' if " " in t else t for t in tags)


# ----------------------------------------------------------------------------------------- tracklists


def track_start_times(tracks: list[TrackInfo]) -> list[float]:
    """Start of each track in seconds: its own start_s when given, else the end of the previous track."""
    starts: list[float] = []
    position = 0.0
    for track in tracks:
        start = track.start_s if track.start_s is not None else position
        starts.append(start)
        position = start + track.duration_s
    return starts


def chapter_lines(tracks: list[TrackInfo], *, with_artist: bool = False) -> list[str]:
    """YouTube chapter list, one "00:00 Title" line per track; hours appear on every line past one hour."""
    starts = track_start_times(tracks)
    force_hours = bool(starts) and (starts[-1] + tracks[-1].duration_s) >= 3600
    lines = []
    for start, track in zip(starts, tracks, strict=True):
        name = f"{track.artist} - {track.title}" if with_artist else track.title
        lines.append(f"{format_timestamp(start, force_hours=force_hours)} {name}")
    return lines


# --------------------------------------------------------------------------------------- descriptions


def ai_disclosure(release: ReleaseInfo) -> str:
    """A plain sentence saying which tracks were generated with AI; empty when none was."""
    generated = [t for t in release.tracks if t.ai_generated]
    if not generated:
        return ""
    if len(generated) == len(release.tracks):
        return (
            "AI disclosure: the music in this release was generated with AI tools and then selected, "
            "edited and mastered by our team."
        )
    names = ", ".join(t.title for t in generated)
    return (
        f"AI disclosure: {len(generated)} of {len(release.tracks)} tracks ({names}) were generated with "
        "AI tools and then selected, edited and mastered by our team."
    )


def _activity(release: ReleaseInfo) -> str:
    if release.activity:
        return release.activity
    return random.Random(release.seed).choice(ACTIVITY_WORDS).lower()


def _hook(release: ReleaseInfo) -> str:
    mood = release.moods[0].lower() if release.moods else "mellow"
    template = random.Random(f"hook|{release.seed}|{release.title}").choice(DEFAULT_HOOKS)
    return template.format(mood=mood, style=release.style or "lofi", activity=_activity(release), title=release.title)


def _credits(release: ReleaseInfo) -> list[str]:
    artists = sorted({t.artist for t in release.tracks} | {release.artist})
    lines = [f"Music: {', '.join(artists)}"]
    if release.label_name:
        year = f" {release.release_date.year}" if release.release_date else ""
        lines.append(f"Label: {release.label_name} (℗{year} {release.label_name})")
    return lines


def _licence_lines(release: ReleaseInfo) -> list[str]:
    lines = []
    if release.licence_url:
        lines.append(f"Licence this music for your videos, streams or podcasts: {release.licence_url}")
    if release.store_url:
        lines.append(f"Listen everywhere / support the label: {release.store_url}")
    return lines


def _cta(platform: str) -> str:
    if platform == "youtube":
        return "Subscribe and turn on notifications for a new lofi release every week."
    if platform == "soundcloud":
        return "Follow for new lofi every week, and repost if it kept you company."
    return ""


def _utf8_len(text: str) -> int:
    return len(text.encode("utf-8"))


def build_description(release: ReleaseInfo, platform: str = "youtube", *, max_bytes: int | None = None) -> str:
    """Description with hook, tracklist (timestamps for compilations and mixes), credits, licence,
    call-to-action and, when any track is AI-generated, the disclosure.

    The disclosure, the credits and the reference marker are never dropped; if the text is too long the
    tracklist is shortened ("… and N more") and then the call-to-action goes. The result fits `max_bytes`
    of UTF-8 when given (YouTube counts bytes).
    """
    if not release.tracks:
        raise MetadataError("a release needs at least one track to describe")
    timestamped = release.kind in ("compilation", "mix")
    tracklist = (
        chapter_lines(release.tracks, with_artist=release.kind == "compilation")
        if timestamped
        else [f"{i}. {t.title}" for i, t in enumerate(release.tracks, start=1)]
    )
    if release.kind == "single":
        tracklist = []
    disclosure = ai_disclosure(release)
    cta = _cta(platform)

    def assemble(lines: list[str], with_cta: bool) -> str:
        blocks = [_hook(release)]
        if lines:
            blocks.append(("Tracklist:\n" if timestamped else "Tracks:\n") + "\n".join(lines))
        blocks.append("\n".join(_credits(release)))
        licence = _licence_lines(release)
        if licence:
            blocks.append("\n".join(licence))
        if with_cta and cta:
            blocks.append(cta)
        if disclosure:
            blocks.append(disclosure)
        if release.reference_marker:
            blocks.append(release.reference_marker)
        text = "\n\n".join(blocks)
        return text.replace("<", "‹").replace(">", "›") if platform == "youtube" else text

    text = assemble(tracklist, True)
    if max_bytes is None or _utf8_len(text) <= max_bytes:
        return text
    text = assemble(tracklist, False)
    if _utf8_len(text) <= max_bytes:
        return text
    # Keep as many leading tracklist lines as fit; chapters must start at 00:00 so we trim the tail.
    low, high = 0, len(tracklist)
    while low < high:
        mid = (low + high + 1) // 2
        kept = [*tracklist[:mid], f"… and {len(tracklist) - mid} more"]
        if _utf8_len(assemble(kept, False)) <= max_bytes:
            low = mid
        else:
            high = mid - 1
    kept = [*tracklist[:low], f"… and {len(tracklist) - low} more"] if low < len(tracklist) else tracklist
    text = assemble(kept if low else [], False)
    if _utf8_len(text) > max_bytes:
        raise MetadataError("the credits, licence and disclosure alone exceed the description limit")
    return text


# ------------------------------------------------------------------------------------- platform formats


def _clip(text: str, max_chars: int) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    if len(text) <= max_chars:
        return text
    return text[: max_chars - 1].rstrip() + "…"


_DECORATIONS = (" 🎧 ", " · ")


def title_stem(title: str) -> str:
    """The title a platform title was decorated from ("Rain Keys · lofi beats for study" -> "Rain Keys"), so a
    generated title is never one another release already carries under its decoration."""
    for mark in _DECORATIONS:
        if mark in title:
            return title.split(mark, 1)[0].strip()
    return title


def _youtube_title(release: ReleaseInfo) -> str:
    title = release.title.replace("<", "").replace(">", "")
    style = release.style or "lofi"
    if release.kind == "mix":
        total_s = sum(t.duration_s for t in release.tracks)
        hours = total_s / 3600
        length = f"{hours:.0f} hour" if hours >= 0.95 else f"{round(total_s / 60)} min"
        decorated = f"{title}{_DECORATIONS[0]}{length} {style} mix for {_activity(release)}"
    else:
        decorated = f"{title}{_DECORATIONS[1]}{style} beats for {_activity(release)}"
    if len(decorated) <= YOUTUBE_TITLE_MAX_CHARS:
        return decorated
    return _clip(title, YOUTUBE_TITLE_MAX_CHARS)


def build_metadata(release: ReleaseInfo, platform: str) -> PlatformMetadata:
    """Title, description and tags formatted for one platform.

    youtube: title <= 100 characters, description <= 5000 UTF-8 bytes, no "<" or ">" anywhere, tags
    within YouTube's 500-character count. distributor: the plain release title and a short description.
    soundcloud: title <= 100 characters, description <= 4000 characters, quoted tag string.
    """
    if platform not in PLATFORMS:
        raise MetadataError(f"unknown platform {platform!r}; use one of {', '.join(PLATFORMS)}")
    tags = build_tags(release)
    chapters = chapter_lines(release.tracks) if release.kind in ("compilation", "mix") else []
    disclosure = ai_disclosure(release)
    if platform == "youtube":
        return PlatformMetadata(
            platform=platform,
            title=_youtube_title(release),
            description=build_description(release, "youtube", max_bytes=YOUTUBE_DESCRIPTION_MAX_BYTES),
            tags=tags,
            tag_string=",".join(tags),
            chapters=chapters,
            ai_disclosure=disclosure,
        )
    if platform == "soundcloud":
        return PlatformMetadata(
            platform=platform,
            title=_clip(release.title, SOUNDCLOUD_TITLE_MAX_CHARS),
            description=_clip_block(
                build_description(release, "soundcloud"),
                SOUNDCLOUD_DESCRIPTION_MAX_CHARS,
                keep_tail=disclosure,
            ),
            tags=tags,
            tag_string=soundcloud_tag_string(tags),
            chapters=chapters,
            ai_disclosure=disclosure,
        )
    # Distributors show their own store pages: plain title, a short factual description, genre keywords.
    lines = [_hook(release), "\n".join(_credits(release))]
    if disclosure:
        lines.append(disclosure)
    distributor_tags = build_tags(release, limit_chars=200)
    return PlatformMetadata(
        platform=platform,
        title=_clip(release.title, DISTRIBUTOR_TITLE_MAX_CHARS),
        description="\n\n".join(lines),
        tags=distributor_tags,
        tag_string=", ".join(distributor_tags),
        chapters=[],
        ai_disclosure=disclosure,
    )


def _clip_block(text: str, max_chars: int, *, keep_tail: str) -> str:
    """Cut a long text to max_chars while keeping `keep_tail` (the AI disclosure) intact at the end."""
    if len(text) <= max_chars:
        return text
    tail = f"\n\n{keep_tail}" if keep_tail else ""
    body = text.replace(tail, "") if tail else text
    return body[: max_chars - len(tail) - 1].rstrip() + "…" + tail
