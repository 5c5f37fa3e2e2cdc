"""Eval datasets (JSONL with a pydantic schema per line) and their content hash."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, ValidationError

DATASETS = Path(__file__).parent / "datasets"
Tier = Literal["A", "B", "C", "D", "unknown"]


class DatasetError(ValueError):
    pass


class FitCase(BaseModel):
    """A prospect's one-page website and the tier a person gives it against the ICP."""

    id: str = Field(pattern=r"^[\w.-]+$")
    kind: str
    source: str = Field(description="where the page's facts come from")
    status: int = Field(default=200, ge=100, le=599, description="HTTP status the page gets")
    html: str
    expected_tier: Tier
    why: str = Field(description="how the label was set")


def load_fit_cases(path: Path | None = None) -> list[FitCase]:
    path = path or DATASETS / "fit_cases.jsonl"
    cases, seen = [], set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            case = FitCase.model_validate_json(line)
        except ValidationError as exc:
            raise DatasetError(f"{path} line {number}: {exc.errors()[0]['msg']} "
                               f"({'.'.join(map(str, exc.errors()[0]['loc']))})") from None
        if case.id in seen:
            raise DatasetError(f"{path} line {number}: duplicate case id {case.id}")
        seen.add(case.id)
        cases.append(case)
    if not cases:
        raise DatasetError(f"{path}: no cases")
    return cases


def file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
