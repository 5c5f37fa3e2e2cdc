"""Closed deals as the criteria learner and the validator see them: outcome, date and
every attribute the ingest stored, under the names the ICP's criteria use.

Canonical fields keep today's criterion names (``industry``, ``size``, ``revenue``,
``country``, ``technology``); every other attribute keeps its metadata key
(``attr:Lead Source``, ``num:TotalVisits``, ``list:Tags``; see
``retrieval/attributes.py``). Numbers stay numbers here; bands are cut by the learner.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from retrieval.attributes import CANONICAL, attributes_in, list_items
from retrieval.columns import Role
from retrieval.corpus import Corpus, EvidenceChunk
from retrieval.values import parse_date

CLOSED = ("won", "lost", "churned")
# canonical metadata key -> the attribute name criteria use
CRITERION_NAMES = {"employees": "size", "technologies": "technology"}
LABELS = {
    "industry": "Industry", "size": "Company size (employees)", "revenue": "Revenue",
    "country": "Country", "technology": "Uses technology", "product": "Product",
    "competitor": "Competitor", "tags": "Tags", "amount": "Deal amount",
}
FIRMOGRAPHIC = ("industry", "size", "revenue", "country")


def criterion_name(key: str) -> str:
    return CRITERION_NAMES.get(key, key)


def metadata_key(name: str) -> str:
    """The metadata key a criterion's attribute reads (``size`` -> ``employees``)."""
    return next((k for k, v in CRITERION_NAMES.items() if v == name), name)


def label_of(name: str) -> str:
    """A criterion attribute in words a rep can read (the column's own header)."""
    if name in LABELS:
        return LABELS[name]
    return name.split(":", 1)[1] if ":" in name else name


def kind_of(name: str) -> str:
    if name == "technology":
        return "technographic"
    return "firmographic" if name in FIRMOGRAPHIC else "attribute"


def role_of(name: str) -> Role:
    key = metadata_key(name)
    if key in CANONICAL:
        return CANONICAL[key][0]
    for attribute in attributes_in({key: ""}):
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


def _normal(name: str, value: object) -> str:
    text = str(value).strip()
    return text.lower() if name == "industry" else text


def row_attributes(meta: Mapping[str, Any]) -> tuple[dict[str, list[str]], dict[str, float]]:
    """Every learnable attribute of one chunk's metadata, by criterion name."""
    values: dict[str, list[str]] = {}
    numbers: dict[str, float] = {}
    for attribute in attributes_in(meta):
        raw = meta.get(attribute.key)
        if raw in (None, ""):
            continue
        name = criterion_name(attribute.key)
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


def iso_date(value: object) -> str:
    if not value:
        return ""
    parsed = parse_date(str(value))
    return parsed.date().isoformat() if parsed else ""


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
