"""``icp crm verify``: does the CRM now hold what the bundle planned to write?

The export taken after the import is read with the same table reader; every field the plan
wrote is matched, missing (no record with that key) or mismatched (the CRM holds another
value). What the CRM holds of ours becomes what "the last plan wrote", so the next plan
tells a person's later edits from our own values.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent.crm.bundle import read_plan
from agent.crm.keys import domain_key
from agent.crm.plan import key_column, read_table, same_value
from agent.crm.policy import Written
from agent.crm.targets import SALESFORCE_KEY, Field, column_for, fields_of


@dataclass
class Verification:
    target: str
    records: int = 0
    matched: Counter[str] = field(default_factory=Counter)      # field -> cells
    missing: Counter[str] = field(default_factory=Counter)
    mismatched: Counter[str] = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.missing and not self.mismatched

    def as_dict(self) -> dict[str, Any]:
        return {"target": self.target, "records": self.records, "ok": self.ok,
                "matched": dict(self.matched), "missing": dict(self.missing),
                "mismatched": dict(self.mismatched), "examples": self.examples}


def verify(bundle: Path, after: Path, written: Written | None = None) -> Verification:
    target, writes = read_plan(bundle)
    headers, rows = read_table(after, "the CRM export")
    key_header = key_column(headers, after, "the CRM export")
    fields = {f.api: f for f in fields_of(target)}
    fields.setdefault(SALESFORCE_KEY, Field(SALESFORCE_KEY, "key",
                                            (SALESFORCE_KEY.lower(), "icp key")))
    columns = {api: column_for(headers, f) for api, f in fields.items()}
    by_key: dict[str, dict[str, Any]] = {}
    for _, row in rows:
        key, _ = domain_key(str(row.get(key_header, "")))
        if key:
            by_key.setdefault(key, row)
    report = Verification(target, records=len(writes))
    for key, planned in writes.items():
        record = by_key.get(key)
        for api, value in planned.items():
            column = columns.get(api)
            if record is None or column is None:
                report.missing[api] += 1
                if len(report.examples) < 20:
                    report.examples.append(f"{key}: no record" if record is None else
                                           f"{key}: the export has no column for {api}")
                continue
            held = str(record.get(column, "")).strip()
            expected = "" if value == "#N/A" else value
            if same_value(held, expected):
                report.matched[api] += 1
                if written is not None and fields.get(api) is not None and fields[api].ours:
                    written.record(key, api, held)
            else:
                report.mismatched[api] += 1
                if len(report.examples) < 20:
                    report.examples.append(f"{key}: {api} is '{held}', planned '{expected}'")
    if written is not None:
        written.save()
    return report
