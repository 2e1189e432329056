"""A/B tests of recommenders: which recommender a visitor gets, what they did with it, and promoting a winner.

A visitor is the keyed hash of a random id in their session (or of a signed-in listener's account id, so one
person keeps one variant across devices): stable for an experiment's life, and nothing personal is stored.
Clicks are recorded by the recommendation links themselves; plays, cart adds and purchases of a track count
for a variant when the visitor reached that track from its recommendations (last-touch attribution).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from catalog.models import Track
from listeners import selectors
from listeners.audit_verbs import ListenersVerb
from listeners.models import Experiment, ExperimentEvent, Recommender, Surface, SurfaceSetting
from listeners.recommend import abtest
from lofi_site.actors import Actor
from operations.services import audit_log

DEFAULTS: dict[str, str] = {Surface.FOR_YOU: Recommender.LEARNED, Surface.MORE_LIKE_THIS: Recommender.CONTENT}


def surface_recommender(*, surface: str, visitor_hash: str) -> tuple[str, Experiment | None]:
    """(recommender, running experiment or None) for this visitor on this surface."""
    experiment = selectors.running_experiment(surface)
    if experiment is not None and experiment.variants:
        return abtest.assign_variant(experiment.slug, visitor_hash, list(experiment.variants)), experiment
    setting = SurfaceSetting.objects.filter(surface=surface).first()
    return (setting.recommender if setting else DEFAULTS[surface]), None


def experiment_event_record(
    *, experiment: Experiment, variant: str, visitor_hash: str, kind: str, track: Track | None = None
) -> ExperimentEvent | None:
    """Count one event; ignored (None) once the experiment has finished or for a variant it does not have."""
    if experiment.status != Experiment.Status.RUNNING or variant not in experiment.variants:
        return None
    return ExperimentEvent.objects.create(
        experiment=experiment, variant=variant, visitor_hash=visitor_hash, kind=kind, track=track
    )


def experiment_attribute(*, visitor_hash: str, track: Track, kind: str) -> int:
    """Count a play, cart add or purchase of `track` for every running experiment whose recommendation this
    visitor clicked to reach it. A purchase counts once per experiment and track. Returns events written."""
    clicks = (
        ExperimentEvent.objects.filter(
            visitor_hash=visitor_hash,
            track=track,
            kind=ExperimentEvent.Kind.CLICK,
            experiment__status=Experiment.Status.RUNNING,
        )
        .select_related("experiment")
        .order_by("experiment_id", "-created_at")
    )
    written = 0
    seen: set[int] = set()
    for click in clicks:
        if click.experiment_id in seen:
            continue
        seen.add(click.experiment_id)
        if (
            kind == ExperimentEvent.Kind.PURCHASE
            and ExperimentEvent.objects.filter(
                experiment_id=click.experiment_id, visitor_hash=visitor_hash, track=track, kind=kind
            ).exists()
        ):
            continue
        ExperimentEvent.objects.create(
            experiment_id=click.experiment_id, variant=click.variant, visitor_hash=visitor_hash, kind=kind, track=track
        )
        written += 1
    return written


def experiment_purchases_check(*, visitor_hash: str, order_uuids: list[str]) -> int:
    """Attribute the paid orders this browser session started (their uuids live in the session) to the
    experiments the visitor clicked through. Idempotent."""
    written = 0
    for track in Track.objects.filter(pk__in=selectors.paid_tracks_of_orders(order_uuids[-10:])):
        written += experiment_attribute(visitor_hash=visitor_hash, track=track, kind=ExperimentEvent.Kind.PURCHASE)
    return written


@transaction.atomic
def experiment_promote(*, experiment: Experiment, actor: Actor, variant: str = "") -> SurfaceSetting:
    """End an experiment and make `variant` (by default the report's leader) what its surface serves to
    everyone. Idempotent for a finished experiment with the same winner."""
    experiment = Experiment.objects.select_for_update().get(pk=experiment.pk)
    if not variant:
        report = abtest.experiment_report(selectors.experiment_counts(experiment))
        variant = report.leader
    if variant not in experiment.variants:
        raise ValidationError(f"{experiment} has no variant {variant or '(no visitors yet)'!r} to promote.")
    setting, _ = SurfaceSetting.objects.update_or_create(surface=experiment.surface, defaults={"recommender": variant})
    if experiment.status != Experiment.Status.FINISHED or experiment.winner != variant:
        experiment.status = Experiment.Status.FINISHED
        experiment.winner = variant
        experiment.finished_at = experiment.finished_at or timezone.now()
        experiment.save(update_fields=["status", "winner", "finished_at", "updated_at"])
        audit_log(
            actor=actor,
            verb=ListenersVerb.EXPERIMENT_PROMOTED,
            obj=experiment,
            summary=f"{variant} now serves {experiment.get_surface_display()}",
            changes={"winner": ["", variant]},
        )
    return setting
