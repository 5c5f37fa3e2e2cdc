"""``icp classify``: enrich one prospect's website and judge its fit against an ICP."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agent.enrich.extract import PageFacts, Signal
from agent.enrich.fetcher import FetchPolicy, SafeFetcher, guarded_client
from agent.enrich.netpolicy import NetPolicy
from agent.enrich.prospect import (
    Extractor,
    Fact,
    PooledExtractor,
    Prospect,
    enrich_prospect,
    inline_extract,
)
from agent.fit.enriched_row import EnrichedRow, SignalCell
from agent.fit.llm_fit import llm_judge
from agent.fit.score import Fit, Thresholds, classify
from agent.icp import versions
from agent.icp.model import ICPDocument
from agent.llm.client import StructuredLLM
from agent.llm.prompts import PromptFile


@dataclass
class Classified:
    prospect: Prospect
    fit: Fit

    def as_row(self) -> dict[str, Any]:
        """The enrichment columns of DESIGN.md section 4 (plus the verdicts)."""
        p, f = self.prospect, self.fit
        row = EnrichedRow(
            domain=p.domain, fetch_status=p.fetch_status,
            industry=p.industry.value if p.industry else "",
            employee_range=p.employees.value if p.employees else "",
            country=p.country.value if p.country else "",
            technologies=[t.value for t in p.technologies],
            signals=[SignalCell(kind=s.kind, value=s.value, url=s.url, quote=s.quote)
                     for s in p.signals],
            fit_score=f.score, fit_tier=f.tier, fit_confidence=f.confidence,
            fit_reasons=f.reasons, evidence_urls=p.evidence_urls, error=p.error)
        return {
            "input": p.input, **row.model_dump(),
            "llm_fit_score": f.llm_score, "llm_fit_tier": f.llm_tier,
            "llm_fit_reasons": f.llm_reasons,
            "verdicts": [v.model_dump() for v in f.verdicts],
            "prospect": snapshot(p),
        }


SNAPSHOT_CHARS = 20_000  # page text kept per page, for re-scoring without refetching


def _fact(fact: Fact | None) -> dict[str, str] | None:
    return None if fact is None else {"value": fact.value, "url": fact.url, "quote": fact.quote}


def snapshot(p: Prospect) -> dict[str, Any]:
    """What re-scoring needs of an enriched prospect (no links, no raw HTML)."""
    return {
        "input": p.input, "url": p.url, "domain": p.domain, "fetch_status": p.fetch_status,
        "error": p.error,
        "pages": [{"url": page.url, "text": page.text[:SNAPSHOT_CHARS]} for page in p.pages],
        "industry": _fact(p.industry), "employees": _fact(p.employees),
        "country": _fact(p.country),
        "technologies": [_fact(t) for t in p.technologies],
        "signals": [{"kind": s.kind, "value": s.value, "url": s.url, "quote": s.quote}
                    for s in p.signals],
    }


def restore(data: dict[str, Any]) -> Prospect:
    """The prospect a snapshot describes, ready to be judged against another ICP."""
    def fact(item: dict[str, str] | None) -> Fact | None:
        return Fact(**item) if item else None

    return Prospect(
        input=data.get("input", ""), url=data.get("url", ""), domain=data.get("domain", ""),
        fetch_status=data.get("fetch_status", "error"), error=data.get("error", ""),
        pages=[PageFacts(url=page["url"], text=page["text"]) for page in data.get("pages", [])],
        industry=fact(data.get("industry")), employees=fact(data.get("employees")),
        country=fact(data.get("country")),
        technologies=[t for t in (fact(x) for x in data.get("technologies", [])) if t],
        signals=[Signal(**s) for s in data.get("signals", [])],
    )


def load_icp(home: Path, icp_file: Path | None) -> ICPDocument:
    return versions.load_file(icp_file) if icp_file else versions.load(home)


POOL_ABOVE = 8  # prospects; below this, worker processes cost more than they save


async def classify_many(targets: list[str], icp: ICPDocument, allow_private: bool = False,
                        fetch: FetchPolicy | None = None,
                        thresholds: Thresholds | None = None,
                        llm: StructuredLLM | None = None,
                        extractor: Extractor | None = None,
                        prompt: PromptFile | None = None) -> list[Classified]:
    """Enrich and score prospects concurrently (extraction in worker processes for
    batches); with ``llm``, its grounded judgement is added beside the deterministic one.
    Results come back in the order of ``targets``."""
    fetch = fetch or FetchPolicy()
    policy = NetPolicy(allow_private)
    pool = PooledExtractor() if extractor is None and len(targets) > POOL_ABOVE else None
    llm_slots = asyncio.Semaphore(fetch.max_in_flight)  # the global limit covers LLM calls too

    async def one(fetcher: SafeFetcher, target: str) -> Classified:
        prospect = await enrich_prospect(fetcher, target,
                                         extractor=extractor or pool or inline_extract)
        fit = classify(prospect, icp, thresholds)
        if llm is not None and prospect.fetch_status == "ok":
            async with llm_slots:
                fit = await llm_judge(llm, prospect, icp, fit, thresholds, prompt)
        return Classified(prospect, fit)

    try:
        async with guarded_client(policy, fetch) as client:
            fetcher = SafeFetcher(client, policy, fetch)
            return list(await asyncio.gather(*(one(fetcher, t) for t in targets)))
    finally:
        if pool is not None:
            pool.close()


def classify_url(target: str, icp: ICPDocument, allow_private: bool = False,
                 llm: StructuredLLM | None = None,
                 thresholds: Thresholds | None = None) -> Classified:
    return asyncio.run(classify_many([target], icp, allow_private, thresholds=thresholds,
                                     llm=llm))[0]
