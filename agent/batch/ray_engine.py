"""The Ray Data engine: the same per-chunk work, spread over a Ray cluster.

``--engine ray`` connects to ``RAY_ADDRESS`` when it is set (a cluster) and starts Ray in
this process otherwise (local mode). Chunks of domains become a Ray dataset mapped by
:func:`enrich_chunk` (``classify_many``, the local engine's work), and the driver commits
each finished chunk to the same run state, so output and resume behave the same.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Iterator
from typing import Any

from agent.icp.model import ICPDocument


def enrich_chunk(urls: list[str], icp: dict[str, Any], allow_private: bool,
                 concurrency: int, tiers: tuple[float, float, float] | None) -> list[dict]:
    """Enrich and score one chunk of sites; the unit of work of both engines."""
    from agent.enrich.fetcher import FetchPolicy
    from agent.fit.classify import classify_many
    from agent.fit.score import Thresholds

    thresholds = Thresholds(a=tiers[0], b=tiers[1], c=tiers[2]) if tiers else None
    results = asyncio.run(classify_many(
        urls, ICPDocument.model_validate(icp), allow_private=allow_private,
        fetch=FetchPolicy(max_in_flight=concurrency), thresholds=thresholds))
    return [r.as_row() for r in results]


def run_on_ray(pending: list[tuple[str, str]], icp: ICPDocument, allow_private: bool,
               concurrency: int, chunk: int, tiers: tuple[float, float, float] | None
               ) -> Iterator[list[tuple[str, dict]]]:
    """Yield finished chunks of ``(domain, row)`` as the cluster completes them."""
    import ray
    import ray.data

    if not ray.is_initialized():
        ray.init(address=os.environ.get("RAY_ADDRESS") or None, include_dashboard=False,
                 log_to_driver=False, configure_logging=False)
    icp_data = icp.model_dump()

    def work(item: dict[str, Any]) -> dict[str, Any]:
        urls = json.loads(item["urls"])
        rows = enrich_chunk(urls, icp_data, allow_private, concurrency, tiers)
        return {"domains": item["domains"], "rows": json.dumps(rows)}

    parts = [pending[i:i + chunk] for i in range(0, len(pending), chunk)]
    if not parts:
        return
    items = [{"domains": json.dumps([d for d, _ in p]), "urls": json.dumps([u for _, u in p])}
             for p in parts]
    dataset = ray.data.from_items(items, override_num_blocks=len(items)).map(work)
    for item in dataset.iter_rows():
        yield list(zip(json.loads(item["domains"]), json.loads(item["rows"]), strict=True))
