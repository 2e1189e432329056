"""The publications screen: status per platform, the VA's manual-upload URL, editors' retry, fixed queries."""

from __future__ import annotations

import pytest
from django.urls import reverse

from catalog.models import Release
from distribution import services
from distribution.models import Platform, Publication
from tests.distribution.conftest import build_release
from tests.distribution.factories import PlatformAccountFactory, PublicationFactory

pytestmark = pytest.mark.django_db

NO_ATTEMPTS = {
    "attempt_log-TOTAL_FORMS": 0,
    "attempt_log-INITIAL_FORMS": 0,
    "attempt_log-MIN_NUM_FORMS": 0,
    "attempt_log-MAX_NUM_FORMS": 1000,
}


@pytest.fixture
def manual(editor):
    release = build_release(kind="ep", tracks=2)
    Release.objects.filter(pk=release.pk).update(status=Release.Status.SCHEDULED)
    services.release_metadata_generate(release=release, actor=editor)
    account = PlatformAccountFactory(name="DistroKid", platform=Platform.DISTROKID)
    return PublicationFactory(release=release, account=account, status=Publication.Status.MANUAL, run_at=None)


def test_a_va_pastes_the_url_of_a_manual_upload_and_it_is_published(client, va, manual):
    client.force_login(va)
    url = reverse("admin:distribution_publication_change", args=[manual.pk])

    page = client.get(url).content.decode()
    refused = client.post(url, {"external_url": "http://distrokid.com/hyperfollow/x", **NO_ATTEMPTS})
    saved = client.post(url, {"external_url": "https://distrokid.com/hyperfollow/mellowfox/x", **NO_ATTEMPTS})

    # Copy-ready metadata for the store's web form: title, UPC and every ISRC.
    assert 'value="Window Seat Tapes"' in page and 'value="036000291452"' in page
    for entry in manual.release.release_tracks.select_related("track"):
        assert f'value="{entry.track.isrc}"' in page
    assert refused.context["adminform"].form.errors["external_url"] == [
        "Paste the full https:// address of the release on the platform."
    ]
    assert saved.status_code == 302
    manual.refresh_from_db()
    assert manual.status == Publication.Status.PUBLISHED
    assert manual.external_url == "https://distrokid.com/hyperfollow/mellowfox/x"


def test_a_va_cannot_set_the_url_of_an_api_publication_nor_see_the_retry_action(client, va, editor):
    youtube = PublicationFactory(status=Publication.Status.SCHEDULED)
    client.force_login(va)

    client.post(
        reverse("admin:distribution_publication_change", args=[youtube.pk]),
        {"external_url": "https://www.youtube.com/watch?v=fake", **NO_ATTEMPTS},
    )
    va_list = client.get(reverse("admin:distribution_publication_changelist")).content.decode()
    client.force_login(editor)
    editor_list = client.get(reverse("admin:distribution_publication_changelist")).content.decode()

    youtube.refresh_from_db()
    assert youtube.external_url == "" and youtube.status == Publication.Status.SCHEDULED
    assert "Retry now" not in va_list and "Retry now" in editor_list


def test_the_retry_action_puts_a_failed_publication_back_in_the_queue(client, editor):
    failed = PublicationFactory(status=Publication.Status.FAILED, last_error="HTTP 500")
    client.force_login(editor)

    client.post(
        reverse("admin:distribution_publication_changelist"),
        {"action": "retry", "_selected_action": [failed.pk]},
    )

    failed.refresh_from_db()
    assert failed.status == Publication.Status.SCHEDULED and failed.run_at is not None


def test_the_publication_list_costs_the_same_queries_for_5_or_60_rows(client, editor, django_assert_max_num_queries):
    client.force_login(editor)
    url = reverse("admin:distribution_publication_changelist")
    PublicationFactory.create_batch(5)
    with django_assert_max_num_queries(12) as few:
        assert client.get(url).status_code == 200
    PublicationFactory.create_batch(55)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200
