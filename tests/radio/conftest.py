"""The `runner_for` fixture: start a real station (Icecast + Liquidsoap, optionally the RTMP push) against the
live test server; every station started is stopped at the end."""

from __future__ import annotations

import contextlib
import io
import sys

import pytest

from radio.services.runner import StationRunner
from tests.radio.live_helpers import require_programs


class StationLog(io.StringIO):
    """What the supervisor logs: kept for the test to read, and passed to the (captured) stdout while it is open
    (pytest closes its capture before this fixture's teardown stops the station)."""

    def write(self, text: str) -> int:
        with contextlib.suppress(ValueError):
            sys.stdout.write(text)
        return super().write(text)


@pytest.fixture
def runner_for(live_server, tmp_path):
    require_programs()
    runners = []

    def start(st, *, with_video: bool = False) -> StationRunner:
        runner = StationRunner(
            st,
            site_url=live_server.url,
            run_dir=tmp_path / "run",
            with_video=with_video,
            heartbeat_s=3.0,
            out=StationLog(),
        )
        runner.start()
        runners.append(runner)
        return runner

    yield start
    for runner in runners:
        runner.stop()
