"""The enriched row: the enrichment and fit columns of DESIGN.md section 4, the product's
CRM contract, as one model that writing and reading a list both go through.

``icp enrich`` and ``icp score`` append these columns, in this order, after every input
column (``icp_<name>`` where the input already has the name); :meth:`EnrichedRow.cells`
writes them as CRM-importable strings and :func:`read_enriched` reads a written list back
into the same model (the last columns of every row are ours, whatever they were renamed).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from agent.base.cells import safe_cells
from agent.base.errors import BatchError
from agent.enrich.status import FetchStatus
from agent.fit.score import Tier
from retrieval.textio import open_text

REASON_SEPARATOR = " | "
URL_SEPARATOR = " "
ITEM_SEPARATOR = "; "


class SignalCell(BaseModel):
    """A pain, trigger or technology seen on the site (``kind: value`` in a cell)."""

    kind: str
    value: str
    url: str = ""
    quote: str = ""

    def cell(self) -> str:
        return f"{self.kind}: {self.value}"

    @classmethod
    def from_cell(cls, text: str) -> SignalCell:
        kind, _, value = text.partition(": ")
        return cls(kind=kind.strip(), value=value.strip()) if value else \
            cls(kind="", value=kind.strip())


def _items(value: object, separator: str) -> object:
    """A list column given as one string (a list's own cell, or a cell read back)."""
    if isinstance(value, str):
        return [v.strip() for v in value.split(separator.strip() or None) if v.strip()]
    return value


class EnrichedRow(BaseModel):
    model_config = ConfigDict(extra="ignore")

    domain: str = ""
    fetch_status: FetchStatus | Literal[""] = ""
    industry: str = ""
    employee_range: str = ""
    country: str = ""
    technologies: list[str] = Field(default_factory=list)
    signals: list[SignalCell] = Field(default_factory=list)
    fit_score: int | None = Field(default=None, ge=0, le=100)
    fit_tier: Tier | Literal[""] = ""  # "" when there is no ICP to score against
    fit_confidence: float | None = Field(default=None, ge=0, le=1)
    fit_reasons: list[str] = Field(default_factory=list)
    evidence_urls: list[str] = Field(default_factory=list)
    error: str = ""

    @field_validator("technologies", mode="before")
    @classmethod
    def _technology_items(cls, value: object) -> object:
        return _items(value, ITEM_SEPARATOR)

    @field_validator("signals", mode="before")
    @classmethod
    def _signal_items(cls, value: object) -> object:
        items = _items(value, ITEM_SEPARATOR)
        if isinstance(items, list):
            return [SignalCell.from_cell(s) if isinstance(s, str) else s for s in items]
        return items

    @field_validator("fit_reasons", mode="before")
    @classmethod
    def _reason_items(cls, value: object) -> object:
        return [r for r in value.split(REASON_SEPARATOR) if r] if isinstance(value, str) \
            else value

    @field_validator("evidence_urls", mode="before")
    @classmethod
    def _url_items(cls, value: object) -> object:
        return value.split() if isinstance(value, str) else value

    @field_validator("fit_score", "fit_confidence", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if value == "" else value

    def cells(self) -> list[str]:
        """The columns, in order, as CRM-importable strings that no spreadsheet runs as a
        formula (:mod:`agent.base.cells`)."""
        return safe_cells([
            self.domain, self.fetch_status, self.industry, self.employee_range, self.country,
            ITEM_SEPARATOR.join(self.technologies),
            ITEM_SEPARATOR.join(s.cell() for s in self.signals),
            "" if self.fit_score is None else str(self.fit_score), self.fit_tier,
            "" if self.fit_confidence is None else str(self.fit_confidence),
            REASON_SEPARATOR.join(self.fit_reasons), URL_SEPARATOR.join(self.evidence_urls),
            self.error,
        ])

    @classmethod
    def from_cells(cls, cells: Sequence[str]) -> EnrichedRow:
        return cls.model_validate(dict(zip(COLUMNS, cells, strict=True)))


COLUMNS: list[str] = list(EnrichedRow.model_fields)


def output_names(header: Sequence[str]) -> list[str]:
    """Our columns' names after ``header``: ``icp_<name>`` where the input has the name."""
    return [f"icp_{c}" if c in header else c for c in COLUMNS]


def read_enriched(path: Path) -> Iterator[tuple[dict[str, str], EnrichedRow]]:
    """Each row of a list ``icp enrich`` or ``icp score`` wrote: its input columns by
    header, and our columns as the model."""
    with open_text(path) as fh:
        reader = csv.reader(fh)
        header = next(reader, [])
        width = len(header) - len(COLUMNS)
        if width < 0 or header[width:] != output_names(header[:width]):
            raise BatchError(f"{path}: not a list icp enrich or icp score wrote "
                             f"(its last {len(COLUMNS)} columns are not {', '.join(COLUMNS)})")
        for values in reader:
            values = values + [""] * (len(header) - len(values))
            yield dict(zip(header[:width], values[:width], strict=True)), \
                EnrichedRow.from_cells(values[width:len(header)])


def enriched(row: Mapping[str, Any]) -> EnrichedRow:
    """The model of a row result (a dict with these keys and maybe more)."""
    return EnrichedRow.model_validate(row)
