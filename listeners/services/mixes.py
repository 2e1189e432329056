"""The mix page's public stream: an MP3 of each mix master, made in the background, so the page never serves
the lossless master (that stays private, for licensees)."""

from __future__ import annotations

import contextlib
import logging
import tempfile
from pathlib import Path

from django.core.files import File
from django.core.files.storage import FileSystemStorage, storages
from django.db import IntegrityError, transaction
from django.utils import timezone

from listeners import selectors, stream_audio
from listeners.models import MixStream
from lofi_site.queue import enqueue
from production.models import MixRender

logger = logging.getLogger(__name__)
STREAM_TASK = "listeners.tasks.mix_stream_make_task"


def mix_stream_request(*, render: MixRender) -> MixStream:
    """The stream of a finished mix master, queued for making when it has none yet. Idempotent."""
    stream = MixStream.objects.filter(render=render).first()
    if stream is not None:
        return stream
    try:
        with transaction.atomic():
            stream = MixStream.objects.create(render=render)
    except IntegrityError:  # another request created it first
        return MixStream.objects.get(render=render)
    enqueue(STREAM_TASK, stream.pk)
    return stream


def mix_streams_ensure() -> int:
    """Hourly: every mix that is out has its stream requested (a mix published since gets one). Returns how
    many were newly requested."""
    requested = 0
    for page in selectors.mix_releases(with_stream=False):
        if not MixStream.objects.filter(render=page.render).exists():
            mix_stream_request(render=page.render)
            requested += 1
    return requested


@contextlib.contextmanager
def _local_master(render: MixRender):
    storage = storages["private"]
    if isinstance(storage, FileSystemStorage):
        yield Path(storage.path(render.path))
        return
    with tempfile.TemporaryDirectory(prefix="mix-stream-") as workdir:  # object storage: copy it down first
        local = Path(workdir) / Path(render.path).name
        with storage.open(render.path, "rb") as remote, local.open("wb") as out:
            for chunk in iter(lambda: remote.read(1024 * 1024), b""):
                out.write(chunk)
        yield local


def mix_stream_make(*, stream: MixStream) -> MixStream:
    """Transcode the master to the public MP3 (listeners.stream_audio). A ready stream is left alone; a failure
    is recorded on the stream (the page keeps saying it is being prepared) and raised for the task's retry."""
    stream.refresh_from_db()
    if stream.status == MixStream.Status.READY:
        return stream
    render = stream.render
    try:
        with _local_master(render) as master, tempfile.TemporaryDirectory(prefix="mix-stream-") as workdir:
            mp3 = Path(workdir) / "stream.mp3"
            duration = stream_audio.transcode_to_mp3(master, mp3)
            with mp3.open("rb") as handle:
                path = storages["default"].save(
                    f"mixes/{render.release.uuid}/{render.uuid}.mp3", File(handle, name=mp3.name)
                )
            size = mp3.stat().st_size
    except Exception as error:
        logger.exception("mix stream %s failed", stream.pk)
        MixStream.objects.filter(pk=stream.pk).update(
            status=MixStream.Status.FAILED, error=f"{type(error).__name__}: {error}"[:2000], updated_at=timezone.now()
        )
        raise
    MixStream.objects.filter(pk=stream.pk).update(
        status=MixStream.Status.READY,
        path=path,
        size_bytes=size,
        duration_s=round(duration, 3),
        error="",
        updated_at=timezone.now(),
    )
    stream.refresh_from_db()
    return stream
