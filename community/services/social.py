"""Hand-made social posts of a release: caption, checklist, the live URL recorded, cancelling."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone

from catalog.models import Release
from community.audit_verbs import CommunityVerb
from community.engine import captions
from community.models import SocialPost
from distribution.models import MetadataPlatform, Platform, Publication, ReleaseMetadata
from lofi_site.actors import Actor, actor_user
from operations.services import audit_log, checklist_attach

SOCIAL_POST_CHECKLIST = "social-post"  # standing data: community/procedures.py


def _release_caption(release: Release, platform: str) -> str:
    metadata = {m.platform: m for m in ReleaseMetadata.objects.filter(release=release)}
    chosen = metadata.get(MetadataPlatform.YOUTUBE) or metadata.get(MetadataPlatform.DISTRIBUTOR)
    youtube = (
        Publication.objects.filter(Publication.OPEN, release=release, account__platform=Platform.YOUTUBE)
        .exclude(external_url="")
        .first()
    )
    return captions.social_caption(
        platform=platform,
        title=chosen.title if chosen else release.title,
        artist=release.artist.name,
        tags=chosen.tags if chosen else [],
        link=youtube.external_url if youtube else "",
        ai_disclosure=chosen.ai_disclosure if chosen else "",
    )


@transaction.atomic
def social_post_schedule(
    *, release: Release, platform: str, scheduled_at: datetime, actor: Actor, assignee=None
) -> SocialPost:
    """Plan a hand-made post of `release` on `platform` at `scheduled_at`: the caption is written from the
    release's metadata and the "social-post" checklist is attached, due at the post time.

    Idempotent per (release, platform, time). No platform API is called: these platforms need app review.
    """
    post = SocialPost.objects.filter(release=release, platform=platform, scheduled_at=scheduled_at).first()
    if post is None:
        post = SocialPost(
            release=release,
            platform=platform,
            scheduled_at=scheduled_at,
            caption=_release_caption(release, platform),
            created_by=actor_user(actor),
        )
        post.full_clean()
        post.save()
        audit_log(
            actor=actor,
            verb=CommunityVerb.SOCIAL_POST_SCHEDULED,
            obj=post,
            summary=f"{post.get_platform_display()} post planned for {scheduled_at:%Y-%m-%d %H:%M}",
        )
    checklist_attach(template_slug=SOCIAL_POST_CHECKLIST, obj=post, assignee=assignee, due_at=scheduled_at)
    return post


URL_HOSTS: dict[str, tuple[str, ...]] = {
    SocialPost.Platform.INSTAGRAM: ("instagram.com",),
    SocialPost.Platform.TIKTOK: ("tiktok.com",),
    SocialPost.Platform.X: ("x.com", "twitter.com"),
    SocialPost.Platform.REDDIT: ("reddit.com", "redd.it"),
}


@transaction.atomic
def social_post_record_url(*, post: SocialPost, actor: Actor, url: str) -> SocialPost:
    """The VA records where the post went live; the post becomes "posted". The URL must be an https link on
    the post's platform. Recording again replaces the URL (a typo fixed)."""
    from urllib.parse import urlparse

    post = SocialPost.objects.select_for_update().get(pk=post.pk)
    if post.status == SocialPost.Status.CANCELLED:
        raise ValidationError("This post was cancelled.")
    url = url.strip()
    URLValidator(schemes=["https"])(url)
    host = (urlparse(url).hostname or "").lower()
    hosts = URL_HOSTS[post.platform]
    if not any(host == h or host.endswith("." + h) for h in hosts):
        raise ValidationError(f"This is not a {post.get_platform_display()} link (expected {', '.join(hosts)}).")
    old = post.posted_url
    post.posted_url = url
    post.status = SocialPost.Status.POSTED
    post.posted_at = post.posted_at or timezone.now()
    post.posted_by = actor_user(actor)
    post.save(update_fields=["posted_url", "status", "posted_at", "posted_by", "updated_at"])
    audit_log(
        actor=actor,
        verb=CommunityVerb.SOCIAL_POST_POSTED,
        obj=post,
        summary=f"Posted: {url}",
        changes={"posted_url": [old, url]},
    )
    return post


@transaction.atomic
def social_post_cancel(*, post: SocialPost, actor: Actor) -> SocialPost:
    post = SocialPost.objects.select_for_update().get(pk=post.pk)
    if post.status == SocialPost.Status.POSTED:
        raise ValidationError("This post is already live; delete it on the platform instead.")
    if post.status != SocialPost.Status.CANCELLED:
        post.status = SocialPost.Status.CANCELLED
        post.save(update_fields=["status", "updated_at"])
        audit_log(actor=actor, verb=CommunityVerb.SOCIAL_POST_CANCELLED, obj=post, summary="Cancelled")
    return post
