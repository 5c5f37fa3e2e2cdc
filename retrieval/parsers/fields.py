"""Normalising field values: outcomes, numbers, dates and front matter."""

from __future__ import annotations

import re
from typing import Any

import yaml

from retrieval.aliases import ColumnMap, flatten, map_columns
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


FIRMOGRAPHIC_FIELDS = ("industry", "employees", "revenue", "country", "technologies")
NUMERIC_FIELDS = ("employees", "revenue", "amount")
PROVENANCE_FIELDS = (
    "account", "date", "outcome", "reason", "product", "amount", "competitor", "tags",
    "requester", "role", "record_id", "repo", *FIRMOGRAPHIC_FIELDS,
)


def collect_fields(cmap: ColumnMap, row: dict[str, Any]) -> dict[str, str | int | float]:
    """Canonical provenance/firmographic fields from one row; empty values are left out."""
    out: dict[str, str | int | float] = {}
    for name in PROVENANCE_FIELDS:
        value = cmap.get(row, name)
        if not value:
            continue
        if name == "outcome":
            out[name] = normalise_outcome(value).value
            out["outcome_raw"] = value[:80]
        elif name in NUMERIC_FIELDS:
            number = parse_number(value)
            out[name] = number if number is not None else value[:80]
        else:
            out[name] = value[:300]
    return out


_FRONT = re.compile(r"\A\ufeff?---[ \t]*\n(.*?)\n---[ \t]*(?:\n|\Z)", re.S)


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """YAML front matter (``---`` fenced) and the rest; a bad block is left as text."""
    match = _FRONT.match(text)
    if not match:
        return {}, text
    try:
        data = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError:
        return {}, text
    if not isinstance(data, dict):
        return {}, text
    return data, text[match.end():]


def front_matter_fields(meta: dict[str, Any]) -> dict[str, str | int | float]:
    cmap = map_columns([str(k) for k in meta])
    row = {str(k): flatten(v) for k, v in meta.items()}
    return collect_fields(cmap, row)
