"""The plan for one table export: every column's role, the outcome rule, repairs.

``build_schema`` looks at rows spread over the whole table (``sample.py``), applies the
user's overrides, the alias table *as a hypothesis the values must confirm*
(``confirm.py``) and the inference of ``columns.py``, sets aside columns that copy another
one, picks the deal date (``deal_date.py``), and returns a
``TableSchema`` that turns each row into canonical fields, attributes and evidence text.
An attribute column whose cell is empty is stored as ``""`` ("not recorded", a level the
learner may test); a key that is absent means the table has no such column.
``icp inspect`` prints the same schema that ingest uses.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from agent.base.errors import MappingError
from retrieval.clean import clean_text
from retrieval.tables.aliases import ALIASES, ColumnMap, map_columns
from retrieval.tables.attributes import (
    CANONICAL,
    LEARNABLE,
    PREFIXES,
    attribute_key,
    attribute_value,
)
from retrieval.tables.cells import cell, flatten, is_placeholder
from retrieval.tables.columns import ATTRIBUTE_ROLES, ColumnProfile, Role, profile_column
from retrieval.tables.confirm import confirm, names_an_account
from retrieval.tables.dates import iso_date
from retrieval.tables.deal_date import DateChoice, choose_date
from retrieval.tables.fields import collect_fields
from retrieval.tables.mapping import ATTRIBUTE_WORD, ROLE_WORDS, ColumnMapping
from retrieval.tables.outcomes import OutcomeRule, detect_outcome, explicit_rule

READER_VERSION = 3  # part of each file's ledger digest: a new reader re-reads old files
EXTRA = "\x00extra"  # a repaired row's labelled cells that have no column of their own
# Canonical fields that are evidence text rather than attributes or provenance.
TEXT_FIELDS = ("reason", "notes", "title", "body")
_LABEL = re.compile(r"^([A-Z][\w '’/&()-]{0,60}?):[\s\xa0]+(?=\S)")
LABEL_SHARE = 0.6


def cell_label(value: str) -> str:
    """``"Pros: Easy to use"`` -> ``"Pros"``; ``""`` when the cell has no label."""
    match = _LABEL.match(value)
    return match.group(1).strip() if match else ""


def strip_label(value: str, label: str) -> str:
    if label and cell_label(value) == label:
        return value[_LABEL.match(value).end():].strip()  # type: ignore[union-attr]
    return value


@dataclass
class TableSchema:
    headers: list[str]
    cmap: ColumnMap
    profiles: list[ColumnProfile]
    outcome: OutcomeRule | None = None
    labels: dict[str, str] = field(default_factory=dict)  # column -> label its cells start with
    mapping: ColumnMapping = field(default_factory=ColumnMapping)
    dates: DateChoice = field(default_factory=DateChoice)
    rows_read: int = 0  # rows in the file (the profile may be a sample of them)

    def profile(self, header: str) -> ColumnProfile | None:
        return next((p for p in self.profiles if p.header == header), None)

    def demote(self, name: str, reason: str) -> None:
        """Read a canonical field's columns as plain attributes (a ticket's status is not
        a deal outcome)."""
        for header in self.cmap.candidates.pop(name, []):
            profile = self.profile(header)
            if profile is not None:
                profile.role, profile.field, profile.reason = Role.CATEGORY, "", reason

    def columns(self, *roles: Role) -> list[str]:
        return [p.header for p in self.profiles if p.role in roles]

    def value(self, row: dict[str, Any], header: str) -> str:
        """A cell with the placeholder check and its column's label prefix removed."""
        return strip_label(cell(row.get(header)), self.labels.get(header, ""))

    def fields(self, row: dict[str, Any]) -> dict[str, str | int | float]:
        """Canonical fields, then every attribute, date and URL column of one row.

        A learnable attribute whose cell is empty is ``""`` (recorded as not filled)."""
        out = collect_fields(self.cmap, row, self.outcome)
        for name in CANONICAL:
            if name not in out and any(h in row for h in self.cmap.candidates.get(name, ())):
                out[name] = ""
        for profile in self.profiles:
            role = profile.role
            if profile.header not in row:  # not in this row (a list row read in parts)
                continue
            if role == Role.DATE:
                self._date(row, profile.header, out)
                continue
            if role not in PREFIXES and role != Role.IDENTIFIER:
                continue
            text = self.value(row, profile.header)
            if not text:
                if role in LEARNABLE:
                    out[attribute_key(role, profile.header)] = ""
                continue
            if role == Role.IDENTIFIER:
                out.setdefault("record_id", text[:120])
                continue
            value = attribute_value(role, text)
            key = attribute_key(role, profile.header)
            if value is None:
                if role in LEARNABLE:
                    out[key] = ""
                continue
            out[key] = value
        for header, name in self._secondary():  # e.g. a second industry column
            text = self.value(row, header)
            if text and name not in TEXT_FIELDS:
                value = attribute_value(Role.CATEGORY, text)
                if value is not None:
                    out[attribute_key(Role.CATEGORY, header)] = value
        return out

    def _date(self, row: dict[str, Any], header: str, out: dict[str, str | int | float]) -> None:
        """A date column as an ISO date: the deal date as ``date``, others as ``date:H``."""
        day = iso_date(self.value(row, header), self.dates.dayfirst.get(header, False))
        if not day:
            return
        out[attribute_key(Role.DATE, header)] = day
        if header == self.dates.column:
            out["date"] = day
            out["date_column"] = header[:80]

    def _secondary(self) -> list[tuple[str, str]]:
        """Columns that share a field with a preferred one: ``(header, field)``."""
        return [(h, name) for name, hs in self.cmap.candidates.items() for h in hs[1:]]

    def texts(self, row: dict[str, Any]) -> list[tuple[str, str]]:
        """Free-text cells as ``(header, cleaned text)``, in column order."""
        return [(header, text) for header, _, text in self.text_cells(row)]

    def text_cells(self, row: dict[str, Any]) -> list[tuple[str, str, str]]:
        """Free-text cells as ``(header, raw text, cleaned text)``, in column order."""
        out = []
        # a second column for a text field, when it says something the first does not
        extra_text = [h for h, name in self._secondary() if name in TEXT_FIELDS
                      and self.value(row, h) not in ("", self.cmap.get(row, name))]
        for header in self.columns(Role.TEXT) + extra_text:
            raw = self.value(row, header)
            text = clean_text(raw)
            if text:
                out.append((header, raw, text))
        for label, value in row.get(EXTRA, ()):
            text = clean_text(value)
            if text:
                out.append((label, value, text))
        return out

    def repair(self, row: dict[str, Any]) -> tuple[dict[str, Any], bool | None]:
        """Move labelled cells back to their columns (rows shifted by an export bug).

        Returns the row and True when it was repaired, None when it is shifted but cannot
        be put right (two cells claim one column), False when nothing was out of place.
        """
        if len(self.labels) < 2:
            return row, False
        home = {label: header for header, label in self.labels.items()}
        placed: dict[str, str] = {}
        extra: list[tuple[str, str]] = []
        moved = False
        for header in self.labels:
            value = cell(row.get(header))
            label = cell_label(value)
            target = home.get(label)
            if not value:
                continue
            if target is None:
                if label and label != self.labels[header]:
                    extra.append((label, strip_label(value, label)))
                    moved = True
                else:
                    placed.setdefault(header, value)
                continue
            if target in placed:
                return row, None
            placed[target] = value
            moved = moved or target != header
        if not moved:
            return row, False
        fixed = dict(row)
        for header in self.labels:
            fixed[header] = placed.get(header, "")
        if extra:
            fixed[EXTRA] = extra
        return fixed, True

    def as_dict(self) -> dict[str, Any]:
        return {
            "columns": [p.as_dict() for p in self.profiles],
            "outcome": self.outcome.as_dict() if self.outcome else None,
            "labels": self.labels,
            "deal_date": self.dates.as_dict(),
            "overrides": self.mapping.as_dict(),
        }


def _labels(headers: list[str], rows: list[dict[str, Any]]) -> dict[str, str]:
    """Columns whose cells mostly start with the same label (``Pros:``, ``Cons:``)."""
    labels = {}
    for header in headers:
        values = [v for v in (cell(r.get(header)) for r in rows) if v]
        if len(values) < 3:
            continue
        label, count = Counter(cell_label(v) for v in values).most_common(1)[0]
        if label and count >= LABEL_SHARE * len(values):
            labels[header] = label
    return labels


def _apply_overrides(headers: list[str], mapping: ColumnMapping,
                     where: str) -> tuple[ColumnMap, dict[str, Role]]:
    missing = [h for h in [*mapping.columns, mapping.outcome, mapping.date]
               if h and h not in headers]
    if missing:
        raise MappingError(f"no column named {', '.join(repr(m) for m in missing)} "
                           f"(columns: {', '.join(headers[:20])})", where)
    forced = {h: t for h, t in mapping.columns.items() if t not in ALIASES}
    canonical = {h: t for h, t in mapping.columns.items() if t in ALIASES}
    cmap = map_columns([h for h in headers if h not in mapping.columns
                        and h != mapping.outcome])
    for header, name in canonical.items():
        cmap.candidates.setdefault(name, [])
        cmap.candidates[name].insert(0, header)
    roles = {h: ROLE_WORDS.get(t, Role.CATEGORY) for h, t in forced.items()
             if t != ATTRIBUTE_WORD}
    roles.update({h: Role.CATEGORY for h, t in forced.items() if t == ATTRIBUTE_WORD})
    return cmap, roles


def _filled(values: list[str]) -> list[str]:
    return [v for v in (x.strip() for x in values) if v and not is_placeholder(v)]


COPY_AGREEMENT = 0.99  # a column equal to an earlier one in this share of rows is a copy
MIN_COPY_ROWS = 10


def _copies(headers: list[str], columns: dict[str, list[str]]) -> dict[str, str]:
    """Columns whose cells equal an earlier column's in (nearly) every row
    (``state_code.1`` beside ``state_code``, ``object_id`` beside ``id``)."""
    shape: dict[str, tuple[int, str]] = {}
    for header in headers:
        filled = _filled(columns[header])
        if filled:
            shape[header] = (len(set(filled)), Counter(filled).most_common(1)[0][0])
    copies: dict[str, str] = {}
    kept: list[str] = []
    for header in headers:
        if header not in shape:
            continue
        distinct, top = shape[header]
        for earlier in kept:
            other_distinct, other_top = shape[earlier]
            if other_top != top or abs(other_distinct - distinct) > 1:
                continue
            # agreement where either is not the common value: two near-constant columns
            # agree everywhere without copying each other
            pairs = [(x.strip(), y.strip()) for x, y in zip(columns[header], columns[earlier],
                                                            strict=True)]
            rare = [(x, y) for x, y in pairs if x != top or y != top]
            same = sum(1 for x, y in rare if x == y)
            if len(rare) >= MIN_COPY_ROWS and same >= COPY_AGREEMENT * len(rare):
                copies[header] = earlier
                break
        else:
            kept.append(header)
    return copies


def build_schema(headers: list[str], rows: list[dict[str, Any]],
                 mapping: ColumnMapping | None = None, where: str = "") -> TableSchema:
    """The schema of a table from its headers and rows spread over the whole file."""
    mapping = mapping or ColumnMapping()
    headers = [h for h in headers if h and h != EXTRA]
    cmap, forced = _apply_overrides(headers, mapping, where)
    outcome_columns = [h for h, r in forced.items() if r == Role.OUTCOME]
    if mapping.outcome:
        outcome: OutcomeRule | None = explicit_rule(
            mapping.outcome, mapping.won, mapping.lost, mapping.churned)
    elif outcome_columns:
        outcome = explicit_rule(outcome_columns[0])
    else:
        outcome = detect_outcome(cmap.candidates.get("outcome", []), headers, rows)
    if outcome is not None:
        cmap.candidates.pop("outcome", None)
    labels = _labels(headers, rows)
    schema = TableSchema(headers, cmap, [], outcome, labels, mapping)
    canonical = {h: name for name, hs in cmap.candidates.items() for h in hs}
    columns = {h: [strip_label(flatten(r.get(h)), labels.get(h, "")) for r in rows]
               for h in headers}
    copies = _copies([h for h in headers if outcome is None or h != outcome.column], columns)
    refuted: dict[str, str] = {}
    for header in headers:
        values = columns[header]
        if outcome is not None and header == outcome.column:
            profile = profile_column(header, values, Role.OUTCOME, outcome.describe())
        elif header in forced and forced[header] != Role.OUTCOME:
            profile = profile_column(header, values, forced[header], "override")
            if mapping.columns.get(header) == ATTRIBUTE_WORD:
                inferred = profile_column(header, values)
                if inferred.role in ATTRIBUTE_ROLES:
                    profile.role = inferred.role
        elif header in copies:
            original = schema.profile(copies[header])
            is_id = original is not None and (original.role == Role.IDENTIFIER
                                              or original.field == "record_id")
            profile = profile_column(header, values, Role.IDENTIFIER if is_id else Role.IGNORE,
                                     f"a copy of column {copies[header]}")
            _drop_candidate(cmap, canonical.get(header), header)
        elif header in canonical:
            name = canonical[header]
            if mapping.columns.get(header) == name:
                profile = profile_column(header, values, Role.FIELD, "override", canonical=name)
            else:
                verdict = confirm(name, header, _filled(values))
                if verdict.confirmed:
                    profile = profile_column(header, values, Role.FIELD, "alias",
                                             canonical=name)
                else:
                    profile = profile_column(header, values)
                    profile.reason = f"{verdict.reason}: {profile.reason}"
                    _drop_candidate(cmap, name, header)
                    refuted[header] = name
        else:
            profile = profile_column(header, values)
            profile.reason = "inferred: " + profile.reason
        schema.profiles.append(profile)
    _account_from_names(schema, refuted, columns)
    _deal_date(schema, rows)
    return schema


def _drop_candidate(cmap: ColumnMap, name: str | None, header: str) -> None:
    if name and header in cmap.candidates.get(name, []):
        cmap.candidates[name].remove(header)
        if not cmap.candidates[name]:
            del cmap.candidates[name]


def _account_from_names(schema: TableSchema, refuted: dict[str, str],
                        columns: dict[str, list[str]]) -> None:
    """A ``Name`` column refuted as a person (company names) is the account when the table
    has no account column of its own."""
    if schema.cmap.has("account"):
        return
    for header, name in refuted.items():
        profile = schema.profile(header)
        if name in ("speaker", "requester") and profile is not None \
                and names_an_account(_filled(columns[header])):
            schema.cmap.candidates["account"] = [header]
            profile.role, profile.field = Role.FIELD, "account"
            profile.reason = f"header says {name}, values are names of organisations: the account"
            return


def _deal_date(schema: TableSchema, rows: list[dict[str, Any]]) -> None:
    """Pick the deal date among the date columns; the others stay dated attributes."""
    aliased = list(schema.cmap.candidates.pop("date", []))
    forced = schema.mapping.date
    candidates = [p.header for p in schema.profiles
                  if p.role == Role.DATE or p.header in aliased or p.header == forced]
    schema.dates = choose_date(candidates, aliased, rows, schema.outcome, forced)
    for profile in schema.profiles:
        if profile.header == forced and profile.role != Role.DATE:
            profile.role = Role.DATE
        if profile.header not in candidates:
            continue
        if profile.header == schema.dates.column:
            profile.role, profile.field = Role.DATE, "date"
            profile.reason = f"the deal date ({schema.dates.reason})"
        else:
            profile.role, profile.field = Role.DATE, ""
            leak = schema.dates.leaks.get(profile.header)
            profile.reason = leak or (profile.reason if profile.reason.startswith(
                "inferred") else "alias: a date, not the deal date")


def is_text_field(name: str) -> bool:
    return name in TEXT_FIELDS
