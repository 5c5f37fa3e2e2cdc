"""Win-loss evidence: CRM exports (one row per deal) and notes files with front matter."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from agent.base.errors import IngestError
from agent.base.fields import FIELDS
from retrieval.clean import clean_inline, clean_text, reflow
from retrieval.records import EvidenceRecord, Kind, RowProblem
from retrieval.tables.attributes import parse_key
from retrieval.tables.columns import Role
from retrieval.tables.fields import front_matter_fields, split_front_matter
from retrieval.tables.outcomes import FALSE_VALUES, TRUE_VALUES
from retrieval.tables.rows import Row
from retrieval.tables.schema import TableSchema

MAX_PROFILE_ATTRIBUTES = 8
FLAG_VALUES = TRUE_VALUES | FALSE_VALUES  # yes/no flags say little in a sentence


FIELD_LABELS = {key: f.sentence for key, f in FIELDS.items() if f.sentence}


def _describe(fields: dict[str, str | int | float]) -> str:
    """One sentence a person (and an embedding) can read: who, what happened, profile."""
    account = fields.get("account") or (
        f"Record {fields['record_id']}" if fields.get("record_id") else "Unnamed account")
    outcome = str(fields.get("outcome_raw") or fields.get("outcome", "unknown"))
    if " = " in outcome:  # a flag or a date column: say what it means
        outcome = f"{fields.get('outcome', 'unknown')} ({outcome})"
    parts = [f"{account}: {outcome} deal"]
    if fields.get("product"):
        parts[0] += f" for {fields['product']}"
    profile = [
        f"{label} {fields.get(key + '_raw', fields[key])}"
        for key, label in FIELD_LABELS.items()
        if fields.get(key) not in (None, "")
    ]
    for key, value in fields.items():
        attribute = parse_key(key)
        if attribute and attribute.role == Role.CATEGORY and key not in FIELD_LABELS \
                and len(profile) < MAX_PROFILE_ATTRIBUTES and len(str(value)) <= 60 \
                and str(value).lower() not in FLAG_VALUES:
            profile.append(f"{attribute.label}: {value}")
    sentence = parts[0] + "."
    if profile:
        sentence += " " + "; ".join(profile) + "."
    return sentence


def winloss_rows(path: Path, schema: TableSchema, rows: Iterator[Row],
                 problems: list[RowProblem]) -> Iterator[EvidenceRecord]:
    cmap = schema.cmap
    for row_no, row in rows:
        fields = schema.fields(row)
        if "outcome" not in fields:
            problems.append(RowProblem(str(path), row_no, "no outcome value; row skipped"))
            continue
        pieces = [_describe(fields)]
        raw_reason, raw_notes = cmap.get(row, "reason"), cmap.get(row, "notes")
        reason = clean_inline(raw_reason)
        if reason:
            pieces.append(f"Reason: {reason}")
        notes = clean_text(raw_notes)
        if notes:
            pieces.append(notes)
        # a deal export's description read as a ticket's body (``Description``) is the
        # deal's text too: nothing the export says is dropped
        raw_body = cmap.get(row, "body")
        body = clean_text(raw_body)
        if body:
            pieces.append(f"{cmap.mapping.get('body', 'Description')}: {body}")
        cells = schema.text_cells(row)
        pieces.extend(f"{header}: {text}" for header, _, text in cells)
        yield EvidenceRecord(
            kind=Kind.WINLOSS, text="\n".join(pieces), locator=f"row={row_no}",
            title=str(fields.get("account", "")), fields=fields,
            raw=[raw_reason, raw_notes, raw_body, *(raw for _, raw, _ in cells)],
        )


def winloss_note(path: Path, text: str) -> Iterator[EvidenceRecord]:
    """A notes file is one record; its front matter carries account, outcome, firmographics."""
    meta, body = split_front_matter(text)
    fields = front_matter_fields(meta)
    fields.setdefault("outcome", "unknown")
    raw = body
    body = reflow(clean_text(body))
    if not body:
        raise IngestError(str(path), "note has no text after its front matter")
    title = str(meta.get("title") or fields.get("account") or path.stem)
    yield EvidenceRecord(kind=Kind.WINLOSS, text=body, locator="note", title=title,
                         fields=fields, raw=[raw])
