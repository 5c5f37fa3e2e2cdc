"""LLM-assisted fit judgement, kept beside the deterministic one.

The page's visible text goes into the prompt between ``<website>`` tags as untrusted
data. The model answers per criterion in a fixed schema, and each answer is kept only
if its quote is verbatim in the visible page text *and* names what the criterion is
about (the technology, the industry, an employee count, the pain's words): a quote that
merely repeats an instruction planted on the page supports nothing. The model's score is
computed from its surviving verdicts with the same formula as the deterministic score,
and the deterministic tier stays the one reported, so a disagreement is visible, never
silently adopted.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, Field, field_validator

from agent.base.errors import LLMError
from agent.base.quotes import bare, flat, is_verbatim
from agent.enrich.prospect import Prospect
from agent.fit.score import Fit, Thresholds, tier_for
from agent.icp.model import Criterion, ICPDocument
from agent.llm.client import StructuredLLM
from agent.llm.prompts import PromptFile, load_prompt
from agent.llm.schemas import length
from retrieval.mining.keyphrases import terms

PAGE_CHARS = 6000


class CriterionJudgement(BaseModel):
    id: int = Field(ge=0)
    result: Literal["match", "mismatch", "unknown"]
    quote: Annotated[str, length(0, 600)] = ""


class FitJudgement(BaseModel):
    verdicts: list[CriterionJudgement]
    summary: Annotated[str, length(0, 400)] = ""

    @field_validator("verdicts")
    @classmethod
    def _at_most_40(cls, value: list[CriterionJudgement]) -> list[CriterionJudgement]:
        if len(value) > 40:
            raise ValueError("at most 40 verdicts")
        return value


def _supports(criterion: Criterion, quote: str) -> bool:
    """Does the quote speak about this criterion at all?"""
    low = quote.lower()
    if criterion.attribute == "employees":
        return bool(re.search(r"\d[\d,]*\+?\s*(employees|people|staff|team members)", low))
    words = {t for v in criterion.values for t in terms(v.replace("/", " ")) if " " not in t}
    return any(re.search(rf"\b{re.escape(w)}", low) for w in words)


async def llm_judge(llm: StructuredLLM, prospect: Prospect, icp: ICPDocument, fit: Fit,
                    thresholds: Thresholds | None = None,
                    prompt: PromptFile | None = None) -> Fit:
    """``fit`` with the model's grounded score, tier and reasons added beside it."""
    t = thresholds or Thresholds()
    if prospect.fetch_status != "ok":
        return fit
    criteria = icp.criteria + icp.triggers
    listing = "\n".join(f"{i}: {c.statement}" for i, c in enumerate(criteria))
    page = prospect.text[:PAGE_CHARS]
    try:
        answer = await llm.aask(prompt or load_prompt("fit_classification"), FitJudgement,
                                criteria=listing, page=page)
    except LLMError as exc:
        return fit.model_copy(update={"llm_reasons": [f"LLM unavailable: {exc}"[:300]]})
    known = matched = 0.0
    reasons, dropped = [], 0
    page_text = flat(prospect.text)
    for verdict in answer.verdicts:
        if verdict.id >= len(criteria) or verdict.result == "unknown":
            continue
        criterion = criteria[verdict.id]
        quote = bare(verdict.quote)
        if not is_verbatim(quote, page_text) or not _supports(criterion, quote):
            dropped += 1
            continue
        known += 1
        matched += verdict.result == "match"
        reasons.append(f"{'✓' if verdict.result == 'match' else '✗'} {criterion.statement}: "
                       f"“{quote[:160]}”")
    if not reasons and not dropped:
        reasons.append("the LLM could not judge any criterion from the page")
    if dropped:
        reasons.append(f"{dropped} LLM verdicts dropped (quote not on the page or not about "
                       "the criterion)")
    score = (int(round(100 * (matched + 0.5 * t.prior_weight) / (known + t.prior_weight)))
             if known else None)
    tier = "D" if fit.excluded else (tier_for(score, t) if score is not None else "unknown")
    return fit.model_copy(update={"llm_score": score, "llm_tier": tier, "llm_reasons": reasons,
                                  "llm_quotes": int(known) + dropped,
                                  "llm_quotes_dropped": dropped})
