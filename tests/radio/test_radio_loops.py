"""A station on a rendered long mix: played on repeat, now playing follows the mix's tracklist, and the same mix
renders as an N-hour VOD video with chapters."""

from __future__ import annotations

import subprocess
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.management import call_command

from catalog.models import Release
from production.models import MixRender
from radio.liquidsoap.programs import ffmpeg_exe
from radio.models import Play
from radio.selectors import now_playing
from radio.services.autodj import autodj_next
from radio.services.loops import station_long_mix_set
from tests.factories import ReleaseFactory
from tests.radio.factories import music, radio_track, station, wav_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def mix_station():
    first, second = radio_track(title="Dawn"), radio_track(title="Dusk")
    release = ReleaseFactory(title="Night Drive", kind=Release.Kind.MIX)
    path = storages["private"].save("mixes/night.wav", ContentFile(wav_bytes(music(3.0, sample_rate=8000), 8000)))
    mix = MixRender.objects.create(
        release=release,
        status=MixRender.Status.SUCCEEDED,
        path=path,
        duration_s=3.0,
        integrated_lufs=-14.0,
        tracklist=[
            {"position": 1, "track_id": first.pk, "title": "Dawn", "artist": first.artist.name, "start_s": 0.0},
            {"position": 2, "track_id": second.pk, "title": "Dusk", "artist": second.artist.name, "start_s": 1.5},
        ],
    )
    st = station(loudness_target_lufs=-16.0)
    station_long_mix_set(station=st, mix=mix)
    return st, mix, first, second


def test_a_long_mix_station_plays_the_mix_on_repeat_and_names_the_tune_inside_it(mix_station):
    st, mix, _, second = mix_station

    picks = [autodj_next(station=st) for _ in range(2)]

    assert all(p.location == storages["private"].path(mix.path) for p in picks)
    assert 'liq_amplify="-2.00 dB"' in picks[0].request_line
    play = picks[0].play
    play.started_at = play.created_at
    play.save()
    assert now_playing(st, now=play.started_at + timedelta(seconds=0.5)).title == "Dawn"
    later = now_playing(st, now=play.started_at + timedelta(seconds=2))
    assert later.title == "Dusk" and later.track_id == str(second.uuid)
    assert now_playing(st, now=play.started_at + timedelta(seconds=3.5)).title == "Dawn"  # on repeat
    assert Play.objects.filter(station=st, source=Play.Source.LONG_MIX).count() == 2


def test_the_long_mix_renders_as_a_loop_video_with_chapters(mix_station, tmp_path, capsys):
    st, _, first, _ = mix_station
    out = tmp_path / "loop.mp4"

    call_command("radio_loop_video", st.slug, "--hours", str(9.5 / 3600), "--out", str(out), "--effect", "grain")

    printed = capsys.readouterr().out
    assert "the mix 3 time(s)" in printed
    lines = [line for line in printed.splitlines() if line[:2].isdigit()]
    assert lines[:3] == [f"00:00 {first.artist.name} - Dawn", lines[1], f"00:03 {first.artist.name} - Dawn"]
    assert len(lines) == 6
    probe = subprocess.run([ffmpeg_exe(), "-hide_banner", "-i", str(out)], capture_output=True, text=True)
    assert "Video: h264" in probe.stderr and "Audio: aac" in probe.stderr
    assert probe.stderr.count("Chapter #") == 6
    assert "Duration: 00:00:09" in probe.stderr
