"""The fit task: a prospect's page + the eval ICP -> the tier a person gives it."""

from __future__ import annotations

import asyncio
from pathlib import Path

from agent.base.quotes import grounding_rate
from agent.fit.classify import classify_many
from agent.icp import versions
from agent.llm.client import StructuredLLM
from agent.llm.prompts import PromptFile
from evals.datasets import DATASETS, FitCase, load_fit_cases
from evals.graders import macro_f1
from evals.tasks.base import COMMON_METRICS, CaseResult, Metric, common_metrics
from evals.tasks.pages import PageTask


class FitTask(PageTask):
    name = "fit"
    prompt_task = "fit_classification"
    declared_metrics: tuple[Metric, ...] = (*COMMON_METRICS, Metric("macro_f1", "macro-F1"))

    def __init__(self, dataset: Path | None = None) -> None:
        self.dataset = dataset or DATASETS / "fit_cases.jsonl"
        self.cases = {c.id: c for c in load_fit_cases(self.dataset)}
        self.icp = versions.load_file(DATASETS / "fit_icp.json")
        self.thresholds = None

    def run_case(self, base: str, case_id: str, llm: StructuredLLM | None,
                 prompt: PromptFile | None) -> list[CaseResult]:
        case: FitCase = self.cases[case_id]
        (row,) = asyncio.run(classify_many([f"{base}/{case.id}/"], self.icp,
                                           allow_private=True, thresholds=self.thresholds,
                                           llm=llm, prompt=prompt))
        fit = row.fit
        if llm is not None:
            predicted, score, reasons = fit.llm_tier or "unknown", fit.llm_score, \
                fit.llm_reasons
            grounding = (None if not fit.llm_quotes else
                         (fit.llm_quotes - fit.llm_quotes_dropped) / fit.llm_quotes)
        else:
            predicted, score, reasons = fit.tier, fit.score, fit.reasons
            grounding = grounding_rate([v.quote for v in fit.verdicts if v.quote],
                                       row.prospect.text)
        return [CaseResult(id=case.id, kind=case.kind, expected=case.expected_tier,
                           predicted=predicted, correct=predicted == case.expected_tier,
                           score=score, reasons=reasons[:8], grounding=grounding)]

    def metrics(self, results: list[CaseResult]) -> dict[str, float | None]:
        return {**common_metrics(results),
                "macro_f1": macro_f1([r.expected for r in results],
                                     [r.predicted for r in results])}
