"""Render batches: a grid of briefs (or variations of one) recorded once and expanded into render jobs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from catalog.models import Artist
from operations.services import LISTEN_AND_APPROVE, audit_log, checklist_attach
from production.audit_verbs import ProductionVerb
from production.models import SEED_MAX, Batch
from production.services.render_jobs import render_job_create

BATCH_MAX_JOBS = 200  # one form submit should not fill the queue for days


@transaction.atomic
def batch_create(
    *,
    name: str,
    kind: str = Batch.Kind.GRID,
    styles: Sequence[str],
    bpms: Sequence[float],
    keys: Sequence[str],
    moods: Sequence[str],
    duration_s: float,
    per_cell: int = 1,
    seed_base: int = 0,
    ambience: str = "none",
    layers: dict[str, bool] | None = None,
    artist: Artist | None = None,
    created_by=None,
) -> Batch:
    """Record a batch and create (and queue) one render job per brief it expands to.

    A grid gives every style x BPM x key x mood combination `per_cell` times; variations gives `per_cell`
    renders of the single brief with different seeds. Job n of the batch gets seed `seed_base + n`.
    """
    batch = Batch(
        name=name,
        kind=kind,
        styles=list(styles),
        bpms=[float(b) for b in bpms],
        keys=list(keys),
        moods=list(moods),
        per_cell=per_cell,
        duration_s=duration_s,
        seed_base=seed_base,
        ambience=ambience,
        layers=layers or {},
        artist=artist,
        created_by=created_by,
    )
    batch.full_clean()
    briefs = batch_briefs(batch)
    if not briefs:
        raise ValidationError("This batch expands to no jobs: every list needs at least one value.")
    if len(briefs) > BATCH_MAX_JOBS:
        raise ValidationError(
            f"This batch would create {len(briefs)} jobs; the limit is {BATCH_MAX_JOBS}. "
            "Split it, or lower the count per cell."
        )
    if seed_base + len(briefs) - 1 > SEED_MAX:
        raise ValidationError(f"Seeds would pass {SEED_MAX}; choose a lower seed base.")
    batch.save()
    for brief in briefs:
        render_job_create(
            batch=batch,
            artist=artist,
            created_by=created_by,
            ambience=ambience,
            layers=batch.layers,
            duration_s=duration_s,
            **brief,
        )
    audit_log(
        actor=created_by,
        verb=ProductionVerb.RENDER_BATCH_CREATED,
        obj=batch,
        summary=f"Batch {batch.name!r}: {len(briefs)} render jobs queued",
    )
    # Nothing from a batch reaches the catalogue unheard: the "Listen and approve" SOP, first on the list of
    # whoever commissioned the batch (an editor hands the listening steps to a VA from the checklist page).
    commissioner = created_by if created_by is not None and created_by.is_active and created_by.is_staff else None
    checklist_attach(template_slug=LISTEN_AND_APPROVE, obj=batch, assignee=commissioner)
    return batch


def batch_briefs(batch: Batch) -> list[dict]:
    """The briefs a batch expands to, in job order: style, then BPM, key, mood, then the copy in the cell."""
    one_brief = len(batch.styles) == len(batch.bpms) == len(batch.keys) == len(batch.moods) == 1
    if batch.kind == Batch.Kind.VARIATIONS and not one_brief:
        raise ValidationError("Variations are of ONE brief: give exactly one style, BPM, key and mood.")
    cells = [
        (style, bpm, key, mood)
        for style in batch.styles
        for bpm in batch.bpms
        for key in batch.keys
        for mood in batch.moods
    ]
    briefs: list[dict[str, Any]] = []
    for style, bpm, key, mood in cells:
        for _ in range(batch.per_cell):
            briefs.append(
                {"style": style, "bpm": float(bpm), "key": key, "mood": mood, "seed": batch.seed_base + len(briefs)}
            )
    return briefs
