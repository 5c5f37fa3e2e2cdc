"""The themes task: an evidence set -> the recurring pain points a person finds in it.

Two kinds of case. Expected themes (our sample data): each is a unit, covered when a
mined theme's label carries one of its keywords. Gold pains (real meetings and reviews,
human labels): each is a unit, covered when one of the top themes states it, i.e. at
least two of its quotes, from two sources, match the pain's pattern; the case also grades
chatter (top themes that state no gold pain) and label readability (labels a person could
say). With an LLM, themes get LLM labels (the theme_label prompt under test).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from agent.llm.assist import Assistant
from agent.llm.client import StructuredLLM
from agent.llm.prompts import PromptFile
from evals.datasets import DATASETS, GoldPain, ThemeCase, load_cases
from evals.graders import gold_pain_of, is_readable_label
from evals.tasks.base import GROUNDING, CaseResult, Metric, common_metrics
from evals.tasks.pages import CaseTask
from retrieval.corpus import Corpus
from retrieval.embeddings import Embedder
from retrieval.ingest import Ingestor
from retrieval.mining.models import Theme
from retrieval.mining.statements import recurrence_source
from retrieval.mining.themes import mine
from retrieval.store import EvidenceStore

ROOT = Path(__file__).resolve().parents[2]
VENDOR = "Pipewise"


class ThemeTask(CaseTask):
    name = "themes"
    prompt_task = "theme_label"
    declared_metrics: tuple[Metric, ...] = (
        Metric("theme_coverage", "expected themes found",
               lambda c: float(c.correct) if c.fields.get("unit") == "label" else None),
        Metric("gold_coverage", "gold pains covered by the top themes",
               lambda c: float(c.correct) if c.fields.get("unit") == "gold" else None),
        Metric("jobs_coverage", "gold jobs to be done covered by the top job themes",
               lambda c: float(c.correct) if c.fields.get("unit") == "job" else None),
        Metric("chatter_share", "top themes stating no gold pain (lower is better)"),
        Metric("label_readability", "top labels a person could say"),
        GROUNDING)

    def __init__(self, dataset: Path | None = None) -> None:
        self.dataset = dataset or DATASETS / "theme_cases.jsonl"
        self.cases = {c.id: c for c in load_cases(self.dataset, ThemeCase)}
        self.stores: dict[str, tuple[EvidenceStore, Corpus]] = {}

    @contextmanager
    def session(self, ids: list[str]) -> Iterator[Embedder]:
        with tempfile.TemporaryDirectory(prefix="icp-eval-themes-") as tmp:
            self.tmp = Path(tmp)
            self.stores = {}
            yield Embedder("minilm")

    def _corpus(self, embedder: Embedder, case: ThemeCase) -> Corpus:
        if case.id not in self.stores:  # ingest once per case, reuse across prompt versions
            store = EvidenceStore.open(self.tmp / case.id, "evidence", embedder.model_id)
            Ingestor(store, embedder).ingest([ROOT / p for p in case.evidence])
            self.stores[case.id] = (store, Corpus.load(store, with_vectors=True))
        return self.stores[case.id][1]

    def run_case(self, embedder: Embedder, case_id: str, llm: StructuredLLM | None,
                 prompt: PromptFile | None) -> list[CaseResult]:
        case: ThemeCase = self.cases[case_id]
        corpus = self._corpus(embedder, case)
        mining = mine(corpus, embedder.embed_documents, vendor=VENDOR)
        grounding = None
        if llm is not None and prompt is not None:
            assistant = Assistant(llm, corpus, redact_pii=False,
                                  prompt_versions={"theme_label": prompt.version})
            assistant.label_themes(mining)
            claims = assistant.report.claims
            grounding = (claims - assistant.report.dropped) / claims if claims else None
        top = mining.themes[:case.top]
        graded = {"themes": len(mining.themes), "readable": sum(
            is_readable_label(t.label) for t in top) / len(top) if top else None}
        results = []
        labels = [t.label for t in mining.themes]
        for theme in case.expected_themes:
            hit = next((label for label in labels if any(k.lower() in label.lower()
                                                         for k in theme.keywords)), "")
            results.append(CaseResult(
                id=f"{case.id}:{theme.name}", kind=case.kind, expected="covered",
                predicted="covered" if hit else "missed", correct=bool(hit),
                reasons=[f"theme “{hit}”" if hit else f"no label with {theme.keywords}"],
                grounding=grounding, fields={**graded, "unit": "label"}))
        if case.gold_pains:
            results += self._gold_results(case, top, graded, grounding, "gold", case.gold_pains)
        if case.gold_jobs:
            results += self._gold_results(case, mining.jobs[:case.top], {}, grounding, "job",
                                          case.gold_jobs)
        return results

    def _gold_results(self, case: ThemeCase, top: list[Theme], graded: dict[str, Any],
                      grounding: float | None, unit: str,
                      gold: list[GoldPain]) -> list[CaseResult]:
        patterns = {p.id: p.pattern for p in gold}
        states = [gold_pain_of([(q.quote, recurrence_source(q.source_id, q.kind,
                                                            {"account": q.account}))
                                for q in t.quotes], patterns) for t in top]
        graded = {**graded, "unit": unit}
        if unit == "gold":
            graded["chatter"] = sum(s is None for s in states) / len(top) if top else None
        results = []
        for pain in gold:
            rank = next((i for i, s in enumerate(states) if s == pain.id), None)
            results.append(CaseResult(
                id=f"{case.id}:{unit}:{pain.id}" if unit == "job" else f"{case.id}:{pain.id}",
                kind=case.kind, expected="covered",
                predicted="missed" if rank is None else "covered", correct=rank is not None,
                reasons=[f"no top-{case.top} theme states “{pain.pain}”" if rank is None
                         else f"theme {rank + 1} “{top[rank].label}”"],
                grounding=grounding, fields=graded))
        return results

    def metrics(self, results: list[CaseResult]) -> dict[str, float | None]:
        out = common_metrics(results)
        for key, unit in (("theme_coverage", "label"), ("gold_coverage", "gold"),
                          ("jobs_coverage", "job")):
            units = [r.correct for r in results if r.fields.get("unit") == unit]
            out[key] = sum(units) / len(units) if units else None
        out["accuracy"] = out["theme_coverage"]  # the share of expected themes found
        per_case = {r.id.split(":")[0]: r.fields for r in results if r.fields.get("unit") != "job"}
        for key, field in (("chatter_share", "chatter"), ("label_readability", "readable")):
            values = [f[field] for f in per_case.values() if f.get(field) is not None]
            out[key] = sum(values) / len(values) if values else None
        return out
