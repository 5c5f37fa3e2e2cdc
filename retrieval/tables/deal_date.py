"""Which date of a table is the deal's date: the one the backtest and drift split on.

Among the date columns, the deal date is filled for (nearly) every closed deal whatever its
outcome: created, first contact, submitted, closed. A date filled mostly for one outcome
(``closed_at`` filled for closed startups and almost no acquired one) is written after the
outcome: it is set aside with its figures and never split on. Among the dates that qualify,
a column the alias table names a date comes first (in the table's order of preference),
then the one whose values come earliest (founded before first funding before last). Without
outcomes (tickets, reviews) the first date column the alias table names is used.
``--date COLUMN`` (or ``date:`` in a mapping file) decides instead.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from retrieval.records import Outcome
from retrieval.tables.cells import cell
from retrieval.tables.dates import day_first, parse_date
from retrieval.tables.outcomes import CLOSED, OutcomeRule, fill_leak

NEARLY_ALL = 0.9  # the deal date is filled for at least this share of each outcome's deals


@dataclass
class DateChoice:
    column: str = ""                                   # "" when no date qualifies
    reason: str = ""
    leaks: dict[str, str] = field(default_factory=dict)  # column -> why it is not the date
    dayfirst: dict[str, bool] = field(default_factory=dict)  # column -> day before month

    def as_dict(self) -> dict[str, Any]:
        return {"column": self.column or None, "reason": self.reason, "leaks": self.leaks,
                "day_first": {k: v for k, v in self.dayfirst.items() if v}}


def _filled(rows: Sequence[dict[str, Any]], column: str, dayfirst: bool) -> list[bool]:
    return [parse_date(cell(r.get(column)), dayfirst) is not None for r in rows]


def choose_date(candidates: list[str], aliased: list[str], rows: Sequence[dict[str, Any]],
                outcome: OutcomeRule | None, forced: str = "") -> DateChoice:
    """The deal date among ``candidates`` (date columns; ``aliased`` in alias order)."""
    choice = DateChoice()
    for column in candidates:
        choice.dayfirst[column] = day_first(v for v in (cell(r.get(column)) for r in rows) if v)
    if forced:
        choice.column, choice.reason = forced, f"{forced}: chosen with --date"
        return choice
    if not candidates:
        choice.reason = "no date column"
        return choice
    outcomes = [outcome.read(r)[0] for r in rows] if outcome else []
    won = [i for i, o in enumerate(outcomes) if o is Outcome.WON]
    lost = [i for i, o in enumerate(outcomes) if o in CLOSED and o is not Outcome.WON]
    fills: dict[str, list[bool]] = {c: _filled(rows, c, choice.dayfirst[c]) for c in candidates}
    if not won or not lost:
        best = next((c for c in aliased if any(fills[c])), "") or max(
            candidates, key=lambda c: sum(fills[c]))
        if any(fills[best]):
            choice.column = best
            choice.reason = f"{best}: the date column filled for the most records"
        return choice
    eligible = []
    figures = {}
    for column in candidates:
        won_fill = sum(fills[column][i] for i in won) / len(won)
        lost_fill = sum(fills[column][i] for i in lost) / len(lost)
        figures[column] = f"filled for {won_fill:.0%} of won and {lost_fill:.0%} of lost deals"
        leak = fill_leak(won_fill, lost_fill)
        if leak:
            choice.leaks[column] = leak + "; not the date to split on"
        elif min(won_fill, lost_fill) >= NEARLY_ALL:
            eligible.append(column)
    if not eligible:
        choice.reason = ("no date column is filled for nearly every closed deal ("
                         + "; ".join(f"{c} {f}" for c, f in figures.items())
                         + "): held-out deals are drawn at random")
        return choice

    def median_day(column: str) -> str:
        days = [d.date().isoformat() for d in (
            parse_date(cell(r.get(column)), choice.dayfirst[column]) for r in rows) if d]
        return statistics.median_low(days) if days else "9999"

    ranked = sorted(eligible, key=lambda c: (aliased.index(c) if c in aliased else len(aliased),
                                             median_day(c), candidates.index(c)))
    choice.column = ranked[0]
    choice.reason = (f"{ranked[0]}: {figures[ranked[0]]}, so it dates every deal whatever its "
                     "outcome" + (f" (also qualified: {', '.join(ranked[1:])})"
                                  if ranked[1:] else ""))
    return choice
