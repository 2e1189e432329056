"""Release states: draft -> ready -> scheduled -> published (-> withdrawn), only through the services, every
refusal listing what is missing, every change audited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from catalog.models import Release, Track
from distribution import selectors, services
from distribution.models import Platform, Publication
from distribution.services import youtube as youtube_services
from operations.models import AuditEvent
from operations.selectors import checklists_for
from tests.distribution.conftest import add_master, build_release, make_complete
from tests.distribution.factories import PlatformAccountFactory, PublicationFactory
from tests.factories import ReleaseFactory, ReleaseTrackFactory, TrackFactory

pytestmark = pytest.mark.django_db


def _refusal(call) -> list[str]:
    with pytest.raises(ValidationError) as raised:
        call()
    return raised.value.messages


def _verbs(release) -> list[str]:
    return list(
        AuditEvent.objects.filter(object_id=str(release.pk), verb__startswith="release.")
        .order_by("created_at", "id")
        .values_list("verb", flat=True)
    )


def test_an_empty_draft_is_refused_with_every_missing_thing(editor):
    release = ReleaseFactory(title="Nothing Yet")

    messages = _refusal(lambda: services.release_mark_ready(release=release, actor=editor))

    assert "The release has no tracks." in messages
    assert "There is no cover artwork: generate it or upload a 3000x3000 cover." in messages
    for label in ("YouTube", "Distributor / stores", "SoundCloud"):
        assert f"Metadata for {label} has not been generated." in messages
    # The QA checklist was attached by the attempt and each of its open required steps is named.
    assert "Release QA: 'Editor sign-off' is not done" in messages
    assert "Release QA: 'Listen through the master for artefacts' is not done" in messages
    release.refresh_from_db()
    assert release.status == Release.Status.DRAFT
    assert "release.ready" not in _verbs(release)


def test_each_track_problem_is_named_with_its_track(editor):
    release = ReleaseFactory()
    track = TrackFactory(
        title="Broken Tape",
        status=Track.Status.DRAFT,
        qc_passed=False,
        qc_report={"failures": ["true peak -0.2 dBTP above -1.0"]},
        duplicate_verdict=Track.DuplicateVerdict.EXACT,
    )
    unchecked = TrackFactory(
        title="New Arrival",
        status=Track.Status.APPROVED,
        qc_passed=None,
        duplicate_verdict=Track.DuplicateVerdict.UNCHECKED,
    )
    ReleaseTrackFactory(release=release, track=track, position=1)
    ReleaseTrackFactory(release=release, track=unchecked, position=2)

    messages = _refusal(lambda: services.release_mark_ready(release=release, actor=editor))

    assert "Track 1 'Broken Tape' is not approved (it is Draft)." in messages
    assert "Track 1 'Broken Tape': QC failed: true peak -0.2 dBTP above -1.0" in messages
    assert "Track 1 'Broken Tape': It is an exact duplicate of a catalogue track." in messages
    assert "Track 1 'Broken Tape' has no ISRC." in messages
    assert "Track 1 'Broken Tape' has no master audio file." in messages
    assert "Track 2 'New Arrival': QC has not run yet." in messages
    assert "Track 2 'New Arrival': the duplicate check has not run yet." in messages
    assert not any(m.startswith("Track 2 'New Arrival' is not approved") for m in messages)


def test_a_store_target_needs_a_upc_and_youtube_needs_the_video_and_a_thumbnail(
    editor, youtube_account, distrokid_account
):
    release = build_release(upc=None)
    services.release_metadata_generate(release=release, actor=editor)
    services.release_plan_update(release=release, actor=editor, accounts=[youtube_account, distrokid_account])

    messages = _refusal(lambda: services.release_mark_ready(release=release, actor=editor))

    assert "A UPC/EAN is needed for DistroKid." in messages
    assert "YouTube: the release video has not been rendered." in messages
    assert "YouTube: there is no thumbnail." in messages


def test_a_complete_release_becomes_ready_once_with_an_audit_event(editor, youtube_account):
    release = make_complete(build_release(), editor, accounts=[youtube_account])

    services.release_mark_ready(release=release, actor=editor)
    services.release_mark_ready(release=release, actor=editor)  # idempotent

    release.refresh_from_db()
    assert release.status == Release.Status.READY
    event = AuditEvent.objects.get(verb="release.ready", object_id=str(release.pk))
    assert event.actor == editor and event.changes["status"] == ["draft", "ready"]


def test_a_va_cannot_schedule_and_a_draft_cannot_be_scheduled(editor, va, youtube_account):
    release = make_complete(build_release(), editor, accounts=[youtube_account])

    with pytest.raises(PermissionDenied):
        services.release_schedule(release=release, actor=va)
    assert "Only a ready release can be scheduled; this one is Draft." in _refusal(
        lambda: services.release_schedule(release=release, actor=editor)
    )
    assert not Publication.objects.filter(release=release).exists()


def test_scheduling_creates_one_publication_per_platform(editor, youtube_account, distrokid_account, queued_tasks):
    release = make_complete(build_release(), editor, accounts=[youtube_account, distrokid_account])
    services.release_mark_ready(release=release, actor=editor)
    goes_public = datetime(2026, 12, 4, 16, 0, tzinfo=UTC)
    now = goes_public - timedelta(days=5)

    publications = services.release_schedule(release=release, actor=editor, publish_at=goes_public, now=now)
    again = services.release_schedule(release=release, actor=editor, publish_at=goes_public, now=now)

    release.refresh_from_db()
    assert release.status == Release.Status.SCHEDULED
    by_platform = {p.account.platform: p for p in publications}
    youtube, store = by_platform[Platform.YOUTUBE], by_platform[Platform.DISTROKID]
    assert youtube.status == Publication.Status.SCHEDULED
    assert youtube.scheduled_at == goes_public
    assert youtube.run_at == goes_public - timedelta(hours=24)  # uploaded a day ahead, private with publishAt
    assert store.status == Publication.Status.MANUAL and store.run_at is None
    assert {p.pk for p in again} == {p.pk for p in publications}
    assert Publication.objects.filter(release=release).count() == 2
    assert {c.template.slug for c in checklists_for(release)} == {"release-qa", "manual-upload"}
    assert queued_tasks == [("distribution.tasks.delivery_package_build_task", release.pk, distrokid_account.pk)]
    assert _verbs(release)[-1] == "release.scheduled"


def test_scheduling_needs_connected_platforms_and_a_time(editor):
    unconnected = PlatformAccountFactory(name="New channel", platform=Platform.YOUTUBE)
    client_only = youtube_services.platform_account_credentials_set(  # an OAuth client, but no user consent
        account=PlatformAccountFactory(name="Cloud", platform=Platform.SOUNDCLOUD),
        actor=editor,
        values={"client_id": "sc-client", "client_secret": "sc-secret"},
    )
    release = make_complete(build_release(), editor, accounts=[unconnected, client_only])
    release.release_date = None
    release.save()
    media = release.media

    # Readiness already names every target account that is not connected (it used to say "everything is in
    # place" and scheduling failed later).
    readiness = _refusal(lambda: services.release_mark_ready(release=release, actor=editor))
    assert "YouTube: New channel is not connected: connect it on its account page." in readiness
    assert "SoundCloud: Cloud is not connected: connect it on its account page." in readiness
    messages = selectors.release_schedule_blockers(release, publish_at=None)

    assert "YouTube: New channel is not connected." in messages
    assert "SoundCloud: Cloud is not connected." in messages
    assert "Set a publish time or a release date." in messages
    assert media.pk  # the media row stays; nothing was scheduled
    assert not Publication.objects.filter(release=release).exists()


def test_the_database_allows_one_open_publication_per_release_and_account():
    first = PublicationFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        PublicationFactory(release=first.release, account=first.account)
    first.status = Publication.Status.CANCELLED
    first.save()

    PublicationFactory(release=first.release, account=first.account)  # a cancelled one no longer counts


def test_the_release_is_published_once_every_publication_is_out_and_due(editor):
    release = ReleaseFactory(status=Release.Status.SCHEDULED)
    now = timezone.now()
    out = PublicationFactory(release=release, status=Publication.Status.PUBLISHED, scheduled_at=now)
    manual = PublicationFactory(release=release, status=Publication.Status.MANUAL, scheduled_at=now)

    assert services.release_refresh_published(release=release).status == Release.Status.SCHEDULED
    services.publication_record_url(publication=manual, actor=editor, url="https://distrokid.com/hyperfollow/x")
    release.refresh_from_db()

    assert release.status == Release.Status.PUBLISHED
    assert _verbs(release)[-1] == "release.published"
    assert out.pk != manual.pk


def test_a_future_publication_keeps_the_release_scheduled():
    release = ReleaseFactory(status=Release.Status.SCHEDULED)
    PublicationFactory(
        release=release, status=Publication.Status.PUBLISHED, scheduled_at=timezone.now() + timedelta(hours=3)
    )

    assert services.releases_refresh_published() == 0
    release.refresh_from_db()
    assert release.status == Release.Status.SCHEDULED


def test_withdrawing_cancels_what_is_not_out_and_names_what_is_live(editor, va):
    release = ReleaseFactory(status=Release.Status.SCHEDULED)
    live = PublicationFactory(
        release=release,
        status=Publication.Status.PUBLISHED,
        external_url="https://www.youtube.com/watch?v=abc",
    )
    pending = PublicationFactory(release=release)

    with pytest.raises(PermissionDenied):
        services.release_withdraw(release=release, actor=va)
    still_live = services.release_withdraw(release=release, actor=editor)

    release.refresh_from_db()
    pending.refresh_from_db()
    assert release.status == Release.Status.WITHDRAWN
    assert pending.status == Publication.Status.CANCELLED
    assert still_live == [live]
    event = AuditEvent.objects.get(verb="release.withdrawn", object_id=str(release.pk))
    assert "https://www.youtube.com/watch?v=abc" in event.summary


def test_back_to_draft_cancels_scheduled_publications_but_not_once_live(editor):
    release = ReleaseFactory(status=Release.Status.SCHEDULED)
    scheduled = PublicationFactory(release=release)

    services.release_return_to_draft(release=release, actor=editor)

    release.refresh_from_db()
    scheduled.refresh_from_db()
    assert release.status == Release.Status.DRAFT and scheduled.status == Publication.Status.CANCELLED
    other = ReleaseFactory(status=Release.Status.SCHEDULED)
    PublicationFactory(release=other, status=Publication.Status.PUBLISHED)
    assert any(
        "withdraw it instead" in m
        for m in _refusal(lambda: services.release_return_to_draft(release=other, actor=editor))
    )


def test_scheduling_checks_every_track_against_the_catalogue_again(editor, youtube_account):
    from production.services.fingerprints import track_fingerprint

    original = TrackFactory(title="First Pressing", status=Track.Status.APPROVED)
    add_master(original, seconds=6.0, seed=777)
    track_fingerprint(track=original)
    release = build_release(seconds=6.0)
    copy = release.release_tracks.get().track
    add_master(copy, seconds=6.0, seed=777)  # the same audio under another title
    make_complete(release, editor, accounts=[youtube_account])
    services.release_mark_ready(release=release, actor=editor)  # its stored verdict still says clear

    messages = _refusal(lambda: services.release_schedule(release=release, actor=editor))

    assert messages == [f"Side A Rain is an exact duplicate of 'First Pressing' (track #{original.pk})."]
    copy.refresh_from_db()
    assert copy.duplicate_verdict == Track.DuplicateVerdict.EXACT and copy.duplicate_of == original
