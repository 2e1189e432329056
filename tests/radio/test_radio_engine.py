"""The radio's pure engine: Liquidsoap scripts, Icecast configs and statistics, the one-encoder RTMP command and
the process supervisor. No Django."""

from __future__ import annotations

import io
import subprocess
import sys
import time

import pytest

from radio.liquidsoap.annotate import annotate_request, gain_to_target_db
from radio.liquidsoap.icecast import IcecastServer, icecast_config_xml, parse_admin_stats
from radio.liquidsoap.programs import MissingProgram, program_path, require_program
from radio.liquidsoap.script import StationScript, liquidsoap_script
from radio.liquidsoap.supervisor import ProcessSpec, Supervisor
from radio.liquidsoap.video import VideoPush, push_command, tee_failure, tee_outputs, title_file_write

SCRIPT = StationScript(
    slug="night",
    name='Night "FM"',
    site_url="http://platform.example:8000/",
    token="tok-123",
    safety_playlist="/srv/radio/night/safety.m3u",
    icecast_host="127.0.0.1",
    icecast_port=8123,
    source_password="s3cret",
    mount="/night",
)


def test_annotate_quotes_values_so_a_title_cannot_break_the_request_line():
    line = annotate_request("/music/a.wav", {"title": 'Say "hi"\nnow', "artist": "A\\B", "skip": None})
    assert line == 'annotate:title="Say \\"hi\\" now",artist="A\\\\B":/music/a.wav'


def test_gain_brings_a_measured_track_to_the_target():
    assert gain_to_target_db(measured_lufs=-12.0, target_lufs=-16.0) == -4.0
    assert gain_to_target_db(measured_lufs=None, target_lufs=-16.0) == 0.0


def test_the_script_asks_the_station_endpoint_with_its_token_and_streams_to_its_mount():
    text = liquidsoap_script(SCRIPT)
    assert '"http://platform.example:8000/radio/autodj/night/next/"' in text
    assert '"http://platform.example:8000/radio/autodj/night/report/"' in text
    assert '"Bearer tok-123"' in text
    assert 'mount="/night"' in text and "port=8123" in text and 'password="s3cret"' in text
    assert "%mp3(bitrate=128" in text
    assert '"/srv/radio/night/safety.m3u"' in text
    assert "blank.skip(max_blank=5.0" in text
    assert 'name="Night \\"FM\\""' in text


@pytest.mark.skipif(program_path("liquidsoap") is None, reason="liquidsoap not installed: apt-get install liquidsoap")
@pytest.mark.parametrize("audio_format,hls", [("mp3", ""), ("aac", "/tmp/hls")])
def test_liquidsoap_accepts_the_generated_script(tmp_path, audio_format, hls):
    from dataclasses import replace

    path = tmp_path / "station.liq"
    path.write_text(liquidsoap_script(replace(SCRIPT, audio_format=audio_format, hls_dir=hls)))
    result = subprocess.run(["liquidsoap", "--check", str(path)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_icecast_config_and_stats():
    xml = icecast_config_xml(IcecastServer(port=8123, source_password="a<b", admin_password="adm", log_dir="/tmp"))
    assert "<port>8123</port>" in xml and "<source-password>a&lt;b</source-password>" in xml
    stats = parse_admin_stats(
        "<icestats><source mount='/night'><listeners>7</listeners><total_bytes_read>4096</total_bytes_read>"
        "<connected>30</connected></source></icestats>"
    )
    assert stats["/night"].listeners == 7 and stats["/night"].total_bytes_read == 4096


def test_one_encode_fans_out_to_every_target_through_tee():
    push = VideoPush(
        audio_url="http://127.0.0.1:8123/night",
        visual_path="/tmp/v.png",
        title_file="/tmp/title.txt",
        targets=("rtmp://a.rtmp.youtube.com/live2/key-1", "rtmp://live.twitch.tv/app/key-2"),
    )
    argv = push_command("ffmpeg", push)
    assert argv.count("libx264") == 1 and argv.count("aac") == 1
    assert argv[argv.index("-f", argv.index("-c:a")) + 1] == "tee"
    assert argv[-1] == tee_outputs(push.targets)
    assert argv[-1].count("[f=flv:onfail=ignore") == 2
    assert "scale=1280:720" in argv[argv.index("-filter_complex") + 1]
    assert "textfile=" in argv[argv.index("-filter_complex") + 1]


def test_title_file_is_replaced_whole(tmp_path):
    path = tmp_path / "title.txt"
    title_file_write(path, "First\nline")
    title_file_write(path, "Second · 100%")
    assert path.read_text() == "Second · 100%"
    assert list(tmp_path.iterdir()) == [path]


def test_a_missing_program_says_what_to_install(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(MissingProgram, match="apt-get install -y liquidsoap icecast2"):
        require_program("liquidsoap")


def test_the_supervisor_restarts_a_crashed_process_with_backoff_and_stops_everything():
    out = io.StringIO()
    events = []
    crash = ProcessSpec("crasher", [sys.executable, "-c", "print('hello'); raise SystemExit(3)"])
    steady = ProcessSpec("steady", [sys.executable, "-c", "import time; time.sleep(60)"])
    supervisor = Supervisor(
        [crash, steady], on_event=lambda *e: events.append(e), backoff_initial_s=0.2, backoff_max_s=0.4, out=out
    )
    supervisor.start_all()
    deadline = time.monotonic() + 10
    while supervisor.processes["crasher"].restarts < 3 and time.monotonic() < deadline:
        supervisor.step()
        time.sleep(0.05)
    steady_pid = supervisor.processes["steady"].pid
    supervisor.stop_all()

    assert supervisor.processes["crasher"].restarts >= 3
    assert any(e[0] == "exited" and e[1] == "crasher" and "exited with 3" in e[2] for e in events)
    assert "[crasher] hello" in out.getvalue()
    assert steady_pid is not None and not supervisor.processes["steady"].running
    with pytest.raises(ProcessLookupError):
        import os

        os.kill(steady_pid, 0)


def test_progress_lines_ending_in_carriage_returns_count_as_output():
    out = io.StringIO()
    program = (
        "import sys, time\n"
        "for i in range(3):\n"
        "    sys.stderr.write(f'frame={i}\\r'); sys.stderr.flush(); time.sleep(0.2)"
    )
    supervisor = Supervisor([ProcessSpec("video", [sys.executable, "-c", program])], out=out)
    supervisor.start_all()
    process = supervisor.processes["video"]
    deadline = time.monotonic() + 5
    while len(process.output_tail) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    supervisor.stop_all()
    assert process.output_tail[:3] == ["frame=0", "frame=1", "frame=2"]  # the watchdog's sign of a live push
    assert "frame=" not in out.getvalue()  # not logged every 2 s


def test_tee_failures_name_the_target_and_stream_keys_never_reach_the_log():
    # ffmpeg's own lines (7.x/9.x tee muxer) when the second of two targets refuses the connection
    lines = [
        "[tee @ 0x55c6a9f85700] Slave '[f=flv:onfail=ignore]rtmp://127.0.0.1:1/live/KEY-B': error opening: "
        "Connection refused",
        "[tee @ 0x55c6a9f85700] Slave muxer #1 failed: Connection refused, continuing with 1/2 slaves.",
        "[tee @ 0x55c6a9f85700] All tee outputs failed.",
    ]
    assert [tee_failure(line, 2) for line in lines] == [
        [],
        [(1, "Connection refused")],
        [(0, "All outputs failed"), (1, "All outputs failed")],
    ]
    out, seen = io.StringIO(), []
    program = f"import sys; sys.stderr.write({chr(10).join(lines)!r})"
    spec = ProcessSpec("video", [sys.executable, "-c", program], secrets=("KEY-B",), on_line=seen.append)
    supervisor = Supervisor([spec], out=out)
    supervisor.start_all()
    deadline = time.monotonic() + 5
    while len(seen) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    supervisor.stop_all()
    assert "KEY-B" not in out.getvalue() and "KEY-B" not in "".join(seen + supervisor.processes["video"].output_tail)
    assert "rtmp://127.0.0.1:1/live/****" in out.getvalue()
    assert seen[1] == lines[1]
