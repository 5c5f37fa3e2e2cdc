"""Numeric attributes in bands a rep can read, with the band edges kept.

Employees and revenue use the usual bands (the field table's, ``agent/base/fields.py``);
any other number is cut at its quartiles over the deals, so each band holds about a
quarter of them. A band is ``[low, high)``; its label shows the edges.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from agent.base.fields import FIELDS

QUANTILES = (0.25, 0.5, 0.75)
POINT_SHARE = 0.1


@dataclass(frozen=True)
class Band:
    label: str
    low: float
    high: float  # exclusive; inf for the top band

    def holds(self, value: float) -> bool:
        return self.low <= value < self.high

    def edges(self) -> list[float | None]:
        """``[low, high)`` for a saved criterion; None for an open end."""
        return [None if math.isinf(self.low) else self.low,
                None if math.isinf(self.high) else self.high]

    @classmethod
    def from_edges(cls, label: str, edges: list[float | None]) -> Band:
        low, high = edges
        return cls(label, float("-inf") if low is None else low,
                   float("inf") if high is None else high)


YEARS = (1800, 2100)  # whole numbers all in this range are calendar years


def _fmt(x: float, years: bool = False) -> str:
    """A band edge as a rep reads it: years as years (``2013``), other whole numbers with
    thousands separators (``1,000``), fractions to two places."""
    if years:
        return str(int(x))
    if x == int(x):
        return f"{int(x):,}"
    return f"{x:,.2f}".rstrip("0").rstrip(".")


def revenue_dollars(revenue: float) -> float:
    # Exports give revenue in dollars or in $M (Maven); treat small numbers as $M.
    return revenue * 1e6 if revenue < 100_000 else revenue


def fixed_bands(key: str) -> list[Band] | None:
    """The usual bands of a canonical numeric attribute, or None for quantile bands."""
    field = FIELDS.get(key)
    if field is None or not field.bands:
        return None
    return [Band(label, low, high) for low, high, label in field.bands]


def quantile_bands(values: list[float]) -> list[Band]:
    """Bands cut at the quartiles of ``values`` (fewer when values repeat).

    A lowest value that holds a large share of the values (zero visits, zero amount) gets
    a band of its own, so "none" is never mixed with "a little".
    """
    if not values:
        return []
    array = np.asarray(values, dtype=float)
    lo = float(array.min())
    rest = array[array > lo]
    if rest.size and (array.size - rest.size) >= POINT_SHARE * array.size:
        edges = sorted({float(e) for e in np.quantile(rest, QUANTILES)} | {float(rest.min())})
    else:
        edges = sorted({float(e) for e in np.quantile(array, QUANTILES)})
    return bands_at(array, edges)


def bands_at(array: np.ndarray, edges: list[float]) -> list[Band]:
    """Bands ``[low, high)`` cut at ``edges`` over these values, labelled for a rep by the
    test each band makes: the first band is open below (``< 1,000``; ``0`` when it holds
    zero and no negative count is possible), a middle band of whole numbers reads
    ``1,000–4,999``, the top band ``≥ 5,000``; years read as years (``2009–2012``)."""
    if not array.size:
        return []
    lo, hi = float(array.min()), float(array.max())
    whole = bool(np.all(array == np.round(array)))
    years = whole and YEARS[0] <= lo and hi <= YEARS[1]
    if whole:
        edges = sorted({float(math.ceil(e)) for e in edges})
    cuts = [e for e in edges if lo < e <= hi]

    def fmt(x: float) -> str:
        return _fmt(x, years)

    if not cuts:
        return [Band(f"{fmt(lo)}" if lo == hi else f"{fmt(lo)}–{fmt(hi)}", float("-inf"),
                     float("inf"))]
    bands = []
    bounds = [lo, *cuts]
    for i, low in enumerate(bounds):
        high = bounds[i + 1] if i + 1 < len(bounds) else float("inf")
        if high == float("inf"):
            label = f"≥ {fmt(low)}"
        elif i == 0:
            # open below: it holds every value under its upper edge, seen or not
            label = "0" if whole and lo == 0 and high == 1 else \
                f"≤ {fmt(high - 1)}" if years else f"< {fmt(high)}"
        elif whole:
            label = fmt(low) if high - 1 <= low else f"{fmt(low)}–{fmt(high - 1)}"
        else:
            label = f"{fmt(low)} to < {fmt(high)}"
        bands.append(Band(label, low if i else float("-inf"), high))
    return bands


def tree_bands(values: np.ndarray, won: np.ndarray, min_share: float = 0.05,
               max_bins: int = 6, min_deals: int = 10) -> list[Band]:
    """Bands cut where the win rate changes: the split points of a shallow decision tree
    (scikit-learn) fitted on this one column, each band holding ``min_share`` of the deals
    (and ``min_deals``) at least."""
    from sklearn.tree import DecisionTreeClassifier  # heavy; only when deals are learned from

    if values.size < 2 * min_deals or len(np.unique(values)) < 2 or len(np.unique(won)) < 2:
        return bands_at(values, [])
    leaf = max(min_deals, int(math.ceil(min_share * values.size)))
    tree = DecisionTreeClassifier(max_leaf_nodes=max_bins, min_samples_leaf=leaf,
                                  random_state=0)
    tree.fit(values.reshape(-1, 1), won)
    cuts = sorted(float(t) for t, f in zip(tree.tree_.threshold, tree.tree_.feature,
                                           strict=True) if f >= 0)
    # a tree splits between two values: cut at the roundest number between them
    edges = [_round_between(float(values[values <= cut].max()), float(values[values > cut].min()))
             for cut in cuts]
    return _merge_alike(bands_at(values, edges), values, won, min_deals=min_deals)


def _round_between(below: float, above: float) -> float:
    """The roundest number ``x`` with ``below < x <= above`` (a cut a rep can read)."""
    span = max(abs(below), abs(above), 1e-12)
    for power in range(int(math.floor(math.log10(span))) + 1, -13, -1):
        step = 10.0 ** power
        x = math.floor(below / step) * step + step
        if below < x <= above:
            return float(f"{x:.12g}")
    return above


def _merge_alike(bands: list[Band], values: np.ndarray, won: np.ndarray,
                 alpha: float = 0.05, candidates: int | None = None,
                 min_deals: int = 1) -> list[Band]:
    """Merge neighbouring bands whose win rates do not differ significantly (Fisher's
    exact test), the most alike pair first, so every band left is a real step; a band with
    fewer than ``min_deals`` deals always joins a neighbour. Cuts chosen from the data (the
    best of many) are tested Bonferroni-corrected for ``candidates`` cuts (default: the
    distinct values, up to 100)."""
    from scipy.stats import fisher_exact

    if candidates is None:
        candidates = min(len(np.unique(values)) - 1, 100)
    alpha /= max(1, candidates)
    while len(bands) > 1:
        tallies = [(int(won[(values >= b.low) & (values < b.high)].sum()),
                    int(((values >= b.low) & (values < b.high)).sum())) for b in bands]
        pvalues = [float(fisher_exact([[w1, n1 - w1], [w2, n2 - w2]])[1])
                   for (w1, n1), (w2, n2) in zip(tallies, tallies[1:], strict=False)]
        small = [i for i, (_, n) in enumerate(tallies) if n < min_deals]
        if small:
            i = small[0]
            pairs = [j for j in (i - 1, i) if 0 <= j < len(pvalues)]
            worst = max(pairs, key=lambda j: pvalues[j])
        else:
            worst = int(np.argmax(pvalues))
            if pvalues[worst] < alpha:
                break
        edges = [b.low for i, b in enumerate(bands) if i and i != worst + 1]
        bands = bands_at(values, edges)
    return bands


def learned_bands(key: str, values: np.ndarray, won: np.ndarray,
                  min_deals: int = 10) -> list[Band]:
    """The bands a scorecard scores a number in: the usual bands of employees and revenue
    (pre-set cuts, so tested without a correction), other numbers where a tree finds the
    win rate changing; neighbours that do not differ are merged either way."""
    fixed = fixed_bands(key)
    if not fixed or not values.size:
        return tree_bands(values, won, min_deals=min_deals)
    edges = [b.low for b in fixed[1:]]
    if key == "revenue" and float(values.max()) < 100_000:  # the export gives $M
        edges = [e / 1e6 for e in edges]
    return _merge_alike(bands_at(values, edges), values, won, candidates=1,
                        min_deals=min_deals)


_LABEL = re.compile(r"^\s*(?:(?P<op><|≤|<=|≥|>=|>)\s*(?P<edge>[\d,.]+)|(?P<low>[\d,.]+)\s*"
                    r"(?:[–-]\s*(?P<high>[\d,.]+)|(?P<plus>\+)))\s*$")


def band_from_label(label: str) -> Band | None:
    """The band a label as :func:`bands_at` writes it names (``< 20``, ``≥ 5,001``,
    ``50–199``, ``5000+``), for a band a user asks for in words; None for another text."""
    found = _LABEL.match(label)
    if not found:
        return None

    def number(text: str) -> float:
        return float(text.replace(",", ""))

    if found["op"]:
        edge = number(found["edge"])
        low, high = {"<": (None, edge), "≤": (None, edge + 1), "<=": (None, edge + 1),
                     ">": (edge + 1, None), "≥": (edge, None), ">=": (edge, None)}[found["op"]]
    elif found["plus"]:
        low, high = number(found["low"]), None
    else:
        low, high = number(found["low"]), number(found["high"]) + 1
    return Band.from_edges(label.strip(), [low, high])


def band_of(value: float, bands: list[Band], key: str = "") -> Band | None:
    if key == "revenue":
        value = revenue_dollars(value)
    return next((b for b in bands if b.holds(value)), None)
