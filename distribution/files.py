"""Files in the two storages as the media engines need them: local paths in, stored names out.

The engines (ffmpeg, pedalboard, MediaFileUpload) read local files; storages may be S3. `local_copy`
gives a path for a stored file (the file itself on a filesystem storage, else a temporary copy made in
1 MiB chunks) and `store_file` streams a local file into a storage.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from django.core.files import File
from django.core.files.storage import storages

PUBLIC = "default"
PRIVATE = "private"
_CHUNK = 1 << 20


@contextlib.contextmanager
def local_copy(storage_name: str, name: str) -> Iterator[Path]:
    """A local path holding the stored file `name` for the duration of the block."""
    storage = storages[storage_name]
    try:
        direct = Path(storage.path(name))
    except NotImplementedError:  # remote storage: no local path
        direct = None
    if direct is not None:
        yield direct
        return
    suffix = Path(name).suffix
    with tempfile.NamedTemporaryFile(suffix=suffix) as handle, storage.open(name, "rb") as source:
        shutil.copyfileobj(source, handle, _CHUNK)
        handle.flush()
        yield Path(handle.name)


def store_file(storage_name: str, name: str, local_path: Path, *, replace: str = "") -> str:
    """Save a local file under `name` (the storage may add a suffix) and return the stored name.

    `replace` names an earlier file of the same role; it is deleted once the new one is stored.
    """
    storage = storages[storage_name]
    with local_path.open("rb") as handle:
        stored = storage.save(name, File(handle, name=Path(name).name))
    if replace and replace != stored:
        storage.delete(replace)
    return stored
