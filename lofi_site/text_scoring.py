"""Scoring of short texts from the public: sentiment, spam and abuse flags, the triage state a new text starts
in, and who counts as a superfan. YouTube comments (community) and listener feedback (listeners) are both scored
here, so it lives in the kernel where both apps may import it. Pure functions over plain values (no Django, no
database; an import-linter contract checks it), so the rules are tested on their own and the services only feed
them counts they read.

Sentiment is VADER's compound score (-1 very negative .. +1 very positive), which is tuned for short social
media text, emoji and slang included. The thresholds follow the VADER authors' recommendation (+-0.05).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

POSITIVE_MIN = 0.05  # compound >= this: positive (VADER's recommended threshold)
NEGATIVE_MAX = -0.05  # compound <= this: negative
VERY_NEGATIVE_MAX = -0.5  # abuse needs a score at least this low *and* an abusive word

# Spam vocabulary seen under music uploads: promotion, scams, follow-for-follow. Matched as whole words.
DEFAULT_SPAM_WORDS = (
    "bitcoin",
    "crypto",
    "forex",
    "investment",
    "whatsapp",
    "telegram",
    "sub4sub",
    "sub 4 sub",
    "check my channel",
    "check out my channel",
    "visit my channel",
    "free followers",
    "free subscribers",
    "promo",
    "giveaway",
    "onlyfans",
    "dm me",
    "cash app",
    "cashapp",
)
# Insults aimed at people. A word alone is not abuse ("this drop is sick"); it must come with a very negative
# score.
DEFAULT_ABUSE_WORDS = (
    "idiot",
    "idiots",
    "stupid",
    "moron",
    "morons",
    "loser",
    "losers",
    "dumb",
    "garbage",
    "trash",
    "pathetic",
    "disgusting",
    "shut up",
    "kys",
    "kill yourself",
    "hate you",
    "worthless",
    "clown",
)
# Text shorter than this is not called "repeated" however often it appears: "love this" is said honestly
# by hundreds of people; copy-pasted spam is longer.
REPEAT_MIN_CHARS = 20
REPEAT_MIN_COPIES = 3  # the same text three times (any authors) is a copy-paste campaign

_LINK = re.compile(
    r"(?:https?://|www\.)\S+|\b[a-z0-9-]+\.(?:com|net|org|io|ly|me|gg|xyz|ru|info|biz|co|link|site|shop)\b(?:/\S*)?",
    re.IGNORECASE,
)
_QUESTION = re.compile(r"\?|^\s*(?:what|which|where|when|who|how|can|could|is|are|do|does|will)\b", re.IGNORECASE)


class Sentiment:
    POSITIVE = "positive"
    NEUTRAL = "neutral"
    NEGATIVE = "negative"


@lru_cache(maxsize=1)
def _analyzer():
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()  # loads its lexicon once per process


def sentiment_score(text: str) -> float:
    """VADER compound score of `text`, in [-1, 1]; 0.0 for empty text."""
    if not text.strip():
        return 0.0
    return float(_analyzer().polarity_scores(text)["compound"])


def sentiment_label(score: float) -> str:
    if score >= POSITIVE_MIN:
        return Sentiment.POSITIVE
    if score <= NEGATIVE_MAX:
        return Sentiment.NEGATIVE
    return Sentiment.NEUTRAL


def normalise_text(text: str) -> str:
    """Text reduced to what a copy-paste keeps: case-folded, accents and punctuation dropped, spaces
    collapsed. Used to recognise the same comment posted again."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    kept = "".join(ch if ch.isalnum() else " " for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(kept.split())


def _phrase_pattern(phrases: Iterable[str]) -> re.Pattern | None:
    words = sorted({p.strip().casefold() for p in phrases if p.strip()}, key=len, reverse=True)
    if not words:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(w) for w in words) + r")(?!\w)")


def matched_phrases(text: str, phrases: Iterable[str]) -> list[str]:
    """The phrases of `phrases` that occur in `text` as whole words (case-insensitive), in order of
    appearance."""
    pattern = _phrase_pattern(phrases)
    if pattern is None:
        return []
    found: list[str] = []
    for match in pattern.finditer(text.casefold()):
        if match.group(0) not in found:
            found.append(match.group(0))
    return found


def links_in(text: str, allowed_domains: Iterable[str] = ()) -> list[str]:
    """Links and bare domains in `text`, except those on `allowed_domains` (and their subdomains)."""
    allowed = tuple(d.casefold().lstrip(".") for d in allowed_domains)
    links = []
    for match in _LINK.finditer(text):
        link = match.group(0).rstrip(".,;:!?)")
        host = re.sub(r"^(?:https?://)?(?:www\.)?", "", link, flags=re.IGNORECASE).split("/")[0].casefold()
        if any(host == d or host.endswith("." + d) for d in allowed):
            continue
        links.append(link)
    return links


@dataclass(frozen=True)
class CommentVerdict:
    sentiment: float
    label: str
    is_spam: bool
    is_abusive: bool
    is_question: bool
    reasons: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ScoringRules:
    spam_words: tuple[str, ...] = DEFAULT_SPAM_WORDS
    abuse_words: tuple[str, ...] = DEFAULT_ABUSE_WORDS
    allowed_link_domains: tuple[str, ...] = ("youtube.com", "youtu.be")
    very_negative_max: float = VERY_NEGATIVE_MAX
    repeat_min_chars: int = REPEAT_MIN_CHARS
    repeat_min_copies: int = REPEAT_MIN_COPIES


def comment_verdict(
    text: str,
    *,
    copies_elsewhere: int = 0,
    same_author_copies: int = 0,
    rules: ScoringRules = ScoringRules(),
) -> CommentVerdict:
    """Score one comment.

    `copies_elsewhere`: how many other stored comments (any author) have the same normalised text;
    `same_author_copies`: how many of those are by the same author. Spam when the comment carries a link to a
    domain not allowed, a blocklisted phrase, or repeated text (long enough and seen `repeat_min_copies` times
    in all, or posted again by the same author). Abusive when VADER scores it at or below `very_negative_max`
    *and* it contains an abusive word; either alone is only criticism or slang.
    """
    score = sentiment_score(text)
    reasons: list[str] = []
    links = links_in(text, rules.allowed_link_domains)
    if links:
        reasons.append("link: " + ", ".join(links[:3]))
    spam_hits = matched_phrases(text, rules.spam_words)
    if spam_hits:
        reasons.append("blocklisted: " + ", ".join(spam_hits))
    long_enough = len(normalise_text(text)) >= rules.repeat_min_chars
    if long_enough and (copies_elsewhere + 1 >= rules.repeat_min_copies or same_author_copies >= 1):
        reasons.append(f"repeated text ({copies_elsewhere + 1} copies)")
    is_spam = bool(reasons)
    abuse_hits = matched_phrases(text, rules.abuse_words)
    is_abusive = bool(abuse_hits) and score <= rules.very_negative_max
    if is_abusive:
        reasons.append(f"abusive: {', '.join(abuse_hits)} (sentiment {score:+.2f})")
    return CommentVerdict(
        sentiment=score,
        label=sentiment_label(score),
        is_spam=is_spam,
        is_abusive=is_abusive,
        is_question=bool(_QUESTION.search(text)),
        reasons=reasons,
    )


class Triage:
    """The triage states (community.models.Comment.Status uses the same values)."""

    NEW = "new"
    NEEDS_REPLY = "needs_reply"
    REPLIED = "replied"
    IGNORED = "ignored"
    ESCALATED = "escalated"


def initial_triage(verdict: CommentVerdict) -> str:
    """Where a freshly synced comment starts: abuse goes to an editor, spam is set aside, questions wait for a
    reply, everything else is new for a VA to look at."""
    if verdict.is_abusive:
        return Triage.ESCALATED
    if verdict.is_spam:
        return Triage.IGNORED
    if verdict.is_question:
        return Triage.NEEDS_REPLY
    return Triage.NEW


def is_superfan(positive_by_video: Mapping[str, int], *, min_positive: int, min_videos: int = 2) -> bool:
    """A superfan left at least `min_positive` positive comments, spread over at least `min_videos` videos:
    loyalty across releases, not one enthusiastic thread."""
    counted = {video: n for video, n in positive_by_video.items() if n > 0}
    return sum(counted.values()) >= min_positive and len(counted) >= min_videos
