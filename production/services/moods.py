"""Mood tagging: train the tagger on the editors' tagged tracks (production.engine.mood_model), keep it with
its held-out figures, turn its predictions into suggestions, and let editors accept or reject them
(accepting adds the mood to the track)."""

from __future__ import annotations

import hashlib
import logging
import time
from collections import Counter
from dataclasses import dataclass
from typing import cast

import numpy as np
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from catalog.models import Mood, Track
from lofi_site.actors import Actor, actor_user
from lofi_site.queue import enqueue
from operations.services import audit_log
from production.audit_verbs import ProductionVerb
from production.engine import mood_model
from production.models import MoodModel, MoodSuggestion

logger = logging.getLogger(__name__)


@transaction.atomic
def mood_suggestion_accept(*, suggestion: MoodSuggestion, actor: Actor = None) -> MoodSuggestion:
    """Accept a suggestion: the track gains the mood. Accepting an accepted suggestion changes nothing."""
    suggestion = MoodSuggestion.objects.select_for_update().select_related("track", "mood").get(pk=suggestion.pk)
    if suggestion.status == MoodSuggestion.Status.ACCEPTED:
        return suggestion
    previous = suggestion.status
    suggestion.track.moods.add(suggestion.mood)
    _decide(suggestion, MoodSuggestion.Status.ACCEPTED, actor)
    audit_log(
        actor=actor,
        verb=ProductionVerb.TRACK_MOOD_ACCEPTED,
        obj=suggestion.track,
        summary=f"Mood {suggestion.mood.name!r} added from the tagger's suggestion ({suggestion.probability:.0%})",
        changes={"suggestion": [previous, "accepted"]},
    )
    return suggestion


@transaction.atomic
def mood_suggestion_reject(*, suggestion: MoodSuggestion, actor: Actor = None) -> MoodSuggestion:
    """Reject a suggestion; it is never proposed again. Rejecting one accepted earlier takes the mood off
    the track again."""
    suggestion = MoodSuggestion.objects.select_for_update().select_related("track", "mood").get(pk=suggestion.pk)
    if suggestion.status == MoodSuggestion.Status.REJECTED:
        return suggestion
    if suggestion.status == MoodSuggestion.Status.ACCEPTED:
        suggestion.track.moods.remove(suggestion.mood)
        audit_log(
            actor=actor,
            verb=ProductionVerb.TRACK_MOOD_REMOVED,
            obj=suggestion.track,
            summary=f"Mood {suggestion.mood.name!r} taken off: its suggestion was rejected",
            changes={"suggestion": ["accepted", "rejected"]},
        )
    _decide(suggestion, MoodSuggestion.Status.REJECTED, actor)
    return suggestion


def _decide(suggestion: MoodSuggestion, status: str, actor: Actor) -> None:
    suggestion.status = status
    suggestion.decided_by = actor_user(actor)
    suggestion.decided_at = timezone.now()
    suggestion.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])


# --- Training --------------------------------------------------------------------------------------------------

MOOD_MODEL_TASK = "production.tasks.mood_model_train_task"
MODEL_FOLDER = "models/mood"
SUGGEST_MIN_PROBABILITY = 0.3  # a mood the tagger gives less than this is not worth an editor's click
SUGGEST_MAX_PER_TRACK = 3


@dataclass(frozen=True)
class TrainingSet:
    """Editor-tagged tracks as training rows: features (FEATURE_NAMES order) and each track's moods."""

    features: np.ndarray
    moods: list[frozenset[str]]
    track_ids: list[int]
    not_analysed: int  # tagged tracks left out because they have no (complete) analysis yet

    def tracks_per_mood(self) -> dict[str, int]:
        return dict(sorted(Counter(mood for moods in self.moods for mood in moods).items()))


def track_mood_features(track: Track) -> np.ndarray | None:
    """The tagger's feature vector from the track's stored analysis; None when it was never analysed (or
    the analysis predates the descriptors, or measured silence)."""
    measured = (track.analysis or {}).get("measured") or {}
    try:
        vector = mood_model.feature_vector({**measured, **(measured.get("descriptors") or {})})
    except (ValueError, TypeError):  # a missing feature, or null (silence has no loudness)
        return None
    return vector if np.all(np.isfinite(vector)) else None


def mood_training_set() -> TrainingSet:
    """Every tagged, analysed catalogue track that is not archived and not a duplicate (a copy in the
    held-out share would make the figures look better than they are)."""
    tagged = Track.moods.through.objects.values("track_id")
    tracks = (
        Track.objects.filter(pk__in=tagged)
        .exclude(status=Track.Status.ARCHIVED)
        .exclude(duplicate_verdict__in=[Track.DuplicateVerdict.EXACT, Track.DuplicateVerdict.CONTAINS])
        .only("id", "analysis")
        .prefetch_related("moods")
        .order_by("pk")
    )
    rows, moods, track_ids, not_analysed = [], [], [], 0
    for track in tracks:
        vector = track_mood_features(track)
        if vector is None:
            not_analysed += 1
            continue
        rows.append(vector)
        moods.append(frozenset(m.slug for m in track.moods.all()))
        track_ids.append(track.pk)
    features = np.stack(rows) if rows else np.zeros((0, len(mood_model.FEATURE_NAMES)), dtype=np.float32)
    return TrainingSet(features=features, moods=moods, track_ids=track_ids, not_analysed=not_analysed)


def mood_training_refusal(training: TrainingSet) -> str | None:
    """Why these tracks cannot train a model (the engine's own words, with what the catalogue holds), or
    None when they can. Cheap: no training happens."""
    try:
        mood_model.check_training_labels(training.moods)
    except mood_model.NotEnoughLabels as error:
        return _refusal_text(str(error), training)
    return None


def mood_model_train(*, seed: int = 0, actor: Actor = None, suggest: bool = True) -> MoodModel:
    """Train the mood tagger on the editors' tagged tracks, keep it, and (with `suggest`) propose moods.

    The weights go to private storage (models/mood/<uuid>.pt) with their sha256; the MoodModel row carries
    the held-out accuracy and confusion matrix (a stratified 20% of the tagged tracks never seen in
    training). The newest model is the one that suggests. Raises ValidationError, creating nothing, when
    the tagged tracks are too few (fewer than 2 moods, 5 tracks per mood or 20 tracks in all).
    """
    training = mood_training_set()
    refusal = mood_training_refusal(training)
    if refusal:
        raise ValidationError(refusal)
    started = time.perf_counter()
    trained = mood_model.train(training.features, training.moods, seed=seed)
    train_s = time.perf_counter() - started
    blob = trained.to_bytes()
    model = MoodModel(
        labels=list(trained.labels),
        feature_names=list(trained.feature_names),
        n_train=trained.n_train,
        n_test=trained.n_test,
        held_out_accuracy=round(float(trained.held_out_accuracy), 4),
        confusion_matrix=np.asarray(trained.confusion_matrix).tolist(),
        size_bytes=len(blob),
        sha256=hashlib.sha256(blob).hexdigest(),
        metrics={
            "seed": seed,
            "train_seconds": round(train_s, 2),
            "tracks_per_mood": training.tracks_per_mood(),
            "not_analysed": training.not_analysed,
        },
        trained_by=actor_user(actor),
    )
    storage = storages["private"]
    model.path = storage.save(f"{MODEL_FOLDER}/{model.uuid}.pt", ContentFile(blob))
    try:
        with transaction.atomic():
            model.full_clean()
            model.save()
            audit_log(
                actor=actor,
                verb=ProductionVerb.MOOD_MODEL_TRAINED,
                obj=model,
                summary=f"Mood tagger trained on {model.n_train} tracks: {model.held_out_accuracy:.0%} "
                f"right on {model.n_test} held-out tracks ({', '.join(model.labels)})",
            )
    except BaseException:
        storage.delete(model.path)
        raise
    if suggest:
        mood_suggestions_refresh(model=model, trained=trained)
    return model


def mood_model_current() -> MoodModel | None:
    """The newest trained model: the one that makes suggestions."""
    return MoodModel.objects.order_by("-created_at", "-id").first()


def mood_model_load(model: MoodModel) -> mood_model.TrainedModel:
    """The engine model behind a MoodModel row. Raises ValidationError when its file is gone or altered."""
    storage = storages["private"]
    try:
        with storage.open(model.path, "rb") as stream:
            blob = stream.read()
    except FileNotFoundError as error:
        raise ValidationError(f"{model}: its weights file {model.path} is missing; train a new model.") from error
    if hashlib.sha256(blob).hexdigest() != model.sha256:
        raise ValidationError(f"{model}: its weights file does not match its recorded sha256; train a new model.")
    return mood_model.TrainedModel.from_bytes(blob)


# --- Suggestions -----------------------------------------------------------------------------------------------


def track_moods_suggest(*, track: Track) -> list[MoodSuggestion]:
    """Ask the current model about one track (after its analysis) and record what it proposes. Returns the
    track's pending suggestions; nothing happens when no model exists or the track has no analysis. A model
    whose weights file is unusable is logged, not raised: the analysis that called this has succeeded."""
    model = mood_model_current()
    if model is None:
        return []
    try:
        mood_suggestions_refresh(model=model, tracks=Track.objects.filter(pk=track.pk))
    except ValidationError as error:
        logger.warning("no mood suggestions for track %s: %s", track.pk, " ".join(error.messages))
        return []
    return list(MoodSuggestion.objects.filter(track=track, status=MoodSuggestion.Status.PENDING).select_related("mood"))


def mood_suggestions_refresh(
    *, model: MoodModel, trained: mood_model.TrainedModel | None = None, tracks: QuerySet[Track] | None = None
) -> int:
    """Record `model`'s proposals for `tracks` (default: every analysed track that is not archived).

    A proposal is one of the SUGGEST_MAX_PER_TRACK most likely moods, at least SUGGEST_MIN_PROBABILITY
    likely, that the track does not carry yet. A mood an editor already accepted or rejected for the track
    is never proposed again; pending suggestions the model no longer makes are withdrawn. Idempotent.
    Returns the number of pending suggestions written or updated.
    """
    trained = trained or mood_model_load(model)
    chosen = tracks if tracks is not None else Track.objects.exclude(status=Track.Status.ARCHIVED)
    rows = list(chosen.only("id", "analysis").prefetch_related("moods").order_by("pk"))
    analysed = [(t, v) for t in rows if (v := track_mood_features(t)) is not None]
    if not analysed:
        return 0
    # A (n, features) batch gives one ranking per row.
    ranked_all = cast("list[mood_model.Ranked]", mood_model.predict(trained, np.stack([v for _, v in analysed])))
    moods = {m.slug: m for m in Mood.objects.filter(slug__in=trained.labels)}
    written = 0
    with transaction.atomic():
        existing = {
            (s.track_id, s.mood_id): s
            for s in MoodSuggestion.objects.select_for_update().filter(track_id__in=[t.pk for t, _ in analysed])
        }
        keep: set[tuple[int, int]] = set()
        create, update = [], []
        for (track, _), ranked in zip(analysed, ranked_all, strict=True):
            carried = {m.slug for m in track.moods.all()}
            proposed = [
                (slug, p)
                for slug, p in ranked[:SUGGEST_MAX_PER_TRACK]
                if p >= SUGGEST_MIN_PROBABILITY and slug not in carried and slug in moods
            ]
            for slug, probability in proposed:
                key = (track.pk, moods[slug].pk)
                suggestion = existing.get(key)
                if suggestion is None:
                    create.append(
                        MoodSuggestion(track=track, mood=moods[slug], model=model, probability=round(probability, 4))
                    )
                elif suggestion.status == MoodSuggestion.Status.PENDING:
                    keep.add(key)
                    if (suggestion.model_id, suggestion.probability) != (model.pk, round(probability, 4)):
                        suggestion.model, suggestion.probability = model, round(probability, 4)
                        suggestion.updated_at = timezone.now()
                        update.append(suggestion)
        stale = [s.pk for key, s in existing.items() if s.status == MoodSuggestion.Status.PENDING and key not in keep]
        MoodSuggestion.objects.filter(pk__in=stale).delete()
        MoodSuggestion.objects.bulk_create(create)
        MoodSuggestion.objects.bulk_update(update, ["model", "probability", "updated_at"])
        written = len(create) + len(update)
    return written


def _refusal_text(reason: str, training: TrainingSet) -> str:
    counts = training.tracks_per_mood()
    held = ", ".join(f"{mood} {n}" for mood, n in counts.items()) or "none"
    text = f"Not enough tagged tracks to train the mood tagger. {reason} Tagged and analysed tracks per mood: {held}."
    if training.not_analysed:
        text += f" {training.not_analysed} more tagged track(s) have no analysis yet: analyse them and they count too."
    return text


def mood_model_train_enqueue(*, actor: Actor = None) -> None:
    """Queue a training run (after commit). Raises ValidationError at once, queueing nothing, when the
    tagged tracks cannot train a model, so the editor reads why now rather than in a failed task."""
    refusal = mood_training_refusal(mood_training_set())
    if refusal:
        raise ValidationError(refusal)
    enqueue(
        MOOD_MODEL_TASK,
        timezone.now().isoformat(),
        user.pk if (user := actor_user(actor)) else None,
        bulk=True,
    )
