"""The ICP document (DESIGN.md section 4) as pydantic models, saved as JSON."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from retrieval.mining.models import Evidence

CriterionKind = Literal["firmographic", "technographic", "pain", "trigger", "exclusion"]
Confidence = Literal["high", "medium", "low"]


class Criterion(BaseModel):
    attribute: str
    values: list[str]
    kind: CriterionKind
    statement: str = Field(description="the criterion in words a rep can read")
    support: int = Field(ge=0, description="deals (or statements) behind the criterion")
    wins: int | None = None
    win_rate: float | None = None
    baseline_win_rate: float | None = None
    lift: float | None = None
    p_value: float | None = None
    confidence: Confidence = "low"
    evidence: list[Evidence] = Field(min_length=1)


class PainPoint(BaseModel):
    theme_id: str
    label: str
    size: int
    weight: float
    accounts: int
    by_kind: dict[str, int]
    by_outcome: dict[str, int]
    summary: str = ""
    evidence: list[Evidence] = Field(min_length=1)


class Persona(BaseModel):
    role: str
    titles: list[str]
    mentions: int
    accounts: list[str]
    goals: list[str] = []
    pains: list[str] = []
    objections: list[str] = []
    summary: str = ""
    evidence: list[Evidence] = Field(min_length=1)


class Grounding(BaseModel):
    checked: int = 0
    dropped: int = 0
    dropped_examples: list[str] = []
    llm_claims: int = 0
    llm_claims_dropped: int = 0


class ICPDocument(BaseModel):
    version: int = 0
    created_at: str = ""
    engine: str = "offline"
    summary: str = ""
    inputs: dict[str, int | str] = {}
    criteria: list[Criterion] = []
    pain_points: list[PainPoint] = []
    triggers: list[Criterion] = []
    personas: list[Persona] = []
    exclusions: list[Criterion] = []
    notes: list[str] = []
    grounding: Grounding = Grounding()

    def all_evidence(self) -> list[Evidence]:
        items: list[Evidence] = []
        for group in (self.criteria, self.pain_points, self.triggers, self.personas,
                      self.exclusions):
            for entry in group:
                items.extend(entry.evidence)
        return items
