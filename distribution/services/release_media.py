"""Release media writes: the cover and A/B thumbnails, the release audio, the video, preview clip and canvas.

The pictures and videos are made by distribution/media (pure engines); this module feeds them the
release's files and stores what comes back: covers and thumbnails and the short clips in public storage,
the full video (it carries the whole master) in private storage.
"""

from __future__ import annotations

import contextlib
import random
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import transaction
from django.utils import timezone
from pedalboard.io import AudioFile

from catalog.models import Release
from distribution import selectors
from distribution.audit_verbs import DistributionVerb
from distribution.media import artwork as artwork_engine
from distribution.media import video as video_engine
from distribution.models import ReleaseMedia, ReleasePlan
from lofi_site.actors import Actor
from lofi_site.files import PRIVATE, local_copy, store_file
from lofi_site.queue import enqueue
from operations.services import audit_log
from production.engine.audio_io import iter_blocks
from production.models import MixRender

ARTWORK_TASK = "distribution.tasks.release_artwork_generate_task"
VIDEO_TASK = "distribution.tasks.release_video_render_task"
EARLIER_COVERS_KEPT = 10  # older ones are forgotten (their files stay in storage)
_BLOCK_S = 10.0


def _setting(name: str, default):
    return getattr(settings, name, default)


def release_media_ensure(*, release: Release) -> tuple[ReleasePlan, ReleaseMedia]:
    """The release's plan and media rows, created empty when missing."""
    plan, _ = ReleasePlan.objects.get_or_create(release=release)
    media, _ = ReleaseMedia.objects.get_or_create(release=release)
    return plan, media


# --- Artwork ----------------------------------------------------------------------------------------------


def _artwork_spec(release: Release, revision: int) -> artwork_engine.ArtworkSpec:
    # The same release and revision always draw the same picture; a new revision draws a new one.
    seed = (release.pk * 1009 + revision * 7919) % (2**31)
    rng = random.Random(seed)
    return artwork_engine.ArtworkSpec(
        title=release.title,
        subtitle=release.artist.name,
        palette=rng.choice(sorted(artwork_engine.PALETTES)),
        seed=seed,
        layout=rng.choice(artwork_engine.LAYOUTS),
    )


@transaction.atomic
def _next_artwork_revision(release: Release) -> int:
    plan, _ = release_media_ensure(release=release)
    plan = ReleasePlan.objects.select_for_update().get(pk=plan.pk)
    plan.artwork_revision += 1
    plan.save(update_fields=["artwork_revision", "updated_at"])
    return plan.artwork_revision


@transaction.atomic
def release_artwork_request(*, release: Release, actor: Actor = None) -> int:
    """Ask for a new cover and A/B thumbnails; the task renders revision N once. Returns N."""
    revision = _next_artwork_revision(release)
    audit_log(
        actor=actor,
        verb=DistributionVerb.RELEASE_ARTWORK_REQUESTED,
        obj=release,
        summary=f"New cover and thumbnails requested (revision {revision})",
    )
    enqueue(ARTWORK_TASK, release.pk, revision)
    return revision


def release_artwork_generate(*, release: Release, revision: int | None = None) -> ReleaseMedia:
    """Draw the cover (3000x3000 JPEG, title contrast >= 4.5:1) and two 1280x720 thumbnails (A/B variants),
    store them in public storage and set `Release.artwork`.

    `revision` (from `release_artwork_request`) makes redelivery harmless: a revision already drawn is not
    drawn again. Without it the next revision is drawn. Earlier files are deleted once the new ones are saved.
    """
    if revision is None:
        revision = _next_artwork_revision(release)
    _, media = release_media_ensure(release=release)
    if media.artwork_revision >= revision:
        return media  # drawn already: a redelivered task changes nothing
    spec = _artwork_spec(release, revision)
    cover = artwork_engine.render_cover(spec)
    thumbnails = artwork_engine.thumbnail_variants(spec, count=2)
    old = [release.artwork.name, media.thumbnail_a.name, media.thumbnail_b.name]
    with transaction.atomic():
        release = Release.objects.select_for_update().get(pk=release.pk)
        media = ReleaseMedia.objects.select_for_update().get(pk=media.pk)
        stem = f"{release.uuid}-r{revision}"
        if release.artwork.name:  # the cover being replaced is kept: the editor may want it back
            media.earlier_covers = [release.artwork.name, *media.earlier_covers][:EARLIER_COVERS_KEPT]
        release.artwork.save(f"{stem}-cover.jpg", ContentFile(cover.jpeg), save=False)
        release.save(update_fields=["artwork", "updated_at"])
        media.thumbnail_a.save(f"{stem}-a.jpg", ContentFile(thumbnails[0].jpeg), save=False)
        media.thumbnail_b.save(f"{stem}-b.jpg", ContentFile(thumbnails[1].jpeg), save=False)
        media.artwork_generated_at = timezone.now()
        media.artwork_revision = revision
        media.save(
            update_fields=[
                "thumbnail_a",
                "thumbnail_b",
                "artwork_generated_at",
                "artwork_revision",
                "earlier_covers",
                "updated_at",
            ]
        )
        audit_log(
            actor=None,
            verb=DistributionVerb.RELEASE_ARTWORK_GENERATED,
            obj=release,
            summary=f"Cover and A/B thumbnails drawn (revision {revision}, palette {spec.palette})",
            changes={"artwork": [old[0], release.artwork.name]},
        )
        transaction.on_commit(lambda: _delete_public(old[1:]))  # old thumbnails go; the old cover is kept
    return media


@transaction.atomic
def release_artwork_restore(*, release: Release, path: str, actor: Actor = None) -> Release:
    """Make an earlier cover (one of `ReleaseMedia.earlier_covers`) the release's cover again; the current cover
    takes its place among the earlier ones. ValidationError for a path that is not one of them."""
    _, media = release_media_ensure(release=release)
    release = Release.objects.select_for_update().get(pk=release.pk)
    media = ReleaseMedia.objects.select_for_update().get(pk=media.pk)
    if path not in media.earlier_covers or not storages["default"].exists(path):
        raise ValidationError("That cover is not one of this release's earlier covers.")
    current = release.artwork.name
    media.earlier_covers = [c for c in media.earlier_covers if c != path]
    if current:
        media.earlier_covers = [current, *media.earlier_covers][:EARLIER_COVERS_KEPT]
    release.artwork.name = path
    release.save(update_fields=["artwork", "updated_at"])
    media.save(update_fields=["earlier_covers", "updated_at"])
    audit_log(
        actor=actor,
        verb=DistributionVerb.RELEASE_ARTWORK_RESTORED,
        obj=release,
        summary="An earlier cover is the cover again",
        changes={"artwork": [current, path]},
    )
    return release


def _delete_public(names: list[str]) -> None:
    storage = storages["default"]
    for name in names:
        if name:
            storage.delete(name)


def release_artwork_upload_check(data: bytes, *, kind: str) -> None:
    """Raise ValidationError with the platform rule an uploaded cover or thumbnail breaks."""
    try:
        artwork_engine.validate_upload(data, kind)
    except artwork_engine.ArtworkError as error:
        raise ValidationError(str(error)) from error


# --- The release's audio ----------------------------------------------------------------------------------


def mix_render_for(release: Release) -> MixRender | None:
    """The newest finished long-mix master production rendered for the release, if any."""
    return (
        MixRender.objects.filter(release=release, status=MixRender.Status.SUCCEEDED)
        .exclude(path="")
        .order_by("-finished_at", "-id")
        .first()
    )


def _mix_chapters(mix: MixRender) -> list[video_engine.Chapter]:
    return [
        video_engine.Chapter(title=str(entry.get("title", "")), start_s=float(entry["start_s"]))
        for entry in mix.tracklist
        if entry.get("start_s") is not None
    ]


def concatenate_audio(sources: list[Path], out_path: Path) -> list[float]:
    """Write the sources one after another as a 24-bit stereo WAV at the first source's sample rate and
    return each source's duration in seconds. Streams ~10 s blocks: memory does not grow with length;
    other rates are resampled on the way, mono is doubled to stereo."""
    with AudioFile(str(sources[0])) as first:
        sample_rate = int(first.samplerate)
    durations = []
    with AudioFile(str(out_path), "w", sample_rate, 2, bit_depth=24) as writer:
        for source in sources:
            frames = 0
            for block in iter_blocks(source, _BLOCK_S, sample_rate=sample_rate):
                if block.shape[0] == 1:
                    block = np.repeat(block, 2, axis=0)
                writer.write(block[:2])
                frames += block.shape[1]
            durations.append(frames / sample_rate)
    return durations


@contextlib.contextmanager
def release_audio(release: Release) -> Iterator[tuple[Path, list[video_engine.Chapter]]]:
    """The release's whole audio as one local file, and its chapters (empty for a single).

    A single plays its track master; a long mix plays its mix master when production rendered one;
    anything else plays its tracks back to back, in order, with a chapter per track.
    """
    entries = selectors.release_tracks(release)
    if not entries:
        raise ValidationError("The release has no tracks.")
    assets = []
    for entry in entries:
        asset = selectors.track_audio_asset(entry.track)
        if asset is None:
            raise ValidationError(f"Track {entry.position} '{entry.track.title}' has no master audio file.")
        assets.append(asset)
    mix = mix_render_for(release) if release.kind == Release.Kind.MIX else None
    if mix is not None:
        with local_copy(PRIVATE, mix.path) as local:
            yield local, _mix_chapters(mix)
        return
    if len(assets) == 1:
        with local_copy(assets[0].storage, assets[0].path) as local:
            yield local, []
        return
    with contextlib.ExitStack() as stack:
        sources = [stack.enter_context(local_copy(a.storage, a.path)) for a in assets]
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="release-audio-")))
        durations = concatenate_audio(sources, tmp / "release.wav")
        starts = np.concatenate([[0.0], np.cumsum(durations)[:-1]])
        chapters = [
            video_engine.Chapter(title=entry.track.title, start_s=float(start))
            for entry, start in zip(entries, starts, strict=True)
        ]
        yield tmp / "release.wav", chapters


# --- Video, preview clip, canvas --------------------------------------------------------------------------


@transaction.atomic
def release_video_request(*, release: Release, actor: Actor = None) -> ReleaseMedia:
    """Queue the video render (full video, vertical preview, canvas). A render already queued or running
    is left alone. Raises ValidationError when there is no cover to make it from."""
    _, media = release_media_ensure(release=release)
    media = ReleaseMedia.objects.select_for_update().get(pk=media.pk)
    if not release.artwork:
        raise ValidationError("Generate or upload the cover first: the video is made from it.")
    if media.video_status in (ReleaseMedia.VideoStatus.QUEUED, ReleaseMedia.VideoStatus.RENDERING):
        return media
    media.video_status = ReleaseMedia.VideoStatus.QUEUED
    media.video_error = ""
    media.save(update_fields=["video_status", "video_error", "updated_at"])
    audit_log(actor=actor, verb=DistributionVerb.RELEASE_VIDEO_REQUESTED, obj=release, summary="Video render queued")
    enqueue(VIDEO_TASK, release.pk)
    return media


def _set_video_state(media: ReleaseMedia, status: str, error: str = "") -> None:
    media.video_status = status
    media.video_error = error
    ReleaseMedia.objects.filter(pk=media.pk).update(video_status=status, video_error=error, updated_at=timezone.now())


def release_video_render(*, release: Release) -> ReleaseMedia:
    """Render and store the release's videos from its cover and its whole audio (see `release_audio`):

    - the 1920x1080 H.264/AAC video as long as the audio, chapters per track (private storage);
    - the 1080x1920 preview clip, 15-30 s from a third of the way in, faded (public storage), unless the
      audio is shorter than 15 s, which `preview_note` then says;
    - the 1080x1920 silent seamless canvas loop (public storage).

    On failure the media row says "failed" with the reason and the error is raised again.
    """
    plan, media = release_media_ensure(release=release)
    if not release.artwork:
        raise ValidationError("Generate or upload the cover first: the video is made from it.")
    _set_video_state(media, ReleaseMedia.VideoStatus.RENDERING)
    fps = int(_setting("DISTRIBUTION_VIDEO_FPS", 24))
    loop_s = float(_setting("DISTRIBUTION_VIDEO_LOOP_S", 4.0))
    preview_s = float(_setting("DISTRIBUTION_PREVIEW_S", 20.0))
    canvas_s = float(_setting("DISTRIBUTION_CANVAS_S", 6.0))
    seed = release.pk
    try:
        with contextlib.ExitStack() as stack:
            tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="release-video-")))
            cover = stack.enter_context(local_copy("default", release.artwork.name))
            audio, chapters = stack.enter_context(release_audio(release))
            total_s = video_engine.audio_duration_s(audio)
            video = video_engine.render_release_video(
                cover,
                audio,
                tmp / "video.mp4",
                effect=plan.video_effect,
                loop_duration_s=loop_s,
                fps=fps,
                seed=seed,
                chapters=chapters or None,
                title=release.title,
            )
            preview, note = None, ""
            if total_s >= video_engine.PREVIEW_MIN_S:
                length_s = min(preview_s, total_s, video_engine.PREVIEW_MAX_S)
                length_s = max(length_s, video_engine.PREVIEW_MIN_S)
                start_s = min(total_s / 3, total_s - length_s)
                preview = video_engine.render_preview_clip(
                    cover,
                    audio,
                    tmp / "preview.mp4",
                    start_s=max(0.0, start_s),
                    duration_s=length_s,
                    seed=seed,
                    loop_duration_s=loop_s,
                    fps=fps,
                )
            else:
                note = (
                    f"The audio lasts {total_s:.1f} s; a preview clip needs at least "
                    f"{video_engine.PREVIEW_MIN_S:.0f} s."
                )
            canvas = video_engine.render_canvas(cover, tmp / "canvas.mp4", duration_s=canvas_s, seed=seed, fps=fps)
            _store_videos(release, media, video=video, preview=preview, canvas=canvas, note=note, duration_s=total_s)
    except Exception as error:
        _set_video_state(media, ReleaseMedia.VideoStatus.FAILED, f"{type(error).__name__}: {error}"[:2000])
        raise
    return media


def _store_videos(
    release: Release,
    media: ReleaseMedia,
    *,
    video: Path,
    preview: Path | None,
    canvas: Path,
    note: str,
    duration_s: float,
) -> None:
    stem = f"releases/{release.uuid}"
    old_public = [media.preview_clip.name, media.canvas.name]
    video_path = store_file(PRIVATE, f"{stem}/video.mp4", video, replace=media.video_path)
    with transaction.atomic():
        media.video_path = video_path
        media.video_duration_s = round(duration_s, 3)
        media.video_rendered_at = timezone.now()
        media.video_status = ReleaseMedia.VideoStatus.DONE
        media.video_error = ""
        media.preview_note = note
        if preview is not None:
            with preview.open("rb") as handle:
                media.preview_clip.save(f"{release.uuid}-preview.mp4", File(handle), save=False)
        else:
            media.preview_clip = ""
        with canvas.open("rb") as handle:
            media.canvas.save(f"{release.uuid}-canvas.mp4", File(handle), save=False)
        media.save()
        audit_log(
            actor=None,
            verb=DistributionVerb.RELEASE_VIDEO_RENDERED,
            obj=release,
            summary=f"Video rendered ({duration_s:.0f} s)" + (f"; {note}" if note else ""),
        )
        kept = {media.preview_clip.name, media.canvas.name}
        transaction.on_commit(lambda: _delete_public([n for n in old_public if n and n not in kept]))


@transaction.atomic
def release_media_update(*, media: ReleaseMedia, actor: Actor, changed: list[str]) -> ReleaseMedia:
    """Save an editor's thumbnail uploads or A/B choice (already validated by the form) and audit it."""
    media.full_clean()
    media.save()
    if changed:
        audit_log(
            actor=actor,
            verb=DistributionVerb.RELEASE_MEDIA_EDITED,
            obj=media.release,
            summary=f"Media changed: {', '.join(changed)}",
            changes={"thumbnail_choice": media.thumbnail_choice},
        )
    return media
