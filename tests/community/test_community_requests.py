"""Track requests: the public form (honeypot, rate limit), upvotes, the one-click brief and the released
e-mail."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from catalog.models import Release
from community import services, tasks
from community.models import TrackRequest, TrackRequestVote
from operations.models import AuditEvent, OutboxMessage
from operations.outbox import DELIVER_TASK
from production.models import RenderJob
from production.services import RENDER_TASK
from tests.community.factories import TrackRequestFactory
from tests.factories import ReleaseFactory, ReleaseTrackFactory, TrackFactory

pytestmark = pytest.mark.django_db

FORM = {
    "mood": "melancholy",
    "activity": "study",
    "tempo_feel": "slow",
    "note": "Rain on a window, please",
    "email": "Fan@Example.com",
}


def test_a_listener_submits_a_request_and_sees_it_listed_without_note_or_email(client):
    response = client.post(reverse("community:requests"), FORM, follow=True)

    request = TrackRequest.objects.get()
    assert (request.mood, request.activity, request.tempo_feel) == ("melancholy", "study", "slow")
    assert request.email == "fan@example.com" and request.status == TrackRequest.Status.NEW
    page = response.content.decode()
    assert "Melancholy" in page and "Studying" in page
    assert "Rain on a window" not in page and "fan@example.com" not in page


def test_a_filled_honeypot_looks_like_success_but_stores_nothing(client):
    response = client.post(reverse("community:requests"), {**FORM, "website": "http://spam.example"}, follow=True)

    assert response.status_code == 200 and "Thanks" in response.content.decode()
    assert TrackRequest.objects.count() == 0


def test_requests_are_rate_limited_per_address(client, settings):
    settings.TRACK_REQUEST_RATE_LIMIT_PER_HOUR = 2
    for _ in range(2):
        assert client.post(reverse("community:requests"), FORM).status_code == 302

    response = client.post(reverse("community:requests"), FORM)

    assert response.status_code == 429
    assert TrackRequest.objects.count() == 2
    other_address = client.post(reverse("community:requests"), FORM, REMOTE_ADDR="10.0.0.9")
    assert other_address.status_code == 302


def test_a_listener_fixing_mistakes_is_not_rate_limited_for_them(client, settings):
    settings.TRACK_REQUEST_RATE_LIMIT_PER_HOUR = 1
    for _ in range(3):
        assert client.post(reverse("community:requests"), {**FORM, "tempo_feel": ""}).status_code == 400

    assert client.post(reverse("community:requests"), FORM).status_code == 302
    assert TrackRequest.objects.count() == 1


def test_an_invalid_request_shows_the_form_again_with_errors(client):
    response = client.post(reverse("community:requests"), {**FORM, "mood": "furious"})

    assert response.status_code == 400 and TrackRequest.objects.count() == 0


def test_one_upvote_per_browser_session(client):
    request = TrackRequestFactory()
    url = reverse("community:request_vote", args=[request.uuid])

    client.post(url)
    client.post(url)

    request.refresh_from_db()
    assert request.votes == 1
    assert "Upvoted" in client.get(reverse("community:requests")).content.decode()


def test_one_upvote_per_address_even_from_a_fresh_browser():
    request = TrackRequestFactory()
    url = reverse("community:request_vote", args=[request.uuid])

    Client().post(url, REMOTE_ADDR="203.0.113.5")
    Client().post(url, REMOTE_ADDR="203.0.113.5")  # cookies cleared
    Client().post(url, REMOTE_ADDR="203.0.113.6")

    request.refresh_from_db()
    assert request.votes == 2


def test_votes_keep_no_address_or_session_in_clear(client):
    request = TrackRequestFactory()
    client.post(reverse("community:request_vote", args=[request.uuid]), REMOTE_ADDR="198.51.100.7")

    vote = TrackRequestVote.objects.get()
    assert "198.51.100.7" not in vote.ip_hash and len(vote.ip_hash) == 64
    assert client.session.session_key not in vote.session_hash


def test_an_editor_turns_a_request_into_a_render_job_in_one_click(client, editor, queued_tasks):
    request = TrackRequestFactory(mood="melancholy", activity="sleep", tempo_feel="slow")
    client.force_login(editor)

    client.post(
        reverse("admin:community_trackrequest_changelist"),
        {"action": "make_brief", "_selected_action": [request.pk]},
    )
    client.post(
        reverse("admin:community_trackrequest_changelist"),
        {"action": "make_brief", "_selected_action": [request.pk]},
    )  # a second click

    job = RenderJob.objects.get()
    assert (job.style, job.key, job.mood, job.created_by) == ("ambient", "A minor", "melancholy", editor)
    request.refresh_from_db()
    assert request.status == TrackRequest.Status.PLANNED and request.render_job == job


def test_a_va_cannot_make_render_briefs(client, va):
    request = TrackRequestFactory()
    client.force_login(va)

    client.post(
        reverse("admin:community_trackrequest_changelist"),
        {"action": "make_brief", "_selected_action": [request.pk]},
    )

    assert RenderJob.objects.count() == 0


def test_a_va_does_not_see_the_requesters_address(client, va, editor):
    request = TrackRequestFactory(email="private@example.com")
    url = reverse("admin:community_trackrequest_change", args=[request.pk])

    client.force_login(va)
    assert "private@example.com" not in client.get(url).content.decode()
    client.force_login(editor)
    assert "private@example.com" in client.get(url).content.decode()


def test_requests_follow_their_track_to_release_and_the_requester_is_told_once(editor, queued_tasks):
    request = TrackRequestFactory(email="fan@example.com")
    job = services.track_request_plan(track_request=request, actor=editor)
    track = TrackFactory()
    RenderJob.objects.filter(pk=job.pk).update(status=RenderJob.Status.SUCCEEDED, progress=100, track=track)

    services.track_requests_progress()
    request.refresh_from_db()
    assert request.status == TrackRequest.Status.RENDERED and request.track == track

    release = ReleaseFactory(status=Release.Status.PUBLISHED, title="Rain Tapes")
    ReleaseTrackFactory(release=release, track=track, position=1)
    services.track_requests_progress()
    request.refresh_from_db()
    assert request.status == TrackRequest.Status.RELEASED and request.release == release
    # The render was queued when the request was planned; the requester's e-mail goes through the outbox, once.
    told = OutboxMessage.objects.get()
    assert (told.task, told.args) == (services.REQUEST_RELEASED_TASK, [request.pk])
    assert queued_tasks == [(RENDER_TASK, job.pk), (DELIVER_TASK, told.pk)]

    tasks.track_request_notify_released_task(request.pk)
    tasks.track_request_notify_released_task(request.pk)  # redelivered

    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["fan@example.com"]
    assert "Rain Tapes" in mail.outbox[0].body
    request.refresh_from_db()
    assert request.email == "" and request.released_notified_at is not None


def test_requests_never_move_backwards(editor):
    request = TrackRequestFactory(status=TrackRequest.Status.RENDERED)

    with pytest.raises(Exception, match="only move forward"):
        services.track_request_advance(track_request=request, status=TrackRequest.Status.PLANNED, actor=editor)


def test_requests_offer_the_engines_moods_and_wear_the_storefront_layout(client):
    from production.engine.brief import MOODS

    assert {value for value, _ in TrackRequest.Mood.choices} == set(MOODS)  # one vocabulary for the product

    body = client.get(reverse("community:requests")).content.decode()

    assert 'class="site-header"' in body and "storefront/store.css" in body
    assert f'href="{reverse("community:newsletter")}"' in body and 'href="/tracks/"' in body
    assert 'href="/requests/" aria-current="page"' in body


def test_an_editor_correcting_a_request_in_the_cockpit_leaves_an_audit_event_without_the_address(client, editor):
    request = TrackRequestFactory(note="for studyng", email="fan@example.com")
    client.force_login(editor)
    url = reverse("admin:community_trackrequest_change", args=[request.pk])
    form = {
        "mood": request.mood,
        "activity": request.activity,
        "tempo_feel": request.tempo_feel,
        "note": "for studying",
        "email": "fan@example.org",
        "track": "",
        "release": "",
    }

    response = client.post(url, form)
    client.post(url, form)  # saving the same values again records nothing more

    assert response.status_code == 302
    request.refresh_from_db()
    assert request.note == "for studying" and request.email == "fan@example.org"
    events = AuditEvent.objects.filter(verb="track_request.changed", object_id=str(request.pk))
    assert events.count() == 1
    event = events.get()
    assert event.actor == editor and event.changes["note"] == ["for studyng", "for studying"]
    assert "fan@example" not in str(event.changes) and event.changes["email"] == "changed"


def test_workflow_fields_are_not_corrected_through_the_update_service(editor):
    request = TrackRequestFactory()

    with pytest.raises(ValidationError):
        services.track_request_update(track_request=request, actor=editor, status=TrackRequest.Status.RELEASED)

    request.refresh_from_db()
    assert request.status == TrackRequest.Status.NEW
