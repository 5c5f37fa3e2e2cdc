"""The LLM seam with LangChain fake chat models: prompts, re-ask, fallback, grounding,
redaction and endpoint probing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from agent.base.errors import LLMError, PromptError
from agent.icp.model import ICPDocument
from agent.llm.calllog import CallLog
from agent.llm.client import StructuredLLM, parse_llm_spec
from agent.llm.prompts import PromptFile, list_prompts, load_prompt
from agent.llm.redact import is_local_endpoint, redact
from agent.llm.schemas import ThemeLabel
from agent.llm.scripted import ScriptedModel
from agent.pipeline import Workspace, draft_icp, mine_store
from agent.settings import Settings
from retrieval.corpus import Corpus
from retrieval.ingest import Ingestor
from retrieval.mining.models import Evidence, MiningResult, Theme

from .conftest import SAMPLE_DATA
from .llm_fakes import RecordingFakeChat, answer

# -- prompts -------------------------------------------------------------------------------


def test_every_prompt_file_is_valid_and_hashed() -> None:
    prompts = list_prompts()
    assert {p.task for p in prompts} >= {"theme_label", "icp_summary", "persona_summary"}
    assert all(len(p.sha256) == 64 for p in prompts)


def test_rendering_is_strict() -> None:
    prompt = load_prompt("theme_label", "v1")
    system, user = prompt.render(quotes="[1] “x”", keyphrases="sync")
    assert "<evidence>" in user and "never" in system.lower()
    with pytest.raises(PromptError, match="missing variables"):
        prompt.render(quotes="x")
    with pytest.raises(PromptError, match="unexpected variables"):
        prompt.render(quotes="x", keyphrases="y", extra="z")
    with pytest.raises(ValueError, match="do not match declared variables"):
        PromptFile(task="t", version="v1", description="d", variables=["a"],
                   system="{a}", user="{b}")


def test_an_invalid_prompt_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "theme_label").mkdir()
    (tmp_path / "theme_label" / "v1.yaml").write_text("task: theme_label\nversion: v1\n")
    with pytest.raises(PromptError, match="not a valid prompt file"):
        load_prompt("theme_label", root=tmp_path)


# -- redaction -----------------------------------------------------------------------------


def test_redaction_of_emails_and_phones_only() -> None:
    text = ("Mail maya.chen@acme.example or call +1 (415) 555-0142 / 020 7946 0958. "
            "We merged 40k contacts on 2024-03-05 in 10 minutes; version 4.27.6.")
    out = redact(text)
    assert "maya.chen" not in out and "555-0142" not in out and "7946" not in out
    assert out.count("[email]") == 1 and out.count("[phone]") == 2
    assert "40k contacts on 2024-03-05 in 10 minutes; version 4.27.6." in out


def test_local_endpoints() -> None:
    assert is_local_endpoint("http://127.0.0.1:8080/v1")
    assert is_local_endpoint("http://localhost:11434/v1")
    assert not is_local_endpoint("https://api.openai.com/v1")
    assert not is_local_endpoint(None)


# -- structured calls ----------------------------------------------------------------------

GOOD_LABEL = {"label": "Duplicate CRM records", "summary": "Syncs create duplicate accounts.",
              "quotes": ["Every night the Salesforce sync creates new duplicate accounts "
                         "instead of merging them."]}


def llm(tmp_path: Path, answers: list, **kw: Any) -> tuple[StructuredLLM, ScriptedModel]:
    chat = ScriptedModel(answers)
    return StructuredLLM(chat, "fake", CallLog(tmp_path / "logs.db"), method="json_mode",
                         **kw), chat


def test_invalid_answer_is_re_asked_then_accepted(tmp_path: Path) -> None:
    structured, chat = llm(tmp_path, ["not json at all", {"label": "x"}, GOOD_LABEL])
    out = structured.ask(load_prompt("theme_label"), ThemeLabel, quotes="q", keyphrases="k")
    assert out.label == "Duplicate CRM records"
    rows = structured.call_log.rows()
    assert [r["ok"] for r in rows] == [0, 0, 1]
    assert rows[-1]["prompt_version"] == "v1" and rows[-1]["task"] == "theme_label"
    assert rows[-1]["input_tokens"] == 120 and rows[-1]["latency_ms"] >= 0
    assert len(rows[-1]["prompt_sha256"]) == 64
    assert "was not valid for the schema ThemeLabel" in str(chat.seen[1].messages[-1].content)
    assert chat.seen[2].messages[-2].content == '{"label": "x"}'  # its own answer, sent back


def test_re_asking_is_bounded(tmp_path: Path) -> None:
    structured, _ = llm(tmp_path, ["{}"], max_attempts=3)
    with pytest.raises(LLMError, match="no valid answer after 3 attempt"):
        structured.ask(load_prompt("theme_label"), ThemeLabel, quotes="q", keyphrases="k")
    assert len(structured.call_log.rows()) == 3


def test_endpoint_probe_picks_a_supported_method_and_caches_it(tmp_path: Path) -> None:
    endpoint = "http://127.0.0.1:1/v1"
    chat = ScriptedModel([{"ok": True}, GOOD_LABEL], refuse=["json_schema"], endpoint=endpoint)
    cache = tmp_path / "probe.json"
    structured = StructuredLLM(chat, "fake", CallLog(tmp_path / "logs.db"), probe_cache=cache)
    assert structured.method() == "function_calling"
    assert [c.method for c in chat.seen] == ["json_schema", "function_calling"]
    assert json.loads(cache.read_text()) == {"http://127.0.0.1:1/v1|fake": "function_calling"}
    silent = ScriptedModel(["x"], endpoint=endpoint)
    again = StructuredLLM(silent, "fake", CallLog(tmp_path / "logs.db"), probe_cache=cache)
    assert again.method() == "function_calling" and not silent.seen  # from the cache


def test_llm_spec() -> None:
    assert parse_llm_spec("none") is None
    assert parse_llm_spec("openai:gpt-4o-mini") == "gpt-4o-mini"
    with pytest.raises(LLMError, match="unknown LLM"):
        parse_llm_spec("anthropic:claude")


# -- drafting with an LLM ------------------------------------------------------------------


@pytest.fixture
def llm_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"llm": "openai:fake", "llm_method": "json_mode",
                                       "vendor": "Pipewise"})


def ingest_sample(settings: Settings) -> None:
    ws = Workspace.open(settings.model_copy(update={"llm": "none"}))
    assert Ingestor(ws.store, ws.embedder).ingest([SAMPLE_DATA]).ok


def test_grounded_llm_labels_replace_keyphrases(llm_settings: Settings) -> None:
    ingest_sample(llm_settings)
    chat = RecordingFakeChat(responses=[answer("unused")], echo_quote=True)
    analysis = mine_store(Workspace.open(llm_settings, chat=chat))
    labelled = [t for t in analysis.mining.themes if t.label_source == "llm:fake"]
    assert len(labelled) == min(8, len(analysis.mining.themes))
    assert all(t.label == "Echoed theme" and t.summary for t in labelled)
    assert analysis.assistant.report.dropped == 0
    # evidence went into every prompt delimited as data
    assert all("<evidence>" in str(batch[-1].content) for batch in chat.seen)


def test_labels_with_fabricated_quotes_are_dropped(llm_settings: Settings) -> None:
    ingest_sample(llm_settings)
    fabricated = {"label": "Loves our pricing", "summary": "Customers adore the price.",
                  "quotes": ["We would happily pay double for Pipewise."]}
    chat = RecordingFakeChat(responses=[answer(fabricated)])
    analysis = mine_store(Workspace.open(llm_settings, chat=chat))
    assert not any(t.label == "Loves our pricing" for t in analysis.mining.themes)
    assert all(t.label_source == "offline" for t in analysis.mining.themes)
    report = analysis.assistant.report
    assert report.claims == report.dropped >= 1
    assert "were dropped: their quotes were not found verbatim" in report.notes("fake")[0]


def test_labels_that_repeat_the_prompt_are_dropped(llm_settings: Settings) -> None:
    """SmolLM2 on llama.cpp answered with the prompt's own words; such a label is refused
    (its quote is verbatim, so only the echo check catches it) and counted as dropped."""
    ingest_sample(llm_settings)
    offline = mine_store(Workspace.open(llm_settings.model_copy(update={"llm": "none"})))
    chat = RecordingFakeChat(responses=[answer("unused")], echo_quote=True,
                             echo_label="A short name for the shared pain point")
    analysis = mine_store(Workspace.open(llm_settings, chat=chat))
    assert [t.label for t in analysis.mining.themes] == [t.label for t in offline.mining.themes]
    report = analysis.assistant.report
    assert report.claims == report.dropped >= 1
    assert "repeated the prompt" in report.notes("fake")[0]


def test_a_failing_model_falls_back_to_the_offline_engine(llm_settings: Settings) -> None:
    ingest_sample(llm_settings)
    offline = draft_icp(Workspace.open(llm_settings.model_copy(update={"llm": "none"}))).doc
    chat = RecordingFakeChat(responses=[answer("I cannot help with that.")])
    doc: ICPDocument = draft_icp(Workspace.open(llm_settings, chat=chat)).doc
    assert doc.summary == offline.summary
    assert [c.statement for c in doc.criteria] == [c.statement for c in offline.criteria]
    assert any("failed on" in n and "offline engine's text was kept" in n for n in doc.notes)
    assert doc.engine.startswith("llm:fake")
    assert doc.grounding.dropped == 0


def test_prompts_to_a_hosted_endpoint_are_redacted(llm_settings: Settings, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    ticket = tmp_path / "pii.json"
    ticket.write_text(json.dumps([{
        "subject": "Duplicate contacts again",
        "description": "Duplicate contacts break our forecast every week. Call me on "
                       "+1 415 555 0142 or write to dana.ruiz@globex.example today.",
        "organization": "Globex", "requester": "Dana"}]), encoding="utf-8")
    ws0 = Workspace.open(llm_settings.model_copy(update={"llm": "none"}))
    Ingestor(ws0.store, ws0.embedder).ingest([ticket])
    corpus = Corpus.load(ws0.store)
    chunk = corpus.chunks[0]
    theme = Theme(id="T1", label="duplicates", keyphrases=["duplicates"], size=1, accounts=1,
                  weight=1.0, by_kind={}, by_outcome={}, by_segment={}, statement_ids=["s"],
                  quotes=[Evidence(source_id=str(chunk.meta["source_id"]), quote=chunk.text,
                                   chunk_id=chunk.id)])
    mining = MiningResult(chunks=1, statements=1, outliers=0, themes=[theme], params={})
    for base_url, redacted in (("", True), ("http://127.0.0.1:9/v1", False)):
        if base_url:
            monkeypatch.setenv("OPENAI_BASE_URL", base_url)
        else:
            monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
        chat = RecordingFakeChat(responses=[answer(GOOD_LABEL)])
        assistant = Workspace.open(llm_settings, chat=chat).assistant(corpus)
        assert assistant.redact_pii is redacted
        assistant.label_themes(mining)
        sent = chat.prompts_text()
        assert "Duplicate contacts break our forecast" in sent
        assert ("dana.ruiz@globex.example" not in sent) is redacted
        assert ("555 0142" not in sent) is redacted
        assert ("[email]" in sent) is redacted
