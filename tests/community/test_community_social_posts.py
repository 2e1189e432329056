"""Social posts: caption from the release's metadata, a VA checklist instead of pretend API calls, the clip as
a cockpit download, and the posted URL recorded by the VA."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from community import services
from community.models import SocialPost
from distribution.models import MetadataPlatform, ReleaseMedia, ReleaseMetadata
from operations.models import Checklist
from tests.community.factories import PublishedVideoFactory
from tests.factories import ArtistFactory, ReleaseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def release():
    release = ReleaseFactory(title="Rainy Window", artist=ArtistFactory(name="Mori"))
    ReleaseMetadata.objects.create(
        release=release,
        platform=MetadataPlatform.YOUTUBE,
        title="Rainy Window · lofi beats to study to",
        description="Slow beats.",
        tags=["lofi", "study music"],
        ai_disclosure="Made with our own generative tools.",
    )
    PublishedVideoFactory(release=release, external_url="https://www.youtube.com/watch?v=abc123")
    return release


def test_scheduling_writes_the_caption_and_attaches_the_va_checklist(editor, release):
    at = timezone.now() + timedelta(days=1)

    post = services.social_post_schedule(release=release, platform="instagram", scheduled_at=at, actor=editor)

    assert post.caption.startswith("Rainy Window · lofi beats to study to by Mori")
    assert "Made with our own generative tools." in post.caption
    assert "https://www.youtube.com/watch?v=abc123" in post.caption and "#studymusic" in post.caption
    checklist = Checklist.objects.get(template__slug="social-post", object_id=str(post.pk))
    assert checklist.due_at == at
    assert [i.title for i in checklist.items.order_by("position")][-2] == "Record the posted URL"


def test_scheduling_twice_is_one_post_and_one_checklist(editor, release):
    at = timezone.now() + timedelta(days=1)

    services.social_post_schedule(release=release, platform="x", scheduled_at=at, actor=editor)
    services.social_post_schedule(release=release, platform="x", scheduled_at=at, actor=editor)

    assert SocialPost.objects.count() == 1
    assert Checklist.objects.filter(template__slug="social-post").count() == 1
    assert len(SocialPost.objects.get().caption) <= 280


def test_the_va_records_the_posted_url_in_the_cockpit(client, va, release):
    post = services.social_post_schedule(release=release, platform="tiktok", scheduled_at=timezone.now(), actor=None)
    client.force_login(va)
    url = reverse("admin:community_socialpost_change", args=[post.pk])

    page = client.get(url).content.decode()
    assert "Rainy Window" in page and "Download the clip" in page
    response = client.post(url, {"record_posted_url": "https://www.tiktok.com/@lantern/video/123"})

    assert response.status_code == 302
    post.refresh_from_db()
    assert post.status == SocialPost.Status.POSTED and post.posted_by == va
    assert post.posted_url == "https://www.tiktok.com/@lantern/video/123"


def test_a_url_from_another_platform_is_refused(release):
    post = services.social_post_schedule(release=release, platform="reddit", scheduled_at=timezone.now(), actor=None)

    with pytest.raises(ValidationError, match="not a Reddit link"):
        services.social_post_record_url(post=post, actor=None, url="https://www.instagram.com/p/xyz/")
    post.refresh_from_db()
    assert post.status == SocialPost.Status.SCHEDULED


def test_the_vertical_clip_downloads_from_the_cockpit(client, va, release):
    media = ReleaseMedia.objects.create(release=release)
    media.preview_clip.save("vertical.mp4", ContentFile(b"\x00\x00\x00\x18ftypmp42"), save=True)
    post = services.social_post_schedule(release=release, platform="instagram", scheduled_at=timezone.now(), actor=None)
    client.force_login(va)

    response = client.get(reverse("admin:community_socialpost_clip", args=[post.pk]))

    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    assert b"ftypmp42" in b"".join(response.streaming_content)


def test_no_clip_yet_is_a_clear_404(client, va, release):
    post = services.social_post_schedule(release=release, platform="instagram", scheduled_at=timezone.now(), actor=None)
    client.force_login(va)

    assert client.get(reverse("admin:community_socialpost_clip", args=[post.pk])).status_code == 404


def test_the_social_post_template_comes_from_the_migration():
    from operations.models import ChecklistTemplate

    template = ChecklistTemplate.objects.get(slug="social-post")
    assert template.items.filter(role="VA").count() == template.items.count() >= 3


def test_an_editor_schedules_a_post_for_a_va_and_it_lands_in_their_work(client, editor, va, release):
    from operations.selectors import work_items_open_for

    at = timezone.now() + timedelta(days=2)
    client.force_login(editor)

    response = client.post(
        reverse("admin:community_socialpost_add"),
        {
            "release": release.pk,
            "platform": "instagram",
            "scheduled_at_0": at.strftime("%Y-%m-%d"),
            "scheduled_at_1": at.strftime("%H:%M:%S"),
            "assignee": va.pk,
        },
    )

    assert response.status_code == 302
    post = SocialPost.objects.get()
    work = list(work_items_open_for(va))
    assert work and {item.checklist.object_id for item in work} == {str(post.pk)}
    assert "Download the clip and copy the caption" in {item.title for item in work}
