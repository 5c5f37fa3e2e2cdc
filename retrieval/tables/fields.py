"""Canonical fields of a row or a front-matter block, and front matter itself."""

from __future__ import annotations

import re
from typing import Any

import yaml

from agent.base.fields import NUMERIC, keys_where
from retrieval.records import Outcome
from retrieval.tables.aliases import ColumnMap, map_columns
from retrieval.tables.cells import flatten
from retrieval.tables.outcomes import OutcomeRule
from retrieval.tables.values import (
    normalise_outcome,
    parse_headcount,
    parse_number,
    split_industry_size,
)

FIRMOGRAPHIC_FIELDS = keys_where(kind="firmographic") + keys_where(kind="technographic")
PROVENANCE_FIELDS = (
    "account", "date", "outcome", "reason", "product", "amount", "competitor", "tags",
    "requester", "role", "record_id", "repo", *FIRMOGRAPHIC_FIELDS,
)


def collect_fields(cmap: ColumnMap, row: dict[str, Any],
                   outcome: OutcomeRule | None = None) -> dict[str, str | int | float]:
    """Canonical provenance/firmographic fields from one row; missing values are left out.

    ``outcome`` reads the outcome from its own column (flags, won dates, user values);
    without it the aliased outcome column is read as stage names.
    """
    out: dict[str, str | int | float] = {}
    for name in PROVENANCE_FIELDS:
        if name == "outcome" and outcome is not None:
            result, raw = outcome.read(row)
            if result is not Outcome.UNKNOWN or raw:
                out["outcome"] = result.value
                out["outcome_raw"] = (raw if outcome.mode == "stage"
                                      else f"{outcome.column} = {raw or 'empty'}")[:80]
            continue
        value = cmap.get(row, name)
        if not value:
            continue
        if name == "outcome":
            out[name] = normalise_outcome(value).value
            out["outcome_raw"] = value[:80]
        elif name == "industry":
            industry, size = split_industry_size(value)
            if industry:
                out[name] = industry[:300]
            if size and not cmap.get(row, "employees"):
                out["employees"] = parse_headcount(size) or size
                out["employees_raw"] = size[:80]
        elif name == "employees":
            number = parse_headcount(value)
            out[name] = number if number is not None else value[:80]
            if parse_number(value) is None:
                out["employees_raw"] = value[:80]
        elif name in NUMERIC:
            amount = parse_number(value)
            out[name] = amount if amount is not None else value[:80]
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
