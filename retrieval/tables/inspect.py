"""``icp inspect``: what ingest would do with a file, without writing anything.

The same parsing and column inference as ingest, run over the whole file: every column's
role with its fill rate, distinct count and examples; the detected kind; how outcome
values are read (and how many rows each gives); the records and the rows that would be
skipped.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from retrieval.ingest import column_summary
from retrieval.parsers import KindUnknownError, parse_file
from retrieval.records import EvidenceRecord, Kind, RowProblem
from retrieval.tables.mapping import ColumnMapping
from retrieval.tables.schema import TableSchema

MAX_OUTCOME_VALUES = 12


@dataclass
class Inspection:
    path: str
    kind: str = ""
    schema: TableSchema | None = None
    records: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)        # outcome -> records
    outcome_values: dict[str, str] = field(default_factory=dict)  # raw value -> outcome
    facets: dict[str, int] = field(default_factory=dict)          # review answers by facet
    problems: list[RowProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: str = ""
    deals: list[EvidenceRecord] = field(default_factory=list)  # closed win-loss records

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path, "kind": self.kind or None, "error": self.error or None,
            "records": self.records, "rows_skipped": len(self.problems),
            "outcomes": self.outcomes, "outcome_values": self.outcome_values,
            "review_answers": self.facets,
            **(self.schema.as_dict() if self.schema else {"columns": []}),
            "summary": column_summary(self.schema) if self.schema else {},
            "notes": self.notes, "problems": [str(p) for p in self.problems[:50]],
        }


def inspect_file(path: Path, kind: Kind | None = None,
                 mapping: ColumnMapping | None = None) -> Inspection:
    """Parse ``path`` as ingest would and report what it found; never writes."""
    report = Inspection(str(path))
    try:
        parsed = parse_file(path, kind, mapping)
    except KindUnknownError as exc:
        report.schema, report.error = exc.schema, f"{exc.path}: {exc.REASON}"
        return report
    report.kind, report.schema = parsed.kind.value, parsed.schema
    outcomes: Counter[str] = Counter()
    facets: Counter[str] = Counter()
    values: dict[str, str] = {}
    for record in parsed.records:
        report.records += 1
        outcome = record.fields.get("outcome")
        if record.kind == Kind.WINLOSS and outcome in ("won", "lost", "churned"):
            report.deals.append(record)
        if outcome and record.kind in (Kind.WINLOSS, Kind.REVIEW):
            outcomes[str(outcome)] += 1
            raw = str(record.fields.get("outcome_raw", ""))
            if len(values) < MAX_OUTCOME_VALUES:
                values.setdefault(raw, str(outcome))
        if record.kind == Kind.REVIEW:
            facets[str(record.fields.get("facet"))] += 1
    report.outcomes, report.outcome_values, report.facets = dict(outcomes), values, dict(facets)
    report.problems, report.notes = parsed.problems, parsed.notes
    return report
