"""Listeners' panels on the cockpit dashboard: feedback waiting for moderation, the recommender and experiments."""

from __future__ import annotations

from django.urls import reverse

from listeners import selectors
from listeners.models import Experiment, Feedback, RecommenderModel
from lofi_site.dashboard import Panel, PanelRow, panel


@panel(order=75)
def listener_feedback(request) -> Panel | None:
    if not request.user.has_perm("listeners.view_feedback"):
        return None
    counts = selectors.feedback_queue_counts()
    url = reverse("admin:listeners_feedback_changelist")
    waiting = counts.get(Feedback.Status.NEW, 0)
    rows = [
        PanelRow("Waiting for review", waiting, f"{url}?status__exact=new", tone="warn" if waiting else "ok"),
        PanelRow("Escalated to an editor", counts.get(Feedback.Status.ESCALATED, 0), f"{url}?status__exact=escalated"),
        PanelRow("Published", counts.get(Feedback.Status.PUBLISHED, 0), f"{url}?status__exact=published"),
    ]
    return Panel("Listener ratings and feedback", rows)


@panel(order=76)
def recommendations(request) -> Panel | None:
    if not request.user.has_perm("listeners.view_experiment"):
        return None
    rows = []
    model = RecommenderModel.objects.filter(is_active=True).defer("listener_factors", "track_factors").first()
    if model is None:
        rows.append(PanelRow("Learned model", "not trained yet", tone="warn", detail="needs two listeners"))
    else:
        rows.append(
            PanelRow(
                "Learned model trained",
                f"{model.created_at:%Y-%m-%d %H:%M}",
                reverse("admin:listeners_recommendermodel_changelist"),
                detail=f"{model.metrics.get('listeners', 0)} listeners, {model.interactions} interactions",
            )
        )
    for experiment in Experiment.objects.filter(status=Experiment.Status.RUNNING):
        rows.append(
            PanelRow(
                f"A/B: {experiment.name}",
                " vs ".join(experiment.variants),
                reverse("admin:listeners_experiment_change", args=[experiment.pk]),
            )
        )
    return Panel("Recommendations", rows)
