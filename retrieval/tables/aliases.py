"""Column alias table: maps the many spellings of CRM/helpdesk export headers to our fields.

Headers are compared after normalisation (lower case, only letters and digits), so
``Account Name``, ``account_name`` and ``ACCOUNT-NAME`` are the same header.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from agent.base.fields import FIELDS
from retrieval.tables.cells import cell

# canonical field -> aliases, in order of preference (the first header found wins); the
# field table declares them.
ALIASES: dict[str, tuple[str, ...]] = {key: f.aliases for key, f in FIELDS.items() if f.aliases}


REQUIRED: dict[str, tuple[tuple[str, ...], ...]] = {
    # each inner tuple is "at least one of these"
    "winloss": (("outcome",),),
    "ticket": (("title", "body"),),
}


def normalise_header(header: object) -> str:
    return re.sub(r"[^a-z0-9]+", " ", str(header).lower()).strip()


_LOOKUP: dict[str, str] = {}
for _field, _names in ALIASES.items():
    for _name in _names:
        _LOOKUP.setdefault(normalise_header(_name), _field)


@dataclass
class ColumnMap:
    """Which input headers feed which canonical field, and what was left unmapped.

    A field may have several candidate headers (JSON records of mixed shapes, or an
    export with both ``Outcome`` and ``Status``); the preferred one that has a value wins.
    """

    candidates: dict[str, list[str]] = field(default_factory=dict)  # field -> headers
    unmapped: list[str] = field(default_factory=list)

    @property
    def mapping(self) -> dict[str, str]:
        """The preferred header of each mapped field."""
        return {name: headers[0] for name, headers in self.candidates.items()}

    def get(self, row: dict[str, Any], name: str) -> str:
        for header in self.candidates.get(name, ()):
            value = cell(row.get(header))
            if value:
                return value
        return ""

    def has(self, name: str) -> bool:
        return name in self.candidates

    def missing_required(self, kind: str) -> list[tuple[str, ...]]:
        return [
            group for group in REQUIRED.get(kind, ())
            if not any(self.has(name) for name in group)
        ]


def map_columns(headers: list[str]) -> ColumnMap:
    """Map headers to canonical fields, candidates ordered by alias preference."""
    cmap = ColumnMap()
    ranked: dict[str, list[tuple[int, str]]] = {}
    for header in headers:
        key = normalise_header(header)
        name = _LOOKUP.get(key)
        if name is None:
            cmap.unmapped.append(header)
            continue
        rank = [normalise_header(a) for a in ALIASES[name]].index(key)
        ranked.setdefault(name, []).append((rank, header))
    cmap.candidates = {name: [h for _, h in sorted(found)] for name, found in ranked.items()}
    return cmap


def describe_aliases(name: str) -> str:
    """Human list of accepted headers for an error message."""
    return ", ".join(ALIASES[name][:6]) + ("…" if len(ALIASES[name]) > 6 else "")
