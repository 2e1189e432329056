"""Files in the two storages, written once for every app: a local path for a stored file (for a block, or kept
for a run), a local file stored, everything under a prefix deleted, and a name safe to store or to hand a browser.

The engines (ffmpeg, pedalboard, librosa, MediaFileUpload) read local paths; the storages may be S3. Storage
names are Django's: PUBLIC ("default": artwork, previews) and PRIVATE (masters, stems, packs, certificates).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from django.core.files import File
from django.core.files.storage import FileSystemStorage, storages
from django.http import FileResponse, HttpResponse, HttpResponseRedirect
from django.utils.http import content_disposition_header

PUBLIC = "default"
PRIVATE = "private"
_CHUNK = 1 << 20
_DOWNLOAD_BLOCK = 512 * 1024  # fewer, larger reads from storage than FileResponse's 4 KB; memory stays flat


@contextlib.contextmanager
def local_copy(storage_name: str, name: str) -> Iterator[Path]:
    """A local path holding the stored file `name` for the duration of the block.

    A filesystem storage hands out the stored file itself (read it, never modify it); an object store (S3) is
    streamed in 1 MiB chunks to a temporary file, deleted afterwards. The path keeps the name's suffix, which
    decoders use to pick a format.
    """
    storage = storages[storage_name]
    try:
        direct = Path(storage.path(name))
    except NotImplementedError:  # object stores have no local path
        direct = None
    if direct is not None and direct.is_file():
        yield direct
        return
    with tempfile.TemporaryDirectory(prefix="stored-") as workdir:
        local = Path(workdir) / f"file{Path(name).suffix}"
        with storage.open(name, "rb") as source, open(local, "wb") as target:
            shutil.copyfileobj(source, target, _CHUNK)
        yield local


def local_copy_kept(storage_name: str, name: str, workdir: Path, *, filename: str = "") -> Path:
    """A local path holding the stored file `name` for as long as `workdir` lasts: for a process that keeps
    reading it (a station's Liquidsoap and ffmpeg), where `local_copy`'s block would end too soon.

    A filesystem storage hands out the stored file itself (read it, never modify it); an object store (S3) is
    streamed once into `workdir` as `filename` (default: the stored file's own name), which the caller cleans up.
    """
    storage = storages[storage_name]
    try:
        direct = Path(storage.path(name))
    except NotImplementedError:  # object stores have no local path
        direct = None
    if direct is not None and direct.is_file():
        return direct
    local = workdir / (filename or Path(name).name)
    with storage.open(name, "rb") as source, open(local, "wb") as target:
        shutil.copyfileobj(source, target, _CHUNK)
    return local


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


def delete_prefix(storage_name: str, prefix: str) -> int:
    """Delete the files directly under the folder `prefix` (and the folder itself, on a filesystem storage).
    A missing folder is not an error. Returns how many files were deleted."""
    storage = storages[storage_name]
    try:
        _, files = storage.listdir(prefix)
    except (FileNotFoundError, NotImplementedError):
        return 0
    for filename in files:
        storage.delete(f"{prefix}/{filename}")
    # A local folder stays behind once empty; object stores have no folders to remove.
    with contextlib.suppress(NotImplementedError, OSError):
        Path(storage.path(prefix)).rmdir()
    return len(files)


_UNSAFE = re.compile(r"[^\w.()-]+")  # \w is Unicode: accented letters stay


def safe_filename(name: str, *, default: str = "file", space: str = " ", max_length: int = 120) -> str:
    """A file name safe on every filesystem and in a Content-Disposition header, from what a user gave.

    Only the last path component counts (browsers may send a whole Windows path); letters, digits and `._-()`
    stay, every run of anything else (spaces included) becomes one `space`; no leading or trailing dots or
    separators (no hidden files, no "..") ; at most `max_length` characters, keeping the extension; `default`
    when nothing is left.
    """
    base = os.path.basename(name.replace("\\", "/"))
    cleaned = _UNSAFE.sub(" ", base).strip(" .")
    cleaned = space.join(cleaned.split())
    if len(cleaned) > max_length:
        stem, extension = os.path.splitext(cleaned)
        extension = extension if len(extension) < max_length // 2 else ""
        cleaned = stem[: max_length - len(extension)].rstrip(" ._-" + space) + extension
    return cleaned or default


def download_response(storage_name: str, name: str, filename: str) -> HttpResponse:
    """Hand the stored file `name` to a visitor as a download saved as `filename`.

    From a filesystem storage it is streamed in 512 KiB blocks; from an object store (S3) the visitor is sent
    to a presigned URL valid for a few minutes that names the file too, so the bytes never pass through Django.
    """
    storage = storages[storage_name]
    if isinstance(storage, FileSystemStorage):
        response = FileResponse(storage.open(name, "rb"), as_attachment=True, filename=filename)
        response.block_size = _DOWNLOAD_BLOCK
        return response
    try:
        url = storage.url(name, parameters={"ResponseContentDisposition": content_disposition_header(True, filename)})
    except TypeError:  # a storage whose url() takes no parameters
        url = storage.url(name)
    return HttpResponseRedirect(url)
