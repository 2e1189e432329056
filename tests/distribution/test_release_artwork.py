"""Artwork: a generated 3000x3000 cover and A/B thumbnails stored and set on the release; editors' uploads
checked against the platform rules with the rule named in the form error."""

from __future__ import annotations

import io

import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from catalog.models import Release
from distribution import tasks
from distribution.models import ReleaseMedia
from distribution.services import release_media as media_services
from tests.distribution.conftest import build_release, image_bytes
from tests.factories import ReleaseFactory

pytestmark = pytest.mark.django_db


def _image(field) -> Image.Image:
    with field.open("rb") as handle:
        return Image.open(io.BytesIO(handle.read()))


def test_generated_cover_and_thumbnails_are_stored_and_set_on_the_release(
    editor, queued_tasks, django_capture_on_commit_callbacks
):
    release = ReleaseFactory(title="Window Seat Tapes")
    revision = media_services.release_artwork_request(release=release, actor=editor)
    assert queued_tasks == [("distribution.tasks.release_artwork_generate_task", release.pk, revision)]

    tasks.release_artwork_generate_task(release.pk, revision)

    release.refresh_from_db()
    media = ReleaseMedia.objects.get(release=release)
    cover, a, b = _image(release.artwork), _image(media.thumbnail_a), _image(media.thumbnail_b)
    assert (cover.format, cover.size, cover.mode) == ("JPEG", (3000, 3000), "RGB")
    assert a.size == b.size == (1280, 720)
    assert a.tobytes() != b.tobytes()  # two real variants to choose from
    assert release.artwork.url.startswith("/media/")  # public storage

    names = (release.artwork.name, media.thumbnail_a.name)
    tasks.release_artwork_generate_task(release.pk, revision)  # redelivered: nothing is drawn again
    release.refresh_from_db()
    assert (release.artwork.name, ReleaseMedia.objects.get(release=release).thumbnail_a.name) == names

    # A new revision draws new files; once committed the old thumbnails are deleted, the old cover is kept
    # among the earlier covers (an editor may want it back).
    with django_capture_on_commit_callbacks(execute=True):
        media_services.release_artwork_generate(release=release)
    release.refresh_from_db()
    assert release.artwork.name != names[0] and storages["default"].exists(release.artwork.name)
    assert storages["default"].exists(names[0]) and not storages["default"].exists(names[1])
    assert ReleaseMedia.objects.get(release=release).earlier_covers == [names[0]]


def _release_post(release: Release, **overrides) -> dict:
    data = {
        "title": release.title,
        "artist": release.artist_id,
        "kind": release.kind,
        "upc": release.upc or "",
        "catalogue_number": "",
        "release_date": "",
        "genre": release.genre,
        "p_line": "",
        "c_line": "",
        "publish_at_0": "",
        "publish_at_1": "",
        "release_tracks-TOTAL_FORMS": 0,
        "release_tracks-INITIAL_FORMS": 0,
        "release_tracks-MIN_NUM_FORMS": 0,
        "release_tracks-MAX_NUM_FORMS": 1000,
    }
    return {**data, **overrides}


def test_an_uploaded_cover_that_breaks_a_rule_gets_a_clear_form_error(client, editor):
    release = ReleaseFactory()
    client.force_login(editor)
    url = reverse("admin:catalog_release_change", args=[release.pk])

    small = client.post(
        url,
        _release_post(
            release,
            artwork=SimpleUploadedFile("cover.jpg", image_bytes(1000, 1000), content_type="image/jpeg"),
        ),
    )
    cmyk = client.post(
        url,
        _release_post(
            release,
            artwork=SimpleUploadedFile("cover.jpg", image_bytes(3000, 3000, mode="CMYK"), content_type="image/jpeg"),
        ),
    )
    good = client.post(
        url,
        _release_post(
            release,
            artwork=SimpleUploadedFile("cover.jpg", image_bytes(3000, 3000), content_type="image/jpeg"),
        ),
    )

    assert small.context["adminform"].form.errors["artwork"] == [
        "the cover must be at least 3000x3000 pixels; this one is 1000x1000"
    ]
    assert "the cover must be in RGB colour; this one is CMYK" in cmyk.context["adminform"].form.errors["artwork"][0]
    assert good.status_code == 302
    release.refresh_from_db()
    assert release.artwork


def test_uploaded_thumbnails_must_be_16_9_and_the_ab_choice_is_kept(client, editor):
    release = build_release()
    media = ReleaseMedia.objects.create(release=release)
    client.force_login(editor)
    url = reverse("admin:distribution_releasemedia_change", args=[media.pk])

    refused = client.post(
        url, {"thumbnail_a": SimpleUploadedFile("t.jpg", image_bytes(800, 600)), "thumbnail_choice": "a"}
    )
    assert refused.context["adminform"].form.errors["thumbnail_a"] == [
        "the thumbnail must be 16:9; this one is 800x600"
    ]

    saved = client.post(
        url,
        {
            "thumbnail_a": SimpleUploadedFile("a.jpg", image_bytes(1280, 720)),
            "thumbnail_b": SimpleUploadedFile("b.png", image_bytes(1920, 1080, fmt="PNG")),
            "thumbnail_choice": "b",
        },
    )
    assert saved.status_code == 302
    media.refresh_from_db()
    assert media.chosen_thumbnail == media.thumbnail_b and media.thumbnail_b.name.endswith(".png")


def test_a_new_cover_is_asked_first_and_an_earlier_cover_can_come_back(client, editor, queued_tasks):
    release = ReleaseFactory(title="Harbour Lights")
    release.artwork.save("uploaded.jpg", SimpleUploadedFile("uploaded.jpg", image_bytes(600, 600)), save=True)
    uploaded = release.artwork.name
    client.force_login(editor)
    generate = reverse("admin:catalog_release_distribution_action", args=[release.pk, "generate_artwork"])

    asked = client.post(generate).content.decode()

    assert "Generate a new cover for “Harbour Lights”?" in asked and "This cover is kept" in asked
    assert queued_tasks == []  # nothing happens until the editor says yes
    client.post(generate, {"confirm": "yes"})
    [(_, _, revision)] = queued_tasks
    media_services.release_artwork_generate(release=release, revision=revision)
    release.refresh_from_db()
    assert release.artwork.name != uploaded
    page = client.get(reverse("admin:catalog_release_change", args=[release.pk])).content.decode()
    assert "Earlier covers" in page and "Use this cover again" in page

    restore = reverse("admin:catalog_release_distribution_action", args=[release.pk, "restore_cover"])
    generated = release.artwork.name
    client.post(restore, {"cover_path": uploaded})

    release.refresh_from_db()
    assert release.artwork.name == uploaded  # back to the uploaded cover
    assert ReleaseMedia.objects.get(release=release).earlier_covers == [generated]  # the drawn one is kept
    refused = client.post(restore, {"cover_path": "artwork/someone-elses.jpg"}, follow=True).content.decode()
    assert "not one of this release&#x27;s earlier covers" in refused
