"""Win-loss evidence: CRM exports (one row per deal) and notes files with front matter."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from retrieval.aliases import ColumnMap
from retrieval.clean import clean_inline, clean_text, reflow
from retrieval.parsers.fields import collect_fields, front_matter_fields, split_front_matter
from retrieval.records import EvidenceRecord, IngestError, Kind, RowProblem
from retrieval.tables import Row


def _describe(fields: dict[str, str | int | float]) -> str:
    """One sentence a person (and an embedding) can read: who, what happened, profile."""
    account = fields.get("account", "Unnamed account")
    outcome = fields.get("outcome_raw") or fields.get("outcome", "unknown")
    parts = [f"{account}: {outcome} deal"]
    if fields.get("product"):
        parts[0] += f" for {fields['product']}"
    profile = [
        f"{label} {fields[key]}"
        for key, label in (
            ("industry", "industry"), ("employees", "employees"), ("revenue", "revenue"),
            ("country", "country"), ("technologies", "tech stack"),
            ("competitor", "competitor"),
        )
        if fields.get(key) not in (None, "")
    ]
    sentence = parts[0] + "."
    if profile:
        sentence += " " + "; ".join(profile) + "."
    return sentence


def winloss_rows(path: Path, cmap: ColumnMap, rows: Iterator[Row],
                 problems: list[RowProblem]) -> Iterator[EvidenceRecord]:
    for row_no, row in rows:
        fields = collect_fields(cmap, row)
        if not cmap.get(row, "outcome"):
            problems.append(RowProblem(str(path), row_no, "no outcome value; row skipped"))
            continue
        pieces = [_describe(fields)]
        reason = clean_inline(cmap.get(row, "reason"))
        if reason:
            pieces.append(f"Reason: {reason}")
        notes = clean_text(cmap.get(row, "notes"))
        if notes:
            pieces.append(notes)
        yield EvidenceRecord(
            kind=Kind.WINLOSS, text="\n".join(pieces), locator=f"row={row_no}",
            title=str(fields.get("account", "")), fields=fields,
        )


def winloss_note(path: Path, text: str) -> Iterator[EvidenceRecord]:
    """A notes file is one record; its front matter carries account, outcome, firmographics."""
    meta, body = split_front_matter(text)
    fields = front_matter_fields(meta)
    fields.setdefault("outcome", "unknown")
    body = reflow(clean_text(body))
    if not body:
        raise IngestError(str(path), "note has no text after its front matter")
    title = str(meta.get("title") or fields.get("account") or path.stem)
    yield EvidenceRecord(kind=Kind.WINLOSS, text=body, locator="note", title=title,
                         fields=fields)
