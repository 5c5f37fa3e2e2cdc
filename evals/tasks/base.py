"""The interface every eval task implements, and the per-case result it returns."""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel, Field

from agent.llm.client import StructuredLLM
from agent.llm.prompts import PromptFile


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
