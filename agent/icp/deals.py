"""Closed deals as the criteria learner and the validator see them: outcome, date and
every attribute the ingest stored, under the names the ICP's criteria use.

Canonical fields go by their one name in the field table (``industry``, ``employees``,
``revenue``, ``country``, ``technologies``; ``agent/base/fields.py``); every other attribute
keeps its metadata key
(``attr:Lead Source``, ``num:TotalVisits``, ``list:Tags``; see
``retrieval/tables/attributes.py``). Numbers stay numbers here; bands are cut by the learner.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from agent.base.fields import FIELDS, FieldKind
from retrieval.corpus import Corpus, EvidenceChunk
from retrieval.tables.attributes import CANONICAL, NOT_RECORDED, attributes_in, list_items
from retrieval.tables.columns import Role
from retrieval.tables.dates import iso_date

CLOSED = ("won", "lost", "churned")


def label_of(name: str) -> str:
    """A criterion attribute in words a rep can read (the column's own header)."""
    field = FIELDS.get(name)
    if field is not None and field.learned:
        return field.criterion_label
    return name.split(":", 1)[1] if ":" in name else name


def kind_of(name: str) -> FieldKind:
    field = FIELDS.get(name)
    return field.kind if field is not None and field.kind else "attribute"


def role_of(name: str) -> Role:
    if name in CANONICAL:
        return CANONICAL[name][0]
    for attribute in attributes_in({name: ""}):
        return attribute.role
    return Role.CATEGORY


@dataclass
class Deal:
    chunk: EvidenceChunk
    won: bool
    outcome: str
    date: str = ""  # ISO date, "" when unknown
    values: dict[str, list[str]] = field(default_factory=dict)  # categories and list items
    numbers: dict[str, float] = field(default_factory=dict)     # numeric attributes

    def has(self, name: str) -> bool:
        """Whether the deal records a value for ``name`` (not "not recorded")."""
        return name in self.numbers or self.values.get(name, [NOT_RECORDED]) != [NOT_RECORDED]


def _normal(name: str, value: object) -> str:
    text = str(value).strip()
    return text.lower() if name == "industry" else text


def row_attributes(meta: Mapping[str, Any]) -> tuple[dict[str, list[str]], dict[str, float]]:
    """Every learnable attribute of one chunk's metadata, by criterion name."""
    values: dict[str, list[str]] = {}
    numbers: dict[str, float] = {}
    for attribute in attributes_in(meta):
        raw = meta.get(attribute.key)
        if raw is None:
            continue
        name = attribute.key
        if raw == "":  # the source has the column; this row left it empty
            values[name] = [NOT_RECORDED]
            continue
        if attribute.role == Role.NUMBER:
            if isinstance(raw, (int, float)) and not isinstance(raw, bool):
                numbers[name] = float(raw)
        elif attribute.role == Role.LIST:
            items = list_items(raw) if ";" in str(raw) or attribute.key.startswith("list:") \
                else [t.strip() for t in str(raw).replace("/", ",").replace("|", ",").split(",")]
            values[name] = [i for i in dict.fromkeys(items) if i]
        else:
            values[name] = [_normal(name, raw)]
    return values, numbers


def deal_of(chunk: EvidenceChunk) -> Deal | None:
    meta = chunk.meta
    if meta.get("kind") != "winloss" or meta.get("chunk_index", 0) != 0:
        return None
    outcome = str(meta.get("outcome", ""))
    if outcome not in CLOSED:
        return None
    values, numbers = row_attributes(meta)
    return Deal(chunk, outcome == "won", outcome, iso_date(meta.get("date")), values, numbers)


def closed_deals(corpus: Corpus) -> list[Deal]:
    """One deal per closed win-loss record (won is a success; lost and churned are not)."""
    return [d for d in (deal_of(c) for c in corpus.chunks) if d is not None]



def signature(deal: Deal) -> tuple[object, ...]:
    """What makes two deals the same deal: every value but an id (the first line of the
    text names the record, the rest is its evidence)."""
    text = deal.chunk.text.split("\n", 1)[1] if "\n" in deal.chunk.text else ""
    return (deal.outcome, deal.date, str(deal.chunk.meta.get("account", "")),
            tuple(sorted((k, tuple(v)) for k, v in deal.values.items())),
            tuple(sorted(deal.numbers.items())), text)


MANY_VALUES = 20  # a column with this many distinct values can tell records apart


def unique_deals(deals: list[Deal]) -> tuple[list[Deal], int]:
    """Exact duplicate deals counted once (the first by chunk id), and how many were
    dropped: a copy on both sides of a split would test the model on its training data.

    Identical deals are copies of one record only when they share something no other deal
    has: the same free text, or a value held by at most one deal outside the group, in a
    column with many distinct values (an amount, a time
    on site, a name). Deals that agree only on common values
    (two leads with no visits from the same source) are look-alikes, not copies."""
    groups: dict[tuple[object, ...], list[Deal]] = {}
    for deal in sorted(deals, key=lambda d: d.chunk.id):
        groups.setdefault(signature(deal), []).append(deal)
    if all(len(g) == 1 for g in groups.values()):
        return [g[0] for g in groups.values()], 0
    counts: dict[tuple[str, object], int] = {}
    distinct: dict[str, set[object]] = {}
    for deal in deals:
        for key, value in _cells(deal):
            counts[(key, value)] = counts.get((key, value), 0) + 1
            distinct.setdefault(key, set()).add(value)
    out: list[Deal] = []
    for shape, group in groups.items():
        first = group[0]
        copies = len(group) > 1 and (bool(shape[-1]) or any(
            counts[(k, v)] <= len(group) + 1 and len(distinct[k]) >= MANY_VALUES
            for k, v in _cells(first)))
        out.extend([first] if copies else group)
    out.sort(key=lambda d: d.chunk.id)
    return out, len(deals) - len(out)


def _cells(deal: Deal) -> list[tuple[str, object]]:
    cells: list[tuple[str, object]] = [(k, tuple(v)) for k, v in deal.values.items()
                                       if v != [NOT_RECORDED]]
    cells += list(deal.numbers.items())
    account = deal.chunk.meta.get("account")
    if account:
        cells.append(("account", account))
    return cells


def duplicates_note(dropped: int, total: int) -> str:
    return (f"{dropped} of {total} closed deals are exact duplicates of another (the same "
            "values in every column but an id): each is counted once." if dropped else "")
