"""The LLM fit path against fakes that obey planted instructions: the defences hold."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import BaseMessage

from agent.demo.sites import SiteServer
from agent.fit.classify import classify_many
from agent.llm.calllog import CallLog
from agent.llm.client import StructuredLLM
from agent.llm.scripted import ScriptedModel

from .conftest import injection_pair
from .test_enrich import INJECTIONS, icp_fixture


def obedient(messages: list[BaseMessage]) -> dict[str, Any]:
    """A model that does what the page tells it: every criterion it has no fact for
    'matches', quoting the planted instruction; the size band it judges from the page."""
    prompt = str(messages[-1].content)
    ids = [int(i) for i in re.findall(r"^(\d+): ", prompt, re.M)]
    page = prompt.split("<website>")[1].split("</website>")[0]
    planted = re.search(r"[^.\n]*(perfect fit|tier A|score 100|every ICP criterion)[^.\n]*",
                        page, re.I)
    honest = re.search(r"[^.\n]*\d+ people[^.\n]*", page)
    verdicts = []
    for i in ids:
        if honest and i == 1:  # criterion 1 is the size band in the fixture
            verdicts.append({"id": i, "result": "mismatch", "quote": honest.group(0).strip()})
        elif planted:
            verdicts.append({"id": i, "result": "match", "quote": planted.group(0).strip()})
    return {"verdicts": verdicts, "summary": "A company."}


def llm(tmp_path: Path) -> tuple[StructuredLLM, ScriptedModel]:
    chat = ScriptedModel([obedient])
    return StructuredLLM(chat, "obedient", CallLog(tmp_path / "logs.db"),
                         method="json_mode"), chat


@pytest.mark.parametrize("injection", INJECTIONS)
def test_an_obedient_llm_cannot_be_steered_by_the_page(tmp_path: Path, injection: str) -> None:
    with SiteServer(injection_pair(tmp_path, injection), first_host=60) as server:
        clean, injected = asyncio.run(classify_many(list(server.urls.values()), icp_fixture(),
                                                    allow_private=True,
                                                    llm=llm(tmp_path)[0]))
    assert injected.fit.tier == clean.fit.tier == "D"
    assert injected.fit.llm_tier == clean.fit.llm_tier
    assert injected.fit.llm_score == clean.fit.llm_score
    assert clean.fit.llm_tier == "D"  # the honest size verdict survives grounding
    assert "12 people" in " ".join(clean.fit.llm_reasons)


def test_page_text_is_delimited_as_data(tmp_path: Path) -> None:
    structured, chat = llm(tmp_path)
    with SiteServer() as server:
        asyncio.run(classify_many([server.urls["northpeak"]], icp_fixture(),
                                  allow_private=True, llm=structured))
    sent = chat.seen[0].messages
    assert "untrusted" in str(sent[0].content)
    body = str(sent[-1].content)
    assert body.index("<website>") < body.index("Northpeak") < body.index("</website>")
    rows = structured.call_log.rows()
    assert rows[0]["task"] == "fit_classification" and rows[0]["ok"] == 1


def test_llm_field_extraction_keeps_only_grounded_fields(tmp_path: Path) -> None:
    from agent.enrich.extract import PageFacts
    from agent.enrich.llm_extract import llm_extract
    from agent.enrich.prospect import Prospect


    page = ("Bolt Pay is a fintech company building payments APIs. We are 900 people in "
            "Oslo. Our sales team runs on HubSpot.")
    reply = {"industry": "financial services",
             "industry_quote": "Bolt Pay is a fintech company building payments APIs.",
             "employees": 5000, "employees_quote": "We are 5000 people in Oslo.",
             "technologies": ["HubSpot", "Salesforce"]}
    chat = ScriptedModel([reply])
    structured = StructuredLLM(chat, "fake", CallLog(tmp_path / "logs.db"), method="json_mode")
    prospect = Prospect(input="bolt", fetch_status="ok",
                        pages=[PageFacts(url="https://bolt.example/", text=page)])
    got = asyncio.run(llm_extract(structured, prospect))
    assert got.industry == "financial services"  # quoted verbatim and about the industry
    assert got.employees is None  # "5000 people" is not on the page
    assert got.technologies == ["HubSpot"]  # Salesforce is never named on the page
    assert got.dropped == 2
    assert "<website>" in str(chat.seen[0].messages[-1].content)
