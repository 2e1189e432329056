"""Running publications: claiming due ones once, requeueing interrupted ones, the every-minute job and its
schedule, and the SoundCloud adapter under the same publication model."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from urllib.parse import parse_qs

import pytest
import requests
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.utils import timezone
from django_q.models import Schedule

from catalog.models import Release
from distribution import services, tasks
from distribution.crypto import decrypt_json
from distribution.models import Platform, Publication, PublicationAttempt
from distribution.services import publishing
from distribution.services import soundcloud as soundcloud_services
from distribution.services.youtube import platform_account_credentials_set
from tests.distribution.conftest import build_release
from tests.distribution.factories import PlatformAccountFactory, PublicationFactory

pytestmark = pytest.mark.django_db


def test_the_migrations_schedule_the_minute_and_hourly_jobs_once():
    funcs = list(
        Schedule.objects.filter(func__startswith="distribution.").values_list("func", "schedule_type", "minutes")
    )

    assert sorted(funcs) == [
        ("distribution.tasks.publications_run_due_task", "I", 1),
        ("distribution.tasks.publications_sync_status_task", "H", None),
    ]


def test_a_flushed_database_gets_its_publishing_schedule_back():
    """`flush` (between transactional tests, or an operator's reset) empties django_q's tables too."""
    call_command("flush", interactive=False, verbosity=0)

    schedule = Schedule.objects.get(func="distribution.tasks.publications_run_due_task")
    assert (schedule.schedule_type, schedule.minutes, schedule.repeats) == ("I", 1, -1)
    assert Schedule.objects.filter(func="distribution.tasks.publications_sync_status_task").count() == 1


def test_only_due_publications_of_active_accounts_are_claimed_and_only_once():
    now = timezone.now()
    due = PublicationFactory(run_at=now - timedelta(minutes=1))
    quota_over = PublicationFactory(status=Publication.Status.WAITING_QUOTA, run_at=now - timedelta(seconds=5))
    PublicationFactory(run_at=now + timedelta(minutes=5))  # not yet
    PublicationFactory(status=Publication.Status.MANUAL, run_at=None)
    PublicationFactory(run_at=now, account=PlatformAccountFactory(name="Old channel", is_active=False))

    first = publishing.publications_claim_due(now=now)
    second = publishing.publications_claim_due(now=now)

    assert sorted(first) == sorted([due.pk, quota_over.pk]) and second == []
    due.refresh_from_db()
    assert due.status == Publication.Status.PUBLISHING and due.attempts == 1 and due.claimed_at == now


def test_the_minute_job_requeues_interrupted_runs_and_enqueues_one_task_per_claim(queued_tasks):
    now = timezone.now()
    due = PublicationFactory(run_at=now - timedelta(minutes=1))
    stuck = PublicationFactory(status=Publication.Status.PUBLISHING, claimed_at=now - timedelta(hours=3))
    PublicationAttempt.objects.create(publication=stuck, number=1, started_at=now - timedelta(hours=3))

    publishing.publications_run_due(now=now)

    assert sorted(queued_tasks) == sorted(
        [
            ("distribution.tasks.publication_publish_task", due.pk),
            ("distribution.tasks.publication_publish_task", stuck.pk),
        ]
    )
    assert PublicationAttempt.objects.get(publication=stuck).outcome == PublicationAttempt.Outcome.FAILED


def test_a_publication_of_a_store_without_api_is_never_run_by_the_task():
    store = PublicationFactory(
        status=Publication.Status.MANUAL,
        run_at=None,
        account=PlatformAccountFactory(name="Bandcamp", platform=Platform.BANDCAMP),
    )

    tasks.publication_publish_task(store.pk)

    store.refresh_from_db()
    assert store.status == Publication.Status.MANUAL and store.attempts == 0


class FakeSoundCloud(requests.adapters.BaseAdapter):
    """Answers SoundCloud's token, /me and upload endpoints inside requests, recording each request. Every
    token answer carries a new access and refresh token (SoundCloud's refresh tokens are single-use)."""

    def __init__(self, upload_statuses: list[int]) -> None:
        super().__init__()
        self.upload_statuses = list(upload_statuses)
        self.requests: list[tuple[str, str, bytes]] = []
        self.auth: list[str] = []
        self.tokens_issued = 0

    def send(self, request, **kwargs):
        body = request.body.read() if hasattr(request.body, "read") else (request.body or b"")
        body = body.encode() if isinstance(body, str) else body
        self.requests.append((request.method, request.url, body))
        self.auth.append(request.headers.get("Authorization", ""))
        response = requests.Response()
        response.request, response.url = request, request.url
        response.headers["Content-Type"] = "application/json"
        response.status_code = 200
        if request.url.endswith("/oauth/token"):
            self.tokens_issued += 1
            n = self.tokens_issued
            payload = {"access_token": f"sc-access-{n}", "refresh_token": f"sc-refresh-{n}", "expires_in": 3600}
        elif request.url.endswith("/me"):
            payload = {"id": 7, "username": "lantern-lofi"}
        else:
            response.status_code = self.upload_statuses.pop(0)
            payload = {"id": 42, "permalink_url": "https://soundcloud.com/lantern-lofi/window-seat"}
        response._content = json.dumps(payload).encode()
        return response

    def close(self):
        pass


@pytest.fixture
def soundcloud_account(editor):
    account = PlatformAccountFactory(name="SoundCloud", platform=Platform.SOUNDCLOUD)
    platform_account_credentials_set(
        account=account, actor=editor, values={"client_id": "sc-client", "client_secret": "sc-secret"}
    )
    return soundcloud_services.soundcloud_connect_finish(
        account=account,
        actor=editor,
        code="sc-code",
        redirect_uri="https://cockpit/cb",
        code_verifier="v" * 64,
        session=_session(FakeSoundCloud([])),
    )


@pytest.fixture
def soundcloud_publication(editor, soundcloud_account):
    release = build_release(kind="ep", tracks=2, seconds=1.0)
    Release.objects.filter(pk=release.pk).update(status=Release.Status.SCHEDULED)
    services.release_metadata_generate(release=release, actor=editor)
    return PublicationFactory(
        release=release, account=soundcloud_account, scheduled_at=timezone.now(), run_at=timezone.now()
    )


def _session(adapter: FakeSoundCloud) -> requests.Session:
    session = requests.Session()
    session.mount("https://", adapter)
    return session


def _stored(account) -> dict:
    return decrypt_json(type(account).objects.get(pk=account.pk).credentials_encrypted)


def test_soundcloud_gets_the_whole_release_as_one_track_with_cover_and_tags(soundcloud_publication):
    adapter = FakeSoundCloud([201])

    result = publishing.publication_publish(publication=soundcloud_publication, session=_session(adapter))

    assert result.status == Publication.Status.PUBLISHED
    assert (result.external_id, result.external_url) == (
        "42",
        "https://soundcloud.com/lantern-lofi/window-seat",
    )
    method, url, body = adapter.requests[-1]
    assert (method, url) == ("POST", "https://api.soundcloud.com/tracks")
    metadata = soundcloud_publication.release.platform_metadata.get(platform="soundcloud")
    assert metadata.title.encode() in body and b'name="track[artwork_data]"' in body
    assert b'"study music"' in body  # multi-word tags quoted, SoundCloud's form
    assert b"RIFF" in body  # the concatenated release audio as WAV
    assert adapter.auth[-1] == "OAuth sc-access-1"  # as the user who connected the account
    release = Release.objects.get(pk=soundcloud_publication.release_id)
    assert release.status == Release.Status.PUBLISHED  # its only publication is out and due


def test_an_unconfirmed_soundcloud_upload_is_not_sent_twice_unless_asked(soundcloud_publication, editor):
    Publication.objects.filter(pk=soundcloud_publication.pk).update(steps={"upload_started": True})
    adapter = FakeSoundCloud([201])

    failed = publishing.publication_publish(publication=soundcloud_publication, session=_session(adapter))

    assert failed.status == Publication.Status.FAILED and "never confirmed" in failed.last_error
    assert adapter.requests == []
    services.publication_retry(publication=failed, actor=editor, fresh_upload=True)
    done = publishing.publication_publish(publication=failed, session=_session(adapter))
    assert done.status == Publication.Status.PUBLISHED


def test_connecting_soundcloud_stores_the_user_tokens_encrypted_and_names_the_user(soundcloud_account):
    stored = _stored(soundcloud_account)

    assert soundcloud_account.connected_as == "connected as lantern-lofi" and soundcloud_account.is_connected
    assert stored["client"] == {"client_id": "sc-client", "client_secret": "sc-secret"}
    assert (stored["token"]["access_token"], stored["token"]["refresh_token"]) == ("sc-access-1", "sc-refresh-1")
    raw = type(soundcloud_account).objects.get(pk=soundcloud_account.pk).credentials_encrypted
    assert "sc-secret" not in raw and "sc-refresh-1" not in raw


def test_a_refreshed_soundcloud_token_is_kept_even_when_the_upload_then_fails(soundcloud_publication):
    account = soundcloud_publication.account
    token = _stored(account)["token"]
    # The stored access token has expired: the upload must refresh it first.
    soundcloud_services.soundcloud_token_store(
        account=account,
        token=soundcloud_services.sc.TokenSet(token["access_token"], token["refresh_token"], expires_at=1.0),
    )
    adapter = FakeSoundCloud([422])
    adapter.tokens_issued = 1

    failed = publishing.publication_publish(publication=soundcloud_publication, session=_session(adapter))

    assert failed.status == Publication.Status.FAILED and "HTTP 422" in failed.last_error
    refresh = parse_qs(adapter.requests[0][2].decode())
    assert refresh["grant_type"] == ["refresh_token"] and refresh["refresh_token"] == ["sc-refresh-1"]
    assert _stored(account)["token"]["refresh_token"] == "sc-refresh-2"  # the single-use successor, kept
    assert not failed.steps.get("upload_started")  # SoundCloud refused it: a plain retry may send it again


def test_credentials_no_key_can_read_fail_the_publication_with_what_to_do(soundcloud_publication, settings):
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "a-key-the-tokens-were-not-written-with", []
    adapter = FakeSoundCloud([201])

    failed = publishing.publication_publish(publication=soundcloud_publication, session=_session(adapter))

    assert failed.status == Publication.Status.FAILED
    assert "cannot be decrypted with the current keys; connect the account again" in failed.last_error
    assert adapter.requests == [] and not failed.steps.get("upload_started")


def test_a_va_cannot_retry_or_cancel(va, editor):
    failed = PublicationFactory(status=Publication.Status.FAILED)

    with pytest.raises(PermissionDenied):
        services.publication_retry(publication=failed, actor=va)
    with pytest.raises(PermissionDenied):
        services.publication_cancel(publication=failed, actor=va)
    assert services.publication_retry(publication=failed, actor=editor).status == Publication.Status.SCHEDULED


def test_publish_due_queues_by_default_and_runs_here_with_wait(queued_tasks):
    now = timezone.now()
    queued = PublicationFactory(run_at=now - timedelta(minutes=1))
    out = io.StringIO()

    call_command("publish_due", stdout=out)
    assert out.getvalue().strip() == "Queued 1 publication(s)."
    assert queued_tasks == [("distribution.tasks.publication_publish_task", queued.pk)]

    unconnected = PublicationFactory(
        run_at=now - timedelta(minutes=1), account=PlatformAccountFactory(name="Second channel")
    )
    out = io.StringIO()
    call_command("publish_due", "--wait", stdout=out)

    unconnected.refresh_from_db()
    assert unconnected.status == Publication.Status.FAILED
    assert "Second channel: Failed: There is no YouTube metadata for this release" in out.getvalue()
