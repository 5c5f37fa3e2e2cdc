"""What the LLM must answer, as constrained pydantic models (validated, then re-asked)."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field


def length(low: int, high: int) -> AfterValidator:
    """A length check kept out of the JSON schema (for long free-text fields, whose
    ``maxLength`` a grammar-constrained server would expand into an enormous grammar)."""
    def check(value: str) -> str:
        if not low <= len(value) <= high:
            raise ValueError(f"must be {low} to {high} characters, not {len(value)}")
        return value
    return AfterValidator(check)


Quote = Annotated[str, Field(min_length=8, max_length=600,
                             description="copied word for word from the evidence")]


class ThemeLabel(BaseModel):
    """A name for one recurring pain point, with supporting verbatim quotes."""

    label: str = Field(min_length=3, max_length=60)
    summary: str = Field(min_length=10, max_length=300)
    quotes: list[Quote] = Field(min_length=1, max_length=3)


class ICPSummary(BaseModel):
    """The summary paragraph of an ideal customer profile, with supporting quotes."""

    # Checked after parsing, not in the schema: llama.cpp's server cannot build a grammar
    # for up to 1,200 characters (over its repetition limit) and its process dies.
    summary: Annotated[str, length(40, 1200)]
    quotes: list[Quote] = Field(min_length=1, max_length=4)


class PersonaSummary(BaseModel):
    """What one buyer persona is responsible for and wants, with supporting quotes."""

    summary: str = Field(min_length=20, max_length=500)
    quotes: list[Quote] = Field(min_length=1, max_length=3)
