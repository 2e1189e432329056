"""Recommenders on synthetic listeners, and the A/B report's significance test on planted data.

A synthetic catalogue of tracks carries the features analysis gives real ones (style, moods, BPM, key,
energy); each track also belongs to a hidden "taste" cluster, which its features reflect only in part. Each
synthetic listener is drawn from one or two hidden clusters and interacts (preview plays, playlist adds,
favourites, purchases, weighted as the nightly training weighs them) with tracks chosen by taste and by a
skewed global popularity. Leave-one-out: one interaction per listener is hidden; hit rate at 10 counts how often
it is among a recommender's top 10 of the tracks the listener has not touched.

Then the A/B report (listeners.recommend.abtest, the function the cockpit report uses) is fed visitors assigned
by the site's stable hashing: once with a planted difference in click-through (10% vs 12.5%) and once with none
(both 10%). The test must find the first and not the second.

Last, the nightly training's time on a larger random matrix (--scale-listeners listeners × 2000 tracks).

Usage: .venv/bin/python bench/recommend.py [--listeners 600] [--tracks 300] [--scale-listeners 20000]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lofi_site.settings")
import django

django.setup()  # only to import catalog's camelot_code; no database is touched

from catalog.models import camelot_code  # noqa: E402
from listeners.recommend import abtest, als, content, evaluation, popularity  # noqa: E402
from listeners.weights import INTERACTION_WEIGHTS  # noqa: E402
from production.engine.sequencing import TrackFeatures  # noqa: E402

STYLES = ["jazzhop", "chillhop", "ambient", "boom-bap", "study", "bossa"]
MOODS = ["chill", "melancholy", "focus", "happy", "dreamy", "rainy", "night", "sunny"]
PITCHES = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"]
CLUSTERS = 12


def synthetic_catalogue(n_tracks: int, rng: np.random.Generator):
    """Tracks with features and a hidden cluster. A cluster prefers a style, two moods, a tempo and an energy,
    but only 60% of its tracks follow the style and the rest of the features are noisy."""
    cluster_style = rng.integers(0, len(STYLES), CLUSTERS)
    cluster_moods = [rng.choice(len(MOODS), 2, replace=False) for _ in range(CLUSTERS)]
    cluster_bpm = rng.uniform(70, 95, CLUSTERS)
    cluster_energy = rng.uniform(0.2, 0.8, CLUSTERS)
    clusters = rng.integers(0, CLUSTERS, n_tracks)
    features, styles = [], []
    for i, c in enumerate(clusters):
        style = cluster_style[c] if rng.random() < 0.6 else rng.integers(0, len(STYLES))
        moods = {MOODS[m] for m in cluster_moods[c] if rng.random() < 0.7} | {MOODS[rng.integers(0, len(MOODS))]}
        tonic, mode = PITCHES[rng.integers(0, 12)], ("minor" if rng.random() < 0.6 else "major")
        features.append(
            TrackFeatures(
                id=i,
                bpm=float(np.clip(cluster_bpm[c] + rng.normal(0, 5), 60, 110)),
                key=tonic,
                mode=mode,
                camelot=camelot_code(tonic, mode),
                energy=float(np.clip(cluster_energy[c] + rng.normal(0, 0.12), 0, 1)),
                moods=frozenset(moods),
                duration_s=150.0,
            )
        )
        styles.append(STYLES[style])
    return features, styles, clusters


def synthetic_listeners(n_listeners: int, clusters: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A listeners × tracks matrix of interaction strengths drawn from hidden taste profiles."""
    n_tracks = clusters.size
    appeal = rng.zipf(1.8, n_tracks).clip(1, 50).astype(np.float64)  # a few hits, a long tail
    kinds = list(INTERACTION_WEIGHTS)
    kind_p = np.array([0.6, 0.15, 0.18, 0.07])  # play, playlist add, favourite, purchase
    strengths = np.zeros((n_listeners, n_tracks), dtype=np.float32)
    for user in range(n_listeners):
        liked = rng.choice(CLUSTERS, rng.integers(1, 3), replace=False)
        taste = np.where(np.isin(clusters, liked), 1.0, 0.04)
        p = taste * np.sqrt(appeal)
        p /= p.sum()
        count = int(rng.integers(8, 31))
        for track in rng.choice(n_tracks, count, replace=False, p=p):
            kind = kinds[rng.choice(len(kinds), p=kind_p)]
            strengths[user, track] += INTERACTION_WEIGHTS[kind]
    return strengths


def _scale_matrix(n_listeners: int, n_tracks: int, rng: np.random.Generator):
    """A sparse listeners × tracks matrix with 8-30 interactions per listener, for the training-time figure."""
    from scipy import sparse

    counts = rng.integers(8, 31, n_listeners)
    rows = np.repeat(np.arange(n_listeners), counts)
    cols = rng.integers(0, n_tracks, rows.size)
    values = rng.choice(list(INTERACTION_WEIGHTS.values()), rows.size).astype(np.float32)
    return sparse.csr_matrix((values, (rows, cols)), shape=(n_listeners, n_tracks))


def ab_counts(rates: dict[str, float], visitors: int, rng: np.random.Generator) -> list[abtest.VariantCounts]:
    """Visitors assigned by the site's stable hash; each clicks with their variant's rate."""
    tallies = {variant: [0, 0] for variant in rates}
    for v in range(visitors):
        variant = abtest.assign_variant("bench-for-you", f"visitor-{v}", list(rates))
        tallies[variant][0] += 1
        tallies[variant][1] += int(rng.random() < rates[variant])
    return [
        abtest.VariantCounts(
            variant=name,
            visitors=n,
            impressions=n,
            clicks=c,
            plays=0,
            cart_adds=0,
            purchases=0,
            converted=c,
        )
        for name, (n, c) in tallies.items()
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listeners", type=int, default=600)
    parser.add_argument("--tracks", type=int, default=300)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--scale-listeners", type=int, default=20000, help="0 skips the training-time figure")
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)

    features, styles, clusters = synthetic_catalogue(args.tracks, rng)
    strengths = synthetic_listeners(args.listeners, clusters, rng)
    train, held = evaluation.leave_one_out_split(strengths, seed=args.seed)
    print(
        f"catalogue: {args.tracks} tracks, {CLUSTERS} hidden taste clusters; {args.listeners} synthetic listeners, "
        f"{int((strengths > 0).sum())} interactions; leave-one-out over {int((held >= 0).sum())} listeners"
    )

    pop = popularity.popularity_scores(train)
    started = time.perf_counter()
    sim = content.similarity_matrix(features, styles)
    content_s = time.perf_counter() - started
    started = time.perf_counter()
    model = als.als_fit(train, als.AlsParams())
    als_s = time.perf_counter() - started

    results = {
        "popularity": evaluation.hit_rate_at_k(train, held, lambda u, row: pop),
        "content-based": evaluation.hit_rate_at_k(train, held, lambda u, row: content.profile_scores(sim, row)),
        "learned (implicit ALS)": evaluation.hit_rate_at_k(train, held, lambda u, row: model.scores(u)),
    }
    for name, rate in results.items():
        print(f"hit rate @10 {name:<24} {rate:.3f}")
    big_features, big_styles, _ = synthetic_catalogue(2000, rng)
    started = time.perf_counter()
    for seed in range(20):
        content.similarity_rows([big_features[seed]], [big_styles[seed]], big_features, big_styles)
    per_page_ms = (time.perf_counter() - started) / 20 * 1000
    print(f"similarity matrix {content_s * 1000:.0f} ms; ALS training {als_s:.2f} s")
    print(f"more like this over a 2000-track pool: {per_page_ms:.1f} ms per track page (scoring only)")
    learned_wins = results["learned (implicit ALS)"] > results["popularity"]
    if args.scale_listeners:
        big = _scale_matrix(args.scale_listeners, 2000, rng)
        started = time.perf_counter()
        als.als_fit(big, als.AlsParams())
        print(
            f"nightly training at scale: {args.scale_listeners} listeners × 2000 tracks, {big.nnz} interactions "
            f"(sparse, {(big.data.nbytes + big.indices.nbytes + big.indptr.nbytes) / 1e6:.1f} MB): "
            f"{time.perf_counter() - started:.1f} s"
        )
    print(f"learned beats popularity: {'yes' if learned_wins else 'NO'}")

    # Their own generators, so the A/B figures do not move when the recommender part above changes.
    planted_rng, null_rng = np.random.default_rng(args.seed + 1), np.random.default_rng(args.seed + 2)
    planted = abtest.experiment_report(ab_counts({"popular": 0.10, "learned": 0.125}, 20000, planted_rng))
    null = abtest.experiment_report(ab_counts({"popular": 0.10, "learned": 0.10}, 20000, null_rng))
    for label, report in (("planted difference (10% vs 12.5%)", planted), ("no difference (10% vs 10%)", null)):
        rates = ", ".join(f"{r.counts.variant} {r.conversion:.3%} of {r.counts.visitors}" for r in report.variants)
        verdict = "significant" if report.test.significant else "not significant"
        print(f"A/B {label}: {rates}; {report.test.method} p-value {report.test.p_value:.3g} ({verdict})")
    # The same test over many repeated experiments: how often it finds the planted difference (power) and how
    # often it flags the non-difference (false positives; about 5% is what a 5% level promises).
    sizes = [r.counts.visitors for r in planted.variants]
    repeat_rng = np.random.default_rng(args.seed + 3)
    found = flagged = 0
    for _ in range(500):
        a, b = repeat_rng.binomial(sizes[0], 0.10), repeat_rng.binomial(sizes[1], 0.125)
        found += abtest.two_proportion_z_test(int(a), sizes[0], int(b), sizes[1]).significant
        a, b = repeat_rng.binomial(sizes[0], 0.10), repeat_rng.binomial(sizes[1], 0.10)
        flagged += abtest.two_proportion_z_test(int(a), sizes[0], int(b), sizes[1]).significant
    print(f"A/B over 500 repeats: planted difference found {found / 5:.1f}%, non-difference flagged {flagged / 5:.1f}%")
    ab_ok = planted.test.significant and not null.test.significant
    print(f"A/B test finds the planted difference and not the non-difference: {'yes' if ab_ok else 'NO'}")
    return 0 if learned_wins and ab_ok else 1


if __name__ == "__main__":
    sys.exit(main())
