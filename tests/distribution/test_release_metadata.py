"""Per-platform metadata: generated from the release, titles that no catalogue title already uses, editors'
edits kept until an explicit regenerate, platform limits enforced on edit."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.urls import reverse

from distribution import selectors, services
from distribution.models import MetadataPlatform, ReleaseMetadata
from operations.models import AuditEvent
from tests.distribution.conftest import build_release
from tests.factories import TrackFactory

pytestmark = pytest.mark.django_db


def _rows(release) -> dict[str, ReleaseMetadata]:
    return {m.platform: m for m in ReleaseMetadata.objects.filter(release=release)}


def test_three_platform_formats_are_generated_from_the_release(editor):
    release = build_release(kind="ep", tracks=2, title="Window Seat Tapes")

    services.release_metadata_generate(release=release, actor=editor)

    rows = _rows(release)
    assert set(rows) == set(MetadataPlatform.values)
    youtube, distributor, soundcloud = rows["youtube"], rows["distributor"], rows["soundcloud"]
    assert distributor.title == "Window Seat Tapes"  # matches the cover and the delivery package
    assert youtube.title.startswith(soundcloud.title) and len(youtube.title) <= 100
    assert youtube.description.endswith(f"[ref:{release.uuid}]")
    assert "Side A Rain" in youtube.description and "Side B Rain" in youtube.description  # the tracklist
    assert youtube.ai_disclosure and youtube.ai_disclosure in youtube.description
    assert "lofi" in youtube.tags and youtube.activity
    assert AuditEvent.objects.filter(verb="release.metadata_generated", object_id=str(release.pk)).count() == 1


def test_a_generated_title_never_repeats_a_catalogue_title(editor):
    release = build_release()
    # See which title the generator would choose, then give that title to a catalogue track first.
    with transaction.atomic():
        services.release_metadata_generate(release=release, actor=editor)
        would_be = _rows(release)["soundcloud"].title
        transaction.set_rollback(True)
    TrackFactory(title=would_be)

    services.release_metadata_generate(release=release, actor=editor)

    chosen = _rows(release)["soundcloud"].title
    assert chosen != would_be
    assert not _rows(release)["youtube"].title.startswith(f"{would_be} ·")


def test_a_title_another_release_carries_only_on_youtube_is_taken_too(editor):
    other = build_release(title="Other Tapes", upc=None)
    ReleaseMetadata.objects.create(
        release=other,
        platform="youtube",
        title="Mellow Piano for Study · lofi beats for study",
        description="x",
    )
    release = build_release(title="Window Seat Tapes")

    taken = selectors.catalogue_titles(exclude_release=release)

    assert {"Mellow Piano for Study", "Other Tapes"} <= taken
    assert "Window Seat Tapes" not in taken  # its own title may stay its own


def test_edits_survive_generate_missing_and_regenerate_replaces_them(editor):
    release = build_release()
    services.release_metadata_generate(release=release, actor=editor)
    youtube = _rows(release)["youtube"]
    services.release_metadata_update(
        metadata=youtube,
        actor=editor,
        title="Hand Written Title",
        description=youtube.description,
        tags=["lofi"],
    )
    ReleaseMetadata.objects.filter(release=release, platform="soundcloud").delete()

    services.release_metadata_generate(release=release, actor=editor)
    assert _rows(release)["youtube"].title == "Hand Written Title"
    assert "soundcloud" in _rows(release)

    services.release_metadata_generate(release=release, actor=editor, regenerate=True)
    regenerated = _rows(release)["youtube"]
    assert regenerated.title != "Hand Written Title" and regenerated.edited_by is None


def test_the_edit_screen_refuses_what_youtube_refuses_and_reads_tags_from_one_line(client, editor):
    release = build_release()
    services.release_metadata_generate(release=release, actor=editor)
    youtube = _rows(release)["youtube"]
    client.force_login(editor)
    url = reverse("admin:distribution_releasemetadata_change", args=[youtube.pk])

    refused = client.post(url, {"title": "Beats <3 for study", "description": "ok", "tags": "lofi"})
    assert refused.context["adminform"].form.errors["title"] == ["YouTube refuses the characters < and >."]

    saved = client.post(
        url,
        {
            "title": "Rain on the Window",
            "description": youtube.description,
            "tags": "lofi, study music ,  rain",
        },
    )
    assert saved.status_code == 302
    youtube.refresh_from_db()
    assert youtube.title == "Rain on the Window" and youtube.tags == ["lofi", "study music", "rain"]
    assert youtube.edited_by == editor
    assert AuditEvent.objects.filter(verb="release.metadata_edited").exists()


def test_a_release_without_tracks_cannot_get_metadata(editor):
    from tests.factories import ReleaseFactory

    with pytest.raises(Exception, match="Add tracks before generating metadata"):
        services.release_metadata_generate(release=ReleaseFactory(), actor=editor)
