"""Deal outcomes in any form: stage names, yes/no and 0/1 columns, or a won date.

An ``OutcomeRule`` says which column holds the outcome and how its values read:

- ``stage``: stage or status names (``Closed Won``, ``Lost``, ``Churned``, ``Prospecting``);
- ``flag``: a yes/no, true/false or 0/1 column whose header names the outcome
  (``Converted``, ``Is Won``, ``Churned``): a true value is the outcome the header names;
- ``date``: a date column whose header names the outcome (``Won Date``): filled means the
  outcome happened, empty means it did not;
- ``explicit``: the values the user listed with ``--won`` / ``--lost`` / ``--churned``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from retrieval.records import Outcome
from retrieval.tables.aliases import normalise_header
from retrieval.tables.cells import cell
from retrieval.tables.dates import parse_date
from retrieval.tables.values import normalise_outcome

TRUE_VALUES = frozenset({"1", "true", "yes", "y", "t", "x", "1.0"})
FALSE_VALUES = frozenset({"0", "false", "no", "n", "f", "0.0"})
CLOSED = (Outcome.WON, Outcome.LOST, Outcome.CHURNED)

# A header that names an outcome: what a true flag (or a filled date) means.
_HEADER_OUTCOME = (
    (re.compile(r"\b(churn|churned|cancell?ed|cancellation|not renewed)\b"), Outcome.CHURNED),
    (re.compile(r"\b(lost|loss|closed lost)\b"), Outcome.LOST),
    (re.compile(r"\b(won|win|converted|conversion|convert|purchased|purchase|signed|"
                r"closed won|became customer|is customer|is paying|paid|success|"
                r"renewed|retained)\b"), Outcome.WON),
)


def header_outcome(header: str) -> Outcome | None:
    """The outcome a column's header names (``Converted`` -> won), if any."""
    name = normalise_header(header)
    for pattern, outcome in _HEADER_OUTCOME:
        if pattern.search(name):
            return outcome
    return None


def _opposite(outcome: Outcome) -> Outcome:
    return Outcome.WON if outcome in (Outcome.CHURNED, Outcome.LOST) else Outcome.LOST


@dataclass
class OutcomeRule:
    column: str
    mode: str  # stage | flag | date | explicit
    positive: Outcome = Outcome.WON          # flag/date: what true or filled means
    values: dict[str, Outcome] = field(default_factory=dict)  # explicit: value -> outcome
    otherwise: Outcome = Outcome.OPEN        # explicit: a value not listed

    def read(self, row: dict[str, Any]) -> tuple[Outcome, str]:
        """The outcome of one row and the raw text it came from (``""`` when none)."""
        raw = cell(row.get(self.column))
        if self.mode == "date":
            return (self.positive, raw) if raw else (_opposite(self.positive), "")
        if not raw:
            return Outcome.UNKNOWN, ""
        key = raw.strip().lower()
        if self.mode == "explicit":
            return self.values.get(key, self.otherwise), raw
        if self.mode == "flag":
            if key in TRUE_VALUES:
                return self.positive, raw
            if key in FALSE_VALUES:
                return _opposite(self.positive), raw
            return Outcome.UNKNOWN, raw
        return normalise_outcome(raw), raw

    def describe(self) -> str:
        if self.mode == "stage":
            return f"'{self.column}': stage names (won / lost / churned / open)"
        if self.mode == "flag":
            return (f"'{self.column}': true/yes/1 = {self.positive.value}, false/no/0 = "
                    f"{_opposite(self.positive).value}")
        if self.mode == "date":
            return (f"'{self.column}': filled = {self.positive.value}, empty = "
                    f"{_opposite(self.positive).value}")
        listed = ", ".join(f"{v} = {o.value}" for v, o in self.values.items())
        return f"'{self.column}': {listed}; any other value = {self.otherwise.value}"

    def as_dict(self) -> dict[str, Any]:
        return {"column": self.column, "mode": self.mode, "rule": self.describe()}


def explicit_rule(column: str, won: Iterable[str] = (), lost: Iterable[str] = (),
                  churned: Iterable[str] = (), open_: Iterable[str] = ()) -> OutcomeRule:
    """The user's own reading of an outcome column (``--outcome C --won 1,yes --lost 0``).

    With only ``--won`` values, every other value is lost; otherwise values not listed
    are open deals. With no values at all, the column is read as stage names or a flag.
    """
    values: dict[str, Outcome] = {}
    for items, outcome in ((won, Outcome.WON), (lost, Outcome.LOST),
                           (churned, Outcome.CHURNED), (open_, Outcome.OPEN)):
        for item in items:
            values[str(item).strip().lower()] = outcome
    if not values:
        return OutcomeRule(column, "stage")
    only_won = set(values.values()) == {Outcome.WON}
    return OutcomeRule(column, "explicit", values=values,
                       otherwise=Outcome.LOST if only_won else Outcome.OPEN)


def _is_flag(values: list[str]) -> bool:
    keys = {v.strip().lower() for v in values}
    return bool(keys) and keys <= (TRUE_VALUES | FALSE_VALUES) and len(keys) <= 2


def detect_outcome(stage_columns: list[str], headers: list[str],
                   rows: list[dict[str, Any]]) -> OutcomeRule | None:
    """The outcome column of a table, if it has one with at least one closed deal.

    Columns named as outcomes by the alias table (``Stage``, ``Outcome``, ``Status``) come
    first, read as stage names; then yes/no columns and dates whose header names an
    outcome (``Converted``, ``Is Won``, ``Churned``, ``Won Date``).
    """
    for column in stage_columns:
        if any(normalise_outcome(cell(r.get(column))) in CLOSED for r in rows):
            return OutcomeRule(column, "stage")
    for column in headers:
        named = header_outcome(column)
        if named is None or column in stage_columns:
            continue
        values = [v for v in (cell(r.get(column)) for r in rows) if v]
        if _is_flag(values):
            return OutcomeRule(column, "flag", positive=named)
    for column in headers:
        named = header_outcome(column)
        if named is None or "date" not in normalise_header(column).split():
            continue
        values = [v for v in (cell(r.get(column)) for r in rows) if v]
        if values and all(parse_date(v) is not None for v in values[:50]):
            return OutcomeRule(column, "date", positive=named)
    return None


# A column filled for most deals of one outcome and few of the other is written after the
# outcome (a won date, a churn reason, notes taken after the call). One rule, used by the
# deal-date choice at ingest and the leakage guard at drafting.
FILL_RATIO, FILL_MIN = 3.0, 0.3


def fill_leak(won_fill: float, lost_fill: float) -> str:
    """Why filling only for one outcome says a column is written after it ("" if not)."""
    high, low = max(won_fill, lost_fill), min(won_fill, lost_fill)
    if high >= FILL_MIN and (low == 0 or high / low >= FILL_RATIO):
        return (f"filled for {won_fill:.0%} of won and {lost_fill:.0%} of lost deals: looks "
                "like it is written after the outcome")
    return ""
