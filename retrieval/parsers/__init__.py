"""Turning one input file into evidence records, with the kind detected or given.

``parse_file`` checks what it can up front (readable, not empty or binary, required
columns present) so a bad file fails before anything is written, then streams records.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from agent.base.errors import IngestError
from retrieval.parsers.reviews import is_review_table, review_rows
from retrieval.parsers.tickets import ticket_rows, unwrap_ticket
from retrieval.parsers.transcripts import (
    looks_like_speaker_text,
    plain_transcript,
    transcript_records,
    turns_from_captions,
    turns_from_json,
)
from retrieval.parsers.winloss import winloss_note, winloss_rows
from retrieval.records import EvidenceRecord, Kind, Outcome, RowProblem
from retrieval.tables.aliases import describe_aliases
from retrieval.tables.columns import Role
from retrieval.tables.fields import split_front_matter
from retrieval.tables.mapping import ColumnMapping
from retrieval.tables.rows import TABLE_SUFFIXES, iter_rows, json_records, json_rows, load_json
from retrieval.tables.sample import headers_of, spread_sample
from retrieval.tables.schema import TableSchema, build_schema
from retrieval.textio import read_text

TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".text"}
CAPTION_SUFFIXES = {".vtt", ".srt"}
SUPPORTED_SUFFIXES = TABLE_SUFFIXES | TEXT_SUFFIXES | CAPTION_SUFFIXES

T = TypeVar("T")


class KindUnknownError(IngestError):
    """A table whose evidence kind cannot be detected; carries what was inferred."""

    REASON = ("cannot tell whether this is win-loss, ticket or review data; pass --kind "
              "winloss|ticket|review, and --map COLUMN=ROLE or --outcome COLUMN where a "
              "column was read wrong")

    def __init__(self, path: str, schema: TableSchema) -> None:
        super().__init__(path, f"{self.REASON}. What `icp inspect` sees: "
                         + schema_table(schema))
        self.schema = schema


@dataclass
class ParsedSource:
    """A file being parsed. ``records`` is lazy; ``problems`` fills as it is consumed."""

    path: Path
    kind: Kind
    records: Iterator[EvidenceRecord]
    problems: list[RowProblem] = field(default_factory=list)
    unmapped: list[str] = field(default_factory=list)  # columns with no value at all
    schema: TableSchema | None = None  # tables only: every column's role
    notes: list[str] = field(default_factory=list)  # repairs made while reading


def _is_turn_json(records: list[object]) -> bool:
    first = next((r for r in records if isinstance(r, dict)), None)
    if first is None:
        return False
    keys = {k.lower() for k in first}
    has_speaker = bool(keys & {"speaker", "speakerid", "speaker_id", "speaker_name"})
    return has_speaker and bool(keys & {"content", "text", "sentences", "utterance"})


def _json_transcript(data: object) -> bool:
    if isinstance(data, dict) and any(
        isinstance(data.get(k), list) and _is_turn_json(data[k])
        for k in ("turns", "transcript", "utterances", "segments", "messages")
    ):
        return True
    return isinstance(data, list) and _is_turn_json(data)


def _table_kind(path: Path, schema: TableSchema, peek: list[tuple[int, dict]]) -> Kind:
    if schema.outcome is not None:
        outcomes = {schema.outcome.read(row)[0] for _, row in peek}
        if outcomes & {Outcome.WON, Outcome.LOST, Outcome.CHURNED}:
            return Kind.WINLOSS
    if is_review_table(schema):
        return Kind.REVIEW
    if schema.cmap.has("title") or schema.cmap.has("body"):
        return Kind.TICKET
    raise KindUnknownError(str(path), schema)


def schema_table(schema: TableSchema) -> str:
    """Each column and its role on one line (for a one-line error message)."""
    parts = []
    for p in schema.profiles:
        role = f"{p.field} field" if p.role == Role.FIELD else p.role.value
        parts.append(f"{p.header} = {role} ({p.fill_rate:.0%} filled)")
    return "; ".join(parts)


def _repaired(path: Path, schema: TableSchema, rows: Iterator[tuple[int, dict]],
              problems: list[RowProblem], notes: list[str]) -> Iterator[tuple[int, dict]]:
    """Rows with labelled cells moved back to their columns; unrepairable ones reported."""
    fixed: list[int] = []
    for number, row in rows:
        row, state = schema.repair(row)
        if state is None:
            problems.append(RowProblem(str(path), number, "cells are out of their columns "
                                       "and cannot be put back by their labels; row skipped"))
            continue
        if state:
            fixed.append(number)
        yield number, row
    if fixed:
        shown = ", ".join(str(n) for n in fixed[:12]) + (" …" if len(fixed) > 12 else "")
        labels = ", ".join(f"'{label}:'" for label in schema.labels.values())
        notes.append(f"{len(fixed)} rows had cells shifted out of their columns (rows "
                     f"{shown}); moved back by their labels ({labels})")


def _second_pass(path: Path, data: object, problems: list[RowProblem]
                 ) -> Iterator[tuple[int, dict]]:
    """The rows again, from the start, for the records (the first pass only profiled)."""
    if data is not None:
        rows = json_rows(path, json_records(path, data), problems)
    else:
        rows = iter_rows(path, problems)
    return ((n, unwrap_ticket(row)) for n, row in rows)


def _parse_table(path: Path, kind: Kind | None,
                 mapping: ColumnMapping | None = None) -> ParsedSource:
    problems: list[RowProblem] = []
    profiling: list[RowProblem] = []  # the first pass's problems; the second reports them
    data: object = None
    if path.suffix.lower() == ".json":
        data = load_json(path)
        if kind in (None, Kind.TRANSCRIPT) and _json_transcript(data):
            turns, meta = _with_path(path, turns_from_json, data)
            return ParsedSource(path, Kind.TRANSCRIPT, transcript_records(path, turns, meta))
        if kind == Kind.TRANSCRIPT:
            raise IngestError(str(path), "no speaker turns ({speaker, content}) in this JSON")
        rows: Iterator[tuple[int, dict]] = json_rows(path, json_records(path, data), profiling)
    else:
        if kind == Kind.TRANSCRIPT:
            raise IngestError(str(path), "transcripts must be JSON, VTT, SRT or text files")
        rows = iter_rows(path, profiling)
    rows = ((n, unwrap_ticket(row)) for n, row in rows)
    peek, total = spread_sample(rows)  # a first pass over the whole file
    if not peek:
        raise IngestError(str(path), "no data rows")
    headers = headers_of(peek)
    schema = build_schema(headers, [row for _, row in peek], mapping, str(path))
    schema.rows_read = total
    if kind is None and mapping is not None and mapping.kind:
        kind = Kind(mapping.kind)
    kind = kind or _table_kind(path, schema, peek)
    if kind == Kind.WINLOSS and schema.outcome is None:
        raise IngestError(
            str(path), f"missing required column 'outcome' ({describe_aliases('outcome')}, "
            "or a yes/no or date column named like 'Converted', 'Is Won', 'Won Date') for "
            "winloss data; pass --outcome COLUMN [--won V,..]")
    if kind == Kind.TICKET:
        schema.demote("outcome", "a ticket status, kept as an attribute")
        for group in schema.cmap.missing_required(kind.value):
            wanted = " or ".join(f"'{name}' ({describe_aliases(name)})" for name in group)
            raise IngestError(str(path), f"missing required column {wanted} for ticket data")
    if kind == Kind.REVIEW and not (schema.columns(Role.TEXT) or any(
            schema.cmap.has(n) for n in ("title", "body", "notes", "reason"))):
        raise IngestError(str(path), "no answer text column for review data (free-text "
                          "columns such as 'Pros', 'Cons', 'What do you like best?')")
    notes: list[str] = []
    all_rows = _repaired(path, schema, _second_pass(path, data if path.suffix.lower() == ".json"
                                                    else None, problems), problems, notes)
    make = {Kind.WINLOSS: winloss_rows, Kind.TICKET: ticket_rows, Kind.REVIEW: review_rows}[kind]
    return ParsedSource(path, kind, make(path, schema, all_rows, problems), problems,
                        schema.columns(Role.EMPTY), schema=schema, notes=notes)


def _with_path(path: Path, func: Callable[..., T], *args: Any) -> T:
    """Re-raise a path-less IngestError from a pure parser with the file name."""
    try:
        return func(*args)
    except IngestError as exc:
        if exc.path:
            raise
        raise IngestError(str(path), exc.message, exc.row) from exc


def parse_file(path: Path, kind: Kind | None = None,
               mapping: ColumnMapping | None = None) -> ParsedSource:
    """Open ``path`` as evidence of ``kind`` (auto-detected when None).

    ``mapping`` holds the user's column overrides for a table export.
    """
    if not path.is_file():
        raise IngestError(str(path), "not a file" if path.exists() else "no such file")
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise IngestError(
            str(path),
            f"unsupported file type '{suffix or 'none'}' "
            f"(supported: {', '.join(sorted(SUPPORTED_SUFFIXES))})",
        )
    if suffix in TABLE_SUFFIXES:
        return _parse_table(path, kind, mapping)
    text = read_text(path)
    if suffix in CAPTION_SUFFIXES:
        if kind not in (None, Kind.TRANSCRIPT):
            raise IngestError(str(path), f"caption files are transcripts, not {kind.value}")
        return ParsedSource(path, Kind.TRANSCRIPT,
                            transcript_records(path, turns_from_captions(text), {}))
    meta, body = split_front_matter(text)
    declared = str(meta.get("kind", "")).lower()
    if kind is None:
        if declared in {k.value for k in Kind}:
            kind = Kind(declared)
        else:
            kind = Kind.TRANSCRIPT if looks_like_speaker_text(body) else Kind.WINLOSS
    if kind == Kind.TRANSCRIPT:
        return ParsedSource(path, kind, plain_transcript(path, text))
    if kind in (Kind.TICKET, Kind.REVIEW):
        raise IngestError(str(path), f"{kind.value}s must be CSV, XLSX, JSON or JSONL exports")
    return ParsedSource(path, kind, winloss_note(path, text))


def read_all(path: Path, kind: Kind | None = None, mapping: ColumnMapping | None = None
             ) -> tuple[list[EvidenceRecord], ParsedSource]:
    """Parse a whole file (tests, small files)."""
    source = parse_file(path, kind, mapping)
    return list(source.records), source
