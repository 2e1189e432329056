"""Significance of a difference between two A/B variants' conversion rates.

The two-proportion z-test with a pooled standard error (two-sided) answers "is variant B's rate really
different from A's?"; with thousands of visitors per arm its normal approximation is accurate. For more than
two variants the chi-square test of independence on the conversions table is used instead.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

ALPHA = 0.05  # the report calls a difference significant below this p-value


@dataclass(frozen=True)
class TestResult:
    statistic: float
    p_value: float
    method: str

    @property
    def significant(self) -> bool:
        return self.p_value < ALPHA


def two_proportion_z_test(successes_a: int, total_a: int, successes_b: int, total_b: int) -> TestResult:
    """Two-sided z-test that rate A equals rate B. p = 1 when either arm is empty or nothing varies."""
    if total_a <= 0 or total_b <= 0:
        return TestResult(0.0, 1.0, "two-proportion z-test")
    pooled = (successes_a + successes_b) / (total_a + total_b)
    se = math.sqrt(pooled * (1 - pooled) * (1 / total_a + 1 / total_b))
    if se == 0:
        return TestResult(0.0, 1.0, "two-proportion z-test")
    z = (successes_b / total_b - successes_a / total_a) / se
    return TestResult(float(z), float(2 * stats.norm.sf(abs(z))), "two-proportion z-test")


def compare(successes: list[int], totals: list[int]) -> TestResult:
    """The z-test for two variants, the chi-square test of independence for more."""
    if len(successes) == 2:
        return two_proportion_z_test(successes[0], totals[0], successes[1], totals[1])
    table = np.array([[s, max(t - s, 0)] for s, t in zip(successes, totals, strict=True)], dtype=np.float64)
    if len(successes) < 2 or (table.sum(axis=0) == 0).any() or (table.sum(axis=1) == 0).any():
        return TestResult(0.0, 1.0, "chi-square")
    chi2, p, _, _ = stats.chi2_contingency(table, correction=False)
    return TestResult(float(chi2), float(p), "chi-square")


def assign_variant(experiment: str, visitor: str, variants: list[str]) -> str:
    """The visitor's variant: a stable hash of experiment and visitor, so a visitor sees the same variant on
    every visit and each experiment splits visitors independently of the others."""
    digest = hashlib.sha256(f"{experiment}:{visitor}".encode()).digest()
    return variants[int.from_bytes(digest[:8], "big") % len(variants)]


@dataclass(frozen=True)
class VariantCounts:
    variant: str
    visitors: int  # distinct visitors shown the recommendations
    impressions: int
    clicks: int
    plays: int
    cart_adds: int
    purchases: int
    converted: int  # distinct visitors with the conversion event


@dataclass(frozen=True)
class VariantReport:
    counts: VariantCounts
    conversion: float  # converted / visitors


@dataclass(frozen=True)
class ExperimentReport:
    metric: str
    variants: list[VariantReport]
    test: TestResult
    leader: str  # the variant with the best conversion ("" when no visitor yet)


def experiment_report(counts: list[VariantCounts], metric: str = "click") -> ExperimentReport:
    """Conversion per variant (visitors who did `metric` at least once / visitors shown) and the test."""
    rows = [VariantReport(c, c.converted / c.visitors if c.visitors else 0.0) for c in counts]
    test = compare([c.converted for c in counts], [c.visitors for c in counts])
    shown = [r for r in rows if r.counts.visitors]
    leader = max(shown, key=lambda r: r.conversion).counts.variant if shown else ""
    return ExperimentReport(metric=metric, variants=rows, test=test, leader=leader)
