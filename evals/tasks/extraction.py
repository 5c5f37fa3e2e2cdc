"""The extraction task: a prospect page -> industry, employee count, technologies."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import cast

from agent.base.errors import LLMError
from agent.base.quotes import grounding_rate
from agent.enrich.llm_extract import llm_extract
from agent.fit.classify import classify_many
from agent.icp import versions
from agent.llm.client import StructuredLLM
from agent.llm.prompts import PromptFile
from evals.datasets import DATASETS, ExtractionCase, load_cases
from evals.graders import field_match
from evals.tasks.base import COMMON_METRICS, CaseResult, Metric, common_metrics
from evals.tasks.pages import PageTask

FIELDS = ("industry", "employees", "technologies")


class ExtractionTask(PageTask):
    name = "extraction"
    prompt_task = "field_extraction"
    declared_metrics: tuple[Metric, ...] = (*COMMON_METRICS, *(
        Metric(f"{f}_accuracy", f"{f} accuracy",
               lambda c, f=f: float(bool(c.fields.get(f)))) for f in FIELDS))  # type: ignore[misc]

    def __init__(self, dataset: Path | None = None) -> None:
        self.dataset = dataset or DATASETS / "extraction_cases.jsonl"
        self.cases = {c.id: c for c in load_cases(self.dataset, ExtractionCase)}
        self.icp = versions.load_file(DATASETS / "fit_icp.json")

    def run_case(self, base: str, case_id: str, llm: StructuredLLM | None,
                 prompt: PromptFile | None) -> list[CaseResult]:
        case: ExtractionCase = self.cases[case_id]
        (row,) = asyncio.run(classify_many([f"{base}/{case.id}/"], self.icp,
                                           allow_private=True))
        p = row.prospect
        number = p.employees.value.rstrip("+").replace(",", "") if p.employees else ""
        got: dict[str, object] = {
            "industry": p.industry.value if p.industry else "",
            "employees": int(number) if number.isdigit() else None,
            "technologies": [t.value for t in p.technologies]}
        quotes = [f.quote for f in (p.industry, p.employees) if f is not None and f.quote]
        grounding = grounding_rate(quotes, p.text)
        reasons: list[str] = []
        if llm is not None and p.fetch_status == "ok":
            try:  # the LLM assists: its grounded fields win, the offline ones stay otherwise
                extracted = asyncio.run(llm_extract(llm, p, prompt))
            except LLMError as exc:
                reasons.append(f"LLM failed: {exc}"[:200])
            else:
                got["industry"] = extracted.industry or got["industry"]
                got["employees"] = extracted.employees or got["employees"]
                got["technologies"] = sorted({*cast(list[str], got["technologies"]),
                                              *extracted.technologies})
                kept, total = len(extracted.quotes), len(extracted.quotes) + extracted.dropped
                grounding = kept / total if total else None
                reasons.append(f"LLM kept {kept} of {total} fields")
        expected = case.expected.model_dump()
        grades = {f: field_match(expected[f], got[f]) if expected[f] is not None
                  else got[f] is None for f in FIELDS}
        return [CaseResult(id=case.id, kind=case.kind, expected=_short(expected),
                           predicted=_short(got), correct=all(grades.values()),
                           reasons=reasons, grounding=grounding,
                           fields={f: bool(ok) for f, ok in grades.items()})]

    def metrics(self, results: list[CaseResult]) -> dict[str, float | None]:
        out = common_metrics(results)
        for f in FIELDS:
            out[f"{f}_accuracy"] = sum(bool(r.fields.get(f)) for r in results) / len(results)
        return out


def _short(values: dict[str, object]) -> str:
    tech = values["technologies"]
    return (f"{values['industry'] or '?'} · {values['employees'] or '?'} · "
            f"{', '.join(tech) if isinstance(tech, list) and tech else '-'}")
