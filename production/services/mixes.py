"""Long mixes: choose and order a mix release's tracks (engine.sequencing), and render the release into one
continuous master (engine.longmix) with its timestamped tracklist."""

from __future__ import annotations

import contextlib
import logging
import tempfile
from collections.abc import Hashable, Iterable
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import storages
from django.db import transaction
from django.utils import timezone

from catalog.models import Release, Track
from catalog.services import release_set_tracks
from lofi_site.actors import Actor
from lofi_site.queue import enqueue
from operations.services import audit_log
from production.audit_verbs import ProductionVerb
from production.engine import audio_io
from production.engine.sequencing import mix_sequence
from production.models import MixRender
from production.selectors import track_features
from production.services.track_audio import local_audio_path, track_audio_asset

logger = logging.getLogger(__name__)

MIX_RENDER_TASK = "production.tasks.mix_render_run_task"
DEFAULT_CROSSFADE_S = 8.0
AMBIENCE_GAIN_DB = -6.0  # beds come at about -24 dBFS RMS: -6 dB sits them ~16 dB under a -14 LUFS mix
AMBIENCE_LOOP_S = 60.0  # seconds of bed generated once and looped (seamlessly) under the whole mix
AMBIENCE_SEED = 0
MIX_SAMPLE_RATE = 44100


# --- Sequencing --------------------------------------------------------------------------------------------------


def mix_pool_from_catalogue() -> list[Track]:
    """Tracks a new mix may draw from: approved or released, analysed (duration known) and duplicate-clear."""
    return list(
        Track.objects.filter(
            status__in=[Track.Status.APPROVED, Track.Status.RELEASED],
            duplicate_verdict=Track.DuplicateVerdict.CLEAR,
            duration_s__gt=0,
        )
        .select_related("artist")
        .prefetch_related("moods")
    )


@transaction.atomic
def release_apply_mix_sequence(
    *,
    release: Release,
    target_duration_s: float,
    pool: Iterable[Track] | None = None,
    crossfade_s: float = DEFAULT_CROSSFADE_S,
    actor: Actor = None,
) -> list[Track]:
    """Set a draft mix release's tracklist to `engine.sequencing.mix_sequence` of a pool of tracks.

    The pool is `pool` when given, else the release's current tracks when it has any (they are put in
    order, and trimmed to the target length), else `mix_pool_from_catalogue()`. The order keeps each
    transition compatible (Camelot neighbours, tempo within ±6% or half/double, energy, moods) and follows
    the energy arc. Returns the tracks in their new order. Raises ValidationError for a release that is not
    a draft long mix, a target that is not positive, or an empty pool.
    """
    release = Release.objects.select_for_update().get(pk=release.pk)
    if release.kind != Release.Kind.MIX:
        raise ValidationError(f"{release} is a {release.get_kind_display().lower()}; only long mixes are sequenced.")
    if release.status != Release.Status.DRAFT:
        raise ValidationError(
            f"{release} is {release.get_status_display().lower()}; only a draft's tracklist can change."
        )
    if target_duration_s <= 0:
        raise ValidationError("The target length of a mix must be positive.")
    if pool is None:
        current = list(
            Track.objects.filter(release_tracks__release=release).select_related("artist").prefetch_related("moods")
        )
        pool = current or mix_pool_from_catalogue()
    pool = list(pool)
    if not pool:
        raise ValidationError(
            "No tracks to choose from: add tracks to the release, or approve some duplicate-clear, analysed tracks."
        )
    by_id: dict[Hashable, Track] = {t.pk: t for t in pool}
    order = [
        by_id[track_id] for track_id in mix_sequence(track_features(pool), target_duration_s, crossfade_s=crossfade_s)
    ]
    before = list(release.release_tracks.order_by("position").values_list("track_id", flat=True))
    release_set_tracks(release=release, tracks=order)
    after = [t.pk for t in order]
    if before != after:
        total_s = sum(t.duration_s or 0 for t in order) - crossfade_s * max(len(order) - 1, 0)
        audit_log(
            actor=actor,
            verb=ProductionVerb.RELEASE_MIX_SEQUENCED,
            obj=release,
            summary=f"Mix sequenced: {len(order)} tracks, about {total_s / 60:.0f} min "
            f"(target {target_duration_s / 60:.0f} min)",
            changes={"tracks": [before, after]},
        )
    return order


# --- Rendering -----------------------------------------------------------------------------------------------------


@transaction.atomic
def mix_render_create(
    *,
    release: Release,
    crossfade_s: float = DEFAULT_CROSSFADE_S,
    ambience: str = "none",
    target_lufs: float = -14.0,
    true_peak_ceiling_db: float = -1.0,
    created_by=None,
    queue: bool = True,
) -> MixRender:
    """Record a render of a long-mix release into one master and queue it (after commit).

    A release with a render still queued or running gets that one back (a double click queues nothing).
    Raises ValidationError for a release that is not a long mix or has no tracks, and for settings out of
    range.
    """
    release = Release.objects.select_for_update().get(pk=release.pk)
    if release.kind != Release.Kind.MIX:
        raise ValidationError(
            f"{release} is a {release.get_kind_display().lower()}; only long mixes are rendered into one master."
        )
    if not release.release_tracks.exists():
        raise ValidationError(f"{release} has no tracks to mix.")
    open_render = release.mix_renders.filter(status__in=[MixRender.Status.QUEUED, MixRender.Status.RUNNING]).first()
    if open_render is not None:
        return open_render
    mix = MixRender(
        release=release,
        crossfade_s=crossfade_s,
        ambience=ambience,
        target_lufs=target_lufs,
        true_peak_ceiling_db=true_peak_ceiling_db,
        created_by=created_by,
    )
    mix.full_clean()
    mix.save()
    if queue:
        enqueue(MIX_RENDER_TASK, mix.pk, bulk=True)
    return mix


def mix_render_run(*, mix: MixRender) -> MixRender:
    """Render a queued mix: the release's tracks in position order, each loudness-matched and joined to the
    next by an equal-power crossfade of `crossfade_s`, the optional ambience bed under all of it, mastered
    to the target loudness under the true-peak ceiling; written block by block to a 24-bit FLAC in private
    storage, with the tracklist (start of each track) and the measured loudness.

    Only one run claims a mix (a redelivered task returns it untouched). On failure the mix is "failed"
    with the reason and no file is kept.
    """
    from production.engine import ambience as engine_ambience
    from production.engine import longmix

    claimed = MixRender.objects.filter(pk=mix.pk, status=MixRender.Status.QUEUED).update(
        status=MixRender.Status.RUNNING,
        error="",
        started_at=timezone.now(),
        finished_at=None,
        updated_at=timezone.now(),
    )
    if not claimed:
        return MixRender.objects.filter(pk=mix.pk).first() or mix
    mix.refresh_from_db()
    stored_path = ""
    try:
        rows = list(mix.release.release_tracks.select_related("track__artist").order_by("position"))
        if not rows:
            raise ValidationError("the release has no tracks")
        with contextlib.ExitStack() as stack, tempfile.TemporaryDirectory(prefix=f"mix-{mix.pk}-") as workdir:
            items = []
            for row in rows:
                asset = track_audio_asset(row.track)
                if asset is None:
                    raise ValidationError(f"{row.track.title} has no original or master file")
                path = stack.enter_context(local_audio_path(asset))
                items.append(
                    longmix.MixItem(
                        path=path,
                        title=_label(row.track),
                        crossfade_s=mix.crossfade_s,
                        loudness_lufs=row.track.integrated_lufs,
                    )
                )
            bed = None
            if mix.ambience != "none":
                loop = engine_ambience.bed(
                    mix.ambience,
                    n_samples=int(AMBIENCE_LOOP_S * MIX_SAMPLE_RATE),
                    sample_rate=MIX_SAMPLE_RATE,
                    seed=AMBIENCE_SEED,
                )
                bed = longmix.looped_bed(loop, sample_rate=MIX_SAMPLE_RATE)
            out = Path(workdir) / "mix.flac"
            result = longmix.render_mix(
                items,
                out_path=out,
                sample_rate=MIX_SAMPLE_RATE,
                target_lufs=mix.target_lufs,
                true_peak_ceiling_db=mix.true_peak_ceiling_db,
                ambience_bed=bed,
                ambience_gain_db=AMBIENCE_GAIN_DB,
            )
            digest = audio_io.sha256_file(out)
            size = out.stat().st_size
            with out.open("rb") as stream:
                stored_path = storages["private"].save(
                    f"mixes/{mix.release.uuid}/{mix.uuid}.flac", File(stream, name=out.name)
                )
        # One clock format for the whole list (h:mm:ss once the mix passes an hour), as descriptions show it.
        stamps = [line.split(" ", 1)[0] for line in longmix.tracklist_text(result.tracklist).splitlines()]
        tracklist = [
            {
                "position": row.position,
                "track_id": row.track_id,
                "track_uuid": str(row.track.uuid),
                "title": row.track.title,
                "artist": row.track.artist.name,
                "start_s": round(start_s, 3),
                "timestamp": stamp,
            }
            for row, (_, start_s), stamp in zip(rows, result.tracklist, stamps, strict=True)
        ]
        with transaction.atomic():
            locked = MixRender.objects.select_for_update().get(pk=mix.pk)
            if locked.status != MixRender.Status.RUNNING:
                raise RuntimeError(f"mix #{mix.pk} is {locked.status} now; this run no longer owns it")
            locked.status = MixRender.Status.SUCCEEDED
            locked.path, locked.size_bytes, locked.sha256 = stored_path, size, digest
            locked.tracklist = tracklist
            locked.duration_s = round(result.duration_s, 3)
            locked.integrated_lufs = round(result.integrated_lufs, 2)
            locked.true_peak_dbtp = round(result.true_peak_dbtp, 2)
            locked.finished_at = timezone.now()
            locked.save()
            audit_log(
                actor=None,
                verb=ProductionVerb.RELEASE_MIX_RENDERED,
                obj=mix.release,
                summary=f"Mix master rendered: {len(rows)} tracks, {result.duration_s / 60:.1f} min, "
                f"{result.integrated_lufs:.1f} LUFS",
            )
    except Exception as error:  # any failure must end as a failed render, never one stuck "running"
        logger.exception("mix render %s failed", mix.pk)
        if stored_path:
            storages["private"].delete(stored_path)
        message = "; ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        MixRender.objects.filter(pk=mix.pk).update(
            status=MixRender.Status.FAILED,
            error=f"{type(error).__name__}: {message}"[:4000],
            finished_at=timezone.now(),
            updated_at=timezone.now(),
        )
    mix.refresh_from_db()
    return mix


@transaction.atomic
def mix_render_retry(*, mix: MixRender, actor: Actor = None) -> MixRender:
    """Queue a failed mix render again."""
    updated = MixRender.objects.filter(pk=mix.pk, status=MixRender.Status.FAILED).update(
        status=MixRender.Status.QUEUED, error="", started_at=None, finished_at=None, updated_at=timezone.now()
    )
    if updated:
        enqueue(MIX_RENDER_TASK, mix.pk, bulk=True)
    mix.refresh_from_db()
    return mix


def mix_tracklist_text(mix: MixRender) -> str:
    """The tracklist as "00:00 Artist – Title" lines, for a video or release description."""
    from production.engine.longmix import tracklist_text

    return tracklist_text([(f"{row['artist']} – {row['title']}", row["start_s"]) for row in mix.tracklist])


def _label(track: Track) -> str:
    return f"{track.artist.name} – {track.title}"
