"""Replies to comments: standard templates, draft, edit, approve (editors), reject, post to YouTube."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from community import conf
from community.audit_verbs import CommunityVerb
from community.engine.templating import render_reply
from community.models import Comment, Reply, ReplyTemplate
from community.services.comments import comment_triage
from community.services.common import require_permission
from community.services.youtube import quota_reserve_left
from distribution.platforms import youtube as yt
from lofi_site.actors import Actor, actor_user
from lofi_site.queue import enqueue
from operations.services import audit_log

logger = logging.getLogger(__name__)

APPROVE_REPLY_PERMISSION = "community.approve_reply"
REPLY_POST_TASK = "community.tasks.reply_post_task"


def reply_context(comment: Comment) -> dict[str, str]:
    """Values for a reply template's placeholders, from the comment's video and release."""
    publication = comment.publication
    release = publication.release
    tracks = list(release.release_tracks.select_related("track").order_by("position")[:2])
    track_title = tracks[0].track.title if len(tracks) == 1 else release.title
    account = publication.account
    return {
        "author": comment.author_name,
        "track_title": track_title,
        "release_title": release.title,
        "channel": account.external_account_name or account.name,
    }


# Answers most comments need; the cockpit edits them. Created once by name (edited templates stay as edited).
STANDARD_REPLY_TEMPLATES = {
    "Thanks": "Thank you {author}! Glad {track_title} keeps you company. New music on {channel} every week.",
    "Track ID": "Hi {author}, this is {track_title} from {release_title}. It is on the streaming services too.",
    "Licensing": "Hi {author}, thanks for asking! Licences for videos, streams and podcasts are on our "
    "website (link in the channel description): each comes with a certificate you can show if a platform "
    "asks.",
    "Request noted": "Thanks {author}! Add it on our track requests page (link in the channel description) "
    "so others can upvote it: the most wanted requests are made first.",
}


@transaction.atomic
def reply_templates_ensure() -> list[ReplyTemplate]:
    """Create the standard reply templates that do not exist yet (by name); returns the ones created."""
    existing = set(ReplyTemplate.objects.values_list("name", flat=True))
    created = []
    for name, body in STANDARD_REPLY_TEMPLATES.items():
        if name in existing:
            continue
        template = ReplyTemplate(name=name, body=body)
        template.full_clean()
        template.save()
        created.append(template)
    return created


class ReplyNotApproved(ValidationError):
    """Posting was asked for a reply an editor has not approved (or whose text changed since)."""


@transaction.atomic
def reply_draft(*, comment: Comment, actor: Actor, text: str = "", template: ReplyTemplate | None = None) -> Reply:
    """Draft a reply to a comment, from `text` or else from `template` filled in for this comment.

    Idempotent per comment: an open reply (not rejected) is returned as it is. Drafting moves a "new" comment
    to "needs reply".
    """
    comment = (
        Comment.objects.select_for_update(of=("self",))  # the comment, not its video's rows
        .select_related("publication__release", "publication__account")
        .get(pk=comment.pk)
    )
    existing = comment.replies.exclude(status=Reply.Status.REJECTED).first()
    if existing is not None:
        return existing
    if not text.strip() and template is not None:
        text = render_reply(template.body, reply_context(comment))
    reply = Reply(
        comment=comment,
        template=template,
        text=text.strip(),
        drafted_by=actor_user(actor),
    )
    reply.full_clean()
    reply.save()
    if comment.status == Comment.Status.NEW:
        comment_triage(comment=comment, status=Comment.Status.NEEDS_REPLY, actor=actor)
    return reply


@transaction.atomic
def reply_update(*, reply: Reply, actor: Actor, text: str) -> Reply:
    """Change a reply's text. A changed text of an approved or failed reply goes back to draft: the editor's
    approval was for the old words. Posted and rejected replies cannot change."""
    reply = Reply.objects.select_for_update().get(pk=reply.pk)
    text = text.strip()
    if text == reply.text:
        return reply
    if reply.status in (Reply.Status.POSTED, Reply.Status.POSTING, Reply.Status.REJECTED):
        raise ValidationError(f"A {reply.get_status_display().lower()} reply cannot be edited.")
    reply.text = text
    if reply.status != Reply.Status.DRAFT:
        reply.status = Reply.Status.DRAFT
        reply.approved_by = None
        reply.approved_at = None
        reply.approved_text = ""
    reply.full_clean()
    reply.save()
    return reply


@transaction.atomic
def reply_approve(*, reply: Reply, actor: Actor) -> Reply:
    """An editor approves a draft (or a failed reply, to try again): the exact text is recorded and the post
    task is queued. Raises PermissionDenied without `community.approve_reply` (VAs draft, editors approve)."""
    require_permission(actor, APPROVE_REPLY_PERMISSION, "approve replies")
    reply = Reply.objects.select_for_update().get(pk=reply.pk)
    if reply.status in (Reply.Status.APPROVED, Reply.Status.POSTING, Reply.Status.POSTED):
        return reply
    if reply.status == Reply.Status.REJECTED:
        raise ValidationError("A rejected reply cannot be approved; draft a new one.")
    if not reply.text.strip():
        raise ValidationError("An empty reply cannot be approved.")
    old = reply.status
    reply.status = Reply.Status.APPROVED
    reply.approved_by = actor_user(actor)
    reply.approved_at = timezone.now()
    reply.approved_text = reply.text
    reply.error = ""
    reply.save()
    audit_log(
        actor=actor,
        verb=CommunityVerb.REPLY_APPROVED,
        obj=reply,
        summary=f"Approved: {reply.text[:200]}",
        changes={"status": [old, Reply.Status.APPROVED]},
    )
    enqueue(REPLY_POST_TASK, reply.pk)
    return reply


@transaction.atomic
def reply_reject(*, reply: Reply, actor: Actor, reason: str = "") -> Reply:
    """An editor turns a draft down; the comment may get a new draft."""
    require_permission(actor, APPROVE_REPLY_PERMISSION, "reject replies")
    reply = Reply.objects.select_for_update().get(pk=reply.pk)
    if reply.status == Reply.Status.REJECTED:
        return reply
    if reply.status in (Reply.Status.POSTING, Reply.Status.POSTED):
        raise ValidationError("A reply already posted cannot be rejected.")
    old = reply.status
    reply.status = Reply.Status.REJECTED
    reply.error = reason[:2000]
    reply.save(update_fields=["status", "error", "updated_at"])
    audit_log(
        actor=actor,
        verb=CommunityVerb.REPLY_REJECTED,
        obj=reply,
        summary=f"Rejected{': ' + reason if reason else ''}",
        changes={"status": [old, Reply.Status.REJECTED]},
    )
    return reply


def reply_post(*, reply: Reply, client: yt.YouTubeClient) -> Reply:
    """Post an approved reply under its comment with comments.insert.

    Guarantees: nothing is posted unless the reply is approved and its text is exactly the approved text
    (raises ReplyNotApproved otherwise, before any call); one run claims the reply, so a duplicate task posts
    nothing; on success the reply is posted with YouTube's comment id and the comment is "replied"; a spent
    quota puts it back to approved for the next run; any other refusal marks it failed with the reason.
    """
    reply.refresh_from_db()
    if reply.status != Reply.Status.APPROVED or not reply.approved_text or reply.approved_text != reply.text:
        raise ReplyNotApproved(
            f"Only replies an editor approved are posted; this one is {reply.get_status_display().lower()}."
        )
    claimed = Reply.objects.filter(pk=reply.pk, status=Reply.Status.APPROVED, approved_text=reply.text).update(
        status=Reply.Status.POSTING, claimed_at=timezone.now()
    )
    if not claimed:
        reply.refresh_from_db()
        return reply
    comment = Comment.objects.get(pk=reply.comment_id)
    try:
        youtube_id = client.insert_reply(comment.youtube_comment_id, reply.approved_text)
    except yt.QuotaExceeded as error:
        Reply.objects.filter(pk=reply.pk).update(
            status=Reply.Status.APPROVED, claimed_at=None, error=f"Waiting for quota: {error}"[:2000]
        )
        reply.refresh_from_db()
        return reply
    except yt.YouTubeError as error:
        Reply.objects.filter(pk=reply.pk).update(status=Reply.Status.FAILED, error=str(error)[:2000])
        reply.refresh_from_db()
        return reply
    with transaction.atomic():
        Reply.objects.filter(pk=reply.pk).update(
            status=Reply.Status.POSTED, posted_at=timezone.now(), youtube_comment_id=youtube_id, error=""
        )
        reply.refresh_from_db()
        comment_triage(comment=comment, status=Comment.Status.REPLIED, actor=None)
        audit_log(
            actor=None,
            verb=CommunityVerb.REPLY_POSTED,
            obj=reply,
            summary=f"Posted on YouTube as {youtube_id}",
            changes={"status": [Reply.Status.APPROVED, Reply.Status.POSTED]},
        )
    return reply


def reply_post_now(*, reply: Reply, http=None) -> Reply:
    """Post one approved reply with its channel's client (the post task)."""
    from distribution.services.youtube import youtube_client

    reply = Reply.objects.select_related("comment__publication__account").get(pk=reply.pk)
    account = reply.comment.publication.account
    if reply.status == Reply.Status.APPROVED and not quota_reserve_left(account):
        Reply.objects.filter(pk=reply.pk).update(error="Waiting for quota: the day's reserve is kept for uploads.")
        reply.refresh_from_db()
        return reply  # still approved: the hourly run posts it once the quota resets
    with youtube_client(account=account, http=http) as client:
        return reply_post(reply=reply, client=client)


def replies_post_pending(*, http=None) -> int:
    """Post approved replies left waiting (quota ran out, a task was lost) and fail replies stuck "posting"
    past COMMUNITY_REPLY_POSTING_STALE_S: the call may or may not have reached YouTube, so an editor checks
    the video before approving again. Returns how many replies were posted."""
    stale = timezone.now() - timedelta(seconds=conf.reply_posting_stale_s())
    Reply.objects.filter(status=Reply.Status.POSTING, claimed_at__lt=stale).update(
        status=Reply.Status.FAILED,
        error="Interrupted while posting: check on YouTube whether it appeared before approving it again.",
    )
    posted = 0
    for reply in Reply.objects.filter(status=Reply.Status.APPROVED).order_by("approved_at"):
        try:
            posted += reply_post_now(reply=reply, http=http).status == Reply.Status.POSTED
        except (yt.QuotaExceeded, ValidationError) as error:
            logger.info("reply %s not posted: %s", reply.pk, error)
    return posted
