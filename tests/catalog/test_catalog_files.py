"""A track's stored files: all of them go when a failed render or ingest cleans up, and only them."""

from __future__ import annotations

import pytest
from django.core.files.storage import storages

from catalog.models import Asset
from catalog.services import asset_store, track_files_delete, track_folder
from tests.factories import TrackFactory

pytestmark = pytest.mark.django_db


def test_deleting_a_tracks_files_empties_its_folder_in_both_storages_and_spares_other_tracks():
    track, other = TrackFactory(), TrackFactory()
    master = asset_store(track=track, kind=Asset.Kind.MASTER, content=b"RIFFmaster", filename="master.wav")
    preview = asset_store(track=track, kind=Asset.Kind.PREVIEW, content=b"ID3preview", filename="preview.mp3")
    kept = asset_store(track=other, kind=Asset.Kind.MASTER, content=b"RIFFother", filename="master.wav")
    assert (master.storage, preview.storage) == (Asset.StorageName.PRIVATE, Asset.StorageName.PUBLIC)
    assert master.path.startswith(track_folder(track) + "/")

    track_files_delete(track=track)
    track_files_delete(track=track)  # a second clean-up finds nothing and is fine

    assert not storages[master.storage].exists(master.path)
    assert not storages[preview.storage].exists(preview.path)
    assert storages[kept.storage].exists(kept.path)
