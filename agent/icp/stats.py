"""Honest win-rate statistics: support counts, lift, Fisher's exact test, FDR control,
Wilson intervals, and the evidence a comparison needs before it can show anything."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.stats import false_discovery_control, fisher_exact, norm

ALPHA = 0.05
MIN_SUPPORT = 5
POWER = 0.8
DETECTABLE = (0.6, 0.4)  # win rates a sample should be able to tell apart


@dataclass
class ValueStats:
    attribute: str
    value: str
    support: int       # closed deals with this value
    wins: int
    win_rate: float
    baseline: float    # win rate over all closed deals
    lift: float
    p_value: float
    q_value: float = 1.0  # Benjamini-Hochberg adjusted p-value over all values tested

    @property
    def significant(self) -> bool:
        return self.support >= MIN_SUPPORT and self.q_value < ALPHA


def value_stats(attribute: str, value: str, wins: int, support: int, total_wins: int,
                total: int) -> ValueStats:
    """Fisher's exact test of this value's win rate against all other closed deals."""
    losses = support - wins
    rest_wins, rest_losses = total_wins - wins, (total - total_wins) - losses
    _, p = fisher_exact([[wins, losses], [rest_wins, rest_losses]])
    baseline = total_wins / total if total else 0.0
    rate = wins / support if support else 0.0
    return ValueStats(attribute, value, support, wins, rate, baseline,
                      rate / baseline if baseline else 0.0, float(p))


def benjamini_hochberg(stats: list[ValueStats]) -> None:
    """Set ``q_value`` on each (false-discovery-rate adjusted p-values), in place."""
    if not stats:
        return
    q = false_discovery_control(np.asarray([s.p_value for s in stats]), method="bh")
    for s, value in zip(stats, q, strict=True):
        s.q_value = float(min(1.0, value))


def wilson(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a proportion (sensible at 0%, 100% and small n)."""
    if n == 0:
        return 0.0, 1.0
    z = float(norm.ppf(0.5 + confidence / 2))
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def min_deals_per_outcome(alpha: float = ALPHA, power: float = POWER,
                          rates: tuple[float, float] = DETECTABLE) -> int:
    """Closed deals needed in each outcome before a segment's win rate of ``rates[0]`` can
    be told from ``rates[1]`` (two-proportion test at ``alpha``, with ``power``), for a
    segment holding half the deals: below it, criteria are hypotheses to test."""
    p1, p2 = rates
    z = float(norm.ppf(1 - alpha / 2) + norm.ppf(power))
    per_group = z * z * (p1 * (1 - p1) + p2 * (1 - p2)) / (p1 - p2) ** 2
    return int(math.ceil(per_group))
