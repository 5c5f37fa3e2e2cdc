"""Paired statistics for comparing two runs on the same cases."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.stats import binomtest


@dataclass
class Interval:
    estimate: float
    low: float
    high: float

    def excludes_zero(self) -> bool:
        return self.low > 0 or self.high < 0


def bootstrap_mean(values: Sequence[float], resamples: int = 2000, seed: int = 0,
                   level: float = 0.95) -> Interval:
    """Percentile bootstrap interval of a mean."""
    data = np.asarray(values, dtype=float)
    if data.size == 0:
        return Interval(0.0, 0.0, 0.0)
    rng = np.random.default_rng(seed)
    means = data[rng.integers(0, data.size, size=(resamples, data.size))].mean(axis=1)
    tail = (1 - level) / 2
    return Interval(float(data.mean()), float(np.quantile(means, tail)),
                    float(np.quantile(means, 1 - tail)))


def paired_bootstrap(a: Sequence[float], b: Sequence[float], resamples: int = 2000,
                     seed: int = 0, level: float = 0.95) -> Interval:
    """Interval of mean(b - a), resampling cases (pairs stay together)."""
    if len(a) != len(b):
        raise ValueError("paired samples must have the same length")
    return bootstrap_mean([y - x for x, y in zip(a, b, strict=True)], resamples, seed, level)


@dataclass
class McNemar:
    a_only: int  # cases A got right and B got wrong
    b_only: int  # cases B got right and A got wrong
    p_value: float


def mcnemar_exact(a_correct: Sequence[bool], b_correct: Sequence[bool]) -> McNemar:
    """McNemar's exact test: a two-sided binomial test on the discordant pairs."""
    a_only = sum(x and not y for x, y in zip(a_correct, b_correct, strict=True))
    b_only = sum(y and not x for x, y in zip(a_correct, b_correct, strict=True))
    n = a_only + b_only
    p = 1.0 if n == 0 else float(binomtest(min(a_only, b_only), n, 0.5).pvalue)
    return McNemar(a_only, b_only, min(p, 1.0))


def verdict(delta: Interval, test: McNemar, alpha: float = 0.05) -> str:
    if test.p_value < alpha and delta.excludes_zero():
        return "better" if delta.estimate > 0 else "worse"
    return "no significant difference"
