"""The render cache: an identical render request reuses the track an earlier job made.

Identical means the same brief and seed, the same style preset and effects overrides, the same instrument
library (SoundFont contents) and the same engine code (`production.engine.render_key.ENGINE_VERSION`): the
engine is deterministic, so rendering again would only make the same audio twice (and a second track the
fingerprint check would then flag as a duplicate). An editor who wants a fresh render ticks "force render".
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from catalog.models import Track
from operations.services import audit_log
from production.audit_verbs import ProductionVerb
from production.models import RenderJob
from production.services.style_presets import style_preset_overrides


def render_job_key(*, job: RenderJob) -> str:
    """The render key of this job as it would render now (the preset and library as they are today)."""
    from production.engine import render_key  # engine imports stay out of web requests until needed

    brief = job.brief()
    composition, fx = style_preset_overrides(brief.style)
    # The cockpit's per-part instrument choices live in the composition overrides (engine StylePreset.palette).
    library = render_key.library_digest(
        brief.style, palette_overrides=composition.get("palette") or None, label_dir=settings.LOFI_SOUNDFONT_DIR or None
    )
    return render_key.render_key(brief, preset_overrides=composition or None, fx_overrides=fx or None, library=library)


def render_cached_track(*, key: str, exclude_job: RenderJob) -> Track | None:
    """The live track an earlier successful job with this key made (or itself reused), if any."""
    earlier = (
        RenderJob.objects.filter(render_key=key, status=RenderJob.Status.SUCCEEDED)
        .exclude(pk=exclude_job.pk)
        .filter(Q(track__isnull=False) | Q(reused_from__isnull=False))
        .select_related("track", "reused_from")
        .order_by("finished_at", "pk")
    )
    for job in earlier:
        track = job.track or job.reused_from
        if track is not None and track.status != Track.Status.ARCHIVED:
            return track
    return None


def render_job_reuse(*, job: RenderJob, key: str) -> bool:
    """Finish a running job by reusing an identical earlier render. False (nothing changed) when there is
    none or the job asked to be rendered anyway."""
    if job.force_render:
        return False
    track = render_cached_track(key=key, exclude_job=job)
    if track is None:
        return False
    finished = RenderJob.objects.filter(pk=job.pk, status=RenderJob.Status.RUNNING).update(
        status=RenderJob.Status.SUCCEEDED,
        progress=100,
        render_key=key,
        reused_from=track,
        timings={"reused": 1},
        finished_at=timezone.now(),
        updated_at=timezone.now(),
    )
    if finished:
        audit_log(
            actor=None,
            verb=ProductionVerb.RENDER_REUSED,
            obj=job,
            summary=f"Render job #{job.pk} reused the identical render of {track.title!r}",
            changes={"reused_from": [None, track.pk]},
        )
    return bool(finished)
