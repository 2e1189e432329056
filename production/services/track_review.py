"""Approving a track from the cockpit: the catalogue's approval, and the render batch's "Listen and approve"
checklist kept in step with it (approving the batch's last undecided track ticks "Approve the keepers")."""

from __future__ import annotations

from django.db import transaction

from catalog.models import Track
from catalog.services import track_approve
from operations.selectors import checklists_for
from operations.services import LISTEN_AND_APPROVE, checklist_item_tick
from production.models import RenderJob

APPROVE_STEP = "Approve the keepers"
DECIDED = (Track.Status.APPROVED, Track.Status.RELEASED, Track.Status.ARCHIVED)


@transaction.atomic
def track_approve_reviewed(*, track: Track, user) -> Track:
    """Approve `track` (ValidationError with every reason when it may not be). When it came from a render
    batch and every other track of the batch is decided (approved or archived), the batch's "Approve the
    keepers" step is ticked for `user`."""
    track = track_approve(track=track, actor=user)
    job = RenderJob.objects.select_related("batch").filter(track=track, batch__isnull=False).first()
    if job is None or job.batch is None:
        return track
    undecided = Track.objects.filter(render_job__batch=job.batch).exclude(status__in=DECIDED)
    if undecided.exists():
        return track
    for checklist in checklists_for(job.batch).filter(template__slug=LISTEN_AND_APPROVE):
        for item in checklist.items.all():
            if item.title == APPROVE_STEP and not item.done_at:
                checklist_item_tick(item=item, user=user, note="Ticked by approving the batch's last track.")
    return track
