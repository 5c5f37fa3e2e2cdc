"""Which accounts of a list change tier between two ICP versions, and why.

Each row is judged from its own columns against both versions (the same code as ``icp
score``); a row whose tier differs is listed with the criteria whose verdict differs.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path

from agent.batch.list_fit import ListFit, RowFit
from agent.batch.prospect_csv import open_prospects
from agent.icp.model import ICPDocument
from retrieval.tables.columns import SAMPLE_ROWS


@dataclass
class TierChange:
    row: int
    name: str
    before: str
    after: str
    score_before: int | None
    score_after: int | None
    moved_by: list[str] = field(default_factory=list)


def _results(fit: RowFit | None) -> dict[str, str]:
    if fit is None:
        return {}
    return {v.criterion: v.result + (f", {v.points:+d} points" if v.points else "")
            for v in fit.verdicts}


def _moved_by(a: RowFit | None, b: RowFit | None) -> list[str]:
    old, new = _results(a), _results(b)
    out = []
    for criterion in dict.fromkeys([*old, *new]):
        if old.get(criterion) == new.get(criterion):
            continue
        if criterion not in old:
            out.append(f"+ {criterion} ({new[criterion]})")
        elif criterion not in new:
            out.append(f"- {criterion} (was {old[criterion]})")
        else:
            out.append(f"~ {criterion}: {old[criterion]} → {new[criterion]}")
    return out


def tier_changes(source: Path, a: ICPDocument, b: ICPDocument) -> tuple[int, list[TierChange]]:
    """(rows read, the rows whose tier differs between ``a`` and ``b``)."""
    changes: list[TierChange] = []
    rows_read = 0
    with open_prospects(source, require_website=False) as (layout, rows):
        sample = list(itertools.islice(rows, SAMPLE_ROWS))
        first = ListFit(layout.header, [v for _, v in sample], a)
        second = ListFit(layout.header, [v for _, v in sample], b)
        for number, values in itertools.chain(sample, rows):
            rows_read += 1
            meta = first.meta(values)
            fa, fb = first.fit(meta), second.fit(meta)
            if fa is None or fb is None or fa.tier == fb.tier:
                continue
            name_column = layout.name_column
            name = values[name_column] if name_column is not None and \
                name_column < len(values) else layout.website(values)
            changes.append(TierChange(number, name or f"row {number}", fa.tier, fb.tier,
                                      fa.score, fb.score, _moved_by(fa, fb)))
    return rows_read, changes
