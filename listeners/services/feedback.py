"""Ratings and short feedback on releases and mixes, moderated like YouTube comments.

A text is scored by the rules YouTube comments get (lofi_site.text_scoring: VADER sentiment, spam and abuse flags) and
starts in the same triage states: abuse escalated to an editor, spam ignored, the rest new for a VA. Only a
published text is shown; the star rating counts at once (it carries no words to moderate).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from catalog.models import Release
from listeners.models import Feedback, Listener
from lofi_site import text_scoring
from lofi_site.actors import Actor, actor_user

FEEDBACK_MAX_CHARS = 500
_INITIAL = {
    text_scoring.Triage.ESCALATED: Feedback.Status.ESCALATED,
    text_scoring.Triage.IGNORED: Feedback.Status.IGNORED,
}


@transaction.atomic
def feedback_submit(*, listener: Listener, release: Release, rating: int, text: str) -> Feedback:
    """Rate a release 1-5 with an optional text; a second submission replaces the first (and its text goes
    back to review when it changed)."""
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise ValidationError("Choose a rating from 1 to 5 stars.")
    text = text.strip()
    if len(text) > FEEDBACK_MAX_CHARS:
        raise ValidationError(f"Keep it under {FEEDBACK_MAX_CHARS} characters (this is {len(text)}).")
    feedback = Feedback.objects.select_for_update().filter(listener=listener, release=release).first()
    if feedback is None:
        feedback = Feedback(listener=listener, release=release)
    elif feedback.text == text:
        feedback.rating = rating
        feedback.save(update_fields=["rating", "updated_at"])
        return feedback
    copies = Feedback.objects.filter(text__iexact=text).exclude(pk=feedback.pk).count() if text else 0
    verdict = text_scoring.comment_verdict(text, copies_elsewhere=copies)
    feedback.rating = rating
    feedback.text = text
    feedback.sentiment = verdict.sentiment
    feedback.flags = verdict.reasons
    feedback.status = _INITIAL.get(text_scoring.initial_triage(verdict), Feedback.Status.NEW)
    feedback.triaged_by, feedback.triaged_at = None, None
    feedback.full_clean()
    feedback.save()
    return feedback


@transaction.atomic
def feedback_triage(*, feedback: Feedback, status: str, actor: Actor) -> Feedback:
    """Publish, ignore or escalate a feedback text. Idempotent."""
    if status not in Feedback.Status.values:
        raise ValidationError(f"Unknown triage state {status!r}.")
    feedback = Feedback.objects.select_for_update().get(pk=feedback.pk)
    if feedback.status != status:
        feedback.status = status
        feedback.triaged_by = actor_user(actor)
        feedback.triaged_at = timezone.now()
        feedback.save(update_fields=["status", "triaged_by", "triaged_at", "updated_at"])
    return feedback
