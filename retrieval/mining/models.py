"""Pydantic models shared by mining and drafting: evidence quotes and themes."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class Evidence(BaseModel):
    """A verbatim quote and the chunk it came from (``source_id`` = file#row/turn).

    ``cites`` says what it is: a ``quote`` (someone's words, verbatim in the raw cell or
    turn) or a ``record`` (a deal row cited as a whole; ``quote`` then holds the product's
    one-line description of the row, never shown as someone's words).
    """

    source_id: str
    quote: str = Field(min_length=1)
    chunk_id: str = ""
    kind: str = ""
    account: str = ""
    outcome: str = ""
    speaker: str = ""
    cites: Literal["quote", "record"] = "quote"


class Theme(BaseModel):
    id: str
    label: str
    keyphrases: list[str]
    size: int
    accounts: int
    sources: int = Field(0, description="distinct accounts, people, records or meetings "
                         "voicing it: the recurrence measure")
    weight: float = Field(description="statement count weighted toward won customers")
    by_kind: dict[str, int]
    by_outcome: dict[str, int]
    by_segment: dict[str, int]
    quotes: list[Evidence]
    statement_ids: list[str]
    label_source: str = "offline"
    summary: str = ""

    @property
    def recurring(self) -> bool:
        """Voiced by more than one source; a theme from one source only is not recurring."""
        return self.sources >= 2


class MiningResult(BaseModel):
    """Pain themes (``themes``), and apart from them the jobs customers hire the product
    for and what they value (review answers read by their question)."""

    chunks: int
    statements: int = Field(description="pain statements")
    outliers: int
    themes: list[Theme]
    jobs: list[Theme] = []
    value: list[Theme] = []
    params: dict[str, float | int]

    @property
    def outlier_share(self) -> float:
        return self.outliers / self.statements if self.statements else 0.0
