"""`manage.py radio <slug>`: everything a station needs on this host, generated from its settings, supervised.

Files live in RADIO_RUN_DIR/<slug>/: station.liq, icecast.xml, safety.m3u with local copies of the safety tracks,
title.txt (the video's now-playing line), visual.png. Liquidsoap reaches the platform at SITE_URL.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.files.storage import storages
from django.utils import timezone

from catalog.selectors import releases_out
from lofi_site.files import PUBLIC, local_copy_kept
from radio.liquidsoap.annotate import annotate_request
from radio.liquidsoap.icecast import IcecastServer, IcecastUnreachable, fetch_admin_stats, icecast_config_xml
from radio.liquidsoap.programs import ffmpeg_exe, require_program
from radio.liquidsoap.script import StationScript, liquidsoap_script
from radio.liquidsoap.supervisor import ProcessSpec, Supervisor
from radio.liquidsoap.video import VideoPush, push_command, tee_failure, title_file_write
from radio.models import Incident, RtmpTarget, Station, StationProcess
from radio.selectors import HLS_PLAYLIST, now_playing, radio_tracks, track_audio_asset
from radio.services.autodj import track_gain_db
from radio.services.stations import (
    autodj_token,
    icecast_passwords,
    rtmp_target_failed,
    rtmp_target_key,
    rtmp_target_url,
)
from radio.services.watchdog import incident_record, process_heartbeat, process_restart_requests_take

logger = logging.getLogger(__name__)
Piece = StationProcess.Piece
SAFETY_FALLBACK_TRACKS = 10  # a station without a safety playlist falls back on this many released tracks


def station_dir(station: Station, run_dir: Path | None = None) -> Path:
    return Path(run_dir or settings.RADIO_RUN_DIR) / station.slug


def station_script(station: Station, *, site_url: str | None = None, run_dir: Path | None = None) -> StationScript:
    workdir = station_dir(station, run_dir)
    hls_dir = ""
    if station.hls_enabled:
        try:
            hls_dir = str(Path(storages["default"].path(HLS_PLAYLIST.format(slug=station.slug))).parent)
        except NotImplementedError:  # object storage: HLS needs a local folder a CDN pulls from
            hls_dir = str(workdir / "hls")
    return StationScript(
        slug=station.slug,
        name=station.name,
        description=station.description,
        site_url=site_url or settings.SITE_URL,
        token=autodj_token(station),
        safety_playlist=str(workdir / "safety.m3u"),
        icecast_host=station.icecast_host,
        icecast_port=station.icecast_port,
        source_password=icecast_passwords(station)["source_password"],
        mount=station.mount,
        audio_format=station.audio_format,
        bitrate_kbps=station.bitrate_kbps,
        crossfade_s=station.crossfade_s,
        autodj_timeout_s=settings.RADIO_AUTODJ_TIMEOUT_S,
        hls_dir=hls_dir,
    )


def station_script_text(station: Station, *, site_url: str | None = None) -> str:
    """The Liquidsoap script `manage.py radio_config` prints."""
    return liquidsoap_script(station_script(station, site_url=site_url))


def safety_playlist_write(station: Station, workdir: Path) -> int:
    """Copy the safety tracks' audio next to the script and write safety.m3u (annotate: lines with title,
    artist, track id and the loudness gain). Returns how many tracks it holds."""
    folder = workdir / "safety"
    folder.mkdir(parents=True, exist_ok=True)
    tracks = list(radio_tracks(station).filter(pk__in=station.safety_tracks.values("pk")))
    if not tracks:
        tracks = list(radio_tracks(station).order_by("-created_at")[:SAFETY_FALLBACK_TRACKS])
    lines, keep = ["#EXTM3U"], set()
    for track in tracks:
        asset = track_audio_asset(track)
        if asset is None:
            continue
        local = folder / f"{track.uuid}{Path(asset.path).suffix}"
        keep.add(local.name)
        if not local.exists() or local.stat().st_size != asset.size_bytes:
            with asset.open("rb") as source, open(local, "wb") as target:
                shutil.copyfileobj(source, target, 1 << 20)
        meta = {
            "title": track.title,
            "artist": track.artist.name,
            "lofi_track_id": str(track.pk),
            "liq_amplify": f"{track_gain_db(station, track):+.2f} dB",
        }
        lines.append(annotate_request(str(local), meta))
    for stale in folder.iterdir():
        if stale.name not in keep:
            stale.unlink()
    temporary = workdir / "safety.m3u.tmp"
    temporary.write_text("\n".join(lines) + "\n", encoding="utf-8")
    os.replace(temporary, workdir / "safety.m3u")
    return len(lines) - 1


def _visual(station: Station, workdir: Path) -> tuple[str, bool]:
    """(path, is_loop) of the video's background: the station's loop or image, else the latest release artwork,
    else a plain image with the station's name."""
    for field, is_loop in ((station.visual_loop, True), (station.visual, False)):
        if field:
            local = local_copy_kept(PUBLIC, field.name, workdir, filename=f"visual{Path(field.name).suffix}")
            return str(local), is_loop
    release = releases_out().exclude(artwork="").order_by("-release_date", "-created_at").first()
    if release is not None:
        name = release.artwork.name
        return str(local_copy_kept(PUBLIC, name, workdir, filename=f"visual{Path(name).suffix}")), False
    from PIL import Image, ImageDraw

    path = workdir / "visual.png"
    image = Image.new("RGB", (1280, 720), (24, 22, 38))
    ImageDraw.Draw(image).text((60, 60), station.name, fill=(235, 225, 210), font_size=64)
    image.save(path)
    return str(path), False


class StationRunner:
    """Prepares a station's files and runs its processes under a Supervisor, reporting to the database."""

    def __init__(
        self,
        station: Station,
        *,
        site_url: str | None = None,
        run_dir: Path | None = None,
        with_video: bool = True,
        heartbeat_s: float = 5.0,
        backoff_initial_s: float = 1.0,
        out=None,
    ) -> None:
        self.station = station
        self.site_url = site_url or settings.SITE_URL
        self.run_dir = run_dir
        self.workdir = station_dir(station, run_dir)
        self.with_video = with_video
        self.heartbeat_s = heartbeat_s
        self.backoff_initial_s = backoff_initial_s
        self.out = out
        self.supervisor: Supervisor | None = None
        self._last_heartbeat = 0.0
        self._title = ""
        # The push's targets in tee order (target ids), and the ones that failed since the push last started:
        # {index: (error, when, written to the database)}. Filled from the push's output thread.
        self._target_ids: list[int] = []
        self._target_failures: dict[int, tuple[str, datetime, bool]] = {}
        self._failures_lock = threading.Lock()

    # --- preparation ------------------------------------------------------------------------------------
    def specs(self) -> list[ProcessSpec]:
        """Write every file and return the process specs. Raises MissingProgram when a program is absent."""
        station = self.station
        liquidsoap = require_program("liquidsoap")
        icecast = require_program("icecast2") if station.icecast_local else ""
        self.workdir.mkdir(parents=True, exist_ok=True)
        specs = []
        if station.icecast_local:
            logs = self.workdir / "icecast-logs"
            logs.mkdir(exist_ok=True)
            os.chmod(logs, 0o777)  # noqa: S103 - Icecast drops root for its own user, which must write here
            passwords = icecast_passwords(station)
            config = icecast_config_xml(
                IcecastServer(
                    port=station.icecast_port,
                    source_password=passwords["source_password"],
                    admin_user=passwords["admin_user"],
                    admin_password=passwords["admin_password"],
                    log_dir=str(logs),
                    hostname=station.icecast_host,
                )
            )
            (self.workdir / "icecast.xml").write_text(config, encoding="utf-8")
            os.chmod(self.workdir / "icecast.xml", 0o644)
            specs.append(ProcessSpec(Piece.ICECAST, [icecast, "-c", str(self.workdir / "icecast.xml")]))
        script_config = station_script(station, site_url=self.site_url, run_dir=self.run_dir)
        if script_config.hls_dir:
            Path(script_config.hls_dir).mkdir(parents=True, exist_ok=True)
        safety = safety_playlist_write(station, self.workdir)
        self._say(f"safety playlist: {safety} track(s) in {self.workdir / 'safety.m3u'}")
        script = self.workdir / "station.liq"
        script.write_text(liquidsoap_script(script_config), encoding="utf-8")
        os.chmod(script, 0o600)  # holds the AutoDJ token and the source password
        specs.append(ProcessSpec(Piece.LIQUIDSOAP, [liquidsoap, str(script)], ready=self._icecast_up))
        rows = list(RtmpTarget.objects.filter(station=station, enabled=True))
        targets = tuple(rtmp_target_url(t) for t in rows)
        if self.with_video and targets:
            self._target_ids = [t.pk for t in rows]
            visual, is_loop = _visual(station, self.workdir)
            title_file_write(self.workdir / "title.txt", station.name)
            push = VideoPush(
                audio_url=station.internal_stream_url,
                visual_path=visual,
                visual_is_loop=is_loop,
                title_file=str(self.workdir / "title.txt"),
                targets=targets,
                resolution=station.video_resolution,
            )
            specs.append(
                ProcessSpec(
                    Piece.VIDEO,
                    push_command(ffmpeg_exe(), push),
                    ready=self._mount_up,
                    secrets=tuple(key for key in map(rtmp_target_key, rows) if key),
                    on_line=self._video_line,
                )
            )
        return specs

    def _stats(self):
        passwords = icecast_passwords(self.station)
        return fetch_admin_stats(
            f"http://{self.station.icecast_host}:{self.station.icecast_port}",
            user=passwords["admin_user"],
            password=passwords["admin_password"],
            timeout_s=1.0,
        )

    def _icecast_up(self) -> bool:
        try:
            self._stats()
        except IcecastUnreachable:
            return False
        return True

    def _mount_up(self) -> bool:
        try:
            return self.station.mount in self._stats()
        except IcecastUnreachable:
            return False

    # --- running ----------------------------------------------------------------------------------------
    def _say(self, line: str) -> None:
        if self.supervisor is not None:
            self.supervisor.log("supervisor", line)
        elif self.out is not None:
            self.out.write(f"[supervisor] {line}\n")

    def _video_line(self, line: str) -> None:
        """A line of the push's output: note which targets the tee muxer dropped (each stays down until the push
        restarts; the heartbeat writes it on the target, the watchdog restarts the push)."""
        failed = tee_failure(line, len(self._target_ids))
        if not failed:
            return
        with self._failures_lock:
            for index, error in failed:
                if index < len(self._target_ids) and index not in self._target_failures:
                    self._target_failures[index] = (error, timezone.now(), False)

    def _target_failures_write(self) -> None:
        with self._failures_lock:
            fresh = [(i, e, at) for i, (e, at, written) in self._target_failures.items() if not written]
            for index, error, at in fresh:
                self._target_failures[index] = (error, at, True)
        for index, error, at in fresh:
            rtmp_target_failed(target_id=self._target_ids[index], error=error, at=at)
            self._say(f"RTMP target {index + 1} of {len(self._target_ids)} dropped out of the push: {error}")

    def _on_event(self, event: str, piece: str, detail: str) -> None:
        if event == "started" and piece == Piece.VIDEO:
            self._target_failures_write()  # what the last push said, before its record is cleared
            with self._failures_lock:
                self._target_failures.clear()  # a new push: every target is tried again
        if event == "exited" and not (self.supervisor and self.supervisor.stopping):
            incident_record(
                station=self.station,
                kind=Incident.Kind.PROCESS_EXITED,
                piece=piece,
                detail=detail,
                action="Restarted by the station's supervisor.",
            )

    def start(self) -> Supervisor:
        self.supervisor = Supervisor(
            self.specs(), on_event=self._on_event, backoff_initial_s=self.backoff_initial_s, out=self.out
        )
        self.supervisor.start_all()
        self.heartbeat()
        return self.supervisor

    def tick(self) -> None:
        """Every loop turn: restart requests and heartbeats every `heartbeat_s`, the video title."""
        if time.monotonic() - self._last_heartbeat >= self.heartbeat_s:
            for piece, reason in process_restart_requests_take(station=self.station):
                if self.supervisor and piece in self.supervisor.processes:
                    self.supervisor.restart(piece, reason or "asked by the watchdog")
            self.heartbeat()
        if self.supervisor and Piece.VIDEO in self.supervisor.processes:
            now = now_playing(self.station)
            title = f"{now.title} · {now.artist}" if now.artist else (now.title or self.station.name)
            if title != self._title:
                title_file_write(self.workdir / "title.txt", title)
                self._title = title

    def heartbeat(self) -> None:
        self._last_heartbeat = time.monotonic()
        assert self.supervisor is not None
        process_heartbeat(station=self.station, piece=Piece.SUPERVISOR, running=True, pid=os.getpid())
        wall, mono = timezone.now(), time.monotonic()

        def at(mono_s: float) -> datetime | None:
            return wall - timedelta(seconds=mono - mono_s) if mono_s else None

        for name, process in self.supervisor.processes.items():
            process_heartbeat(
                station=self.station,
                piece=name,
                running=process.running,
                pid=process.pid,
                started_at=at(process.started_at) if process.running else None,
                progress_at=at(process.last_output_at) if process.running else None,
                restarts=process.restarts,
                detail=process.output_tail[-1] if process.output_tail else "",
            )
        self._target_failures_write()

    def stop(self) -> None:
        if self.supervisor is not None:
            self.supervisor.stop_all()
            for name in self.supervisor.processes:
                process_heartbeat(station=self.station, piece=name, running=False)
            process_heartbeat(station=self.station, piece=Piece.SUPERVISOR, running=False)

    def run(self, *, poll_s: float = 1.0) -> None:
        supervisor = self.start()
        try:
            while not supervisor.stopping:
                supervisor.step()
                self.tick()
                supervisor.wait(poll_s)
        finally:
            self.stop()
