"""Mood tagging: a small MLP (torch, CPU) on analysis features, trained on the label's own tagged tracks.

Features (FEATURE_NAMES, fixed order): the analysis headline numbers that describe character (tempo,
loudness, dynamics, energy, key clarity) and the spectral, rhythmic and tonal descriptors `analysis`
computes in the same pass (`AnalysisResult.descriptors`): centroid, roll-off and flatness statistics,
band balance, onset rate and strength, level spread, major/minor, and the mean chroma rotated to the
detected tonic (so "the same progression in another key" looks the same).

Training (`train`) standardises the features, holds out a stratified share of every mood for testing,
trains a one-hidden-layer MLP with Adam (full batch, seeded, single thread) and reports held-out accuracy
and the confusion matrix of the model it returns. The Django side stores `TrainedModel.to_bytes()` and
calls `predict` on new tracks.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from production.engine.analysis import DESCRIPTOR_NAMES, AnalysisResult, analyze

HEADLINE_FEATURES = ("bpm", "bpm_confidence", "integrated_lufs", "loudness_range_lu", "energy", "key_confidence")
FEATURE_NAMES: tuple[str, ...] = (*HEADLINE_FEATURES, *DESCRIPTOR_NAMES)
MIN_LABELS = 2
MIN_EXAMPLES_PER_LABEL = 5
MIN_TOTAL_EXAMPLES = 20
HIDDEN_UNITS = 32
EPOCHS = 400
LEARNING_RATE = 0.01
WEIGHT_DECAY = 1e-3
_FORMAT = 1


class NotEnoughLabels(ValueError):
    """The tagged tracks cannot support a model; the message says what to tag."""


@dataclass(frozen=True)
class TrainedModel:
    state: bytes  # torch state_dict of the MLP, as torch.save writes it
    labels: list[str]  # output order
    feature_mean: np.ndarray
    feature_std: np.ndarray
    held_out_accuracy: float
    confusion_matrix: np.ndarray  # (labels, labels): rows = true mood, columns = predicted, held-out tracks
    n_train: int
    n_test: int
    feature_names: tuple[str, ...] = FEATURE_NAMES
    hidden_units: int = HIDDEN_UNITS

    def to_bytes(self) -> bytes:
        """Everything needed to predict, as one blob (loads with torch's safe weights-only loader)."""
        import torch

        buffer = io.BytesIO()
        torch.save(
            {
                "format": _FORMAT,
                "state": self.state,
                "labels": list(self.labels),
                "feature_mean": torch.from_numpy(np.asarray(self.feature_mean, dtype=np.float32)),
                "feature_std": torch.from_numpy(np.asarray(self.feature_std, dtype=np.float32)),
                "held_out_accuracy": float(self.held_out_accuracy),
                "confusion_matrix": torch.from_numpy(np.asarray(self.confusion_matrix, dtype=np.int64)),
                "n_train": int(self.n_train),
                "n_test": int(self.n_test),
                "feature_names": list(self.feature_names),
                "hidden_units": int(self.hidden_units),
            },
            buffer,
        )
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, blob: bytes) -> TrainedModel:
        import torch

        data = torch.load(io.BytesIO(blob), weights_only=True)
        if data.get("format") != _FORMAT:
            raise ValueError(f"unknown mood model format {data.get('format')!r}")
        return cls(
            state=data["state"],
            labels=list(data["labels"]),
            feature_mean=data["feature_mean"].numpy(),
            feature_std=data["feature_std"].numpy(),
            held_out_accuracy=data["held_out_accuracy"],
            confusion_matrix=data["confusion_matrix"].numpy(),
            n_train=data["n_train"],
            n_test=data["n_test"],
            feature_names=tuple(data["feature_names"]),
            hidden_units=data["hidden_units"],
        )


def analysis_values(result: AnalysisResult) -> dict[str, float]:
    """The FEATURE_NAMES values of an analysis, JSON-ready (the Django side can keep them with the track)."""
    headline = {name: float(getattr(result, name)) for name in HEADLINE_FEATURES}
    return {**headline, **{name: float(result.descriptors[name]) for name in DESCRIPTOR_NAMES}}


def feature_vector(values: Mapping[str, float]) -> np.ndarray:
    """FEATURE_NAMES values (e.g. from `analysis_values` or stored JSON) as a float32 vector in order."""
    missing = [name for name in FEATURE_NAMES if name not in values]
    if missing:
        raise ValueError(f"missing mood features: {', '.join(missing)}")
    return np.array([float(values[name]) for name in FEATURE_NAMES], dtype=np.float32)


def mood_features(audio: np.ndarray, sample_rate: int) -> np.ndarray:
    """Analyse `(channels, n)` audio and return its feature vector (FEATURE_NAMES order)."""
    return feature_vector(analysis_values(analyze((audio, sample_rate))))


def train(
    features: np.ndarray,
    labels: Sequence[str | Collection[str]],
    *,
    seed: int,
    min_examples_per_label: int = MIN_EXAMPLES_PER_LABEL,
    min_total: int = MIN_TOTAL_EXAMPLES,
    test_fraction: float = 0.2,
    epochs: int = EPOCHS,
) -> TrainedModel:
    """Train a mood classifier on (n, len(FEATURE_NAMES)) features and the moods of each row.

    A row's label is one mood or a collection of moods (editors may give a track several): the network
    learns to spread its probability over them (soft targets), and on held-out tracks a prediction counts
    as right when its top mood is one of the track's moods. The confusion matrix has one count per held-out
    track: row = the predicted mood when it was right, else the track's rarest mood; column = predicted.

    Raises NotEnoughLabels with fewer than MIN_LABELS moods, fewer than `min_examples_per_label` tracks
    for any mood or fewer than `min_total` tracks. Deterministic for a seed. The split is stratified on
    each track's rarest mood: `test_fraction` of the tracks of each such mood (at least one) stay out of
    training for the held-out figures; the returned model is the one those figures describe.
    """
    import torch

    features = np.asarray(features, dtype=np.float32)
    label_sets = [
        frozenset({label}) if isinstance(label, str) else frozenset(str(m) for m in label) for label in labels
    ]
    if features.ndim != 2 or features.shape[1] != len(FEATURE_NAMES):
        raise ValueError(f"features must have shape (n, {len(FEATURE_NAMES)}), got {features.shape}")
    if features.shape[0] != len(label_sets):
        raise ValueError(f"{features.shape[0]} feature rows but {len(label_sets)} labels")
    if any(not moods for moods in label_sets):
        raise ValueError("every row needs at least one mood")
    if not np.all(np.isfinite(features)):
        raise ValueError("features contain NaN or infinite values")
    check_training_labels(label_sets, min_examples_per_label=min_examples_per_label, min_total=min_total)
    counts = Counter(mood for moods in label_sets for mood in moods)

    names = sorted(counts)
    index_of = {name: i for i, name in enumerate(names)}
    # Each row's rarest mood (ties: alphabetical) stands for it in the stratified split and the confusion
    # matrix, so a rare mood is never swallowed by a common one it shares tracks with.
    primary = np.array([index_of[min(moods, key=lambda m: (counts[m], m))] for moods in label_sets])
    members = np.zeros((len(label_sets), len(names)), dtype=np.float32)
    for row, moods in enumerate(label_sets):
        members[row, [index_of[m] for m in moods]] = 1.0
    soft_targets = members / members.sum(axis=1, keepdims=True)

    rng = np.random.default_rng(seed)
    test_rows = []
    for index in range(len(names)):  # stratified: the same share of every mood is held out
        rows = rng.permutation(np.flatnonzero(primary == index))
        if rows.size:
            test_rows.extend(rows[: max(1, round(test_fraction * rows.size))].tolist())
    is_test = np.zeros(len(label_sets), dtype=bool)
    is_test[test_rows] = True

    mean = features[~is_test].mean(axis=0)
    std = np.maximum(features[~is_test].std(axis=0), 1e-6)
    standardised = (features - mean) / std

    previous_threads = torch.get_num_threads()
    torch.set_num_threads(1)  # small matrices: threads only add overhead and nondeterminism
    try:
        torch.manual_seed(seed)
        network = _network(len(FEATURE_NAMES), len(names), HIDDEN_UNITS)
        x_train = torch.from_numpy(standardised[~is_test])
        y_train = torch.from_numpy(soft_targets[~is_test])
        optimiser = torch.optim.Adam(network.parameters(), lr=LEARNING_RATE, weight_decay=WEIGHT_DECAY)
        loss_fn = torch.nn.CrossEntropyLoss()  # with class-probability targets
        network.train()
        for _ in range(epochs):  # full batch: a label's catalogue is hundreds of tracks, not millions
            optimiser.zero_grad()
            loss = loss_fn(network(x_train), y_train)
            loss.backward()
            optimiser.step()
        network.eval()
        with torch.no_grad():
            predicted = network(torch.from_numpy(standardised[is_test])).argmax(dim=1).numpy()
        buffer = io.BytesIO()
        torch.save(network.state_dict(), buffer)
    finally:
        torch.set_num_threads(previous_threads)

    right = members[is_test][np.arange(predicted.size), predicted] > 0
    truth = np.where(right, predicted, primary[is_test])
    confusion = np.zeros((len(names), len(names)), dtype=np.int64)
    np.add.at(confusion, (truth, predicted), 1)
    return TrainedModel(
        state=buffer.getvalue(),
        labels=names,
        feature_mean=mean,
        feature_std=std,
        held_out_accuracy=float(np.mean(right)) if right.size else 0.0,
        confusion_matrix=confusion,
        n_train=int((~is_test).sum()),
        n_test=int(is_test.sum()),
    )


def check_training_labels(
    labels: Sequence[str | Collection[str]],
    *,
    min_examples_per_label: int = MIN_EXAMPLES_PER_LABEL,
    min_total: int = MIN_TOTAL_EXAMPLES,
) -> None:
    """Raise NotEnoughLabels (saying what to tag) when these labels cannot train a model: what `train`
    checks before it starts, cheap enough to ask before queueing a training run."""
    label_sets = [{label} if isinstance(label, str) else set(label) for label in labels]
    counts = Counter(str(mood) for moods in label_sets for mood in moods)
    _check_enough(counts, len(label_sets), min_examples_per_label, min_total)


Ranked = list[tuple[str, float]]


def predict(model: TrainedModel, features: np.ndarray) -> Ranked | list[Ranked]:
    """Mood probabilities, most likely first: one list for a single feature vector, a list of lists for a
    (n, features) batch."""
    import torch

    if tuple(model.feature_names) != FEATURE_NAMES:
        raise ValueError("the model was trained on other features than this version computes; retrain it")
    features = np.asarray(features, dtype=np.float32)
    single = features.ndim == 1
    batch = np.atleast_2d(features)
    network = _network(len(FEATURE_NAMES), len(model.labels), model.hidden_units)
    network.load_state_dict(torch.load(io.BytesIO(model.state), weights_only=True))
    network.eval()
    with torch.no_grad():
        standardised = (batch - model.feature_mean) / model.feature_std
        logits = network(torch.from_numpy(standardised.astype(np.float32)))
        probabilities = torch.softmax(logits, dim=1).numpy()
    ranked = [
        sorted(zip(model.labels, (float(p) for p in row), strict=True), key=lambda pair: -pair[1])
        for row in probabilities
    ]
    return ranked[0] if single else ranked


def _check_enough(counts: Counter, n_tracks: int, min_examples_per_label: int, min_total: int) -> None:
    if len(counts) < MIN_LABELS:
        only = f" (only {next(iter(counts))!r})" if counts else ""
        raise NotEnoughLabels(f"Tag tracks with at least {MIN_LABELS} different moods to train a mood model{only}.")
    rare = sorted((label, n) for label, n in counts.items() if n < min_examples_per_label)
    if rare:
        listed = ", ".join(f"{label!r} has {n}" for label, n in rare)
        raise NotEnoughLabels(
            f"Every mood needs at least {min_examples_per_label} tagged tracks: {listed}. "
            "Tag more tracks with these moods or leave them out of training."
        )
    if n_tracks < min_total:
        raise NotEnoughLabels(f"Only {n_tracks} tagged tracks; a mood model needs at least {min_total}.")


def _network(n_features: int, n_labels: int, hidden: int):
    import torch

    return torch.nn.Sequential(torch.nn.Linear(n_features, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, n_labels))
