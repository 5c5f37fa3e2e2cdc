"""Honest win-rate statistics: support counts, lift, Fisher's exact test, FDR control."""

from __future__ import annotations

from dataclasses import dataclass

from scipy.stats import fisher_exact

ALPHA = 0.05
MIN_SUPPORT = 5


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
    q_value: float = 1.0

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
    ranked = sorted(stats, key=lambda s: s.p_value)
    m = len(ranked)
    running = 1.0
    for rank in range(m, 0, -1):
        s = ranked[rank - 1]
        running = min(running, s.p_value * m / rank)
        s.q_value = min(1.0, running)
