"""Release alerts to followers (opt-in, batched, once) and the mix page with its tracklist and audio."""

from __future__ import annotations

import io
import re

import numpy as np
import pytest
import soundfile
from django.core import mail
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.utils.module_loading import import_string

from catalog.models import Release, ReleaseTrack
from listeners import services, tasks
from listeners.models import Follow, MixStream, ReleaseAlert
from production.models import MixRender
from tests.factories import ArtistFactory
from tests.monetization.factories import licensable_track


def test_followers_who_opted_in_get_one_release_email(client, listener_factory, run_tasks):
    artist = ArtistFactory(name="Night Owl", slug="night-owl")
    keen = listener_factory("keen@example.com", release_alerts=True)
    quiet = listener_factory("quiet@example.com", release_alerts=False)
    stranger = listener_factory("stranger@example.com", release_alerts=True)
    Follow.objects.create(listener=keen, artist=artist)
    Follow.objects.create(listener=quiet, artist=artist)
    Follow.objects.create(listener=stranger, artist=ArtistFactory())
    Release.objects.create(title="Owl Hours", artist=artist, status=Release.Status.PUBLISHED)
    Release.objects.create(title="Not Yet", artist=artist, status=Release.Status.DRAFT)

    with run_tasks():
        services.release_alerts_resume()
    [message] = mail.outbox
    assert message.to == ["keen@example.com"] and "Owl Hours" in message.subject
    assert "List-Unsubscribe" in message.extra_headers
    with run_tasks():
        services.release_alerts_resume()
    assert len(mail.outbox) == 1 and ReleaseAlert.objects.get().status == ReleaseAlert.Status.SENT

    unsubscribe = re.search(r"http://shop\.test(/account/alerts-off/\S+/)", message.body).group(1)
    assert client.get(unsubscribe).status_code == 200
    keen.refresh_from_db()
    assert keen.release_alerts  # a GET (a mail scanner) changes nothing
    client.post(unsubscribe)
    keen.refresh_from_db()
    assert not keen.release_alerts


def _flac(duration_s: float, sample_rate: int = 8000) -> bytes:
    t = np.arange(int(duration_s * sample_rate)) / sample_rate
    mono = (0.2 * np.sin(2 * np.pi * 330 * t)).astype(np.float32)
    buffer = io.BytesIO()
    soundfile.write(buffer, np.vstack([mono, mono]).T, sample_rate, format="FLAC")
    return buffer.getvalue()


def make_mix(title: str = "Rainy Study Mix", duration_s: float = 30.0, sample_rate: int = 8000) -> Release:
    """A published long-mix release with a finished continuous master and a three-track tracklist."""
    artist = ArtistFactory(name="Mix Persona", slug="mix-persona")
    release = Release.objects.create(title=title, artist=artist, kind=Release.Kind.MIX, status="published")
    tracks = [licensable_track(title=t, artist=artist) for t in ("Opening Drizzle", "Middle Puddle", "Last Light")]
    for position, track in enumerate(tracks, start=1):
        ReleaseTrack.objects.create(release=release, track=track, position=position)
    path = storages["private"].save(f"mixes/{release.uuid}/mix.flac", ContentFile(_flac(duration_s, sample_rate)))
    starts = [0.0, duration_s / 3, 2 * duration_s / 3]
    MixRender.objects.create(
        release=release,
        status=MixRender.Status.SUCCEEDED,
        path=path,
        duration_s=duration_s,
        tracklist=[
            {
                "position": i + 1,
                "track_id": t.pk,
                "track_uuid": str(t.uuid),
                "title": t.title,
                "artist": artist.name,
                "start_s": s,
                "timestamp": f"{int(s // 60)}:{int(s % 60):02d}",
            }
            for i, (t, s) in enumerate(zip(tracks, starts, strict=True))
        ],
    )
    return release


@pytest.fixture
def make_stream(run_tasks):
    def make(release: Release):
        render = MixRender.objects.get(release=release)
        with run_tasks():
            services.mix_stream_request(render=render)
        return MixStream.objects.get(render=render)

    return make


@pytest.mark.django_db
def test_the_mix_page_has_player_timestamps_licence_links_and_open_graph_tags(client, make_stream):
    release = make_mix()
    stream = make_stream(release)
    page = client.get(f"/mixes/{release.uuid}/").content.decode()
    assert f'src="{stream.url}"' in page and stream.url.endswith(".mp3")
    assert 'data-seek="10.0"' in page and "0:10" in page and "Middle Puddle" in page
    assert page.count(">License<") == 3
    assert 'property="og:title" content="Rainy Study Mix by Mix Persona"' in page
    assert 'name="twitter:card"' in page and 'property="og:audio"' in page
    assert "Rainy Study Mix" in client.get("/mixes/").content.decode()
    release_page = client.get(release.get_absolute_url()).content.decode()
    assert f"/mixes/{release.uuid}/" in release_page  # the release page links to its mix page


@pytest.mark.django_db
def test_the_stream_is_a_public_mp3_of_the_whole_mix_and_the_master_stays_private(client, make_stream):
    from pedalboard.io import AudioFile

    release = make_mix(duration_s=30.0)
    render = MixRender.objects.get(release=release)
    stream = make_stream(release)
    assert stream.status == MixStream.Status.READY and abs(stream.duration_s - 30.0) < 0.5
    with AudioFile(storages["default"].path(stream.path)) as mp3:
        assert abs(mp3.duration - 30.0) < 0.5
    page = client.get(f"/mixes/{release.uuid}/").content.decode()
    assert render.path not in page and ".flac" not in page


@pytest.mark.django_db
def test_a_mix_out_before_its_stream_says_so_and_gets_one_made(client, run_tasks):
    release = make_mix()
    with run_tasks():
        page = client.get(f"/mixes/{release.uuid}/").content.decode()
        listed = client.get("/mixes/").content.decode()
    assert "being prepared" in page and "data-seek" not in page
    assert f"/mixes/{release.uuid}/" not in listed  # listed once playable
    assert MixStream.objects.get().status == MixStream.Status.READY  # the page queued it; the worker made it
    assert "data-seek" in client.get(f"/mixes/{release.uuid}/").content.decode()


@pytest.mark.django_db
def test_the_hourly_run_requests_streams_for_mixes_that_came_out(run_tasks):
    release = make_mix()
    with run_tasks():
        assert services.mix_streams_ensure() == 1
    assert MixStream.objects.get(render__release=release).status == MixStream.Status.READY
    assert services.mix_streams_ensure() == 0


@pytest.mark.django_db
def test_a_draft_mix_has_no_page(client):
    release = make_mix()
    Release.objects.filter(pk=release.pk).update(status=Release.Status.DRAFT)
    assert client.get(f"/mixes/{release.uuid}/").status_code == 404


def _broker_down(*args, **kwargs):
    raise ConnectionError("Error 111 connecting to the broker. Connection refused.")


def test_broker_down_when_alerts_are_queued_then_up_each_follower_gets_it_exactly_once(
    listener_factory, monkeypatch, settings, django_capture_on_commit_callbacks
):
    """Alert deliveries are committed rows (the alert's outbox, issue 13): with the broker down the hourly run
    records them and goes on; the next run queues them; each is claimed once, whoever runs it."""
    monkeypatch.setattr(services.alerts, "BATCH_SIZE", 2)
    artist = ArtistFactory(name="Night Owl", slug="night-owl")
    followers = [listener_factory(f"fan{i}@example.com", release_alerts=True) for i in range(3)]
    for listener in followers:
        Follow.objects.create(listener=listener, artist=artist)
    other = ArtistFactory()
    Follow.objects.create(listener=followers[0], artist=other)
    Release.objects.create(title="Owl Hours", artist=artist, status=Release.Status.PUBLISHED)
    Release.objects.create(title="Second Light", artist=other, status=Release.Status.PUBLISHED)
    monkeypatch.setattr("lofi_site.queue.async_task", _broker_down)

    with django_capture_on_commit_callbacks(execute=True):
        services.release_alerts_resume()  # the down broker is logged; both alerts are still recorded

    assert mail.outbox == [] and ReleaseAlert.objects.count() == 2
    monkeypatch.setattr("lofi_site.queue.async_task", lambda func, *args, **kwargs: import_string(func)(*args))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.release_alerts_resume() == 2  # the next hourly run
    with django_capture_on_commit_callbacks(execute=True):
        services.release_alerts_resume()
    for alert in ReleaseAlert.objects.all():
        tasks.release_alert_deliver_task(alert.pk)  # a late redelivery

    sent = sorted((message.to[0], message.subject) for message in mail.outbox)
    assert [to for to, _ in sent] == sorted([f"fan{i}@example.com" for i in range(3)] + ["fan0@example.com"])
    assert sum("Second Light" in subject for _, subject in sent) == 1
    assert set(ReleaseAlert.objects.values_list("status", flat=True)) == {ReleaseAlert.Status.SENT}
