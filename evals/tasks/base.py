"""The interface every eval task implements, and the per-case result it returns."""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel, Field

from agent.llm.client import StructuredLLM
from agent.llm.prompts import PromptFile
from evals.graders import accuracy


class CaseResult(BaseModel):
    """One graded unit: a prospect page (fit, extraction) or an expected theme (themes)."""

    id: str
    kind: str
    expected: str
    predicted: str
    correct: bool
    score: float | None = None
    reasons: list[str] = Field(default_factory=list)
    grounding: float | None = None  # share of the output's quotes found verbatim
    fields: dict[str, Any] = Field(default_factory=dict)  # task-specific grades
    latency_ms: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    repeat: int = 0


def common_metrics(results: list[CaseResult]) -> dict[str, float | None]:
    """What every task reports: accuracy, grounding, latency and tokens."""
    grounded = [r.grounding for r in results if r.grounding is not None]
    latencies = sorted(r.latency_ms for r in results)
    return {
        "accuracy": accuracy([r.expected for r in results], [r.predicted for r in results]),
        "grounding_rate": sum(grounded) / len(grounded) if grounded else None,
        "latency_ms_mean": sum(latencies) / len(latencies) if latencies else 0.0,
        "latency_ms_p95": float(latencies[int(0.95 * (len(latencies) - 1))]) if latencies
        else 0.0,
        "input_tokens": float(sum(r.input_tokens for r in results)),
        "output_tokens": float(sum(r.output_tokens for r in results)),
    }


class Task(Protocol):
    name: str
    prompt_task: str  # the prompts/<task>/ its LLM runs use
    dataset: Path

    def case_ids(self, limit: int | None) -> list[str]:
        """The cases to run (a stratified subset when limited)."""
        ...

    def session(self, ids: list[str]) -> AbstractContextManager[Any]:
        """Whatever the cases need while they run (e.g. a local web server)."""
        ...

    def run_case(self, context: Any, case_id: str, llm: StructuredLLM | None,
                 prompt: PromptFile | None) -> list[CaseResult]:
        ...

    def metrics(self, results: list[CaseResult]) -> dict[str, float | None]:
        ...
