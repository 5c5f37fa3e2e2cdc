"""Eval datasets (JSONL with a pydantic schema per line) and their content hash."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Literal, TypeVar

from pydantic import BaseModel, Field, ValidationError, model_validator

from agent.base.errors import DatasetError

DATASETS = Path(__file__).parent / "datasets"
Tier = Literal["A", "B", "C", "D", "unknown"]


class FitCase(BaseModel):
    """A prospect's one-page website and the tier a person gives it against the ICP."""

    id: str = Field(pattern=r"^[\w.-]+$")
    kind: str
    source: str = Field(description="where the page's facts come from")
    status: int = Field(default=200, ge=100, le=599, description="HTTP status the page gets")
    html: str
    expected_tier: Tier
    why: str = Field(description="how the label was set")


class ExpectedFields(BaseModel):
    industry: str
    employees: int | None
    technologies: list[str]


class ExtractionCase(BaseModel):
    """A prospect page and what a person records from it."""

    id: str = Field(pattern=r"^[\w.-]+$")
    kind: str
    source: str
    html: str
    expected: ExpectedFields
    why: str
    status: int = 200


class ExpectedTheme(BaseModel):
    name: str
    keywords: list[str] = Field(min_length=1, description="any of these in a theme's "
                                "label means the theme was found")


class GoldPain(BaseModel):
    id: str
    pain: str = Field(description="the pain as the human labels state it")
    pattern: str = Field(description="regular expression (case-insensitive) that a quote "
                         "stating this pain matches")


class ThemeCase(BaseModel):
    """An evidence set (files in the repository) and the themes a person finds in it:
    either expected themes found by label keywords, or gold pains found in the quotes of
    the top themes (human labels; chatter and readability graded too)."""

    id: str = Field(pattern=r"^[\w.-]+$")
    kind: str
    evidence: list[str] = Field(min_length=1)
    expected_themes: list[ExpectedTheme] = Field(default_factory=list)
    gold_pains: list[GoldPain] = Field(default_factory=list)
    gold_jobs: list[GoldPain] = Field(default_factory=list, description="jobs to be done a "
                                      "person finds in the answers to \"what problems does it "
                                      "solve\", found in the top job themes")
    top: int = Field(10, ge=1, description="themes graded for gold pains, chatter, labels")
    why: str

    @model_validator(mode="after")
    def _has_units(self) -> ThemeCase:
        if not self.expected_themes and not self.gold_pains and not self.gold_jobs:
            raise ValueError("a theme case needs expected_themes or gold_pains")
        return self


M = TypeVar("M", bound=BaseModel)


def load_fit_cases(path: Path | None = None) -> list[FitCase]:
    return load_cases(path or DATASETS / "fit_cases.jsonl", FitCase)


def load_cases(path: Path, schema: type[M]) -> list[M]:
    """Every line validated against ``schema``; a bad line is named, ids are unique."""
    cases: list[M] = []
    seen: set[str] = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            case = schema.model_validate_json(line)
        except ValidationError as exc:
            raise DatasetError(f"{path} line {number}: {exc.errors()[0]['msg']} "
                               f"({'.'.join(map(str, exc.errors()[0]['loc']))})") from None
        case_id = str(getattr(case, "id", number))
        if case_id in seen:
            raise DatasetError(f"{path} line {number}: duplicate case id {case_id}")
        seen.add(case_id)
        cases.append(case)
    if not cases:
        raise DatasetError(f"{path}: no cases")
    return cases


def file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
