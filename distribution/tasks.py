"""django-q2 entry points. Thin: load by id, call one service; a redelivery finds nothing left to do."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from catalog.models import Release
from distribution.models import PlatformAccount, Publication, ReleaseMedia
from distribution.services import delivery as delivery_services
from distribution.services import publishing
from distribution.services import release_media as media_services


def publications_run_due_task() -> None:
    """Every minute (Schedule from migrations/0002): claim due publications and enqueue their runs."""
    publishing.publications_run_due()


def publication_publish_task(publication_id: int) -> None:
    """One attempt of a claimed publication. Anything no longer "publishing" is left alone."""
    publication = Publication.objects.filter(pk=publication_id, status=Publication.Status.PUBLISHING).first()
    if publication is None:
        return
    publishing.publication_publish(publication=publication)


def publications_sync_status_task() -> None:
    """Hourly: read processing and privacy states of recent YouTube videos back."""
    publishing.publications_sync_status()


def release_artwork_generate_task(release_id: int, revision: int) -> None:
    release = Release.objects.filter(pk=release_id).select_related("artist").first()
    if release is None:
        return
    media_services.release_artwork_generate(release=release, revision=revision)


def release_video_render_task(release_id: int) -> None:
    media = (
        ReleaseMedia.objects.filter(release_id=release_id, video_status=ReleaseMedia.VideoStatus.QUEUED)
        .select_related("release__artist")
        .first()
    )
    if media is None:
        return
    media_services.release_video_render(release=media.release)


def delivery_package_build_task(release_id: int, account_id: int) -> None:
    release = Release.objects.filter(pk=release_id).select_related("artist").first()
    account = PlatformAccount.objects.filter(pk=account_id).first()
    if release is None or account is None:
        return
    try:
        delivery_services.delivery_package_build(release=release, account=account)
    except ValidationError:
        return  # the package row says "failed" and why; running it again would fail the same way
