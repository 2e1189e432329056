"""lofi_site.files: the one place stored files are copied out, stored, deleted by folder and safely named."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages

from lofi_site import files
from lofi_site.files import delete_prefix, download_response, local_copy, local_copy_kept, safe_filename, store_file


@pytest.mark.parametrize(
    ("given", "kwargs", "expected"),
    [
        ("C:\\Users\\mira\\Late Tram.ogg", {}, "Late Tram.ogg"),  # a browser sending a Windows path
        ("../../etc/passwd", {}, "passwd"),
        ("..", {}, "file"),
        ("  .hidden.wav", {}, "hidden.wav"),
        ("Rain & Tea: vol. 2", {"space": "-"}, "Rain-Tea-vol.-2"),
        ("Café au lait (demo).wav", {}, "Café au lait (demo).wav"),
        ("?*<>|", {"default": "upload"}, "upload"),
        ("x" * 300 + ".flac", {"max_length": 40}, "x" * 35 + ".flac"),
    ],
)
def test_safe_filename_keeps_what_a_person_recognises_and_nothing_a_filesystem_or_header_refuses(
    given, kwargs, expected
):
    assert safe_filename(given, **kwargs) == expected


@pytest.fixture
def in_memory_private(settings):
    """The private storage as an object store: no local paths, like S3."""
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    return storages["private"]


def test_local_copy_streams_an_object_store_file_to_a_temporary_path_removed_afterwards(in_memory_private):
    name = in_memory_private.save("tracks/abc/master.wav", ContentFile(b"RIFF" + b"\0" * 5000))

    with local_copy("private", name) as path:
        assert path.suffix == ".wav" and path.read_bytes() == b"RIFF" + b"\0" * 5000
    assert not path.exists()


def test_local_copy_hands_out_a_filesystem_file_itself(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}},
    }
    name = storages["private"].save("a/b.txt", ContentFile(b"hello"))

    with local_copy("private", name) as path:
        assert path == tmp_path / "a" / "b.txt"
    assert path.exists()  # the stored file is never deleted by reading it


def test_store_file_replaces_the_earlier_file_and_delete_prefix_empties_a_folder(in_memory_private, tmp_path):
    local = tmp_path / "cover.png"
    local.write_bytes(b"png")
    first = store_file("private", "releases/r1/cover.png", local)
    second = store_file("private", "releases/r1/cover.png", local, replace=first)

    assert not in_memory_private.exists(first) and in_memory_private.exists(second)
    in_memory_private.save("releases/r1/notes.txt", ContentFile(b"n"))
    in_memory_private.save("releases/r2/keep.txt", ContentFile(b"k"))

    assert delete_prefix("private", "releases/r1") == 2
    assert in_memory_private.listdir("releases/r1") == ([], [])
    assert in_memory_private.exists("releases/r2/keep.txt")
    assert delete_prefix("private", "releases/none") == 0
    assert Path(second).name.startswith("cover")


def test_local_copy_kept_copies_an_object_store_file_into_the_workdir_and_leaves_it_there(in_memory_private, tmp_path):
    name = in_memory_private.save("radio/visual/loop.mp4", ContentFile(b"\0\0\0 ftypisom" + b"\1" * 3000))

    kept = local_copy_kept("private", name, tmp_path, filename="visual.mp4")
    default_name = local_copy_kept("private", name, tmp_path)

    assert kept == tmp_path / "visual.mp4" and kept.read_bytes().startswith(b"\0\0\0 ftypisom")
    assert default_name == tmp_path / Path(name).name and default_name.stat().st_size == 3012


def test_local_copy_kept_hands_out_a_filesystem_file_itself(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}},
    }
    name = storages["private"].save("art/cover.png", ContentFile(b"png"))
    workdir = tmp_path / "run"
    workdir.mkdir()

    assert local_copy_kept("private", name, workdir, filename="visual.png") == tmp_path / "art" / "cover.png"
    assert list(workdir.iterdir()) == []


def test_download_response_streams_a_filesystem_file_as_an_attachment(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}},
    }
    name = storages["private"].save("packs/p.zip", ContentFile(b"PK" + b"\0" * 600_000))

    response = download_response("private", name, "Rain Tapes.zip")

    assert response["Content-Disposition"] == 'attachment; filename="Rain Tapes.zip"'
    assert b"".join(response.streaming_content) == b"PK" + b"\0" * 600_000


def test_download_response_sends_an_object_store_visitor_to_a_presigned_url_naming_the_file(monkeypatch):
    asked = []

    class PresigningStore:
        def url(self, name, parameters=None):
            asked.append(parameters)
            return f"https://bucket.example/{name}?X-Amz-Signature=abc"

    monkeypatch.setattr(files, "storages", {"private": PresigningStore()})

    response = download_response("private", "packs/p.zip", "Café.zip")

    assert response.status_code == 302 and response["Location"].startswith("https://bucket.example/packs/p.zip")
    assert asked == [{"ResponseContentDisposition": "attachment; filename*=utf-8''Caf%C3%A9.zip"}]
