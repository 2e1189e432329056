"""Mood tagging on the Django side: training from editors' tags (command, task, cockpit), the stored model
with its held-out figures, and the suggestions editors accept or reject on the Track page."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
from django.core.files.storage import storages
from django.core.management import CommandError, call_command
from django.urls import reverse

from catalog.models import Mood, Track
from production.engine.analysis import DESCRIPTOR_NAMES
from production.engine.mood_model import FEATURE_NAMES, HEADLINE_FEATURES
from production.models import MoodModel, MoodSuggestion
from production.services.moods import (
    mood_model_current,
    mood_model_load,
    mood_model_train,
    mood_model_train_enqueue,
    mood_suggestions_refresh,
)
from production.tasks import mood_model_train_task
from tests.factories import MoodFactory, TrackFactory
from tests.production.factories import MoodSuggestionFactory

pytestmark = pytest.mark.django_db

MOODS = ("chill", "rainy", "upbeat")


def _centres(seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(0.0, 3.0, size=(len(MOODS), len(FEATURE_NAMES)))


def _measured(vector: np.ndarray) -> dict:
    """An analysis document (Track.analysis["measured"]) holding these feature values."""
    values = dict(zip(FEATURE_NAMES, (float(v) for v in vector), strict=True))
    return {
        **{name: values[name] for name in HEADLINE_FEATURES},
        "key": "A",
        "mode": "minor",
        "descriptors": {name: values[name] for name in DESCRIPTOR_NAMES},
    }


def _analysed_track(vector: np.ndarray, *moods, **fields) -> Track:
    return TrackFactory(analysis={"measured": _measured(vector)}, moods=list(moods), **fields)


def _tagged_catalogue(per_mood: int = 8, seed: int = 0) -> dict[str, object]:
    """`per_mood` tagged, analysed tracks per mood, their features in one cluster per mood."""
    rng = np.random.default_rng(seed + 1)
    centres = _centres(seed)
    moods = {slug: MoodFactory(slug=slug, name=slug.title()) for slug in MOODS}
    for slug, centre in zip(MOODS, centres, strict=True):
        for _ in range(per_mood):
            _analysed_track(centre + rng.normal(0.0, 0.5, size=len(FEATURE_NAMES)), moods[slug])
    return moods


def test_the_command_trains_stores_the_model_with_its_figures_and_suggests_moods(capsys):
    moods = _tagged_catalogue()
    untagged = _analysed_track(_centres()[1], title="Untagged Rain")  # sits in the "rainy" cluster
    tagged = _analysed_track(_centres()[2], moods["upbeat"], title="Tagged upbeat, sounds upbeat")

    call_command("train_mood_tagger", "--seed", "3")

    model = MoodModel.objects.get()
    out = capsys.readouterr().out
    assert f"Held-out accuracy: {model.held_out_accuracy:.1%} on {model.n_test} tracks." in out
    assert "Confusion matrix" in out
    assert model.labels == sorted(MOODS) and model.n_train + model.n_test == 3 * 8 + 1
    assert model.held_out_accuracy >= 0.8
    matrix = np.array(model.confusion_matrix)
    assert matrix.shape == (3, 3) and matrix.sum() == model.n_test
    blob = storages["private"].open(model.path).read()
    assert hashlib.sha256(blob).hexdigest() == model.sha256 and len(blob) == model.size_bytes
    assert mood_model_load(model).labels == model.labels
    suggestion = MoodSuggestion.objects.get(track=untagged, mood=moods["rainy"])
    assert suggestion.status == MoodSuggestion.Status.PENDING and suggestion.model == model
    assert suggestion.probability > 0.5
    assert not MoodSuggestion.objects.filter(track=tagged).exists()  # it carries the likely mood already


@pytest.mark.parametrize(
    ("per_mood", "message"),
    [
        (3, "Every mood needs at least 5 tagged tracks"),
        (0, "at least 2 different moods"),
    ],
)
def test_too_few_tagged_tracks_is_a_clear_refusal_that_creates_nothing(per_mood, message):
    _tagged_catalogue(per_mood=per_mood)
    TrackFactory(moods=[MoodFactory(slug="lonely")])  # tagged but never analysed: said, not counted

    with pytest.raises(CommandError, match=message) as refusal:
        call_command("train_mood_tagger")

    assert "1 more tagged track(s) have no analysis yet" in str(refusal.value)
    assert not MoodModel.objects.exists()
    assert not storages["private"].exists("models/mood") or not storages["private"].listdir("models/mood")[1]


def test_the_queued_task_trains_once_even_when_delivered_twice(
    queued_tasks, django_capture_on_commit_callbacks, editor
):
    _tagged_catalogue()

    with django_capture_on_commit_callbacks(execute=True):
        mood_model_train_enqueue(actor=editor)
    [(func, requested_at, actor_id)] = queued_tasks
    assert func == "production.tasks.mood_model_train_task" and actor_id == editor.pk

    mood_model_train_task(requested_at, actor_id)
    mood_model_train_task(requested_at, actor_id)  # redelivered

    model = MoodModel.objects.get()
    assert model.trained_by == editor and mood_model_current() == model


def test_queueing_with_too_few_labels_is_refused_at_once(queued_tasks, django_capture_on_commit_callbacks):
    from django.core.exceptions import ValidationError

    _tagged_catalogue(per_mood=2)

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError, match="at least 5"):
        mood_model_train_enqueue()

    assert queued_tasks == []


def test_decided_suggestions_are_never_proposed_again_and_stale_ones_are_withdrawn():
    moods = _tagged_catalogue()
    model = mood_model_train(seed=1, suggest=False)
    accepted = _analysed_track(_centres()[1], title="Accepted")
    rejected = _analysed_track(_centres()[1], title="Rejected")
    changed = _analysed_track(_centres()[1], title="Changed")
    MoodSuggestionFactory(track=accepted, mood=moods["rainy"], status=MoodSuggestion.Status.ACCEPTED, model=model)
    MoodSuggestionFactory(track=rejected, mood=moods["rainy"], status=MoodSuggestion.Status.REJECTED, model=model)
    stale = MoodSuggestionFactory(track=changed, mood=moods["upbeat"], probability=0.9, model=model)

    mood_suggestions_refresh(model=model)
    mood_suggestions_refresh(model=model)  # idempotent

    assert MoodSuggestion.objects.get(track=rejected, mood=moods["rainy"]).status == MoodSuggestion.Status.REJECTED
    assert MoodSuggestion.objects.filter(track=accepted).count() == 1
    assert not MoodSuggestion.objects.filter(pk=stale.pk).exists()
    assert MoodSuggestion.objects.get(track=changed, mood=moods["rainy"]).status == MoodSuggestion.Status.PENDING


def test_an_editor_accepts_and_rejects_suggestions_on_the_track_page(client, editor):
    rainy, cozy = MoodFactory(slug="rainy", name="Rainy"), MoodFactory(slug="cozy", name="Cozy")
    track = TrackFactory(title="Window Seat")
    keep = MoodSuggestionFactory(track=track, mood=rainy, probability=0.8)
    drop = MoodSuggestionFactory(track=track, mood=cozy, probability=0.4)
    client.force_login(editor)
    page = reverse("admin:catalog_track_change", args=[track.pk])

    html = client.get(page).content.decode()
    accept_url = reverse("admin:catalog_track_mood_suggestion_decide", args=[track.pk, keep.pk, "accept"])
    reject_url = reverse("admin:catalog_track_mood_suggestion_decide", args=[track.pk, drop.pk, "reject"])
    assert f'formaction="{accept_url}"' in html and f'formaction="{reject_url}"' in html

    assert client.post(accept_url).url == page
    client.post(reject_url)

    assert list(track.moods.all()) == [rainy]
    keep.refresh_from_db()
    drop.refresh_from_db()
    assert (keep.status, keep.decided_by, drop.status) == ("accepted", editor, "rejected")
    assert "No pending suggestions." in client.get(page).content.decode()


def test_a_va_sees_suggestions_without_buttons_and_cannot_decide(client, va):
    suggestion = MoodSuggestionFactory(probability=0.7)
    client.force_login(va)

    html = client.get(reverse("admin:catalog_track_change", args=[suggestion.track.pk])).content.decode()
    response = client.post(
        reverse("admin:catalog_track_mood_suggestion_decide", args=[suggestion.track.pk, suggestion.pk, "accept"])
    )

    assert "(70%)" in html and "formaction" not in html
    assert response.status_code == 403
    suggestion.refresh_from_db()
    assert suggestion.status == MoodSuggestion.Status.PENDING and not suggestion.track.moods.exists()


def test_the_cockpit_trains_from_the_mood_model_list_and_shows_the_confusion_matrix(
    client, editor, queued_tasks, django_capture_on_commit_callbacks
):
    _tagged_catalogue(per_mood=3)
    client.force_login(editor)
    train_url = reverse("admin:production_moodmodel_train")

    assert train_url in client.get(reverse("admin:production_moodmodel_changelist")).content.decode()
    refused = client.get(train_url).content.decode()
    assert "Every mood needs at least 5 tagged tracks" in refused and 'value="Train a new model"' not in refused

    for centre, slug in zip(_centres(), MOODS, strict=True):  # four more per mood: 7 each, 21 in all
        for _ in range(4):
            _analysed_track(centre, Mood.objects.get(slug=slug))
    assert 'value="Train a new model"' in client.get(train_url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(train_url)
    [(_task, requested_at, actor_id)] = queued_tasks
    mood_model_train_task(requested_at, actor_id)

    model = MoodModel.objects.get()
    html = client.get(reverse("admin:production_moodmodel_change", args=[model.pk])).content.decode()
    assert "cockpit-confusion" in html and "editors ↓ / tagger →" in html
    assert f"{model.held_out_accuracy:.0%}" in html


def test_the_analysis_task_asks_the_current_model_about_a_new_upload(tmp_path, settings, monkeypatch, queued_tasks):
    from production.engine.analysis import analyze
    from production.engine.mood_model import analysis_values, feature_vector
    from production.models import IngestUpload
    from production.services.ingest import files_ingest
    from production.tasks import track_analyze_task
    from tests.production.intel_audio import SAMPLE_RATE, track_audio, write

    settings.INGEST_MIN_DURATION_S = 3.0
    audio = track_audio(seed=4, duration_s=10.0)
    sounds_like = feature_vector(analysis_values(analyze((audio, SAMPLE_RATE))))
    # The editors' "rainy" tracks sound like this file; two other moods sit far away.
    rng = np.random.default_rng(0)
    rainy, other = MoodFactory(slug="rainy", name="Rainy"), MoodFactory(slug="upbeat", name="Upbeat")
    for _ in range(12):
        spread = rng.normal(0.0, 0.02, size=sounds_like.size) * (np.abs(sounds_like) + 1)
        _analysed_track(sounds_like + spread, rainy)
        _analysed_track(sounds_like * 1.5 + 10 + spread, other)
    mood_model_train(seed=0)
    [result] = files_ingest(paths=[write(tmp_path / "Drizzle.wav", audio)], channel=IngestUpload.Channel.CLI)

    track_analyze_task(result.track.pk)

    [suggestion] = MoodSuggestion.objects.filter(track=result.track)
    assert suggestion.mood == rainy and suggestion.status == MoodSuggestion.Status.PENDING


def test_an_altered_weights_file_is_refused_and_does_not_break_the_analysis_follow_up(caplog):
    from django.core.exceptions import ValidationError

    from production.services.moods import track_moods_suggest

    _tagged_catalogue()
    model = mood_model_train(seed=0, suggest=False)
    with storages["private"].open(model.path, "wb") as handle:
        handle.write(b"not the weights")
    track = _analysed_track(_centres()[0])

    with pytest.raises(ValidationError, match="does not match its recorded sha256"):
        mood_model_load(model)
    assert track_moods_suggest(track=track) == []
    assert "does not match its recorded sha256" in caplog.text
