"""django-q2 entry points of catalogue intelligence. Thin: load by id, call one service.

A task for a row deleted meanwhile returns without doing anything (a redelivery must be harmless).
"""

from __future__ import annotations

from catalog.models import Track


def track_analyze_task(track_id: int) -> None:
    """Analyse a track and draw its waveform and spectrogram (production.analysis_services); the current
    mood tagger, if any, then proposes moods from that analysis."""
    from production.analysis_services import track_analyze
    from production.mood_services import track_moods_suggest

    track = Track.objects.filter(pk=track_id).first()
    if track is not None:
        track_moods_suggest(track=track_analyze(track=track))


def track_fingerprint_task(track_id: int) -> None:
    """Fingerprint a track into the index and check it against the catalogue (production.fingerprint_store)."""
    from production.fingerprint_store import track_fingerprint

    track = Track.objects.filter(pk=track_id).first()
    if track is not None:
        track_fingerprint(track=track)


def mix_render_run_task(mix_id: int) -> None:
    """Render a long-mix release into one master (production.mix_services)."""
    from production.mix_services import mix_render_run
    from production.models import MixRender

    mix = MixRender.objects.filter(pk=mix_id, status=MixRender.Status.QUEUED).first()
    if mix is not None:
        mix_render_run(mix=mix)


def mood_model_train_task(requested_at: str, actor_id: int | None = None) -> None:
    """Train the mood tagger (production.mood_services.mood_model_train). A redelivered task, or one
    overtaken by a model trained since it was requested, does nothing."""
    from datetime import datetime

    from django.contrib.auth import get_user_model

    from production.models import MoodModel
    from production.mood_services import mood_model_train

    if MoodModel.objects.filter(created_at__gte=datetime.fromisoformat(requested_at)).exists():
        return
    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    mood_model_train(actor=actor)
