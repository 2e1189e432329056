"""Mood tagging: editors decide on the tagger's suggestions (accepting adds the mood to the track)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from operations.services import audit_log
from production.models import MoodSuggestion


@transaction.atomic
def mood_suggestion_accept(*, suggestion: MoodSuggestion, actor=None) -> MoodSuggestion:
    """Accept a suggestion: the track gains the mood. Accepting an accepted suggestion changes nothing."""
    suggestion = MoodSuggestion.objects.select_for_update().select_related("track", "mood").get(pk=suggestion.pk)
    if suggestion.status == MoodSuggestion.Status.ACCEPTED:
        return suggestion
    previous = suggestion.status
    suggestion.track.moods.add(suggestion.mood)
    _decide(suggestion, MoodSuggestion.Status.ACCEPTED, actor)
    audit_log(actor=actor, verb="track.mood_accepted", obj=suggestion.track,
              summary=f"Mood {suggestion.mood.name!r} added from the tagger's suggestion "
                      f"({suggestion.probability:.0%})", changes={"suggestion": [previous, "accepted"]})
    return suggestion


@transaction.atomic
def mood_suggestion_reject(*, suggestion: MoodSuggestion, actor=None) -> MoodSuggestion:
    """Reject a suggestion; it is never proposed again. Rejecting one accepted earlier takes the mood off
    the track again."""
    suggestion = MoodSuggestion.objects.select_for_update().select_related("track", "mood").get(pk=suggestion.pk)
    if suggestion.status == MoodSuggestion.Status.REJECTED:
        return suggestion
    if suggestion.status == MoodSuggestion.Status.ACCEPTED:
        suggestion.track.moods.remove(suggestion.mood)
        audit_log(actor=actor, verb="track.mood_removed", obj=suggestion.track,
                  summary=f"Mood {suggestion.mood.name!r} taken off: its suggestion was rejected",
                  changes={"suggestion": ["accepted", "rejected"]})
    _decide(suggestion, MoodSuggestion.Status.REJECTED, actor)
    return suggestion


def _decide(suggestion: MoodSuggestion, status: str, actor) -> None:
    suggestion.status = status
    suggestion.decided_by = actor if getattr(actor, "is_authenticated", False) else None
    suggestion.decided_at = timezone.now()
    suggestion.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
