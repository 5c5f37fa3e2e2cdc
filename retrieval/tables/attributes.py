"""One naming scheme for the attributes a chunk carries, so learners can enumerate them.

Canonical fields keep their names (``industry``, ``employees``, ``revenue``, ``country``,
``technologies``, ``product``, ``competitor``, ``tags``, ``amount``). Every other attribute
column is stored under a prefix that says its type, followed by the column's own header,
so it reads as the user's export does:

- ``attr:Lead Source`` = ``"Reference"`` (a category),
- ``num:TotalVisits`` = ``5.0`` (a number),
- ``list:Tags`` = ``"b2b; saas"`` (several values, joined by ``"; "``),

and, kept but not learned from, ``date:First Contact`` (ISO date) and ``url:Website``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from agent.base.fields import FIELDS, LEARNED
from retrieval.tables.columns import Role, split_items
from retrieval.tables.dates import parse_date
from retrieval.tables.values import parse_number

PREFIXES: dict[Role, str] = {
    Role.CATEGORY: "attr:", Role.NUMBER: "num:", Role.LIST: "list:",
    Role.DATE: "date:", Role.URL: "url:",
}
LEARNABLE = (Role.CATEGORY, Role.NUMBER, Role.LIST)
LIST_SEPARATOR = "; "
# The level of an attribute whose column the source has but whose cell is empty (stored as
# ``""``): absence can carry signal ("Lead Source not recorded" converts more often).
NOT_RECORDED = "not recorded"
MAX_VALUE_CHARS = 200

# canonical field -> (role, label a rep reads): the field table's learned fields
CANONICAL: dict[str, tuple[Role, str]] = {
    key: (Role(FIELDS[key].role), FIELDS[key].label) for key in LEARNED}


@dataclass(frozen=True)
class Attribute:
    key: str     # the metadata key
    role: Role
    label: str   # the column's header, or the canonical field's label


def attribute_key(role: Role, header: str) -> str:
    return PREFIXES[role] + header.strip()[:80]


def parse_key(key: str) -> Attribute | None:
    """The attribute a metadata key names, or None for provenance keys."""
    if key in CANONICAL:
        role, label = CANONICAL[key]
        return Attribute(key, role, label)
    for role, prefix in PREFIXES.items():
        if key.startswith(prefix):
            return Attribute(key, role, key[len(prefix):])
    return None


def attributes_in(meta: Mapping[str, Any], learnable_only: bool = True) -> Iterator[Attribute]:
    """The attributes present in one chunk's metadata."""
    for key in meta:
        attribute = parse_key(key)
        if attribute and (not learnable_only or attribute.role in LEARNABLE):
            yield attribute


def attribute_value(role: Role, text: str) -> str | int | float | None:
    """A cell's value as stored for an attribute of ``role`` (None: nothing usable)."""
    if role == Role.NUMBER:
        number = parse_number(text.replace("%", ""))
        return number if number is not None else None
    if role == Role.LIST:
        items = list(dict.fromkeys(split_items(text)))
        return LIST_SEPARATOR.join(items)[:MAX_VALUE_CHARS] or None
    if role == Role.DATE:
        parsed = parse_date(text)
        return parsed.date().isoformat() if parsed else None
    return text[:MAX_VALUE_CHARS] or None


def list_items(value: object) -> list[str]:
    """The items of a stored list attribute."""
    items = str(value).split(LIST_SEPARATOR.strip()) if value else []
    return [v.strip() for v in items if v.strip()]
