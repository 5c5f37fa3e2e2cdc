"""The themes task: an evidence set -> the recurring pain points a person finds in it.

Each expected theme is one graded unit: covered when a mined theme's label carries one of
its keywords. With an LLM, themes get LLM labels (the theme_label prompt under test), so
the task measures whether the labels still name what a person would look for.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from agent.llm.assist import Assistant
from agent.llm.client import StructuredLLM
from agent.llm.prompts import PromptFile
from evals.datasets import DATASETS, ThemeCase, load_cases
from evals.tasks.base import GROUNDING, CaseResult, Metric, common_metrics
from evals.tasks.pages import CaseTask
from retrieval.corpus import Corpus
from retrieval.embeddings import Embedder
from retrieval.ingest import Ingestor
from retrieval.mining.themes import mine
from retrieval.store import EvidenceStore

ROOT = Path(__file__).resolve().parents[2]
VENDOR = "Pipewise"


class ThemeTask(CaseTask):
    name = "themes"
    prompt_task = "theme_label"
    declared_metrics = (Metric("theme_coverage", "expected themes found",
                               lambda c: float(c.correct)), GROUNDING)

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
        labels = [t.label for t in mining.themes]
        results = []
        for theme in case.expected_themes:
            hit = next((label for label in labels if any(k.lower() in label.lower()
                                                         for k in theme.keywords)), "")
            results.append(CaseResult(
                id=f"{case.id}:{theme.name}", kind=case.kind, expected="covered",
                predicted="covered" if hit else "missed", correct=bool(hit),
                reasons=[f"theme “{hit}”" if hit else f"no label with {theme.keywords}"],
                grounding=grounding, fields={"themes": len(labels)}))
        return results

    def metrics(self, results: list[CaseResult]) -> dict[str, float | None]:
        out = common_metrics(results)
        out["theme_coverage"] = out.pop("accuracy")
        out["accuracy"] = out["theme_coverage"]  # the share of expected themes found
        return out
