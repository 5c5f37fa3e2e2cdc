"""``icp classify``: enrich one prospect's website and judge its fit against an ICP."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agent.enrich.fetcher import FetchPolicy, SafeFetcher, guarded_client
from agent.enrich.netpolicy import NetPolicy
from agent.enrich.prospect import (
    PooledExtractor,
    Prospect,
    enrich_prospect,
    inline_extract,
)
from agent.fit.score import Fit, Thresholds, classify
from agent.icp import versions
from agent.icp.model import ICPDocument


@dataclass
class Classified:
    prospect: Prospect
    fit: Fit

    def as_row(self) -> dict[str, Any]:
        """The enrichment columns of DESIGN.md section 4 (plus the verdicts)."""
        p, f = self.prospect, self.fit
        return {
            "input": p.input, "domain": p.domain, "fetch_status": p.fetch_status,
            "industry": p.industry.value if p.industry else "",
            "employee_range": p.employees.value if p.employees else "",
            "country": p.country.value if p.country else "",
            "technologies": [t.value for t in p.technologies],
            "signals": [{"kind": s.kind, "value": s.value, "url": s.url, "quote": s.quote}
                        for s in p.signals],
            "fit_score": f.score, "fit_tier": f.tier, "fit_confidence": f.confidence,
            "fit_reasons": f.reasons, "evidence_urls": p.evidence_urls, "error": p.error,
            "verdicts": [v.model_dump() for v in f.verdicts],
        }


def load_icp(home: Path, icp_file: Path | None) -> ICPDocument:
    return versions.load_file(icp_file) if icp_file else versions.load(home)


POOL_ABOVE = 8  # prospects; below this, worker processes cost more than they save


async def classify_many(targets: list[str], icp: ICPDocument, allow_private: bool = False,
                        fetch: FetchPolicy | None = None,
                        thresholds: Thresholds | None = None) -> list[Classified]:
    """Enrich and score prospects concurrently (extraction in worker processes for
    batches); results come back in the order of ``targets``."""
    fetch = fetch or FetchPolicy()
    policy = NetPolicy(allow_private)
    pool = PooledExtractor() if len(targets) > POOL_ABOVE else None
    try:
        async with guarded_client(policy, fetch) as client:
            fetcher = SafeFetcher(client, policy, fetch)
            prospects = await asyncio.gather(*(
                enrich_prospect(fetcher, t, extractor=pool or inline_extract)
                for t in targets))
    finally:
        if pool is not None:
            pool.close()
    return [Classified(p, classify(p, icp, thresholds)) for p in prospects]


def classify_url(target: str, icp: ICPDocument, allow_private: bool = False) -> Classified:
    return asyncio.run(classify_many([target], icp, allow_private))[0]
