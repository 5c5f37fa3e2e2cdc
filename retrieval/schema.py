"""The plan for one table export: every column's role, the outcome rule, repairs.

``build_schema`` looks at the first rows of a table (``SAMPLE_ROWS``), applies the alias
table, the user's overrides and the inference of ``retrieval/columns.py``, and returns a
``TableSchema`` that turns each row into canonical fields, attributes and evidence text.
``icp inspect`` prints the same schema that ingest uses.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from retrieval.aliases import ALIASES, ColumnMap, map_columns
from retrieval.attributes import PREFIXES, attribute_key, attribute_value
from retrieval.cells import cell, flatten
from retrieval.clean import clean_text
from retrieval.columns import ATTRIBUTE_ROLES, ColumnProfile, Role, profile_column
from retrieval.errors import MappingError
from retrieval.fields import collect_fields
from retrieval.mapping import ATTRIBUTE_WORD, ROLE_WORDS, ColumnMapping
from retrieval.outcomes import OutcomeRule, detect_outcome, explicit_rule

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
        """Canonical fields, then every attribute, date and URL column of one row."""
        out = collect_fields(self.cmap, row, self.outcome)
        for profile in self.profiles:
            role = profile.role
            if role not in PREFIXES and role != Role.IDENTIFIER:
                continue
            text = self.value(row, profile.header)
            if not text:
                continue
            if role == Role.IDENTIFIER:
                out.setdefault("record_id", text[:120])
                continue
            value = attribute_value(role, text)
            if value is None:
                continue
            out[attribute_key(role, profile.header)] = value
            if role == Role.DATE:
                out.setdefault("date", value)
        for header, name in self._secondary():  # e.g. engage_date beside close_date
            text = self.value(row, header)
            if text and name not in TEXT_FIELDS:
                role = Role.DATE if name == "date" else Role.CATEGORY
                value = attribute_value(role, text)
                if value is not None:
                    out[attribute_key(role, header)] = value
        return out

    def _secondary(self) -> list[tuple[str, str]]:
        """Columns that share a field with a preferred one: ``(header, field)``."""
        return [(h, name) for name, hs in self.cmap.candidates.items() for h in hs[1:]]

    def texts(self, row: dict[str, Any]) -> list[tuple[str, str]]:
        """Free-text cells as ``(header, cleaned text)``, in column order."""
        out = []
        # a second column for a text field, when it says something the first does not
        extra_text = [h for h, name in self._secondary() if name in TEXT_FIELDS
                      and self.value(row, h) not in ("", self.cmap.get(row, name))]
        for header in self.columns(Role.TEXT) + extra_text:
            text = clean_text(self.value(row, header))
            if text:
                out.append((header, text))
        for label, value in row.get(EXTRA, ()):
            text = clean_text(value)
            if text:
                out.append((label, text))
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
    missing = [h for h in [*mapping.columns, mapping.outcome] if h and h not in headers]
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


def build_schema(headers: list[str], rows: list[dict[str, Any]],
                 mapping: ColumnMapping | None = None, where: str = "") -> TableSchema:
    """The schema of a table from its headers and its first rows."""
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
    for header in headers:
        label = labels.get(header, "")
        values = [strip_label(flatten(r.get(header)), label) for r in rows]
        if outcome is not None and header == outcome.column:
            profile = profile_column(header, values, Role.OUTCOME, outcome.describe())
        elif header in forced and forced[header] != Role.OUTCOME:
            profile = profile_column(header, values, forced[header], "override")
            if mapping.columns.get(header) == ATTRIBUTE_WORD:
                inferred = profile_column(header, values)
                if inferred.role in ATTRIBUTE_ROLES:
                    profile.role = inferred.role
        elif header in canonical:
            name = canonical[header]
            how = "override" if mapping.columns.get(header) == name else "alias"
            profile = profile_column(header, values, Role.FIELD, how, canonical=name)
        else:
            profile = profile_column(header, values)
            profile.reason = "inferred: " + profile.reason
        schema.profiles.append(profile)
    return schema


def is_text_field(name: str) -> bool:
    return name in TEXT_FIELDS
