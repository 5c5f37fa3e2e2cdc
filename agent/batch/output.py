"""Writing a prospect list back out: every input column in order, then the enrichment and
fit columns of DESIGN.md section 4, to a temporary file that replaces the output at once.

``icp enrich`` and ``icp score`` both write through here; each supplies how one row's
result is made, from the list's layout and its first rows (column roles need a sample).
"""

from __future__ import annotations

import csv
import itertools
import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from agent.base.atomic import atomic_open
from agent.batch.prospect_csv import ProspectList, open_prospects
from retrieval.tables.columns import SAMPLE_ROWS

ENRICH_COLUMNS = ["domain", "fetch_status", "industry", "employee_range", "country",
                  "technologies", "signals", "fit_score", "fit_tier", "fit_confidence",
                  "fit_reasons", "evidence_urls", "error"]

RowResult = Callable[[int, list[str]], dict[str, Any]]
MakeRowResult = Callable[[ProspectList, list[list[str]]], RowResult]
Progress = Callable[[int], None]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        if value and isinstance(value[0], dict):
            return "; ".join(f"{v.get('kind')}: {v.get('value')}" for v in value)
        return "; ".join(str(v) for v in value)
    return str(value)


_JOINED = {"fit_reasons": " | ", "evidence_urls": " "}


def flatten_cells(row: dict[str, Any]) -> list[str]:
    """The enrichment columns, in order, as CRM-importable strings."""
    out = []
    for name in ENRICH_COLUMNS:
        value = row.get(name)
        if value is None:
            out.append("")
        elif type(value) is str:
            out.append(value)
        elif name in _JOINED:
            out.append(_JOINED[name].join(value))
        else:
            out.append(_cell(value))
    return out


def write_list(source: Path, output: Path, make: MakeRowResult, require_website: bool = True,
               progress: Progress | None = None) -> Counter[str]:
    """Write ``output`` from ``source`` row by row; returns the count of each fit tier."""
    jsonl = output.suffix.lower() in (".jsonl", ".ndjson")
    tiers: Counter[str] = Counter()
    output.parent.mkdir(parents=True, exist_ok=True)
    with atomic_open(output, newline="") as fh, \
            open_prospects(source, require_website) as (layout, rows):
        header = list(layout.header)
        names = [f"icp_{c}" if c in header else c for c in ENRICH_COLUMNS]
        sample = list(itertools.islice(rows, SAMPLE_ROWS))
        result_of = make(layout, [values for _, values in sample])
        writer = None if jsonl else csv.writer(fh)
        if writer:
            writer.writerow(header + names)
        for count, (number, values) in enumerate(itertools.chain(sample, rows), start=1):
            values = values + [""] * (len(header) - len(values))
            result = result_of(number, values)
            tiers[str(result.get("fit_tier") or "none")] += 1
            if writer:
                writer.writerow(values[:len(header)] + flatten_cells(result))
            else:
                record = dict(zip(header, values, strict=False))
                record.update({n: result.get(c) for n, c in zip(names, ENRICH_COLUMNS,
                                                               strict=True)})
                fh.write(json.dumps(record, ensure_ascii=False) + "\n")
            if progress and count % 1000 == 0:
                progress(count)
    return tiers
