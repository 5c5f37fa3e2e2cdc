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
from agent.fit.enriched_row import enriched, output_names
from retrieval.tables.columns import SAMPLE_ROWS

RowResult = Callable[[int, list[str]], dict[str, Any]]
MakeRowResult = Callable[[ProspectList, list[list[str]]], RowResult]
Progress = Callable[[int], None]


def write_list(source: Path, output: Path, make: MakeRowResult, require_website: bool = True,
               progress: Progress | None = None) -> Counter[str]:
    """Write ``output`` from ``source`` row by row; returns the count of each fit tier."""
    jsonl = output.suffix.lower() in (".jsonl", ".ndjson")
    tiers: Counter[str] = Counter()
    output.parent.mkdir(parents=True, exist_ok=True)
    with atomic_open(output, newline="") as fh, \
            open_prospects(source, require_website) as (layout, rows):
        header = list(layout.header)
        names = output_names(header)
        sample = list(itertools.islice(rows, SAMPLE_ROWS))
        result_of = make(layout, [values for _, values in sample])
        writer = None if jsonl else csv.writer(fh)
        if writer:
            writer.writerow(header + names)
        for count, (number, values) in enumerate(itertools.chain(sample, rows), start=1):
            values = values + [""] * (len(header) - len(values))
            row = enriched(result_of(number, values))
            tiers[row.fit_tier or "none"] += 1
            if writer:
                writer.writerow(values[:len(header)] + row.cells())
            else:
                record: dict[str, Any] = dict(zip(header, values, strict=False))
                record.update(zip(names, row.model_dump(mode="json").values(), strict=True))
                fh.write(json.dumps(record, ensure_ascii=False) + "\n")
            if progress and count % 1000 == 0:
                progress(count)
    return tiers
