"""The settings community reads, each with a default that serves `make run`.

Read through these functions (never `settings.X` directly) so tests can override them with pytest-django's
`settings` fixture and the defaults live in one place.
"""

from __future__ import annotations

from django.conf import settings

from community.engine import upload_times
from lofi_site import text_scoring


def _get(name: str, default):
    return getattr(settings, name, default)


def scoring_rules() -> text_scoring.ScoringRules:
    """Spam and abuse vocabularies (COMMUNITY_SPAM_WORDS, COMMUNITY_ABUSE_WORDS), links allowed in
    comments."""
    return text_scoring.ScoringRules(
        spam_words=tuple(_get("COMMUNITY_SPAM_WORDS", text_scoring.DEFAULT_SPAM_WORDS)),
        abuse_words=tuple(_get("COMMUNITY_ABUSE_WORDS", text_scoring.DEFAULT_ABUSE_WORDS)),
        allowed_link_domains=tuple(_get("COMMUNITY_ALLOWED_LINK_DOMAINS", ("youtube.com", "youtu.be"))),
    )


def superfan_min_positive() -> int:
    """Positive comments (across at least superfan_min_videos() videos) that make a commenter a superfan."""
    return int(_get("COMMUNITY_SUPERFAN_MIN_POSITIVE", 3))


def superfan_min_videos() -> int:
    return int(_get("COMMUNITY_SUPERFAN_MIN_VIDEOS", 2))


def comment_sync_max_pages() -> int:
    """Pages (100 threads each, 1 quota unit each) one video's sync reads at most per run."""
    return int(_get("COMMUNITY_COMMENT_SYNC_MAX_PAGES", 20))


def comment_sync_recent_days() -> int:
    """Videos published within this many days are synced every hour; older ones once a day."""
    return int(_get("COMMUNITY_COMMENT_SYNC_RECENT_DAYS", 30))


def quota_reserve_units() -> int:
    """YouTube quota units comment sync and replies leave untouched each day, so an upload (1600 units)
    still fits."""
    return int(_get("COMMUNITY_QUOTA_RESERVE_UNITS", 2000))


def reply_posting_stale_s() -> int:
    """A reply still 'posting' after this long was interrupted mid-call: its outcome is unknown."""
    return int(_get("COMMUNITY_REPLY_POSTING_STALE_S", 30 * 60))


def request_rate_limit_per_hour() -> int:
    """Track requests one client address may submit per hour."""
    return int(_get("TRACK_REQUEST_RATE_LIMIT_PER_HOUR", 5))


def vote_rate_limit_per_hour() -> int:
    return int(_get("TRACK_REQUEST_VOTE_RATE_LIMIT_PER_HOUR", 60))


def request_render_duration_s() -> float:
    """Length of the track an editor's one-click brief renders for a request."""
    return float(_get("TRACK_REQUEST_RENDER_DURATION_S", 150))


def newsletter_rate_limit_per_hour() -> int:
    """Sign-ups per client address per hour (and separately per e-mail address)."""
    return int(_get("NEWSLETTER_RATE_LIMIT_PER_HOUR", 5))


def confirm_max_age_s() -> int:
    """How long the double opt-in confirmation link works."""
    return int(float(_get("NEWSLETTER_CONFIRM_MAX_AGE_H", 48)) * 3600)


def lead_magnet_link_max_age_s() -> int:
    """How long the lead magnet's signed download link works."""
    return int(float(_get("LEAD_MAGNET_LINK_MAX_AGE_H", 72)) * 3600)


def campaign_batch_size() -> int:
    """Recipients one run of the campaign task sends to before it queues the next run."""
    return max(1, int(_get("NEWSLETTER_BATCH_SIZE", 100)))


def campaign_claim_stale_s() -> int:
    """A delivery claimed longer ago than this belongs to a worker that died: another run may send it."""
    return int(_get("NEWSLETTER_CLAIM_STALE_S", int(settings.Q_CLUSTER.get("timeout", 1800)) + 60))


def best_upload_defaults() -> list[tuple[int, int]]:
    """BEST_UPLOAD_DEFAULTS: weekday/hour slots (e.g. [("Friday", 17)]) suggested while history is thin."""
    return upload_times.parse_defaults(_get("BEST_UPLOAD_DEFAULTS", upload_times.FALLBACK_DEFAULTS))


def best_upload_min_videos() -> int:
    """Published videos with a week of statistics needed before suggestions come from the label's history."""
    return int(_get("BEST_UPLOAD_MIN_VIDEOS", 8))
