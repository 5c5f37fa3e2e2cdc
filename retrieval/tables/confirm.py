"""Values decide, aliases propose: does a column's content confirm the field its header names?

The alias table (``retrieval/tables/aliases.py``) matches headers, and a header is only a
hypothesis: a 3-value ``Client`` column (``Current`` / ``New``) is not the account's name, a
yes/no ``Competitors`` column is not a competitor, ``Name`` holding company names is not a
speaker, ``contact`` holding ``cellular`` / ``telephone`` is not a person. Each field states
what its values must look like; when they do not, the column keeps the role its values
give it (``retrieval/columns.infer_role``) and the reason says why, for ``icp inspect``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from agent.base.fields import FIELDS, NUMERIC, keys_where
from retrieval.tables.columns import is_number, looks_like_codes, person_names
from retrieval.tables.dates import looks_like_date
from retrieval.tables.outcomes import FALSE_VALUES, TRUE_VALUES
from retrieval.tables.values import parse_headcount, parse_number

FEW_VALUES = 5        # a column with this many distinct values or fewer is a category
MIN_VALUES_TO_JUDGE = 20  # below this many filled cells, the header is trusted
# Read from the field table: fields that name one thing per row (an account, a person, a
# record), free texts, person names, numbers, categories (numbers_allowed: labels may be
# numbers).
IDENTITY_FIELDS = keys_where(role="identity")
TEXT_FIELDS = keys_where(role="text")
PERSON_FIELDS = keys_where(person=True)
CATEGORY_FIELDS = keys_where(role="category") + keys_where(role="list")


@dataclass(frozen=True)
class Verdict:
    confirmed: bool
    reason: str = ""   # why the values contradict the header ("" when confirmed)


def _is_flag(values: list[str]) -> bool:
    keys = {v.strip().lower() for v in values}
    return bool(keys) and keys <= (TRUE_VALUES | FALSE_VALUES) and len(keys) <= 2


def _share(values: list[str], test: Callable[[str], object]) -> float:
    return sum(1 for v in values if test(v)) / len(values) if values else 0.0


def confirm(field: str, header: str, values: list[str]) -> Verdict:
    """Whether ``values`` (the column's filled cells) are what ``field`` holds."""
    n = len(values)
    if n < MIN_VALUES_TO_JUDGE:
        return Verdict(True)
    distinct = len(set(values))
    says = f"header says {field.replace('_', ' ')}"
    if _is_flag(values) and field not in ("outcome",):
        return Verdict(False, f"{says}, values are a yes/no flag")
    if field in IDENTITY_FIELDS + TEXT_FIELDS and distinct <= FEW_VALUES:
        return Verdict(False, f"{says}, values are a {distinct}-value category")
    if field in PERSON_FIELDS and not person_names(values):
        return Verdict(False, f"{says}, values are not person names")
    if field == "record_id" and distinct < 0.9 * n:
        return Verdict(False, f"{says}, but {distinct} distinct values in {n} rows")
    if field in NUMERIC:
        if looks_like_codes(header, values):
            return Verdict(False, f"{says}, values are codes, not quantities")
        read = parse_headcount if field == "employees" else parse_number
        if _share(values, lambda v: read(v) is not None) < 0.8:
            return Verdict(False, f"{says}, values are not numbers")
    if field in CATEGORY_FIELDS and _share(values, is_number) >= 0.95 \
            and not FIELDS[field].numbers_allowed and distinct > FEW_VALUES:
        return Verdict(False, f"{says}, values are numbers")
    if field == "date" and _share(values, looks_like_date) < 0.8:
        return Verdict(False, f"{says}, values are not dates")
    return Verdict(True)


def names_an_account(values: list[str]) -> bool:
    """Many distinct short names, not numbers: a column that names the account."""
    n = len(values)
    if n < MIN_VALUES_TO_JUDGE:
        return False
    return len(set(values)) >= 0.5 * n and _share(values, is_number) < 0.2 \
        and _share(values, lambda v: len(v.split()) <= 6) >= 0.9
