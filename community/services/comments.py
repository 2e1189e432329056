"""YouTube comments: sync per video and per account, scoring, commenters and superfans, triage."""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from community import conf
from community.models import Comment, Commenter, CommentSyncState
from community.services.youtube import youtube_publications
from distribution.models import PlatformAccount, Publication
from distribution.platforms import youtube as yt
from lofi_site import text_scoring
from lofi_site.actors import Actor, actor_user


def _fingerprint(text: str) -> str:
    return hashlib.sha256(text_scoring.normalise_text(text).encode()).hexdigest()


def _parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _commenter_key(thread: yt.CommentThread) -> str:
    return thread.author_channel_id or f"name:{thread.author}"[:120]


def comments_sync_publication(*, publication: Publication, client: yt.YouTubeClient) -> int:
    """Read the comment threads of one published video that are newer than the newest one stored, score them
    and store them. Returns how many comments were new.

    Threads come newest first; paging stops at the first page holding a thread not newer than the stored
    watermark, and after COMMUNITY_COMMENT_SYNC_MAX_PAGES pages. A thread stored before is never stored twice
    (unique thread id). The watermark only moves once the comments are saved.
    """
    state, _ = CommentSyncState.objects.get_or_create(publication=publication)
    threads: list[yt.CommentThread] = []
    token, pages = None, 0
    while pages < conf.comment_sync_max_pages():
        page = client.comment_threads(
            publication.external_id, page_token=token, published_after=state.newest_published_at
        )
        pages += 1
        threads.extend(page.threads)
        token = page.next_page_token
        if not token:
            break
    created = _comments_store(publication=publication, threads=threads)
    newest = max((_parse_time(t.published_at) for t in threads if t.published_at), default=None)
    updates = {"last_synced_at": timezone.now(), "last_error": "", "pages_read": pages}
    if newest and (state.newest_published_at is None or newest > state.newest_published_at):
        updates["newest_published_at"] = newest
    CommentSyncState.objects.filter(pk=state.pk).update(**updates)
    return created


@transaction.atomic
def _comments_store(*, publication: Publication, threads: list[yt.CommentThread]) -> int:
    known = set(
        Comment.objects.filter(youtube_thread_id__in=[t.thread_id for t in threads]).values_list(
            "youtube_thread_id", flat=True
        )
    )
    fresh = [t for t in reversed(threads) if t.thread_id not in known]  # oldest first: copies count in order
    if not fresh:
        return 0
    rules = conf.scoring_rules()
    commenters = _commenters_ensure(fresh)
    fingerprints = {t.thread_id: _fingerprint(t.text) for t in fresh}
    # Copies already stored, in one query: by text, and by text and author.
    stored: Counter[str] = Counter()
    stored_by_author: Counter[tuple[str, str]] = Counter()
    for fp, channel_id in Comment.objects.filter(text_fingerprint__in=set(fingerprints.values())).values_list(
        "text_fingerprint", "commenter__channel_id"
    ):
        stored[fp] += 1
        stored_by_author[(fp, channel_id)] += 1
    rows = []
    for thread in fresh:
        fp, author = fingerprints[thread.thread_id], _commenter_key(thread)
        verdict = text_scoring.comment_verdict(
            thread.text,
            copies_elsewhere=stored[fp],
            same_author_copies=stored_by_author[(fp, author)],
            rules=rules,
        )
        stored[fp] += 1
        stored_by_author[(fp, author)] += 1
        rows.append(
            Comment(
                publication=publication,
                commenter=commenters[author],
                youtube_thread_id=thread.thread_id,
                youtube_comment_id=thread.top_comment_id,
                author_name=thread.author[:200],
                text=thread.text,
                published_at=_parse_time(thread.published_at) if thread.published_at else timezone.now(),
                like_count=thread.like_count,
                reply_count=thread.reply_count,
                sentiment=verdict.sentiment,
                sentiment_label=verdict.label,
                is_spam=verdict.is_spam,
                is_abusive=verdict.is_abusive,
                flags=verdict.reasons,
                text_fingerprint=fp,
                status=text_scoring.initial_triage(verdict),
            )
        )
    Comment.objects.bulk_create(rows, ignore_conflicts=True)
    commenters_refresh(commenter_ids=[c.pk for c in commenters.values()])
    return len(rows)


def _commenters_ensure(threads: list[yt.CommentThread]) -> dict[str, Commenter]:
    names = {_commenter_key(t): t.author[:200] for t in threads}
    existing = {c.channel_id: c for c in Commenter.objects.filter(channel_id__in=names)}
    Commenter.objects.bulk_create(
        [Commenter(channel_id=key, display_name=name or key) for key, name in names.items() if key not in existing],
        ignore_conflicts=True,
    )
    commenters = {c.channel_id: c for c in Commenter.objects.filter(channel_id__in=names)}
    for key, commenter in commenters.items():  # people rename their channels: keep the newest name
        if names[key] and commenter.display_name != names[key]:
            commenter.display_name = names[key]
            commenter.save(update_fields=["display_name", "updated_at"])
    return commenters


@transaction.atomic
def commenters_refresh(*, commenter_ids: Iterable[int]) -> None:
    """Recount comments, positive comments and videos per commenter and decide who is a superfan. Spam and
    abuse do not count as positive, whatever their score."""
    ids = list(commenter_ids)
    positive = Q(sentiment_label=Comment.Sentiment.POSITIVE, is_spam=False, is_abusive=False)
    by_video: dict[int, dict[str, int]] = defaultdict(dict)
    for commenter_id, publication_id, n in (
        Comment.objects.filter(positive, commenter_id__in=ids)
        .values_list("commenter_id", "publication_id")
        .annotate(n=Count("id"))
        .order_by()
    ):
        by_video[commenter_id][str(publication_id)] = n
    totals = {
        row["pk"]: row
        for row in Commenter.objects.filter(pk__in=ids)
        .values("pk")
        .annotate(total=Count("comments"), last=Max("comments__published_at"))
    }
    for commenter in Commenter.objects.filter(pk__in=ids):
        videos = by_video.get(commenter.pk, {})
        commenter.comment_count = totals[commenter.pk]["total"]
        commenter.last_comment_at = totals[commenter.pk]["last"]
        commenter.positive_count = sum(videos.values())
        commenter.positive_videos = len(videos)
        commenter.is_superfan = text_scoring.is_superfan(
            videos, min_positive=conf.superfan_min_positive(), min_videos=conf.superfan_min_videos()
        )
        commenter.save(
            update_fields=[
                "comment_count",
                "last_comment_at",
                "positive_count",
                "positive_videos",
                "is_superfan",
                "updated_at",
            ]
        )


@dataclass(frozen=True)
class SyncReport:
    videos: int
    new_comments: int
    errors: list[str]


def _due_for_comment_sync(publications: Iterable[Publication], now: datetime) -> list[Publication]:
    """Recent videos every run; older ones once a day. Every video costs a quota unit per run, and old videos
    get few comments: syncing them hourly would spend a channel's quota on nothing."""
    recent_after = now - timedelta(days=conf.comment_sync_recent_days())
    synced = dict(
        CommentSyncState.objects.filter(publication__in=[p.pk for p in publications]).values_list(
            "publication_id", "last_synced_at"
        )
    )
    due = []
    for publication in publications:
        last = synced.get(publication.pk)
        recent = publication.published_at is None or publication.published_at >= recent_after
        if recent or last is None or last <= now - timedelta(hours=23):
            due.append(publication)
    return due


def comments_sync_all(*, http=None) -> SyncReport:
    """Sync the comments of published YouTube videos, account by account: recent videos every run, older ones
    once a day. A video that fails is noted on its sync state and the others go on; a spent quota, or a
    quota down to the reserve kept for uploads, stops that account until the next run."""
    from distribution.services.youtube import youtube_client

    now = timezone.now()
    by_account: dict[int, list[Publication]] = defaultdict(list)
    accounts: dict[int, PlatformAccount] = {}
    for publication in _due_for_comment_sync(list(youtube_publications()), now):
        by_account[publication.account_id].append(publication)
        accounts[publication.account_id] = publication.account
    videos = new = 0
    errors: list[str] = []
    for account_id, publications in by_account.items():
        account = accounts[account_id]
        try:
            with youtube_client(account=account, http=http) as client:
                for publication in publications:
                    if client.ledger is not None and client.ledger.remaining(now) <= conf.quota_reserve_units():
                        errors.append(f"{account}: daily quota down to the reserve kept for uploads")
                        break
                    try:
                        new += comments_sync_publication(publication=publication, client=client)
                        videos += 1
                    except yt.QuotaExceeded:
                        raise
                    except yt.YouTubeError as error:
                        errors.append(f"{publication}: {error}")
                        CommentSyncState.objects.filter(publication=publication).update(last_error=str(error)[:2000])
        except yt.QuotaExceeded as error:
            errors.append(f"{account}: {error}")
        except ValidationError as error:  # not connected
            errors.append(f"{account}: {'; '.join(error.messages)}")
    return SyncReport(videos=videos, new_comments=new, errors=errors)


@transaction.atomic
def comment_triage(*, comment: Comment, status: str, actor: Actor) -> Comment:
    """Set a comment's triage state (new, needs reply, replied, ignored, escalated). Idempotent."""
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    if status not in Comment.Status.values:
        raise ValidationError(f"Unknown triage state {status!r}.")
    if comment.status != status:
        comment.status = status
        comment.triaged_by = actor_user(actor)
        comment.triaged_at = timezone.now()
        comment.save(update_fields=["status", "triaged_by", "triaged_at", "updated_at"])
    return comment
