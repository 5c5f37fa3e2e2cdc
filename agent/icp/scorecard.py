"""The ICP as a points scorecard: every value that moves the win rate gets signed points.

Each attribute's values (categories, list items, numeric bands cut where the win rate
changes, "not recorded") are one-hot encoded over the training deals and a regularised
logistic regression (scikit-learn ``LogisticRegressionCV``, L2, strength chosen by
cross-validation on the training deals only) gives each value a log-odds weight. Weights
are scaled to readable points, ``POINTS_TO_DOUBLE`` points doubling the odds of a win, and
rounded. A single-valued attribute's most common value (with the rare values pooled into
it) is the reference level: 0 points, as is anything unknown. A list's items each add
their own points.

A prospect's points total is mapped to a 0-100 fit score through the training deals'
distribution of totals (its mid-rank percentile), a win rate is estimated from the total
(a logistic calibration on the training deals), and tiers are cut on the training deals'
scores so tier A holds the top ``TIER_SHARES[0]`` and win rates fall from tier to tier.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import chain
from typing import Literal, get_args

import numpy as np
from pydantic import BaseModel, Field

from agent.icp.deals import Deal, role_of
from retrieval.tables.columns import Role

POINTS_TO_DOUBLE = 20
TIER_SHARES = (0.2, 0.3, 0.3)  # A, B, C of the training deals (D: the rest)
Letter = Literal["A", "B", "C", "D"]  # a scored tier; "unknown" is not scored
TIERS: tuple[Letter, ...] = get_args(Letter)
MIN_LEVEL, MIN_LEVEL_SHARE = 10, 0.002  # a value needs this many deals to get points
POOLED = "\x00pooled"


class Scorecard(BaseModel):
    """What turns a points total into a score, a tier and a win rate (saved in the ICP)."""

    points_to_double: int = POINTS_TO_DOUBLE
    deals: int = Field(default=0, description="training deals the scorecard was fitted on")
    regularisation: float = Field(default=1.0, description="the C chosen by cross-validation")
    totals: list[float] = Field(default=[], description="distinct training point totals, "
                                "ascending")
    scores: list[float] = Field(default=[], description="the mid-rank percentile (0-100) of "
                                "each total among the training deals")
    tiers: dict[str, float] = Field(default={}, description="lowest score of tiers A, B, C")
    tier_win_rates: dict[str, float] = {}
    calibration: list[float] = Field(default=[0.0, 0.0], description="win rate = "
                                     "1 / (1 + exp(-(a + b * total)))")
    reference: dict[str, str] = Field(default={}, description="attribute -> its 0-point value")

    def score_of(self, total: float) -> float:
        if not self.totals:
            return 50.0
        return float(np.interp(total, self.totals, self.scores, left=0.0, right=100.0))

    def tier_of(self, score: float) -> Letter:
        for tier in TIERS[:3]:
            if tier in self.tiers and score >= self.tiers[tier]:
                return tier
        return "D"

    def win_rate(self, total: float) -> float:
        a, b = self.calibration
        return 1.0 / (1.0 + math.exp(-(a + b * total)))


@dataclass
class PointsFit:
    points: dict[tuple[str, str], int] = field(default_factory=dict)  # (attribute, value)
    reference: dict[str, str] = field(default_factory=dict)
    totals: np.ndarray = field(default_factory=lambda: np.zeros(0))
    regularisation: float = 1.0


def _multi(deals: list[Deal], attribute: str) -> bool:
    return role_of(attribute) == Role.LIST or any(len(d.values.get(attribute, ())) > 1
                                                  for d in deals)


def fit_points(deals: list[Deal], attributes: Sequence[str],
               allowed: set[tuple[str, str]] | None = None, seed: int = 0) -> PointsFit:
    """Points per (attribute, value) from these (banded) training deals. Only ``allowed``
    values (those whose win rate differs significantly) get a column of their own; the
    others are pooled with their attribute's reference level: 0 points, "no signal"."""
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegressionCV
    from sklearn.model_selection import StratifiedKFold

    won = np.asarray([d.won for d in deals], dtype=int)
    fit = PointsFit(totals=np.zeros(len(deals)))
    if len(deals) < 2 * MIN_LEVEL or len(set(won.tolist())) < 2:
        return fit
    least = max(MIN_LEVEL, int(math.ceil(MIN_LEVEL_SHARE * len(deals))))
    columns: dict[tuple[str, str], int] = {}
    rows: list[int] = []
    cols: list[int] = []
    for attribute in attributes:
        per_deal = [d.values.get(attribute, ()) for d in deals]
        counts = Counter(chain.from_iterable(v if len(v) < 2 else set(v) for v in per_deal))
        frequent = {v for v, n in counts.items() if n >= least
                    and (allowed is None or (attribute, v) in allowed)}
        multi = _multi(deals, attribute)
        if not multi:
            # the reference (0 points): the values without a signal, pooled; when every
            # value has one, none (the L2 penalty keeps the weights identified, and each
            # value's sign says whether it wins more or less than the average deal)
            fit.reference[attribute] = POOLED
        for value in sorted(frequent):
            columns[(attribute, value)] = len(columns)
        for i, found in enumerate(per_deal):
            for value in found if len(found) < 2 else set(found):
                column = columns.get((attribute, value))
                if column is not None:
                    rows.append(i)
                    cols.append(column)
    if not columns:
        return fit
    x = csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(deals), len(columns)))
    folds = 3 if len(deals) > 20_000 else 5
    fewest = int(min(won.sum(), len(won) - won.sum()))
    model = LogisticRegressionCV(
        Cs=np.logspace(-3, 2, 11), cv=StratifiedKFold(min(folds, max(2, fewest)),
                                                      shuffle=True, random_state=seed),
        scoring="neg_log_loss", max_iter=2000, l1_ratios=(0.0,), use_legacy_attributes=False)
    model.fit(x, won)
    scale = POINTS_TO_DOUBLE / math.log(2)
    weights = model.coef_[0]
    for key, column in columns.items():
        fit.points[key] = int(round(weights[column] * scale))
    points = np.asarray([fit.points[key] for key in sorted(columns, key=lambda k: columns[k])])
    fit.totals = np.asarray(x @ points, dtype=float)
    fit.regularisation = float(np.ravel(model.C_)[0])
    return fit


def _mid_ranks(totals: np.ndarray) -> tuple[list[float], list[float]]:
    values, counts = np.unique(totals, return_counts=True)
    below = np.cumsum(counts) - counts
    scores = 100.0 * (below + 0.5 * counts) / counts.sum()
    return [float(v) for v in values], [round(float(s), 3) for s in scores]


def _calibration(totals: np.ndarray, won: np.ndarray) -> list[float]:
    from sklearn.linear_model import LogisticRegression

    if len(np.unique(totals)) < 2 or len(np.unique(won)) < 2:
        rate = float(np.clip(won.mean(), 1e-3, 1 - 1e-3)) if won.size else 0.5
        return [math.log(rate / (1 - rate)), 0.0]
    model = LogisticRegression(C=1e6, max_iter=1000).fit(totals.reshape(-1, 1), won)
    return [float(model.intercept_[0]), float(model.coef_[0][0])]


def _tiers(scores: np.ndarray, won: np.ndarray,
           shares: Sequence[float]) -> tuple[dict[str, float], dict[str, float], list[str]]:
    """Score thresholds putting ``shares`` of the training deals in A, B and C, merged
    where a tier does not win less often than the one above (so tiers are monotone)."""
    notes: list[str] = []
    cumulative = np.cumsum(shares)
    cuts = [round(100.0 * (1 - c), 3) for c in cumulative]  # lowest score of A, B, C
    while True:
        bounds = [101.0, *cuts, -1.0]  # tier i holds bounds[i+1] <= score < bounds[i]
        rates: dict[str, float] = {}
        for i, tier in enumerate(TIERS):
            picked = won[(scores >= bounds[i + 1]) & (scores < bounds[i])]
            if picked.size:
                rates[tier] = float(picked.mean())
        order = [t for t in TIERS if t in rates]
        broken = next((pair for pair in zip(order, order[1:], strict=False)
                       if rates[pair[1]] >= rates[pair[0]]), None)
        if broken is None:
            thresholds: dict[str, float] = {
                tier: cut for tier, cut in zip(TIERS, cuts, strict=False) if tier in rates}
            return thresholds, {t: round(r, 4) for t, r in rates.items()}, notes
        upper, lower = (TIERS.index(t) for t in broken)
        notes.append(f"Tier {TIERS[lower]} won as often as tier {TIERS[upper]} on the "
                     f"training deals ({rates[TIERS[lower]]:.0%} vs {rates[TIERS[upper]]:.0%})"
                     f": merged into {TIERS[upper]}.")
        # the upper tier reaches down to the lower tier's floor; the lower tier is empty
        floor = bounds[lower + 1]
        for i in range(upper, lower):
            cuts[i] = floor


def scorecard_of(fit: PointsFit, won: np.ndarray,
                 shares: Sequence[float] = TIER_SHARES) -> tuple[Scorecard, list[str]]:
    """The saved scorecard for a fit on the training deals, and notes on its tiers."""
    totals, scores = _mid_ranks(fit.totals) if fit.totals.size else ([], [])
    card = Scorecard(deals=int(fit.totals.size), regularisation=round(fit.regularisation, 6),
                     totals=totals, scores=scores, reference=dict(fit.reference))
    if not fit.totals.size:
        return card, []
    deal_scores = np.asarray([card.score_of(t) for t in fit.totals])
    card.tiers, card.tier_win_rates, notes = _tiers(deal_scores, won, shares)
    card.calibration = [round(x, 8) for x in _calibration(fit.totals, won)]
    return card, notes
