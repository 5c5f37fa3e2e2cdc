"""``icp score``: fit from a prospect list's own columns alone, no fetching.

Streams the list (memory stays flat), judges each row with the same code ``icp enrich``
uses for a row whose site adds nothing, and writes every input column in order followed
by the enrichment and fit columns.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent.batch.list_fit import ListFit, fit_columns
from agent.batch.output import Progress, RowResult, write_list
from agent.batch.prospect_csv import ProspectList
from agent.enrich.prospect import normalise_target
from agent.fit.score import Thresholds
from agent.icp.model import ICPDocument


@dataclass
class ScoreSummary:
    rows: int = 0
    tiers: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    output: str = ""

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


_PLAIN = re.compile(r"(?:https?://)?(?:www\.)?([a-z0-9-]+(?:\.[a-z0-9-]+)+)/?", re.I)


def _domain(cell: str) -> str:
    """The domain of a website cell; plain ``acme.com`` forms skip the full URL parser."""
    plain = _PLAIN.fullmatch(cell.strip())
    if plain:
        return plain.group(1).lower()
    try:
        return normalise_target(cell)[1] if cell.strip() else ""
    except ValueError:
        return ""


def score_list(source: Path, output: Path, icp: ICPDocument,
               thresholds: Thresholds | None = None,
               progress: Progress | None = None) -> ScoreSummary:
    start = time.perf_counter()

    def make(layout: ProspectList, sample: list[list[str]]) -> RowResult:
        lists = ListFit(layout.header, sample, icp, thresholds)

        def result_of(number: int, values: list[str]) -> dict[str, Any]:
            meta = lists.meta(values)
            return {"domain": _domain(layout.website(values)), **lists.list_values(meta),
                    **fit_columns(lists.fit(meta))}

        return result_of

    tiers = write_list(source, output, make, require_website=False, progress=progress)
    return ScoreSummary(rows=sum(tiers.values()), tiers=dict(tiers.most_common()),
                        seconds=time.perf_counter() - start, output=str(output))
