"""Mood model: trains on separable features, refuses too few labels, round-trips through bytes."""

from __future__ import annotations

import time

import numpy as np
import pytest

from production.engine.mood_model import (
    FEATURE_NAMES,
    NotEnoughLabels,
    TrainedModel,
    mood_features,
    predict,
    train,
)
from tests.production.signals import lofi_track

MOODS = ("chill", "rainy", "upbeat")


def _separable(n_per_mood=40, seed=0):
    """Three moods whose features sit in three clusters, plus noise in every dimension."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(0.0, 3.0, size=(len(MOODS), len(FEATURE_NAMES)))
    features = np.concatenate(
        [centre + rng.normal(0.0, 1.0, size=(n_per_mood, len(FEATURE_NAMES))) for centre in centres]
    )
    labels = [mood for mood in MOODS for _ in range(n_per_mood)]
    return features.astype(np.float32), labels, centres


def test_learns_separable_moods_and_reports_held_out_figures():
    features, labels, centres = _separable()

    model = train(features, labels, seed=1)

    assert model.labels == sorted(MOODS)
    assert model.held_out_accuracy >= 0.9
    assert model.n_train + model.n_test == len(labels) and model.n_test == 24  # 20% of each mood
    assert model.confusion_matrix.shape == (3, 3) and model.confusion_matrix.sum() == model.n_test
    ranked = predict(model, centres[2])
    assert ranked[0][0] == "upbeat" and ranked[0][1] > 0.8
    assert sum(p for _, p in ranked) == pytest.approx(1.0, abs=1e-5)


def test_training_is_deterministic_and_round_trips_through_bytes():
    features, labels, centres = _separable(seed=2)

    first = train(features, labels, seed=7)
    second = train(features, labels, seed=7)
    restored = TrainedModel.from_bytes(first.to_bytes())

    assert first.state == second.state
    assert restored.labels == first.labels and restored.held_out_accuracy == first.held_out_accuracy
    np.testing.assert_array_equal(restored.confusion_matrix, first.confusion_matrix)
    batch = predict(restored, centres)
    assert [ranked[0][0] for ranked in batch] == sorted(MOODS)
    assert predict(first, centres[0]) == predict(restored, centres[0])


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        (["chill"] * 30, "at least 2 different moods"),
        (["chill"] * 20 + ["rainy"] * 3, "'rainy' has 3"),
        (["chill"] * 8 + ["rainy"] * 8, "Only 16 tagged tracks"),
    ],
)
def test_refuses_too_few_labels(labels, message):
    features = np.zeros((len(labels), len(FEATURE_NAMES)), dtype=np.float32)

    with pytest.raises(NotEnoughLabels, match=message):
        train(features, labels, seed=0)


def test_two_hundred_tracks_train_quickly():
    features, labels, _ = _separable(n_per_mood=67, seed=3)

    started = time.perf_counter()
    train(features, labels, seed=0)

    assert time.perf_counter() - started < 10.0


def test_mood_features_of_audio_follow_feature_names():
    audio = lofi_track(bpm=82, key="A minor", duration_s=8.0, seed=1).audio

    features = mood_features(audio, 44100)

    assert features.shape == (len(FEATURE_NAMES),)
    assert np.all(np.isfinite(features))
    assert features[FEATURE_NAMES.index("bpm")] == pytest.approx(82, rel=0.02)
    assert features[FEATURE_NAMES.index("mode_is_major")] == 0.0


def test_tracks_with_several_moods_count_as_right_when_the_top_mood_is_one_of_them():
    features, labels, centres = _separable(seed=4)
    # Every "upbeat" track is also tagged "chill": both moods are right for it.
    label_sets = [{"upbeat", "chill"} if label == "upbeat" else label for label in labels]

    model = train(features, label_sets, seed=3)

    assert model.labels == sorted(MOODS)
    assert model.held_out_accuracy >= 0.9
    assert np.trace(model.confusion_matrix) == round(model.held_out_accuracy * model.n_test)
    ranked = dict(predict(model, centres[2]))
    assert ranked["upbeat"] + ranked["chill"] > 0.8 and ranked["rainy"] < 0.2


def test_a_mood_only_ever_given_alongside_others_still_needs_enough_tracks():
    features = np.zeros((30, len(FEATURE_NAMES)), dtype=np.float32)
    label_sets = [{"chill", "rainy"} if i < 3 else ("chill" if i % 2 else "cozy") for i in range(30)]

    with pytest.raises(NotEnoughLabels, match="'rainy' has 3"):
        train(features, label_sets, seed=0)
