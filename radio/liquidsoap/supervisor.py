"""Supervise a station's processes: start them in order, pass their output to stdout line by line (prefixed
with the piece's name), restart one that exits with exponential backoff, restart one on request, stop all.

Each child runs in its own session (process group), so a terminal's Ctrl-C or a SIGTERM to the supervisor reaches
it exactly once, from `stop_all`, which also takes down anything the child started.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

EventFunc = Callable[[str, str, str], None]  # (event, piece, detail): "started", "exited", "restarting"


@dataclass
class ProcessSpec:
    name: str
    argv: list[str]
    env: dict[str, str] | None = None
    cwd: str | None = None
    # Started only once this says so (e.g. the video push waits until the Icecast mount has a source).
    ready: Callable[[], bool] | None = None
    # Masked in every output line before it is logged, kept or passed on (stream keys in ffmpeg's errors).
    secrets: tuple[str, ...] = ()
    # Called (from the output thread) with each output line, masked: e.g. the push's per-target failures.
    on_line: Callable[[str], None] | None = None


@dataclass
class ManagedProcess:
    spec: ProcessSpec
    popen: subprocess.Popen | None = None
    started_at: float = 0.0
    last_output_at: float = 0.0
    restarts: int = 0
    failures_in_a_row: int = 0
    next_start_at: float = 0.0
    last_exit: int | None = None
    output_tail: list[str] = field(default_factory=list)

    @property
    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    @property
    def pid(self) -> int | None:
        return self.popen.pid if self.popen is not None and self.popen.poll() is None else None


class Supervisor:
    """Runs `specs` in the given order. Call `step()` every second or so (or `run()`), `stop_all()` at the end."""

    def __init__(
        self,
        specs: list[ProcessSpec],
        *,
        on_event: EventFunc | None = None,
        backoff_initial_s: float = 1.0,
        backoff_max_s: float = 60.0,
        stable_after_s: float = 60.0,
        out=None,
    ) -> None:
        self.processes = {spec.name: ManagedProcess(spec) for spec in specs}
        self.on_event = on_event or (lambda event, piece, detail: None)
        self.backoff_initial_s = backoff_initial_s
        self.backoff_max_s = backoff_max_s
        self.stable_after_s = stable_after_s
        self.out = out or sys.stdout
        self._out_lock = threading.Lock()
        self._stopping = threading.Event()

    # --- output -----------------------------------------------------------------------------------------
    def log(self, piece: str, line: str) -> None:
        with self._out_lock:
            self.out.write(f"[{piece}] {line.rstrip()}\n")
            self.out.flush()

    def _pump(self, process: ManagedProcess, stream) -> None:
        # Lines end with "\n" or "\r" (ffmpeg rewrites its progress line with "\r"): each counts as output, so
        # a pushing ffmpeg shows progress every couple of seconds.
        pending = b""
        while chunk := stream.read1(65536):
            pending += chunk
            *lines, pending = re.split(rb"[\r\n]", pending)
            for raw in lines:
                self._line(process, raw)
        self._line(process, pending)
        stream.close()

    def _line(self, process: ManagedProcess, raw: bytes) -> None:
        line = raw.decode("utf-8", "replace").rstrip()
        for secret in process.spec.secrets:
            if secret:
                line = line.replace(secret, "****")
        if not line:
            return
        if process.spec.on_line is not None:
            try:
                process.spec.on_line(line)
            except Exception as error:  # a listener's bug must not stop the output pump (and block the child)
                self.log("supervisor", f"output handler of {process.spec.name} failed: {error!r}")
        process.last_output_at = time.monotonic()
        process.output_tail = [*process.output_tail[-19:], line]
        if not line.startswith(("frame=", "size=")):  # progress is noted, not logged every 2 s
            self.log(process.spec.name, line)

    # --- lifecycle --------------------------------------------------------------------------------------
    def _start(self, process: ManagedProcess) -> None:
        spec = process.spec
        env = {**os.environ, **(spec.env or {})}
        try:
            process.popen = subprocess.Popen(
                spec.argv,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                cwd=spec.cwd,
                env=env,
                start_new_session=True,
            )
        except OSError as error:
            process.popen = None
            process.last_exit = None
            self._schedule_restart(process, f"could not start: {error}")
            return
        process.started_at = process.last_output_at = time.monotonic()
        self.log("supervisor", f"started {spec.name} (pid {process.popen.pid})")
        # Told before its output is read, so a listener resets its state before the new run's first line.
        self.on_event("started", spec.name, f"pid {process.popen.pid}")
        threading.Thread(target=self._pump, args=(process, process.popen.stdout), daemon=True).start()

    def _schedule_restart(self, process: ManagedProcess, detail: str) -> None:
        ran_s = time.monotonic() - process.started_at if process.started_at else 0.0
        process.failures_in_a_row = 1 if ran_s >= self.stable_after_s else process.failures_in_a_row + 1
        delay = min(self.backoff_initial_s * 2 ** (process.failures_in_a_row - 1), self.backoff_max_s)
        process.next_start_at = time.monotonic() + delay
        process.restarts += 1
        self.log("supervisor", f"{process.spec.name} {detail}; restarting in {delay:.0f} s")
        self.on_event("exited", process.spec.name, f"{detail}; restarting in {delay:.0f} s")

    def start_all(self) -> None:
        for process in self.processes.values():
            if process.spec.ready is None or process.spec.ready():
                self._start(process)
            else:
                process.next_start_at = time.monotonic() + 1.0

    def step(self) -> None:
        """Notice exits (and schedule restarts), start what is due. Cheap: call it every second."""
        if self._stopping.is_set():
            return
        now = time.monotonic()
        for process in self.processes.values():
            if process.popen is not None and process.popen.poll() is not None:
                code = process.popen.returncode
                process.popen, process.last_exit = None, code
                tail = process.output_tail[-1] if process.output_tail else ""
                self._schedule_restart(process, f"exited with {code}" + (f" ({tail})" if tail else ""))
            elif process.popen is None and now >= process.next_start_at:
                if process.spec.ready is not None and not process.spec.ready():
                    process.next_start_at = now + 1.0
                    continue
                self._start(process)

    def restart(self, name: str, reason: str) -> None:
        """Stop one piece now and start it again at once (a watchdog's request)."""
        process = self.processes[name]
        self.log("supervisor", f"restarting {name}: {reason}")
        self._terminate(process)
        process.popen, process.restarts = None, process.restarts + 1
        process.next_start_at = 0.0
        self.on_event("restarting", name, reason)
        self.step()

    def _terminate(self, process: ManagedProcess, timeout_s: float = 5.0) -> None:
        popen = process.popen
        if popen is None or popen.poll() is not None:
            return
        try:
            os.killpg(popen.pid, signal.SIGTERM)
            popen.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(popen.pid, signal.SIGKILL)
            popen.wait(timeout=timeout_s)
        except ProcessLookupError:
            pass

    def stop_all(self) -> None:
        """Stop every piece, the last started first (the video push before Liquidsoap before Icecast)."""
        self._stopping.set()
        for process in reversed(list(self.processes.values())):
            if process.running:
                with contextlib.suppress(OSError, ValueError):  # a closed stdout must not leave a child running
                    self.log("supervisor", f"stopping {process.spec.name}")
            self._terminate(process)
            process.popen = None

    def request_stop(self) -> None:
        self._stopping.set()

    def wait(self, timeout_s: float) -> None:
        """Sleep up to `timeout_s`, waking at once when a stop is requested."""
        self._stopping.wait(timeout_s)

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def run(self, *, tick: Callable[[], None] | None = None, poll_s: float = 1.0) -> None:
        """step() (and `tick`) every `poll_s` until request_stop(); then stop_all()."""
        try:
            while not self._stopping.is_set():
                self.step()
                if tick is not None:
                    tick()
                self._stopping.wait(poll_s)
        finally:
            self.stop_all()
