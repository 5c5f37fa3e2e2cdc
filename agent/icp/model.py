"""The ICP document (DESIGN.md section 4) as pydantic models, saved as JSON."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, field_validator

from agent.base.fields import canonical_name
from agent.icp.scorecard import Scorecard
from retrieval.mining.models import Evidence

CriterionKind = Literal["firmographic", "technographic", "attribute", "pain", "trigger",
                        "exclusion"]
Confidence = Literal["high", "medium", "low"]
Basis = Literal["deals", "hypothesis", "customers", "none"]


class Criterion(BaseModel):
    attribute: str = Field(description="what is judged: a field (industry, employees, "
                           "country, technologies), pain, trigger, or an attribute key such "
                           "as 'attr:Lead Source'")
    values: list[str]
    kind: CriterionKind
    label: str = Field(default="", description="the attribute in words (its column header)")
    band: list[float | None] | None = Field(default=None, description="[low, high) of a "
                                            "numeric band; null for an open end")
    statement: str = Field(description="the criterion in words a rep can read")
    support: int = Field(ge=0, description="deals (or statements) behind the criterion")
    wins: int | None = None
    win_rate: float | None = None
    win_rate_low: float | None = Field(default=None, description="Wilson 95% interval")
    win_rate_high: float | None = None
    baseline_win_rate: float | None = None
    lift: float | None = None
    p_value: float | None = Field(default=None, description="Fisher's exact test p-value")
    q_value: float | None = Field(default=None, description="Benjamini-Hochberg q-value "
                                  "over every value tested")
    confidence: Confidence = "low"
    points: int | None = Field(default=None, description="scorecard points a prospect with "
                               "this value gets (None: not a scorecard line)")
    confound: str = Field(default="", description="for a line from what customers said: "
                          "whether it holds within the strongest column's segments")
    evidence: list[Evidence] = Field(min_length=1)

    @field_validator("attribute")
    @classmethod
    def _one_name(cls, value: str) -> str:
        """ICPs saved before the field table say ``size`` and ``technology``."""
        return canonical_name(value)

    @property
    def significant(self) -> bool:
        return self.q_value is not None and self.q_value < 0.05


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
    jobs: list[str] = Field(default=[], description="what this role hires the product for "
                            "(review answers to \"what problems does it solve\")")
    objections: list[str] = []
    summary: str = ""
    evidence: list[Evidence] = Field(min_length=1)


class Grounding(BaseModel):
    checked: int = 0
    dropped: int = 0
    dropped_examples: list[str] = []
    llm_claims: int = 0
    llm_claims_dropped: int = 0


class ProfileShare(BaseModel):
    """A customer-base share: how many current customers have this attribute value."""

    attribute: str
    label: str
    value: str
    count: int
    total: int
    share: float
    low: float
    high: float


class ICPDocument(BaseModel):
    version: int = 0
    created_at: str = ""
    engine: str = "offline"
    summary: str = ""
    inputs: dict[str, int | str] = {}
    criteria: list[Criterion] = []
    pain_points: list[PainPoint] = []
    jobs: list[PainPoint] = Field(default=[], description="what customers hire the product "
                                  "for: themes of review answers to \"what problems does it "
                                  "solve\"")
    value: list[PainPoint] = Field(default=[], description="what customers value (likes, "
                                   "pros): what to say in outreach")
    triggers: list[Criterion] = []
    personas: list[Persona] = []
    exclusions: list[Criterion] = []
    notes: list[str] = []
    basis: Basis = Field(
        default="deals", description="won vs lost deals; too few of them (a hypothesis to "
        "test); current customers only (a profile, not a comparison); nothing")
    customer_profile: list[ProfileShare] = []
    set_aside: dict[str, str] = Field(default={}, description="columns that leak the "
                                      "outcome -> why")
    scorecard: Scorecard | None = Field(default=None, description="how points become a "
                                        "score, a tier and a win rate (None: an ICP drafted "
                                        "before the scorecard, scored by matched criteria)")
    grounding: Grounding = Grounding()

    def all_evidence(self) -> list[Evidence]:
        items: list[Evidence] = []
        for group in (self.criteria, self.pain_points, self.jobs, self.value, self.triggers,
                      self.personas, self.exclusions):
            for entry in group:
                items.extend(entry.evidence)
        return items
