"""Reading values out of cells: outcomes, numbers, head counts and dates."""

from __future__ import annotations

import re

from retrieval.records import Outcome

_OUTCOMES: dict[str, Outcome] = {}
for _words, _outcome in (
    (("won", "win", "closed won", "closedwon", "closed win", "signed", "success", "customer"),
     Outcome.WON),
    (("lost", "loss", "closed lost", "closedlost", "closed loss", "no decision",
      "disqualified", "dead"), Outcome.LOST),
    (("churned", "churn", "cancelled", "canceled", "not renewed", "did not renew",
      "downgraded to zero"), Outcome.CHURNED),
    (("open", "engaging", "prospecting", "qualification", "qualified", "discovery",
      "proposal", "negotiation", "in progress", "pipeline", "evaluation", "demo"),
     Outcome.OPEN),
):
    for _word in _words:
        _OUTCOMES[_word] = _outcome


def normalise_outcome(value: str) -> Outcome:
    key = re.sub(r"[^a-z]+", " ", value.lower()).strip()
    if key in _OUTCOMES:
        return _OUTCOMES[key]
    for word in key.split():
        if word in ("won", "win"):
            return Outcome.WON
        if word in ("lost", "loss"):
            return Outcome.LOST
        if word in ("churned", "churn", "cancelled", "canceled"):
            return Outcome.CHURNED
    return Outcome.UNKNOWN


def parse_number(value: str) -> int | float | None:
    """``"1,200"`` -> 1200, ``"$2.5M"`` -> 2500000.0; ranges and words -> None."""
    text = value.strip().lower().replace(",", "").replace("$", "").replace("€", "")
    match = re.fullmatch(r"(-?\d+(?:\.\d+)?)\s*([kmb])?\+?", text)
    if not match:
        return None
    number = float(match.group(1)) * {"k": 1e3, "m": 1e6, "b": 1e9, None: 1}[match.group(2)]
    return int(number) if number.is_integer() else number


_RANGE_NUMBERS = re.compile(r"\d[\d,]*(?:\.\d+)?")
_SELF_EMPLOYED = re.compile(r"\bself[- ]employed\b|\bsole (trader|proprietor)\b|\bfreelanc", re.I)
# "Construction, 51-200 employees": an industry and a size band in one review cell
_SIZE_PART = re.compile(
    r"^\s*(?:\d[\d,]*\s*(?:-|–|to)\s*\d[\d,]*|\d[\d,]*\s*\+|\d[\d,]*)\s*(?:employees|emp\.?|"
    r"staff|people)\s*$|^\s*self[- ]employed\s*$", re.I)


def parse_headcount(value: str) -> int | None:
    """Employees from ``"420"``, ``"51-200 employees"`` (midpoint), ``"10,001+"``,
    ``"Mid-Market (51-1000 emp.)"`` or ``"Self-employed"`` (1); None when there is none."""
    number = parse_number(value)
    if number is not None:
        return int(number)
    if _SELF_EMPLOYED.search(value):
        return 1
    found = [float(n.replace(",", "")) for n in _RANGE_NUMBERS.findall(value)]
    if not found or len(found) > 2:
        return None
    return int(sum(found) / len(found))


def split_industry_size(value: str) -> tuple[str, str]:
    """``"Construction, 51-200 employees"`` -> ``("Construction", "51-200 employees")``."""
    head, sep, tail = value.rpartition(",")
    if sep and _SIZE_PART.match(tail):
        return head.strip(), tail.strip()
    if _SIZE_PART.match(value):
        return "", value.strip()
    return value, ""
