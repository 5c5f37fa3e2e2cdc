"""Turning one input file into evidence records, with the kind detected or given.

``parse_file`` checks what it can up front (readable, not empty or binary, required
columns present) so a bad file fails before anything is written, then streams records.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from retrieval.aliases import ColumnMap, describe_aliases, map_columns
from retrieval.parsers.fields import normalise_outcome, split_front_matter
from retrieval.parsers.tickets import ticket_rows, unwrap_ticket
from retrieval.parsers.transcripts import (
    looks_like_speaker_text,
    plain_transcript,
    transcript_records,
    turns_from_captions,
    turns_from_json,
)
from retrieval.parsers.winloss import winloss_note, winloss_rows
from retrieval.records import EvidenceRecord, IngestError, Kind, Outcome, RowProblem
from retrieval.tables import TABLE_SUFFIXES, iter_rows, json_records, json_rows, load_json
from retrieval.textio import read_text

TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".text"}
CAPTION_SUFFIXES = {".vtt", ".srt"}
SUPPORTED_SUFFIXES = TABLE_SUFFIXES | TEXT_SUFFIXES | CAPTION_SUFFIXES
PEEK_ROWS = 50


@dataclass
class ParsedSource:
    """A file being parsed. ``records`` is lazy; ``problems`` fills as it is consumed."""

    path: Path
    kind: Kind
    records: Iterator[EvidenceRecord]
    problems: list[RowProblem] = field(default_factory=list)
    unmapped: list[str] = field(default_factory=list)


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


def _table_kind(path: Path, cmap: ColumnMap, peek: list[tuple[int, dict]]) -> Kind:
    if cmap.has("outcome"):
        outcomes = {normalise_outcome(cmap.get(row, "outcome")) for _, row in peek}
        if outcomes & {Outcome.WON, Outcome.LOST, Outcome.CHURNED}:
            return Kind.WINLOSS
    if cmap.has("title") or cmap.has("body"):
        return Kind.TICKET
    raise IngestError(
        str(path),
        "cannot tell whether this is win-loss or ticket data "
        f"(columns: {', '.join(list(peek[0][1])[:12]) if peek else 'none'}); pass --kind",
    )


def _parse_table(path: Path, kind: Kind | None) -> ParsedSource:
    problems: list[RowProblem] = []
    if path.suffix.lower() == ".json":
        data = load_json(path)
        if kind in (None, Kind.TRANSCRIPT) and _json_transcript(data):
            turns, meta = _with_path(path, turns_from_json, data)
            return ParsedSource(path, Kind.TRANSCRIPT, transcript_records(path, turns, meta))
        if kind == Kind.TRANSCRIPT:
            raise IngestError(str(path), "no speaker turns ({speaker, content}) in this JSON")
        rows: Iterator[tuple[int, dict]] = json_rows(path, json_records(path, data), problems)
    else:
        if kind == Kind.TRANSCRIPT:
            raise IngestError(str(path), "transcripts must be JSON, VTT, SRT or text files")
        rows = iter_rows(path, problems)
    rows = ((n, unwrap_ticket(row)) for n, row in rows)
    peek = list(itertools.islice(rows, PEEK_ROWS))
    if not peek:
        raise IngestError(str(path), "no data rows")
    headers = list(dict.fromkeys(k for _, row in peek for k in row))
    cmap = map_columns(headers)
    kind = kind or _table_kind(path, cmap, peek)
    for group in cmap.missing_required(kind.value):
        wanted = " or ".join(f"'{name}' ({describe_aliases(name)})" for name in group)
        raise IngestError(str(path), f"missing required column {wanted} for {kind.value} data")
    all_rows = itertools.chain(peek, rows)
    make = winloss_rows if kind == Kind.WINLOSS else ticket_rows
    return ParsedSource(path, kind, make(path, cmap, all_rows, problems), problems,
                        cmap.unmapped)


def _with_path(path: Path, func, *args):  # type: ignore[no-untyped-def]
    """Re-raise a path-less IngestError from a pure parser with the file name."""
    try:
        return func(*args)
    except IngestError as exc:
        if exc.path:
            raise
        raise IngestError(str(path), exc.message, exc.row) from exc


def parse_file(path: Path, kind: Kind | None = None) -> ParsedSource:
    """Open ``path`` as evidence of ``kind`` (auto-detected when None)."""
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
        return _parse_table(path, kind)
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
    if kind == Kind.TICKET:
        raise IngestError(str(path), "tickets must be CSV, XLSX, JSON or JSONL exports")
    return ParsedSource(path, kind, winloss_note(path, text))


def read_all(path: Path, kind: Kind | None = None) -> tuple[list[EvidenceRecord], ParsedSource]:
    """Parse a whole file (tests, small files)."""
    source = parse_file(path, kind)
    return list(source.records), source
