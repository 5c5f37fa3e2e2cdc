"""A profile of current customers, for evidence with no lost deals to compare against.

Reviews and customer lists say who the customers are, not who wins: each attribute value
is reported as a share of the customers whose value is known, with a 95% Wilson interval,
never as a win rate. Value columns (ARR, LTV, MRR, contract value) get their median and
quartiles; a churned outcome gives the share of customers lost.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict

import numpy as np

from agent.icp.bands import band_of, fixed_bands
from agent.icp.deals import label_of, row_attributes
from agent.icp.model import ProfileShare
from agent.icp.stats import wilson
from retrieval.corpus import Corpus
from retrieval.tables.attributes import NOT_RECORDED

MIN_COUNT = 3
MAX_VALUES_SHOWN = 5
VALUE_COLUMN = re.compile(r"\b(arr|mrr|ltv|acv|tcv|lifetime value|contract value|revenue|"
                          r"amount|spend|deal size)\b", re.I)


def customer_rows(corpus: Corpus) -> list[dict[str, object]]:
    """One metadata row per customer record: each review row once, each won deal once."""
    rows: dict[str, dict[str, object]] = {}
    for chunk in corpus.chunks:
        meta = chunk.meta
        kind = meta.get("kind")
        if kind == "review":
            key = str(meta.get("source_id", "")).split(":", 1)[0]
        elif kind == "winloss" and meta.get("outcome") in ("won", "churned") \
                and meta.get("chunk_index", 0) == 0:
            key = str(meta.get("source_id", chunk.id))
        else:
            continue
        rows.setdefault(key, meta)
    return list(rows.values())


def customer_profile(corpus: Corpus) -> tuple[list[ProfileShare], list[str]]:
    """Shares of attribute values among current customers, and notes on value and churn."""
    rows = customer_rows(corpus)
    notes: list[str] = []
    if not rows:
        return [], notes
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    known: Counter[str] = Counter()
    numbers: dict[str, list[float]] = defaultdict(list)
    for meta in rows:
        values, nums = row_attributes(meta)
        for name, number in nums.items():
            numbers[name].append(number)
            bands = fixed_bands(name)
            band = band_of(number, bands, name) if bands else None
            if band is not None:
                values[name] = [band.label]
        for name, items in values.items():
            if items == [NOT_RECORDED]:  # a share of customers says nothing about blanks
                continue
            known[name] += 1
            counts[name].update(set(items))
    shares: list[ProfileShare] = []
    for name in sorted(counts):
        ranked = sorted(counts[name].items(), key=lambda item: (-item[1], item[0]))
        for value, count in ranked[:MAX_VALUES_SHOWN]:
            if count < MIN_COUNT:
                continue
            low, high = wilson(count, known[name])
            shares.append(ProfileShare(attribute=name, label=label_of(name), value=value,
                                       count=count, total=known[name],
                                       share=round(count / known[name], 4),
                                       low=round(low, 4), high=round(high, 4)))
    for name, amounts in sorted(numbers.items()):
        if VALUE_COLUMN.search(label_of(name)) and len(amounts) >= MIN_COUNT:
            q1, median, q3 = np.quantile(amounts, (0.25, 0.5, 0.75))
            notes.append(f"{label_of(name)} across {len(amounts)} customers: median "
                         f"{median:,.0f} (middle half {q1:,.0f}–{q3:,.0f}).")
    churned = sum(1 for meta in rows if meta.get("outcome") == "churned")
    if churned:
        low, high = wilson(churned, len(rows))
        notes.append(f"Churned: {churned} of {len(rows)} customers ({churned / len(rows):.0%}, "
                     f"95% interval {low:.0%}–{high:.0%}).")
    notes.insert(0, f"Profile of {len(rows)} current customers (reviews and won accounts): "
                 "the shares below describe the customer base; with no lost deals to compare, "
                 "they say who buys, not who wins.")
    return shares, notes
