"""``icp enrich``: a prospect list in, the same list out with enrichment and fit columns.

Distinct domains are enriched once (every row still gets its result), in chunks whose
results are committed to the run state before the next chunk starts. The output is
written at the end from the state, in input order, so a killed run resumes with
``--resume`` and produces the same file an uninterrupted run would.
"""

from __future__ import annotations

import asyncio
import csv
import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent.batch.prospect_csv import open_prospects
from agent.batch.ray_engine import run_on_ray
from agent.batch.state import RunState
from agent.classify import POOL_ABOVE, classify_many
from agent.enrich.fetcher import FetchPolicy
from agent.enrich.prospect import PooledExtractor, inline_extract, normalise_target
from agent.fit.score import Thresholds
from agent.icp.model import ICPDocument
from agent.llm.client import StructuredLLM

ENRICH_COLUMNS = ["domain", "fetch_status", "industry", "employee_range", "country",
                  "technologies", "signals", "fit_score", "fit_tier", "fit_confidence",
                  "fit_reasons", "evidence_urls", "error"]


class BatchError(Exception):
    pass


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


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        if value and isinstance(value[0], dict):
            return "; ".join(f"{v.get('kind')}: {v.get('value')}" for v in value)
        return "; ".join(str(v) for v in value)
    return str(value)


def flatten_row(row: dict[str, Any]) -> dict[str, str]:
    """The enrichment columns as CRM-importable strings."""
    out = {name: _cell(row.get(name)) for name in ENRICH_COLUMNS}
    out["fit_reasons"] = " | ".join(row.get("fit_reasons") or [])
    out["evidence_urls"] = " ".join(row.get("evidence_urls") or [])
    return out


def _domain_of(value: str) -> tuple[str, str] | None:
    try:
        url, domain = normalise_target(value)
    except ValueError:
        return None
    return url, domain


def _fingerprint(path: Path) -> str:
    stat = path.stat()
    return f"{path.resolve()}|{stat.st_size}|{int(stat.st_mtime)}"


def run_enrich(source: Path, output: Path, icp: ICPDocument, options: BatchOptions,
               progress: ProgressHook | None = None) -> BatchSummary:
    state_path = output.with_name(output.name + ".state.sqlite")
    if state_path.exists() and not (options.resume or options.retry_failed):
        raise BatchError(f"{state_path} exists from an earlier run: pass --resume to finish "
                         "it (or --retry-failed), or delete it to start over")
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
                cell = values[layout.website_column] if layout.website_column < len(values) else ""
                found = _domain_of(cell)
                if found is None:
                    summary.invalid_rows += 1
                    continue
                targets.setdefault(found[1], found[0])
        summary.domains = len(targets)
        done = state.done()
        pending = [(d, u) for d, u in targets.items() if d not in done]
        total, finished = len(pending), 0
        if progress:
            progress(0, total)
        if options.engine == "ray":
            if options.llm is not None:
                raise BatchError("--engine ray runs the offline engine only; drop --llm")
            t = options.thresholds
            for done_chunk in run_on_ray(pending, icp, options.allow_private,
                                         options.concurrency, options.chunk,
                                         (t.a, t.b, t.c) if t else None):
                state.save(done_chunk)
                finished += len(done_chunk)
                summary.enriched_now += len(done_chunk)
                if progress:
                    progress(finished, total)
            pending = []
        fetch = FetchPolicy(max_in_flight=options.concurrency)
        pool = PooledExtractor() if len(pending) > POOL_ABOVE else None

        async def all_chunks() -> None:  # one event loop for the whole run
            nonlocal finished
            for start in range(0, len(pending), options.chunk):
                chunk = pending[start:start + options.chunk]
                results = await classify_many(
                    [u for _, u in chunk], icp, allow_private=options.allow_private,
                    fetch=fetch, thresholds=options.thresholds, llm=options.llm,
                    extractor=pool or inline_extract)
                state.save((d, r.as_row()) for (d, _), r in zip(chunk, results, strict=True))
                finished += len(chunk)
                summary.enriched_now += len(chunk)
                if progress:
                    progress(finished, total)

        try:
            asyncio.run(all_chunks())
        finally:
            if pool is not None:
                pool.close()
        _write_output(source, output, state)
        summary.statuses = state.counts("fetch_status")
        summary.tiers = state.counts("fit_tier")
        return summary
    finally:
        state.close()


def _write_output(source: Path, output: Path, state: RunState) -> None:
    jsonl = output.suffix.lower() in (".jsonl", ".ndjson")
    fd, tmp = tempfile.mkstemp(dir=output.parent, prefix=f".{output.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh, \
                open_prospects(source) as (layout, rows):
            header = list(layout.header)
            names = [f"icp_{c}" if c in header else c for c in ENRICH_COLUMNS]
            writer = None if jsonl else csv.writer(fh)
            if writer:
                writer.writerow(header + names)
            for number, values in rows:
                values = values + [""] * (len(header) - len(values))
                cell = values[layout.website_column]
                found = _domain_of(cell)
                result = state.result(found[1]) if found else None
                if result is None:
                    reason = (f"row {number}: no website or domain" if not cell.strip() else
                              f"row {number}: '{cell}' is not a website") if not found else \
                             f"row {number}: not enriched"
                    result = {"domain": found[1] if found else "", "fetch_status": "error",
                              "fit_tier": "unknown", "error": reason}
                enriched = flatten_row(result)
                if writer:
                    writer.writerow(values[:len(header)] + [enriched[c] for c in ENRICH_COLUMNS])
                else:
                    record = dict(zip(header, values, strict=False))
                    record.update({n: result.get(c) for n, c in zip(names, ENRICH_COLUMNS,
                                                                   strict=True)})
                    fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        os.replace(tmp, output)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
