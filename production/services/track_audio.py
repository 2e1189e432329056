"""Which stored file holds a track's audio, and a local path to it for the engines (which read paths)."""

from __future__ import annotations

import contextlib
from pathlib import Path

from catalog.models import Asset, Track
from lofi_site.files import local_copy

# The uploaded original is what the label received (its analysis and fingerprint describe exactly that);
# a generated track's master is its original.
AUDIO_KINDS_BY_PREFERENCE = (Asset.Kind.ORIGINAL, Asset.Kind.MASTER)


def track_audio_asset(track: Track) -> Asset | None:
    """The track's original (uploads) or master (renders); None when it has neither."""
    assets = {a.kind: a for a in Asset.objects.filter(track=track, kind__in=AUDIO_KINDS_BY_PREFERENCE, label="")}
    return next((assets[kind] for kind in AUDIO_KINDS_BY_PREFERENCE if kind in assets), None)


def local_audio_path(asset: Asset) -> contextlib.AbstractContextManager[Path]:
    """A filesystem path holding the asset's bytes for the duration of the block (lofi_site.files.local_copy:
    the stored file itself on a local storage, read only; a temporary copy from an object store)."""
    return local_copy(asset.storage, asset.path)
