"""``icp demo``: the main job end to end on bundled sample evidence, offline."""

from __future__ import annotations

import asyncio
import csv
import tempfile
from importlib import resources
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.rule import Rule

from agent.batch.run import BatchOptions, run_enrich
from agent.cli.evidence_view import IngestBar, print_hits, print_summary, print_themes
from agent.cli.icp_view import print_draft
from agent.cli.output import console
from agent.cli.prospects_view import BatchBar, print_batch_summary, print_classified
from agent.demo.sites import SiteServer, sample_sites_dir
from agent.fit.classify import classify_many
from agent.pipeline import Workspace, draft_icp, mine_store
from agent.settings import Settings
from retrieval.ingest import Ingestor
from retrieval.search import search

DEMO_VENDOR = "Pipewise"  # the fictional vendor of the sample evidence
DEMO_QUERIES = (
    "duplicate records in the CRM",
    "forecast takes hours of spreadsheet work",
    "why did we lose deals",
)


def sample_data_dir() -> Path:
    return Path(str(resources.files("agent") / "sample_data"))


def run_demo(settings: Settings, console: Console, keep: Path | None = None) -> bool:
    with tempfile.TemporaryDirectory(prefix="icp-demo-") as tmp:
        home = keep or Path(tmp)
        demo_settings = settings.model_copy(
            update={"home": home, "chroma_url": None, "vendor": settings.vendor or DEMO_VENDOR})
        console.print(Rule("icp demo"))
        console.print(f"Workspace: {home}  ·  embeddings: {demo_settings.embeddings}  ·  "
                      f"LLM: {demo_settings.llm}")
        ws = Workspace.open(demo_settings)
        console.print(Rule("1. ingest the bundled win-loss notes, tickets and call transcripts"))
        with IngestBar(console) as bar:
            summary = Ingestor(ws.store, ws.embedder, progress=bar).ingest([sample_data_dir()])
        print_summary(console, summary, ws.store.count())
        console.print(Rule("2. search the evidence"))
        for query in DEMO_QUERIES:
            print_hits(console, query, search(ws.store, ws.embedder, query, k=3))
        console.print(Rule("3. mine the recurring pain points"))
        mining = mine_store(ws).mining
        print_themes(console, mining, limit=5)
        console.print(Rule("4. draft the ICP and buyer personas (every claim cited)"))
        outcome = draft_icp(ws)
        console.print(outcome.markdown, markup=False, highlight=False)
        print_draft(console, outcome.doc, outcome.path)
        console.print(Rule("5. classify sample prospects served on 127.0.0.x against the ICP"))
        with SiteServer() as sites:
            results = asyncio.run(classify_many([sites.urls["northpeak"],
                                                 sites.urls["tinyshop"]], outcome.doc,
                                                allow_private=True))
            for result in results:
                print_classified(console, result)
            console.print(Rule("6. enrich a prospect list (CSV) ready to import into the CRM"))
            source = home / "prospects.csv"
            template = (sample_sites_dir() / "prospects.csv").read_text(encoding="utf-8")
            source.write_text(template.format(**sites.urls), encoding="utf-8")
            enriched = home / "prospects.enriched.csv"
            with BatchBar(console) as bar:
                batch = run_enrich(source, enriched, outcome.doc,
                                   BatchOptions(allow_private=True), progress=bar.update)
        print_batch_summary(console, batch)
        for row in list(csv.DictReader(enriched.open(encoding="utf-8")))[:9]:
            console.print(f"  {row['Company Name']:<26} {row['fetch_status']:<10} "
                          f"tier {row['fit_tier']:<8} {row['fit_score'] or '—':>3}  "
                          f"{row['error'][:60]}", highlight=False, markup=False)
        if keep:
            console.print(f"Workspace kept: try  icp --home {keep} search \"lead routing\"")
        else:
            console.print("The demo workspace is temporary; run `icp demo --keep DIR` to keep it.")
        return summary.ok


def demo(
    ctx: typer.Context,
    keep: Annotated[Path | None, typer.Option(
        "--keep", help="Build the demo workspace here and keep it (default: a temp dir).")
    ] = None,
) -> None:
    """Run the main job end to end on bundled sample evidence, offline."""
    settings: Settings = ctx.obj
    ok = run_demo(settings, console, keep)
    if not ok:
        raise typer.Exit(1)
