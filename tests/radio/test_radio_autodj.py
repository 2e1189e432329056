"""AutoDJ rules, through the endpoint Liquidsoap calls: what a station plays next, and what it never plays."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from catalog.models import Track
from radio.models import Daypart, Incident, ListenerRequest, Play
from radio.services.autodj import autodj_next
from radio.services.stations import autodj_token
from tests.factories import ArtistFactory, MoodFactory
from tests.radio.factories import radio_track, station

pytestmark = pytest.mark.django_db


def ask(client, st) -> str:
    response = client.get(reverse("radio:autodj_next", args=[st.slug]), HTTP_AUTHORIZATION=f"Bearer {autodj_token(st)}")
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def picked_titles(client, st, n: int) -> list[str]:
    for _ in range(n):
        ask(client, st)
    return list(Play.objects.filter(station=st).order_by("created_at", "id").values_list("title", flat=True))


def test_the_endpoint_answers_an_annotated_request_with_the_gain_to_the_station_loudness(client):
    st = station(loudness_target_lufs=-16.0)
    track = radio_track(title="Window Rain", integrated_lufs=-12.5, true_peak_dbtp=-1.5)

    line = ask(client, st)

    assert line.startswith("annotate:")
    assert 'title="Window Rain"' in line
    assert f'artist="{track.artist.name}"' in line
    assert 'liq_amplify="-3.50 dB"' in line  # -12.5 LUFS brought to -16
    assert "liq_cue_in=" in line and "liq_cue_out=" in line and "liq_fade_out=" in line
    path = line.rsplit(":", 1)[1]
    assert path.endswith(".wav") and Path(path).read_bytes()[:4] == b"RIFF"  # a local file Liquidsoap can open


def test_a_quiet_track_is_raised_only_as_far_as_its_true_peak_allows(client):
    st = station(loudness_target_lufs=-14.0)
    radio_track(title="Whisper", integrated_lufs=-24.0, true_peak_dbtp=-4.0)

    assert 'liq_amplify="+3.00 dB"' in ask(client, st)  # not +10: the peak would pass -1 dBTP


def test_a_wrong_token_gets_nothing(client):
    st = station()
    radio_track(title="Secret")
    response = client.get(reverse("radio:autodj_next", args=[st.slug]), HTTP_AUTHORIZATION="Bearer nope")
    assert response.status_code == 404
    assert not Play.objects.exists()


def test_unreleased_tracks_never_play(client):
    st = station(no_repeat_hours=0)
    radio_track(title="Out Now")
    radio_track(title="Draft", released=False, status=Track.Status.DRAFT)
    radio_track(title="Approved, release not out", released=False)
    radio_track(title="Licensable before release", released=False, licensable_before_release=True)
    radio_track(title="Archived", status=Track.Status.ARCHIVED)

    assert set(picked_titles(client, st, 6)) == {"Out Now"}


def test_a_track_marked_for_the_station_plays_before_its_release(client):
    st = station(no_repeat_hours=1)
    early = radio_track(title="Premiere", released=False)
    draft = radio_track(title="Unfinished", released=False, status=Track.Status.DRAFT)
    st.marked_tracks.add(early, draft)

    assert set(picked_titles(client, st, 3)) == {"Premiere"}  # a draft stays off air even when marked


def test_no_track_repeats_within_the_window_while_others_can_play(client):
    st = station(no_repeat_hours=2)
    for n in range(4):
        radio_track(title=f"Song {n}")

    titles = picked_titles(client, st, 6)

    assert len(set(titles[:4])) == 4  # every track once before any repeats
    assert titles[4] == titles[0] and titles[5] == titles[1]  # then the least recently played first


def test_an_artist_waits_for_the_separation_window(client):
    st = station(no_repeat_hours=0, artist_separation_min=30)
    nova, kai = ArtistFactory(name="Nova"), ArtistFactory(name="Kai")
    radio_track(title="Nova 1", artist=nova)
    radio_track(title="Nova 2", artist=nova)
    radio_track(title="Kai 1", artist=kai)

    titles = picked_titles(client, st, 2)

    artists = [Play.objects.get(station=st, title=t).artist for t in titles]
    assert artists[0] != artists[1]


def test_the_daypart_chooses_the_mood(client, settings):
    st = station(no_repeat_hours=0)
    sleepy, focus = MoodFactory(slug="sleepy"), MoodFactory(slug="focus")
    radio_track(title="Lullaby", moods=[sleepy])
    radio_track(title="Deep Work", moods=[focus])
    night = Daypart.objects.create(station=st, name="Night", start_hour=22, end_hour=6)
    night.moods.add(sleepy)
    day = Daypart.objects.create(station=st, name="Office", start_hour=9, end_hour=17)
    day.moods.add(focus)
    tz = timezone.get_current_timezone()

    at_night = [autodj_next(station=st, now=datetime(2026, 3, 2, 2, 0, tzinfo=tz)).play.title for _ in range(3)]
    at_work = [autodj_next(station=st, now=datetime(2026, 3, 2, 11, 0, tzinfo=tz)).play.title for _ in range(3)]

    assert set(at_night) == {"Lullaby"}
    assert set(at_work) == {"Deep Work"}


def test_the_next_track_is_harmonically_and_tempo_compatible(client):
    st = station(no_repeat_hours=1)
    radio_track(title="Opener", key="A", mode="minor", bpm=82)  # 8A
    radio_track(title="Neighbour", key="E", mode="minor", bpm=84)  # 9A, +2.4 %
    radio_track(title="Clash", key="C#", mode="major", bpm=124)  # 3B, far off

    titles = picked_titles(client, st, 2)

    assert titles[1] == "Neighbour" if titles[0] == "Opener" else titles[1] != "Clash"


def test_a_listener_request_goes_first_when_it_fits_the_rules(client):
    st = station(no_repeat_hours=1)
    for n in range(3):
        radio_track(title=f"Rotation {n}")
    wanted = radio_track(title="Requested")
    client.post(reverse("radio:request", args=[st.slug]), {"track": str(wanted.uuid)})

    first = picked_titles(client, st, 1)

    assert first == ["Requested"]
    play = Play.objects.get(station=st, title="Requested")
    assert play.source == Play.Source.REQUEST
    assert ListenerRequest.objects.get().status == ListenerRequest.Status.QUEUED


def test_a_request_for_a_track_just_played_waits_for_the_window(client, settings):
    settings.RADIO_REQUEST_RATE_LIMIT_PER_HOUR = 5
    st = station(no_repeat_hours=1)
    just_played = radio_track(title="Just Played")
    radio_track(title="Other")
    radio_track(title="Third")
    ask(client, st)
    first = Play.objects.get(station=st)
    again = just_played if first.track_id == just_played.pk else first.track
    client.post(reverse("radio:request", args=[st.slug]), {"track": str(again.uuid)})

    ask(client, st)

    latest = Play.objects.filter(station=st).order_by("-created_at", "-id").first()
    assert latest.track_id != again.pk
    assert ListenerRequest.objects.get().status == ListenerRequest.Status.PENDING


def test_one_request_per_visitor_per_hour(client):
    st = station()
    a, b = radio_track(title="A"), radio_track(title="B")
    url = reverse("radio:request", args=[st.slug])

    client.post(url, {"track": str(a.uuid)})
    response = client.post(url, {"track": str(b.uuid)}, follow=True)

    assert ListenerRequest.objects.count() == 1
    assert "already requested a track this hour" in response.content.decode()


def test_an_unreleased_track_cannot_be_requested(client):
    st = station()
    hidden = radio_track(title="Hidden", released=False)
    response = client.post(reverse("radio:request", args=[st.slug]), {"track": str(hidden.uuid)}, follow=True)
    assert not ListenerRequest.objects.exists()
    assert "cannot be requested" in response.content.decode()


def test_nothing_to_play_answers_204_and_records_an_incident(client):
    st = station()
    radio_track(title="Draft only", released=False, status=Track.Status.DRAFT)
    response = client.get(reverse("radio:autodj_next", args=[st.slug]), HTTP_AUTHORIZATION=f"Bearer {autodj_token(st)}")
    assert response.status_code == 204  # Liquidsoap then plays its safety playlist
    assert Incident.objects.get(station=st).kind == Incident.Kind.AUTODJ_EMPTY


def test_a_station_id_every_n_tracks(client, tmp_path):
    from django.core.files.base import ContentFile

    from tests.radio.factories import music, wav_bytes

    st = station(no_repeat_hours=0, jingle_every_n_tracks=2)
    st.jingle.save("id.wav", ContentFile(wav_bytes(music(1.0, sample_rate=8000), 8000)))
    radio_track(title="Song")

    sources = [
        Play.objects.get(pk=int(ask(client, st).split('lofi_play_id="')[1].split('"')[0])).source for _ in range(6)
    ]

    assert sources == ["autodj", "autodj", "jingle", "autodj", "autodj", "jingle"]
