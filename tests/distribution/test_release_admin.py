"""The cockpit's release page as distribution extends it: plan, readiness, checklists, history, publications,
workflow buttons (editors only), and a release list whose queries do not grow with its publications."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from catalog.models import Release
from distribution.models import Publication, ReleasePlan
from operations.selectors import checklists_for
from tests.distribution.conftest import build_release, make_complete
from tests.distribution.factories import PlatformAccountFactory, PublicationFactory
from tests.factories import ArtistFactory, ReleaseFactory, ReleaseTrackFactory

pytestmark = pytest.mark.django_db


def _action_url(release, name: str) -> str:
    return reverse("admin:catalog_release_distribution_action", args=[release.pk, name])


def test_the_release_page_shows_readiness_checklists_history_and_buttons(client, editor, youtube_account):
    release = build_release()
    client.force_login(editor)

    body = client.get(reverse("admin:catalog_release_change", args=[release.pk])).content.decode()

    assert "Metadata for YouTube has not been generated." in body
    assert "History</a>" in body
    assert _action_url(release, "mark_ready") in body and _action_url(release, "schedule") in body
    assert "Not scheduled yet" in body and "cockpit/cockpit.css" in body


def test_the_mark_ready_button_lists_what_is_missing_then_succeeds(client, editor, youtube_account):
    release = build_release()
    client.force_login(editor)

    client.post(_action_url(release, "mark_ready"))
    refused = [str(m) for m in get_messages(client.get("/admin/").wsgi_request)]
    make_complete(release, editor, accounts=[youtube_account])
    response = client.post(_action_url(release, "mark_ready"))

    assert any("Metadata for YouTube has not been generated." in m for m in refused)
    assert response.status_code == 302 and response["Location"].endswith(f"/{release.pk}/change/")
    release.refresh_from_db()
    assert release.status == Release.Status.READY


def test_a_va_sees_the_page_without_buttons_and_cannot_post_one(client, va, editor, youtube_account):
    release = make_complete(build_release(), editor, accounts=[youtube_account])
    client.force_login(va)

    body = client.get(reverse("admin:catalog_release_change", args=[release.pk])).content.decode()
    response = client.post(_action_url(release, "schedule"))

    assert response.status_code == 403
    assert _action_url(release, "mark_ready") not in body
    assert "Main channel" in body  # the platforms, read-only
    release.refresh_from_db()
    assert release.status == Release.Status.DRAFT


def test_adding_a_release_prepares_its_plan_and_qa_checklist(client, editor, youtube_account):
    artist = ArtistFactory()
    client.force_login(editor)

    response = client.post(
        reverse("admin:catalog_release_add"),
        {
            "title": "Fresh Start",
            "artist": artist.pk,
            "kind": "single",
            "upc": "",
            "catalogue_number": "",
            "release_date": "2026-12-18",
            "genre": "Lo-Fi",
            "p_line": "",
            "c_line": "",
            "platforms": [youtube_account.pk],
            "publish_at_0": "2026-12-18",
            "publish_at_1": "15:30:00",
            "release_tracks-TOTAL_FORMS": 0,
            "release_tracks-INITIAL_FORMS": 0,
            "release_tracks-MIN_NUM_FORMS": 0,
            "release_tracks-MAX_NUM_FORMS": 1000,
        },
    )

    assert response.status_code == 302
    release = Release.objects.get(title="Fresh Start")
    plan = ReleasePlan.objects.get(release=release)
    assert list(plan.accounts.all()) == [youtube_account]
    assert plan.publish_at.strftime("%Y-%m-%d %H:%M") == "2026-12-18 15:30"
    assert [c.template.slug for c in checklists_for(release)] == ["release-qa"]


def test_the_release_list_shows_each_platform_status_in_fixed_queries(client, editor, django_assert_max_num_queries):
    client.force_login(editor)
    url = reverse("admin:catalog_release_changelist")
    accounts = [PlatformAccountFactory(name="Main channel"), PlatformAccountFactory(name="Beats")]

    def releases(n: int) -> None:
        for _ in range(n):
            release = ReleaseFactory(status=Release.Status.SCHEDULED)
            ReleaseTrackFactory(release=release, position=1)
            for account in accounts:
                PublicationFactory(release=release, account=account)

    releases(3)
    with django_assert_max_num_queries(15) as few:
        body = client.get(url).content.decode()
    releases(40)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200

    assert "YouTube: scheduled" in body
    assert Publication.objects.count() == 86
