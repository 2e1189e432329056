"""Operating stations without the programs running: the watchdog's checks and restart requests, reports, the
now-playing API, the commands, the cockpit panel and who may do what."""

from __future__ import annotations

import http.server
import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from radio.models import Incident, Play, RtmpTarget, StationProcess
from radio.services.plays import play_report
from radio.services.stations import (
    autodj_token,
    icecast_passwords,
    rtmp_target_failed,
    rtmp_target_set_key,
    rtmp_target_url,
)
from radio.services.watchdog import process_heartbeat, process_restart_requests_take, stations_watchdog_run
from tests.radio.factories import radio_track, station

pytestmark = pytest.mark.django_db
Piece = StationProcess.Piece


class FakeIcecast:
    """A local HTTP server answering /admin/stats like Icecast does (with the admin password)."""

    def __init__(self, xml: str, password: str) -> None:
        outer = self
        self.xml = xml

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                import base64

                expected = "Basic " + base64.b64encode(f"admin:{password}".encode()).decode()
                if self.headers.get("Authorization") != expected:
                    self.send_response(401)
                    self.end_headers()
                    return
                self.send_response(200)
                self.end_headers()
                self.wfile.write(outer.xml.encode())

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def alive(st, *pieces, started_ago_s: float = 600) -> None:
    started = timezone.now() - timedelta(seconds=started_ago_s)
    process_heartbeat(station=st, piece=Piece.SUPERVISOR, running=True, pid=1)
    for piece in pieces:
        process_heartbeat(station=st, piece=piece, running=True, pid=2, started_at=started, progress_at=timezone.now())


def stats_xml(mount: str, bytes_read: int, listeners: int = 3) -> str:
    return (
        f"<icestats><source mount='{mount}'><listeners>{listeners}</listeners>"
        f"<total_bytes_read>{bytes_read}</total_bytes_read><connected>600</connected></source></icestats>"
    )


def test_a_station_whose_supervisor_is_gone_gets_an_incident():
    st = station()
    incidents = stations_watchdog_run()
    assert [(i.station, i.kind) for i in incidents] == [(st, Incident.Kind.SUPERVISOR_DOWN)]
    assert "systemctl start lofi-radio@" in incidents[0].action
    assert stations_watchdog_run() == []  # recorded once, not every minute


def test_icecast_down_asks_the_supervisor_to_restart_it():
    st = station(icecast_port=9)  # nothing listens on the discard port
    alive(st, Piece.ICECAST, Piece.LIQUIDSOAP)

    [incident] = stations_watchdog_run()

    assert incident.kind == Incident.Kind.ICECAST_DOWN and incident.piece == Piece.ICECAST
    assert process_restart_requests_take(station=st) == [(Piece.ICECAST, incident.detail)]
    assert process_restart_requests_take(station=st) == []  # taken once


def test_a_mount_without_source_or_without_new_bytes_restarts_liquidsoap():
    st = station(mount="/live")
    fake = FakeIcecast(stats_xml("/other", 10), icecast_passwords(st)["admin_password"])
    try:
        st.icecast_port = fake.port
        st.save()
        alive(st, Piece.ICECAST, Piece.LIQUIDSOAP)
        Play.objects.create(station=st, title="x", started_at=timezone.now())
        [incident] = stations_watchdog_run()
        assert incident.kind == Incident.Kind.NO_SOURCE
        assert [p for p, _ in process_restart_requests_take(station=st)] == [Piece.LIQUIDSOAP]

        fake.xml = stats_xml("/live", 5000)
        assert stations_watchdog_run() == []  # bytes flow: first reading
        st.refresh_from_db()
        assert st.listeners == 3
        [stuck] = stations_watchdog_run()  # same byte count a minute later
        assert stuck.kind == Incident.Kind.NO_BYTES
    finally:
        fake.close()


def test_no_track_report_for_longer_than_the_longest_track_restarts_liquidsoap():
    st = station(mount="/live")
    radio_track(title="Short", duration_s=200)
    fake = FakeIcecast(stats_xml("/live", 5000), icecast_passwords(st)["admin_password"])
    try:
        st.icecast_port, st.icecast_bytes_read = fake.port, 1000
        st.save()
        alive(st, Piece.ICECAST, Piece.LIQUIDSOAP)
        Play.objects.create(station=st, title="old", started_at=timezone.now() - timedelta(minutes=10))
        [incident] = stations_watchdog_run()
        assert incident.kind == Incident.Kind.NO_TRACK_REPORT and incident.piece == Piece.LIQUIDSOAP
    finally:
        fake.close()


def test_a_stalled_video_push_is_restarted():
    st = station(mount="/live")
    RtmpTarget.objects.create(station=st, name="YouTube", server_url="rtmp://a.rtmp.youtube.com/live2")
    fake = FakeIcecast(stats_xml("/live", 5000), icecast_passwords(st)["admin_password"])
    try:
        st.icecast_port, st.icecast_bytes_read = fake.port, 1000
        st.save()
        alive(st, Piece.ICECAST, Piece.LIQUIDSOAP)
        Play.objects.create(station=st, title="now", started_at=timezone.now())
        process_heartbeat(station=st, piece=Piece.VIDEO, running=False, detail="Connection refused")
        [incident] = stations_watchdog_run()
        assert incident.kind == Incident.Kind.VIDEO_STALLED and "Connection refused" in incident.detail
        assert [p for p, _ in process_restart_requests_take(station=st)] == [Piece.VIDEO]
    finally:
        fake.close()


def test_an_rtmp_target_that_dropped_out_of_the_running_push_restarts_the_push():
    st = station(mount="/live")
    youtube = RtmpTarget.objects.create(station=st, name="YouTube", server_url="rtmp://a.rtmp.youtube.com/live2")
    twitch = RtmpTarget.objects.create(station=st, name="Twitch", server_url="rtmp://live.twitch.tv/app")
    fake = FakeIcecast(stats_xml("/live", 5000), icecast_passwords(st)["admin_password"])
    try:
        st.icecast_port, st.icecast_bytes_read = fake.port, 1000
        st.save()
        alive(st, Piece.ICECAST, Piece.LIQUIDSOAP, Piece.VIDEO, started_ago_s=300)
        Play.objects.create(station=st, title="now", started_at=timezone.now())
        # Twitch failed in an earlier run of the push: the restart already tried it again, it is not down now
        rtmp_target_failed(target_id=twitch.pk, error="Broken pipe", at=timezone.now() - timedelta(seconds=400))
        assert stations_watchdog_run() == []

        rtmp_target_failed(target_id=youtube.pk, error="Connection reset by peer", at=timezone.now())
        fake.xml = stats_xml("/live", 9000)  # audio still flows
        [incident] = stations_watchdog_run()
        assert incident.kind == Incident.Kind.RTMP_TARGET_DOWN and incident.piece == Piece.VIDEO
        assert incident.detail == "YouTube: Connection reset by peer"
        assert [p for p, _ in process_restart_requests_take(station=st)] == [Piece.VIDEO]
    finally:
        fake.close()


def test_stream_keys_are_stored_encrypted():
    st = station()
    target = RtmpTarget.objects.create(station=st, name="Twitch", server_url="rtmp://live.twitch.tv/app/")
    rtmp_target_set_key(target=target, stream_key="live_123_secret")
    target.refresh_from_db()
    assert "live_123_secret" not in target.stream_key_encrypted
    assert rtmp_target_url(target) == "rtmp://live.twitch.tv/app/live_123_secret"


def test_reports_fill_the_play_log_once_and_safety_tracks_are_logged_too(client):
    st = station()
    track = radio_track(title="Reported")
    url = reverse("radio:autodj_report", args=[st.slug])
    auth = {"HTTP_AUTHORIZATION": f"Bearer {autodj_token(st)}"}
    line = client.get(reverse("radio:autodj_next", args=[st.slug]), **auth).content.decode()
    play_id = line.split('lofi_play_id="')[1].split('"')[0]

    client.post(url, {"play_id": play_id, "title": "Reported"}, **auth)
    first = Play.objects.get(pk=play_id).started_at
    client.post(url, {"play_id": play_id}, **auth)  # a retried report changes nothing
    client.post(url, {"track_id": str(track.pk), "title": "Reported", "filename": "/x/safety/a.wav"}, **auth)
    client.post(url, {}, **auth)  # Liquidsoap's blank filler: nothing to log

    assert Play.objects.get(pk=play_id).started_at == first is not None
    assert list(Play.objects.filter(station=st).order_by("id").values_list("source", flat=True)) == [
        "autodj",
        "safety",
    ]
    assert client.post(url, {"title": "x"}).status_code == 404  # no token


def test_now_playing_api(client, django_assert_max_num_queries):
    st = station()
    track = radio_track(title="On Air")
    play = Play.objects.create(station=st, track=track, title="On Air", artist=track.artist.name)
    play_report(station=st, play_id=str(play.pk))

    with django_assert_max_num_queries(8):
        data = client.get(f"/api/v1/radio/{st.slug}/now/").json()

    assert data["track"] == {"id": str(track.uuid), "title": "On Air", "artist": track.artist.name}
    assert data["started_at"] and data["stream_url"] == st.stream_url
    assert "listeners" in data
    assert data["license_url"].endswith(f"/tracks/{track.uuid}/")
    assert data["hls_url"] == ""
    st.hls_enabled = True
    st.save()
    assert client.get(f"/api/v1/radio/{st.slug}/now/").json()["hls_url"].endswith(f"/radio/hls/{st.slug}/live.m3u8")


def test_radio_config_prints_the_script_and_radio_says_what_is_missing(capsys, monkeypatch):
    st = station(slug="night", mount="/night")
    call_command("radio_config", "night")
    assert 'mount="/night"' in capsys.readouterr().out

    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(CommandError, match="`liquidsoap` is not installed: install the Debian packages"):
        call_command("radio", st.slug)
    with pytest.raises(CommandError, match="seed_demo"):
        call_command("radio", "demo")


def test_the_dashboard_shows_each_station_and_its_last_incident(client, va):
    st = station(name="Night FM")
    Incident.objects.create(station=st, kind=Incident.Kind.NO_SOURCE, piece="liquidsoap")
    client.force_login(va)
    page = client.get(reverse("admin:index")).content.decode()
    assert "Radio stations" in page and "Night FM" in page
    assert "Down: supervisor not running" in page and "Icecast mount has no source" in page


def test_vas_may_view_stations_but_only_editors_change_them(client, va, editor):
    st = station()
    client.force_login(va)
    assert client.get(reverse("admin:radio_station_change", args=[st.pk])).status_code == 200
    assert client.post(reverse("admin:radio_station_change", args=[st.pk]), {}).status_code == 403
    assert not va.has_perm("radio.change_rtmptarget")
    assert editor.has_perm("radio.change_station") and editor.has_perm("radio.add_rtmptarget")


def test_the_demo_step_seeds_the_demo_station_with_the_demo_tracks(settings):
    from catalog.models import Track
    from radio.demo import demo_station
    from radio.models import Station

    rendered = radio_track(title="Demo render", released=False, source=Track.Source.GENERATED)
    lines = []
    demo_station(lines.append)
    demo_station(lines.append)  # idempotent

    st = Station.objects.get(slug="demo")
    assert list(st.marked_tracks.all()) == [rendered] and list(st.safety_tracks.all()) == [rendered]
    assert not st.on_air  # on air only once `make radio` runs it
    assert "1 track(s) in rotation" in lines[-1]


def test_plays_per_track_on_the_analytics_page(rf, editor):
    from lofi_site.analytics import Period
    from radio.dashboard import radio_plays_per_track

    st = station()
    track = radio_track(title="Most Played")
    for _ in range(3):
        Play.objects.create(station=st, track=track, title=track.title, started_at=timezone.now())
    request = rf.get("/")
    request.user = editor

    chart = radio_plays_per_track(request, Period(days=7, today=timezone.localdate()))

    assert chart.rows == [(f"Most Played — {track.artist.name}", "3")]
    assert "Most Played" in chart.svg


def test_an_editor_sets_up_a_station_with_a_youtube_target_in_the_cockpit(client, editor):
    client.force_login(editor)
    url = reverse("admin:radio_station_add")
    form = {
        "name": "Study FM",
        "slug": "study-fm",
        "description": "",
        "on_air": "",
        "mode": "autodj",
        "icecast_local": "on",
        "icecast_host": "127.0.0.1",
        "icecast_port": "8020",
        "icecast_public_url": "",
        "mount": "/study",
        "audio_format": "mp3",
        "bitrate_kbps": "128",
        "crossfade_s": "4",
        "loudness_target_lufs": "-16",
        "no_repeat_hours": "3",
        "artist_separation_min": "20",
        "jingle_every_n_tracks": "0",
        "video_resolution": "720",
        "dayparts-TOTAL_FORMS": "1",
        "dayparts-INITIAL_FORMS": "0",
        "dayparts-0-name": "Focus",
        "dayparts-0-start_hour": "9",
        "dayparts-0-end_hour": "17",
        "rtmp_targets-TOTAL_FORMS": "1",
        "rtmp_targets-INITIAL_FORMS": "0",
        "rtmp_targets-0-name": "YouTube",
        "rtmp_targets-0-platform": "youtube",
        "rtmp_targets-0-server_url": "rtmp://a.rtmp.youtube.com/live2",
        "rtmp_targets-0-stream_key": "abcd-efgh-ijkl",
        "rtmp_targets-0-enabled": "on",
    }

    response = client.post(url, form)

    assert response.status_code == 302, response.context["adminform"].errors if response.context else response
    target = RtmpTarget.objects.get(station__slug="study-fm")
    assert rtmp_target_url(target) == "rtmp://a.rtmp.youtube.com/live2/abcd-efgh-ijkl"
    assert "abcd-efgh-ijkl" not in target.stream_key_encrypted
    page = client.get(reverse("admin:radio_station_change", args=[target.station_id])).content.decode()
    assert "abcd-efgh-ijkl" not in page  # the key is never shown again
    assert "mount=&quot;/study&quot;" in page  # the generated script is shown...
    assert "Bearer &lt;token&gt;" in page  # ...with its secrets masked
