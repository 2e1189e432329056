"""Archiving a track is an editor's decision (issue 13, item 5): a VA cannot archive a track on a published
release, by the cockpit action or the service, and every status change of a track is in the audit trail."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from catalog import services
from catalog.models import Release, Track
from operations.audit_verbs import OperationsVerb
from operations.models import AuditEvent
from tests.factories import ReleaseFactory, ReleaseTrackFactory, TrackFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def published_track():
    track = TrackFactory(title="On Sale", status=Track.Status.APPROVED)
    release = ReleaseFactory(status=Release.Status.PUBLISHED)
    ReleaseTrackFactory(release=release, track=track, position=1)
    return track


def _archive_in_cockpit(client, user, track):
    client.force_login(user)
    return client.post("/admin/catalog/track/", {"action": "archive", "_selected_action": [track.pk]}, follow=True)


def test_a_va_cannot_archive_a_track_on_a_published_release_in_the_cockpit(client, va, published_track):
    _archive_in_cockpit(client, va, published_track)

    published_track.refresh_from_db()
    assert published_track.status == Track.Status.APPROVED  # still on sale
    assert not AuditEvent.objects.filter(verb=OperationsVerb.STATUS_CHANGED).exists()


def test_a_va_cannot_archive_through_the_service_either(va, published_track):
    with pytest.raises(PermissionDenied, match="editor's decision"):
        services.track_archive(track=published_track, actor=va)

    published_track.refresh_from_db()
    assert published_track.status == Track.Status.APPROVED


def test_an_editor_archives_and_the_audit_trail_says_who_and_what(client, editor, published_track):
    response = _archive_in_cockpit(client, editor, published_track)

    assert "Archived 1 track(s)." in response.content.decode()
    published_track.refresh_from_db()
    assert published_track.status == Track.Status.ARCHIVED
    [event] = AuditEvent.objects.filter(verb=OperationsVerb.STATUS_CHANGED)
    assert event.actor == editor and event.object_id == str(published_track.pk)
    assert event.changes == {"status": ["approved", "archived"]}
    assert event.summary == "Track Approved → Archived."


def test_approving_is_audited_too(editor):
    track = TrackFactory(status=Track.Status.DRAFT, qc_passed=True)

    services.track_approve(track=track, actor=editor)

    [event] = AuditEvent.objects.filter(verb=OperationsVerb.STATUS_CHANGED)
    assert (event.actor, event.changes) == (editor, {"status": ["draft", "approved"]})


def test_archiving_an_archived_track_changes_nothing_and_writes_nothing(editor):
    track = TrackFactory(status=Track.Status.ARCHIVED)

    services.track_archive(track=track, actor=editor)

    assert not AuditEvent.objects.exists()
