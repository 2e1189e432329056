"""Copy-ready captions for social posts, written from a release's metadata. Pure: plain values in, text out.

Each platform has its own limit; hashtags are dropped from the end first, then the link, so the title, the
artist and the AI disclosure always survive.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# Caption limits in characters: Instagram and TikTok captions, X's post length for non-subscribers, Reddit's
# post title (the caption is the title there; the rest goes in the first comment).
MAX_CHARS = {"instagram": 2200, "tiktok": 2200, "x": 280, "reddit": 300}
MAX_HASHTAGS = {"instagram": 10, "tiktok": 5, "x": 3, "reddit": 0}


def hashtag(tag: str) -> str:
    """ "study music" -> "#studymusic"; empty when nothing usable is left."""
    word = re.sub(r"[^\w]", "", tag.casefold().replace(" ", ""))
    return f"#{word}" if word else ""


def social_caption(
    *,
    platform: str,
    title: str,
    artist: str,
    tags: Sequence[str] = (),
    link: str = "",
    ai_disclosure: str = "",
) -> str:
    """The caption for `platform` (instagram, tiktok, x, reddit), never longer than its limit.

    Layout: "<title> by <artist>", the AI disclosure, the link, then hashtags from the release's tags.
    """
    limit = MAX_CHARS[platform]
    head = f"{title} by {artist}".strip()
    tags_text = " ".join(dict.fromkeys(t for t in (hashtag(x) for x in tags) if t))  # unique, in order
    hashtags = tags_text.split()[: MAX_HASHTAGS[platform]]
    disclosure = ai_disclosure.strip()
    if platform == "reddit":  # a title: one line, no hashtags, the disclosure kept short
        parts = [head, "(AI-assisted)" if disclosure else ""]
        return " ".join(p for p in parts if p)[:limit]

    def build(tag_count: int, with_link: bool) -> str:
        blocks = [head, disclosure]
        if with_link and link:
            blocks.append(f"Listen: {link}")
        if tag_count:
            blocks.append(" ".join(hashtags[:tag_count]))
        return "\n\n".join(b for b in blocks if b)

    for with_link in (True, False):
        for count in range(len(hashtags), -1, -1):
            text = build(count, with_link)
            if len(text) <= limit:
                return text
    return build(0, False)[:limit]
