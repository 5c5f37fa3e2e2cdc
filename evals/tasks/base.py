"""The interface every eval task implements, and the per-case result it returns."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Metric:
    """A metric a task declares: its key in ``EvalRun.metrics``, how people read it, and
    (when it is a mean over cases) its value per case, for intervals and paired tests."""

    key: str
    label: str
    per_case: Callable[[CaseResult], float | None] | None = None
    share: bool = True  # a 0..1 share (shown with 3 decimals, charted on a 0..1 scale)


ACCURACY = Metric("accuracy", "accuracy", lambda c: float(c.correct))
GROUNDING = Metric("grounding_rate", "grounding rate", lambda c: c.grounding)
LATENCY = Metric("latency_ms_mean", "mean latency (ms)", lambda c: float(c.latency_ms),
                 share=False)
COMMON_METRICS = (ACCURACY, GROUNDING)


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
    declared_metrics: tuple[Metric, ...]  # what its reports and comparisons show

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
