"""Release videos read back with the bundled ffmpeg: the 1920x1080 video under the release's whole audio
(a single's master, tracks back to back with chapters, or production's mix master), the vertical preview
clip and the silent canvas loop. Loops are rendered at 2 fps to keep the tests short."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import storages

from catalog.models import Release
from distribution import tasks
from distribution.media.video import probe_media
from distribution.models import ReleaseMedia
from distribution.services import release_media as media_services
from lofi_site.files import local_copy
from operations.models import AuditEvent
from production.models import MixRender
from tests.distribution.conftest import build_release, melody_wav
from tests.factories import ReleaseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _quick_loops(settings):
    settings.DISTRIBUTION_VIDEO_FPS = 2
    settings.DISTRIBUTION_VIDEO_LOOP_S = 1.0
    settings.DISTRIBUTION_CANVAS_S = 3.0
    settings.DISTRIBUTION_PREVIEW_S = 15.0


def _probe(storage: str, name: str):
    with local_copy(storage, name) as path:
        return probe_media(path)


def test_a_single_gets_its_video_preview_clip_and_canvas(editor, queued_tasks):
    release = build_release(seconds=16.0)
    media_services.release_video_request(release=release, actor=editor)
    assert queued_tasks == [("distribution.tasks.release_video_render_task", release.pk)]

    tasks.release_video_render_task(release.pk)

    media = ReleaseMedia.objects.get(release=release)
    assert media.video_status == ReleaseMedia.VideoStatus.DONE and media.video_error == ""
    assert storages["private"].exists(media.video_path)  # the full master never sits in public storage
    assert not storages["default"].exists(media.video_path)
    video = _probe("private", media.video_path)
    assert (video.width, video.height, video.video_codec, video.audio_codec) == (1920, 1080, "h264", "aac")
    assert video.duration_s == pytest.approx(16.0, abs=0.1)
    preview = _probe("default", media.preview_clip.name)
    assert (preview.width, preview.height) == (1080, 1920) and preview.has_audio
    assert preview.duration_s == pytest.approx(15.0, abs=0.1)
    canvas = _probe("default", media.canvas.name)
    assert (canvas.width, canvas.height, canvas.has_audio) == (1080, 1920, False)
    assert canvas.duration_s == pytest.approx(3.0, abs=0.2)
    assert AuditEvent.objects.filter(verb="release.video_rendered", object_id=str(release.pk)).exists()
    tasks.release_video_render_task(release.pk)  # redelivered: not queued any more, nothing happens
    assert ReleaseMedia.objects.get(release=release).video_rendered_at == media.video_rendered_at


def test_an_ep_plays_its_tracks_back_to_back_with_a_chapter_each(editor):
    release = build_release(kind=Release.Kind.EP, tracks=2, seconds=2.0)

    media = media_services.release_video_render(release=release)

    video = _probe("private", media.video_path)
    assert video.duration_s == pytest.approx(4.0, abs=0.1)
    assert [(c.title, round(c.start_s, 1)) for c in video.chapters] == [
        ("Side A Rain", 0.0),
        ("Side B Rain", 2.0),
    ]
    assert not media.preview_clip
    assert media.preview_note == "The audio lasts 4.0 s; a preview clip needs at least 15 s."


def test_a_long_mix_plays_production_s_mix_master(editor):
    release = build_release(kind=Release.Kind.MIX, tracks=2, seconds=2.0)
    path = storages["private"].save(f"mixes/{release.uuid}.wav", ContentFile(melody_wav(3.0, seed=99)))
    entries = list(release.release_tracks.select_related("track").order_by("position"))
    MixRender.objects.create(
        release=release,
        status=MixRender.Status.SUCCEEDED,
        path=path,
        duration_s=3.0,
        tracklist=[
            {"position": e.position, "track_id": e.track_id, "title": e.track.title, "start_s": start}
            for e, start in zip(entries, (0.0, 1.5), strict=True)
        ],
    )

    media = media_services.release_video_render(release=release)

    video = _probe("private", media.video_path)
    assert video.duration_s == pytest.approx(3.0, abs=0.1)  # the crossfaded mix, not 2 + 2 s of tracks
    assert [round(c.start_s, 1) for c in video.chapters] == [0.0, 1.5]


def test_a_video_needs_a_cover(editor):
    with pytest.raises(ValidationError, match="Generate or upload the cover first"):
        media_services.release_video_request(release=ReleaseFactory(), actor=editor)
