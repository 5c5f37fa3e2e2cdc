"""Columns that leak the outcome: set aside before criteria are learned, with the reason.

A column leaks when it is written after the deal is decided, so it cannot describe a new
prospect. Three general signs, each checked on the deals themselves:

- **filled for one outcome**: filled for most deals of one outcome and few of the other
  (a won date, a churn reason, a rep's notes taken after the call);
- **predicts almost perfectly**: most deals it fills have a value that is nearly always
  won or nearly always lost (sales tags such as "Closed by …");
- **named for the outcome or the aftermath**: a header about the last or latest activity,
  a quality grade or the stage, or frequent values that name the outcome (closed, won,
  lost, converted, churned).

``--use-column NAME`` brings a column back.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from agent.icp.deals import Deal, label_of

FILL_RATIO, FILL_MIN = 3.0, 0.3
PURE_RATE, PURE_SHARE, PURE_MIN_FILLED, PURE_MIN_SUPPORT = 0.9, 0.7, 0.2, 10
OUTCOME_WORDS = re.compile(r"\b(closed|won|lost|converted|churn(ed)?|cancell?ed|signed|"
                           r"disqualified|lost to|bought|purchased)\b", re.I)
AFTERMATH_HEADER = re.compile(
    r"\b(last|latest|most recent|final|quality|grade|stage|status|outcome|result|closed?|"
    r"won|lost|loss|churn\w*|disqualif\w*|converted|conversion)\b", re.I)


@dataclass(frozen=True)
class Leak:
    attribute: str
    label: str
    reason: str

    def note(self) -> str:
        return f"{self.label}: {self.reason}; not used (--use-column \"{self.label}\" " \
               "brings it back)."


def _fill(deals: list[Deal], name: str) -> tuple[float, float]:
    won = [d for d in deals if d.won]
    lost = [d for d in deals if not d.won]

    def share(group: list[Deal]) -> float:
        return sum(1 for d in group if name in d.values or name in d.numbers) / len(group) \
            if group else 0.0

    return share(won), share(lost)


def _purity(deals: list[Deal], name: str) -> tuple[float, float]:
    """Share of deals filled, and share of those whose value is (nearly) always one outcome."""
    tally: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    filled = 0
    for d in deals:
        items = d.values.get(name)
        if not items:
            continue
        filled += 1
        for item in set(items):
            tally[item][0] += d.won
            tally[item][1] += 1
    if not filled:
        return 0.0, 0.0
    pure_values = {v for v, (w, n) in tally.items() if n >= PURE_MIN_SUPPORT
                   and (w / n >= PURE_RATE or w / n <= 1 - PURE_RATE)}
    pure = sum(1 for d in deals if set(d.values.get(name, ())) & pure_values)
    return filled / len(deals), pure / filled


def _named_outcome(deals: list[Deal], name: str) -> str:
    counts: dict[str, int] = defaultdict(int)
    for d in deals:
        for item in set(d.values.get(name, ())):
            counts[item] += 1
    frequent = sorted((v for v, n in counts.items() if n >= PURE_MIN_SUPPORT),
                      key=lambda v: -counts[v])
    return next((v for v in frequent if OUTCOME_WORDS.search(v)), "")


def leak_reason(deals: list[Deal], name: str) -> str:
    """Why ``name`` looks written after the outcome ("" when it does not)."""
    won_fill, lost_fill = _fill(deals, name)
    high, low = max(won_fill, lost_fill), min(won_fill, lost_fill)
    if high >= FILL_MIN and (low == 0 or high / low >= FILL_RATIO):
        return (f"filled for {won_fill:.0%} of won and {lost_fill:.0%} of lost deals: looks "
                "like it is written after the outcome")
    filled, pure = _purity(deals, name)
    if filled >= PURE_MIN_FILLED and pure >= PURE_SHARE:
        return (f"its values predict the outcome almost perfectly ({pure:.0%} of the deals it "
                f"fills have a value that is {PURE_RATE:.0%}+ won or lost): looks like it is "
                "written after the outcome")
    value = _named_outcome(deals, name)
    if value:
        return f"values such as '{value}' name the outcome: written after it"
    if AFTERMATH_HEADER.search(label_of(name)):
        return ("its name says it is recorded after contact or at the close (last activity, "
                "a quality grade, the stage)")
    return ""


def find_leaks(deals: list[Deal], names: Iterable[str],
               use_columns: Iterable[str] = ()) -> dict[str, Leak]:
    """The attributes among ``names`` that leak the outcome, unless the user keeps them."""
    keep = {u.strip().lower() for u in use_columns}
    leaks = {}
    for name in names:
        if name.lower() in keep or label_of(name).lower() in keep:
            continue
        reason = leak_reason(deals, name)
        if reason:
            leaks[name] = Leak(name, label_of(name), reason)
    return leaks
