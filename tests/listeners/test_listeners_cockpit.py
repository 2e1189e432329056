"""The cockpit: VAs moderate feedback and see no listener accounts or models; the A/B report; roles."""

from __future__ import annotations

import pytest

from catalog.models import Release
from listeners import services
from listeners.models import Experiment, ExperimentEvent, Feedback, Surface
from tests.factories import ArtistFactory


@pytest.fixture
def release(db):
    return Release.objects.create(title="Late Bus", artist=ArtistFactory(), kind=Release.Kind.EP, status="published")


def test_feedback_is_scored_like_comments_and_published_by_a_va(client, va, release, listener_factory):
    spam = services.feedback_submit(
        listener=listener_factory("s@example.com"), release=release, rating=5, text="Free followers at www.spam.biz"
    )
    kind = services.feedback_submit(
        listener=listener_factory("k@example.com", display_name="Kim"), release=release, rating=4, text="Lovely."
    )
    assert spam.status == Feedback.Status.IGNORED and spam.flags
    assert kind.status == Feedback.Status.NEW
    page = client.get(release.get_absolute_url()).content.decode()
    assert "Lovely." not in page  # not before a person read it

    client.force_login(va)
    response = client.post(
        "/admin/listeners/feedback/", {"action": "publish", "_selected_action": [kind.pk]}, follow=True
    )
    assert response.status_code == 200
    kind.refresh_from_db()
    assert kind.status == Feedback.Status.PUBLISHED and kind.triaged_by == va
    client.logout()
    page = client.get(release.get_absolute_url()).content.decode()
    assert "Lovely." in page and "Kim" in page and "4.5 from 2 ratings" in page


def test_vas_see_feedback_but_not_listener_accounts_models_or_orders(client, va):
    client.force_login(va)
    assert client.get("/admin/listeners/feedback/").status_code == 200
    assert client.get("/admin/listeners/listener/").status_code == 403
    assert client.get("/admin/listeners/experiment/").status_code == 403
    assert client.get("/admin/monetization/order/").status_code == 403


def test_finance_sees_no_listener_data(client, finance):
    client.force_login(finance)
    assert client.get("/admin/listeners/listener/").status_code == 403


def test_the_experiment_report_shows_conversion_and_the_test(client, editor):
    experiment = Experiment.objects.create(
        slug="fy", name="For you test", surface=Surface.FOR_YOU, variants=["popular", "learned"]
    )
    events = []
    for variant, clickers in (("popular", 10), ("learned", 40)):
        for v in range(100):
            visitor = f"{variant}-{v}"
            events.append(
                ExperimentEvent(experiment=experiment, variant=variant, visitor_hash=visitor, kind="impression")
            )
            if v < clickers:
                events.append(
                    ExperimentEvent(experiment=experiment, variant=variant, visitor_hash=visitor, kind="click")
                )
    ExperimentEvent.objects.bulk_create(events)
    client.force_login(editor)
    page = client.get(f"/admin/listeners/experiment/{experiment.pk}/change/").content.decode()
    assert "10.00%" in page and "40.00%" in page
    assert "two-proportion z-test" in page and "(significant at 5%)" in page and "Leader: learned" in page
    client.post("/admin/listeners/experiment/", {"action": "promote_leader", "_selected_action": [experiment.pk]})
    experiment.refresh_from_db()
    assert experiment.winner == "learned" and experiment.status == "finished"


def test_the_dashboard_shows_feedback_waiting_to_a_va(client, va, release, listener_factory):
    services.feedback_submit(listener=listener_factory("k@example.com"), release=release, rating=3, text="Nice mix")
    client.force_login(va)
    page = client.get("/admin/").content.decode()
    assert "Listener ratings and feedback" in page and "Recommendations" not in page


def test_an_editor_starts_an_experiment_from_the_cockpit(client, editor):
    client.force_login(editor)
    response = client.post(
        "/admin/listeners/experiment/add/",
        {
            "name": "For you: learned vs popular",
            "slug": "fy-2",
            "surface": "for_you",
            "variants": ["popular", "learned"],
        },
    )
    assert response.status_code == 302
    experiment = Experiment.objects.get(slug="fy-2")
    assert experiment.variants == ["popular", "learned"] and experiment.status == "running"
    one = client.post(
        "/admin/listeners/experiment/add/",
        {"name": "Lonely", "slug": "lonely", "surface": "more_like_this", "variants": ["content"]},
    )
    assert "Choose at least two recommenders" in one.content.decode()


def test_a_failed_mix_stream_is_made_again_from_the_cockpit(client, editor, run_tasks):
    from listeners.models import MixStream
    from production.models import MixRender
    from tests.listeners.test_listeners_alerts_mixes import make_mix

    release = make_mix()
    stream = MixStream.objects.create(render=MixRender.objects.get(release=release), status="failed", error="disk")
    client.force_login(editor)
    assert client.get("/admin/listeners/mixstream/").status_code == 200
    with run_tasks():
        client.post("/admin/listeners/mixstream/", {"action": "make_again", "_selected_action": [stream.pk]})
    stream.refresh_from_db()
    assert stream.status == MixStream.Status.READY and stream.error == ""
