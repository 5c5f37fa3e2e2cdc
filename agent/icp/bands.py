"""Numeric attributes in bands a rep can read, with the band edges kept.

Employees and revenue use the usual bands (``retrieval/mining/themes.size_band`` and
``revenue_band`` below); any other number is cut at its quartiles over the deals, so each
band holds about a quarter of them. A band is ``[low, high)``; its label shows the edges.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from retrieval.mining.themes import SIZE_BANDS

QUANTILES = (0.25, 0.5, 0.75)
POINT_SHARE = 0.1
REVENUE_BANDS = ((0, 1e7, "<$10M"), (1e7, 1e8, "$10M-$100M"), (1e8, 1e9, "$100M-$1B"),
                 (1e9, float("inf"), "$1B+"))


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


def _fmt(x: float) -> str:
    if x == int(x):
        return f"{int(x):,}"
    return f"{x:,.2f}".rstrip("0").rstrip(".")


def revenue_dollars(revenue: float) -> float:
    # Exports give revenue in dollars or in $M (Maven); treat small numbers as $M.
    return revenue * 1e6 if revenue < 100_000 else revenue


def fixed_bands(key: str) -> list[Band] | None:
    """The usual bands of a canonical numeric attribute, or None for quantile bands."""
    if key == "employees":
        return [Band(label, low, high) for low, high, label in SIZE_BANDS]
    if key == "revenue":
        return [Band(label, low, high) for low, high, label in REVENUE_BANDS]
    return None


def quantile_bands(values: list[float]) -> list[Band]:
    """Bands cut at the quartiles of ``values`` (fewer when values repeat).

    A lowest value that holds a large share of the values (zero visits, zero amount) gets
    a band of its own, so "none" is never mixed with "a little".
    """
    if not values:
        return []
    array = np.asarray(values, dtype=float)
    lo, hi = float(array.min()), float(array.max())
    rest = array[array > lo]
    if rest.size and (array.size - rest.size) >= POINT_SHARE * array.size:
        edges = sorted({float(e) for e in np.quantile(rest, QUANTILES)} | {float(rest.min())})
    else:
        edges = sorted({float(e) for e in np.quantile(array, QUANTILES)})
    whole = bool(np.all(array == np.round(array)))
    if whole:
        edges = sorted({float(math.ceil(e)) for e in edges})
    cuts = [e for e in edges if lo < e <= hi]
    if not cuts:
        return [Band(f"{_fmt(lo)}" if lo == hi else f"{_fmt(lo)}–{_fmt(hi)}", lo, float("inf"))]
    bands = []
    bounds = [lo, *cuts]
    for i, low in enumerate(bounds):
        high = bounds[i + 1] if i + 1 < len(bounds) else float("inf")
        if high == float("inf"):
            label = f"≥ {_fmt(low)}"
        elif i == 0 and not (array == low).all() and (array[array < high] == low).all():
            label = f"{_fmt(low)}"  # a band holding one value
        elif whole:
            first = low if i else lo
            label = _fmt(first) if high - 1 <= first else f"{_fmt(first)}–{_fmt(high - 1)}"
        elif i == 0:
            label = f"< {_fmt(high)}"
        else:
            label = f"{_fmt(low)} to < {_fmt(high)}"
        bands.append(Band(label, low if i else float("-inf"), high))
    return bands


def band_of(value: float, bands: list[Band], key: str = "") -> Band | None:
    if key == "revenue":
        value = revenue_dollars(value)
    return next((b for b in bands if b.holds(value)), None)
