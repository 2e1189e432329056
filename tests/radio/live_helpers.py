"""Running a real station in tests: free ports, the supervisor loop, Icecast's view of the mount."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable

import pytest

from radio.liquidsoap.icecast import IcecastUnreachable, fetch_admin_stats
from radio.liquidsoap.programs import program_path
from radio.services.runner import StationRunner
from radio.services.stations import icecast_passwords
from tests.radio.factories import music, radio_track

SAMPLE_RATE = 44100


def require_programs() -> None:
    missing = [name for name in ("liquidsoap", "icecast2") if program_path(name) is None]
    if missing:
        pytest.skip(f"{' and '.join(missing)} not installed: apt-get install -y liquidsoap icecast2")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pump(runner: StationRunner, timeout_s: float, until: Callable[[], bool]) -> float:
    """Run the supervisor loop (as `manage.py radio` does) until `until()` or the timeout; seconds it took."""
    start = time.monotonic()
    while time.monotonic() - start < timeout_s:
        runner.supervisor.step()
        runner.tick()
        if until():
            return time.monotonic() - start
        time.sleep(0.25)
    raise AssertionError(f"not reached within {timeout_s} s")


def mount_stats(st):
    passwords = icecast_passwords(st)
    try:
        stats = fetch_admin_stats(
            f"http://127.0.0.1:{st.icecast_port}", user="admin", password=passwords["admin_password"], timeout_s=1
        )
    except IcecastUnreachable:
        return None
    return stats.get(st.mount)


def three_tracks() -> list:
    # Three loudness levels: only the AutoDJ's gain brings them all to the station's -16 LUFS.
    levels = [0.05, 0.35, 0.12]
    return [
        radio_track(
            title=f"Live Tune {n}",
            audio=music(9.0, sample_rate=SAMPLE_RATE, level=level, seed=n),
            sample_rate=SAMPLE_RATE,
            bpm=80 + n,
        )
        for n, level in enumerate(levels)
    ]
