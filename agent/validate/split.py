"""Held-out deals: a time split when deals carry dates, a stratified split otherwise."""

from __future__ import annotations

import random
from dataclasses import dataclass

from agent.icp.deals import Deal

SEED = 7
MIN_DATED_SHARE = 0.8  # a time split needs dates on most deals


@dataclass
class Split:
    train: list[Deal]
    test: list[Deal]
    how: str  # words for the report


def split_deals(deals: list[Deal], test_share: float = 0.3, seed: int = SEED) -> Split:
    """Train on the older deals and test on the newer ones (``test_share`` of them) when
    most deals are dated; otherwise a stratified random split with a fixed seed."""
    dated = [d for d in deals if d.date]
    if deals and len(dated) >= MIN_DATED_SHARE * len(deals):
        ordered = sorted(dated, key=lambda d: (d.date, d.chunk.id))
        cut = int(round(len(ordered) * (1 - test_share)))
        cut = min(max(cut, 1), len(ordered) - 1)
        boundary = ordered[cut].date
        train = [d for d in ordered if d.date < boundary]
        test = [d for d in ordered if d.date >= boundary]
        undated = len(deals) - len(dated)
        columns = sorted({str(d.chunk.meta.get("date_column", "")) for d in dated} - {""})
        on = f" on {', '.join(columns)}" if columns else ""
        return Split(train, test, f"time split{on}: trained on {len(train)} deals dated before "
                     f"{boundary}, tested on {len(test)} dated on or after it"
                     + (f" ({undated} undated deals left out)" if undated else ""))
    rng = random.Random(seed)
    train, test = [], []
    for outcome in (True, False):
        group = sorted((d for d in deals if d.won is outcome), key=lambda d: d.chunk.id)
        rng.shuffle(group)
        cut = int(round(len(group) * test_share))
        test += group[:cut]
        train += group[cut:]
    return Split(train, test, f"stratified random split (seed {seed}; no dates on most "
                 f"deals): trained on {len(train)} deals, tested on {len(test)}")


def since(deals: list[Deal], date: str) -> Split:
    """Deals closed before ``date`` and on or after it (for drift)."""
    before = [d for d in deals if d.date and d.date < date]
    after = [d for d in deals if d.date and d.date >= date]
    return Split(before, after, f"{len(before)} deals closed before {date}, "
                 f"{len(after)} on or after it")
