"""Support tickets: Zendesk, Intercom, GitHub-issue and generic helpdesk exports."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from retrieval.clean import clean_inline, clean_text
from retrieval.records import EvidenceRecord, Kind, RowProblem
from retrieval.tables.rows import Row
from retrieval.tables.schema import TableSchema


def unwrap_ticket(row: dict[str, object]) -> dict[str, object]:
    """Intercom puts the first message under ``source``; lift its fields to the top."""
    source = row.get("source")
    if isinstance(source, dict) and ("body" in source or "subject" in source):
        merged = {k: v for k, v in row.items() if k != "source"}
        for key, value in source.items():
            merged.setdefault(key, value)
        return merged
    return row


def ticket_rows(path: Path, schema: TableSchema, rows: Iterator[Row],
                problems: list[RowProblem]) -> Iterator[EvidenceRecord]:
    cmap = schema.cmap
    for row_no, row in rows:
        raw_title, raw_body = cmap.get(row, "title"), cmap.get(row, "body")
        title, body = clean_inline(raw_title), clean_text(raw_body)
        if not title and not body:
            problems.append(RowProblem(str(path), row_no, "no title or body; row skipped"))
            continue
        fields = schema.fields(row)
        fields.pop("outcome", None)
        fields.pop("outcome_raw", None)
        text = f"{title}\n\n{body}".strip() if title else body
        cells = schema.text_cells(row)
        extra = [f"{header}: {value}" for header, _, value in cells]
        if extra:
            text = "\n\n".join([text, *extra]) if text else "\n\n".join(extra)
        yield EvidenceRecord(kind=Kind.TICKET, text=text, locator=f"row={row_no}",
                             title=title, fields=fields,
                             raw=[raw_title, raw_body, *(raw for _, raw, _ in cells)])
