"""``icp demo``: the main job end to end on bundled sample evidence, offline."""

from __future__ import annotations

import tempfile
from importlib import resources
from pathlib import Path

from rich.console import Console
from rich.rule import Rule

from agent.render import IngestBar, print_hits, print_summary
from agent.settings import Settings
from retrieval.ingest import Ingestor
from retrieval.search import search

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
        demo_settings = settings.model_copy(update={"home": home, "chroma_url": None})
        console.print(Rule("icp demo"))
        console.print(f"Workspace: {home}  ·  embeddings: {demo_settings.embeddings}  ·  "
                      f"LLM: {demo_settings.llm}")
        embedder = demo_settings.embedder()
        store = demo_settings.store(embedder)
        console.print(Rule("1. ingest the bundled win-loss notes, tickets and call transcripts"))
        with IngestBar(console) as bar:
            summary = Ingestor(store, embedder, progress=bar).ingest([sample_data_dir()])
        print_summary(console, summary, store.count())
        console.print(Rule("2. search the evidence"))
        for query in DEMO_QUERIES:
            print_hits(console, query, search(store, embedder, query, k=3))
        if keep:
            console.print(f"Workspace kept: try  icp --home {keep} search \"lead routing\"")
        return summary.ok
