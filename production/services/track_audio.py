"""Which stored file holds a track's audio, and a local path to it for the engines (which read paths)."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from catalog.models import Asset, Track

# The uploaded original is what the label received (its analysis and fingerprint describe exactly that);
# a generated track's master is its original.
AUDIO_KINDS_BY_PREFERENCE = (Asset.Kind.ORIGINAL, Asset.Kind.MASTER)
_COPY_CHUNK = 1 << 20


def track_audio_asset(track: Track) -> Asset | None:
    """The track's original (uploads) or master (renders); None when it has neither."""
    assets = {a.kind: a for a in Asset.objects.filter(track=track, kind__in=AUDIO_KINDS_BY_PREFERENCE, label="")}
    return next((assets[kind] for kind in AUDIO_KINDS_BY_PREFERENCE if kind in assets), None)


@contextlib.contextmanager
def local_audio_path(asset: Asset) -> Iterator[Path]:
    """A filesystem path holding the asset's bytes for the duration of the block.

    Local storages hand out the stored file itself (read only, never modified); object stores (S3) are
    streamed to a temporary file that is deleted afterwards.
    """
    direct = _filesystem_path(asset)
    if direct is not None:
        yield direct
        return
    suffix = Path(asset.path).suffix
    with tempfile.TemporaryDirectory(prefix="track-audio-") as workdir:
        local = Path(workdir) / f"audio{suffix}"
        with asset.open("rb") as source, open(local, "wb") as target:
            shutil.copyfileobj(source, target, _COPY_CHUNK)
        yield local


def _filesystem_path(asset: Asset) -> Path | None:
    from django.core.files.storage import storages

    try:
        path = Path(storages[asset.storage].path(asset.path))
    except NotImplementedError:  # object stores have no local path
        return None
    return path if path.is_file() else None


def safe_filename(name: str, *, default: str = "upload") -> str:
    """The last path component of an uploaded file's name, without characters a filesystem may refuse."""
    base = os.path.basename(name.replace("\\", "/")).strip().strip(".")
    cleaned = "".join(c if c.isalnum() or c in " ._-()" else "_" for c in base)[:120].strip()
    return cleaned or default
