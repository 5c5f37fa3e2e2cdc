"""``icp enrich``: a prospect list in, the same list out with enrichment and fit columns.

Distinct domains are enriched once (every row still gets its result), in chunks whose
results are committed to the run state before the next chunk starts. The output is
written at the end from the state, in input order, so a killed run resumes with
``--resume`` and produces the same file an uninterrupted run would.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent.base import workspace as paths
from agent.base.errors import BatchError
from agent.batch.list_fit import ListFit, fit_columns
from agent.batch.output import MakeRowResult, RowResult, write_list
from agent.batch.prospect_csv import ProspectList, open_prospects
from agent.batch.ray_engine import run_on_ray
from agent.batch.state import RunState
from agent.enrich.fetcher import FetchPolicy
from agent.enrich.prospect import PooledExtractor, inline_extract, normalise_target
from agent.fit.classify import POOL_ABOVE, classify_many, restore
from agent.fit.score import Thresholds, Verdict, site_verdicts
from agent.icp.model import ICPDocument
from agent.llm.client import StructuredLLM

SITE_MEMO = 10_000  # domains whose site verdicts are kept while the output is written


@dataclass
class BatchOptions:
    concurrency: int = 32
    chunk: int = 64
    resume: bool = False
    retry_failed: bool = False
    allow_private: bool = False
    thresholds: Thresholds | None = None
    llm: StructuredLLM | None = None
    engine: str = "local"  # local | ray
    rescore: bool = False  # re-judge the stored enrichment with the ICP; fetch nothing
    prefer: str = "list"  # when the list and the site disagree: list | site


@dataclass
class BatchSummary:
    rows: int = 0
    invalid_rows: int = 0
    domains: int = 0
    enriched_now: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    tiers: dict[str, int] = field(default_factory=dict)
    output: str = ""


ProgressHook = Callable[[int, int], None]  # (done, total) domains


def _domain_of(value: str) -> tuple[str, str] | None:
    try:
        url, domain = normalise_target(value)
    except ValueError:
        return None
    return url, domain


def _fingerprint(path: Path) -> str:
    stat = path.stat()
    return f"{path.resolve()}|{stat.st_size}|{int(stat.st_mtime)}"


def run_enrich(source: Path, output: Path, icp: ICPDocument | None, options: BatchOptions,
               progress: ProgressHook | None = None) -> BatchSummary:
    """Enrich ``source`` into ``output``; without an ICP only the enrichment columns are
    filled. ``options.rescore`` re-judges a finished run's stored enrichment instead."""
    state_path = paths.run_state(output)
    if options.rescore and not state_path.exists():
        raise BatchError(f"nothing to re-score: no run state at {state_path} (enrich the list "
                         "into this output first)")
    if state_path.exists() and not (options.resume or options.retry_failed or options.rescore):
        raise BatchError(f"{state_path} exists from an earlier run: pass --resume to finish "
                         "it (or --retry-failed, or --rescore after the ICP changed), or "
                         "delete it to start over")
    state = RunState(state_path)
    try:
        fingerprint = _fingerprint(source)
        recorded = state.get_meta("input")
        if recorded and recorded != fingerprint:
            raise BatchError(f"{state_path} belongs to a different or changed input "
                             f"({recorded.split('|')[0]}); delete it to start over")
        state.set_meta("input", fingerprint)
        if options.retry_failed:
            state.forget_failures()
        summary = BatchSummary(output=str(output))
        targets: dict[str, str] = {}
        with open_prospects(source) as (layout, rows):
            for _, values in rows:
                summary.rows += 1
                found = _domain_of(layout.website(values))
                if found is None:
                    summary.invalid_rows += 1
                    continue
                targets.setdefault(found[1], found[0])
        summary.domains = len(targets)
        done = state.done()
        pending = [] if options.rescore else [(d, u) for d, u in targets.items()
                                               if d not in done]
        site_icp = icp or ICPDocument()  # without an ICP, sites are enriched, not judged
        if progress:
            progress(0, len(pending))
        if options.engine == "ray":
            if options.llm is not None:
                raise BatchError("--engine ray runs the offline engine only; drop --llm")
            saved = _enrich_on_ray(pending, site_icp, options, state, progress)
        elif pending:
            saved = _enrich_locally(pending, site_icp, options, state, progress)
        else:
            saved = 0
        summary.enriched_now += saved
        tiers = write_list(source, output, enriched_rows(state, icp, options.thresholds,
                                                          options.prefer))
        summary.statuses = state.counts("fetch_status")
        summary.tiers = dict(tiers.most_common())
        return summary
    finally:
        state.close()


def _enrich_on_ray(pending: list[tuple[str, str]], icp: ICPDocument, options: BatchOptions,
                   state: RunState, progress: ProgressHook | None) -> int:
    """Enrich ``pending`` (domain, url) pairs on Ray, saving each chunk as it lands."""
    t = options.thresholds
    finished = 0
    for done_chunk in run_on_ray(pending, icp, options.allow_private, options.concurrency,
                                 options.chunk, (t.a, t.b, t.c) if t else None):
        state.save(done_chunk)
        finished += len(done_chunk)
        if progress:
            progress(finished, len(pending))
    return finished


def _enrich_locally(pending: list[tuple[str, str]], icp: ICPDocument, options: BatchOptions,
                    state: RunState, progress: ProgressHook | None) -> int:
    """Enrich ``pending`` in this process: one event loop for the whole run, page parsing in
    a process pool for long lists, each chunk saved as it lands."""
    fetch = FetchPolicy(max_in_flight=options.concurrency)
    pool = PooledExtractor() if len(pending) > POOL_ABOVE else None
    finished = 0

    async def all_chunks() -> None:
        nonlocal finished
        for start in range(0, len(pending), options.chunk):
            chunk = pending[start:start + options.chunk]
            results = await classify_many(
                [u for _, u in chunk], icp, allow_private=options.allow_private,
                fetch=fetch, thresholds=options.thresholds, llm=options.llm,
                extractor=pool or inline_extract)
            state.save((d, r.as_row()) for (d, _), r in zip(chunk, results, strict=True))
            finished += len(chunk)
            if progress:
                progress(finished, len(pending))

    try:
        asyncio.run(all_chunks())
    finally:
        if pool is not None:
            pool.close()
    return finished


def _site_side(stored: dict[str, Any], icp: ICPDocument) -> tuple[list[Verdict],
                                                                     list[Verdict]]:
    return site_verdicts(restore(stored["prospect"]), icp)


def enriched_rows(state: RunState, icp: ICPDocument | None,
                  thresholds: Thresholds | None, prefer: str) -> MakeRowResult:
    """How each output row is made: the stored site result of its domain, judged together
    with the row's own columns against ``icp`` (re-scoring needs no fetching)."""
    def make(layout: ProspectList, sample: list[list[str]]) -> RowResult:
        lists = ListFit(layout.header, sample, icp, thresholds, prefer)
        sites: OrderedDict[str, tuple[list[Verdict], list[Verdict]]] = OrderedDict()

        def result_of(number: int, values: list[str]) -> dict[str, Any]:
            cell = layout.website(values)
            found = _domain_of(cell)
            stored = state.result(found[1]) if found else None
            meta = lists.meta(values)
            if stored is None:
                reason = (f"row {number}: no website or domain" if not cell.strip() else
                          f"row {number}: '{cell}' is not a website") if not found else \
                         f"row {number}: not enriched"
                result: dict[str, Any] = {"domain": found[1] if found else "",
                                          "fetch_status": "error", "error": reason}
                site = None
            else:
                result = dict(stored)
                site = None
                if found is not None and icp is not None and "prospect" in stored:
                    domain = found[1]
                    site = sites.get(domain)
                    if site is None:
                        site = sites[domain] = _site_side(stored, icp)
                        if len(sites) > SITE_MEMO:
                            sites.popitem(last=False)
            for column, value in lists.list_values(meta).items():
                if not result.get(column):
                    result[column] = value
            if icp is None:
                result.update(fit_columns(None))
            elif stored is None or "prospect" in stored:
                result.update(fit_columns(lists.fit(meta, site)))
            return result

        return result_of

    return make
