"""LLM field extraction (industry, head count, technologies), grounded in the page.

Each field is kept only when its quote is verbatim in the page's visible text and says
what the field claims (the industry's own words, the number itself, the product name).
Evaluated against the offline extractor with ``icp eval run extraction``; enrichment keeps
the offline extractor until an eval shows this is better.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BaseModel, Field

from agent.base.quotes import flat, is_verbatim
from agent.enrich.prospect import INDUSTRIES, Prospect
from agent.llm.client import StructuredLLM
from agent.llm.prompts import PromptFile, load_prompt
from agent.llm.schemas import length

PAGE_CHARS = 6000


class FieldExtraction(BaseModel):
    industry: Annotated[str, length(0, 60)] = ""
    industry_quote: str = ""
    employees: int | None = Field(default=None, ge=0, le=10_000_000)
    employees_quote: str = ""
    technologies: list[Annotated[str, length(1, 60)]] = Field(default_factory=list,
                                                              max_length=30)


class ExtractedFields(BaseModel):
    industry: str = ""
    employees: int | None = None
    technologies: list[str] = Field(default_factory=list)
    quotes: list[str] = Field(default_factory=list)  # the quotes kept
    dropped: int = 0  # fields whose quote was not on the page or did not say it


async def llm_extract(llm: StructuredLLM, prospect: Prospect,
                      prompt: PromptFile | None = None) -> ExtractedFields:
    page = flat(prospect.text)
    answer = await llm.aask(prompt or load_prompt("field_extraction"), FieldExtraction,
                            industries=", ".join(INDUSTRIES), page=prospect.text[:PAGE_CHARS])
    out = ExtractedFields()
    industry = answer.industry.strip().lower()
    if industry:
        if industry in INDUSTRIES and is_verbatim(answer.industry_quote, page) and \
                INDUSTRIES[industry].search(answer.industry_quote):
            out.industry = industry
            out.quotes.append(answer.industry_quote)
        else:
            out.dropped += 1
    if answer.employees is not None:
        digits = re.sub(r"[,\s]", "", answer.employees_quote)
        if is_verbatim(answer.employees_quote, page) and str(answer.employees) in digits:
            out.employees = answer.employees
            out.quotes.append(answer.employees_quote)
        else:
            out.dropped += 1
    for name in answer.technologies:
        if re.search(rf"\b{re.escape(name.strip())}\b", page, re.I):
            out.technologies.append(name.strip())
        else:
            out.dropped += 1
    return out
