"""The data that flows through ingestion: source records, chunks and errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Kind(StrEnum):
    """The four kinds of first-party evidence."""

    WINLOSS = "winloss"
    TICKET = "ticket"
    TRANSCRIPT = "transcript"
    REVIEW = "review"


class Outcome(StrEnum):
    WON = "won"
    LOST = "lost"
    CHURNED = "churned"
    OPEN = "open"
    UNKNOWN = "unknown"


@dataclass
class EvidenceRecord:
    """One source record before chunking: a CRM row, a note, a ticket or a speaker turn.

    ``locator`` says where in the file it came from (``row=12``, ``turn=3``, ``note``);
    ``fields`` holds provenance and firmographics (account, outcome, date, speaker, ...),
    already normalised to canonical names with string/number values. ``raw`` holds the
    texts ``text`` was cleaned from, as read (cells, a turn, a file's body): quotes are
    cut from them (:mod:`agent.base.quotes`); empty means ``text`` is its own raw text.
    """

    kind: Kind
    text: str
    locator: str
    title: str = ""
    fields: dict[str, str | int | float] = field(default_factory=dict)
    raw: list[str] = field(default_factory=list)


@dataclass
class Chunk:
    """What is embedded and stored: text plus flat metadata (Chroma accepts scalars only).

    ``raw`` is the record's ``(reference, encoded raw texts)``, one tuple shared by all of
    the record's chunks and stored once (metadata ``raw_ref`` names it); None when the
    text is its own raw text.
    """

    id: str
    text: str
    metadata: dict[str, str | int | float]
    raw: tuple[str, str] | None = None


@dataclass
class RowProblem:
    """A row that could not be turned into evidence; the rest of the file goes on."""

    path: str
    row: int | str
    message: str

    def __str__(self) -> str:
        return f"{self.path}, row {self.row}: {self.message}"
