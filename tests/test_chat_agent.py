"""The chat agent: offline router, revision logic, and the tool-calling loop with fake chat
models (tool selection, tool errors fed back, citations, persistence across restarts)."""

from __future__ import annotations

from pathlib import Path

import pytest
from langchain_core.messages import AIMessage, ToolMessage
from pydantic import ValidationError
from typer.testing import CliRunner

from agent.base.errors import RevisionError
from agent.chat.agent import ChatAgent, Delta, Done, StepEvent, open_agent
from agent.chat.revise import Revision, apply, size_above, size_below
from agent.chat.router import OFFLINE_HELP, route
from agent.cli import app
from agent.demo.sites import SiteServer
from agent.fit.rows import classify_row
from agent.icp import versions
from agent.llm.calllog import CallLog
from agent.llm.scripted import ScriptedModel, ScriptedTurn
from agent.settings import Settings
from retrieval.ingest import Ingestor

from .llm_fakes import ScriptedToolChat, tool_call
from .test_enrich import icp_fixture

SAMPLE = Path(__file__).resolve().parents[1] / "agent" / "sample_data"


@pytest.fixture
def ws_settings(settings: Settings) -> Settings:
    settings = settings.model_copy(update={"vendor": "Pipewise"})
    embedder = settings.embedder()
    Ingestor(settings.store(embedder), embedder).ingest([SAMPLE])
    return settings


def run(agent: ChatAgent, text: str) -> tuple[list[StepEvent], str]:
    events = list(agent.respond(text))
    assert isinstance(events[-1], Done)
    steps = [e for e in events if isinstance(e, StepEvent)]
    streamed = "".join(e.text for e in events if isinstance(e, Delta))
    assert streamed.strip() == events[-1].message.content  # the stream is the answer
    return steps, events[-1].message.content


# -- the offline router ------------------------------------------------------------------
@pytest.mark.parametrize(("message", "tool", "args"), [
    ("What are our top pains?", "list_pain_points", {"limit": 5}),
    ("top 3 pain points", "list_pain_points", {"limit": 3}),
    ("Draft an ICP", "draft_icp", {}),
    ("please build the ideal customer profile", "draft_icp", {}),
    ("show the current ICP", "show_icp", {}),
    ("compare v1 and v2", "compare_versions", {"a": "v1", "b": "v2"}),
    ("diff 1 3", "compare_versions", {"a": "1", "b": "3"}),
    ("list versions", "list_versions", {}),
    ("why is acme.example a C?", "explain_fit", {"prospect": "acme.example",
                                                 "claimed_tier": "C"}),
    ("explain acme.example", "explain_fit", {"prospect": "acme.example", "claimed_tier": ""}),
    ("classify https://acme.example/about", "classify_prospect",
     {"prospect": "https://acme.example/about"}),
    ("is globex.com a fit?", "classify_prospect", {"prospect": "globex.com"}),
    ("search duplicate records", "search_evidence", {"query": "duplicate records"}),
    ("what do customers say about pricing?", "search_evidence", {"query": "pricing"}),
    ("ingest /tmp/tickets.csv", "ingest_file", {"path": "/tmp/tickets.csv"}),
    ("prepare the HubSpot import", "prepare_crm_import",
     {"target": "hubspot", "export_path": ""}),
    ("prepare the Salesforce import against /tmp/accounts.csv", "prepare_crm_import",
     {"target": "salesforce", "export_path": "/tmp/accounts.csv"}),
])
def test_router_picks_the_tool(message: str, tool: str, args: dict[str, object]) -> None:
    routed = route(message)
    assert [c.tool for c in routed.calls] == [tool]
    assert routed.calls[0].args == args


@pytest.mark.parametrize(("message", "expected"), [
    ("exclude companies under 50 employees",
     {"action": "add_exclusion", "attribute": "employees", "values": ["< 50"]}),
    ("Exclude companies with fewer than 200 employees",
     {"action": "add_exclusion", "attribute": "employees", "values": ["< 200"]}),
    ("exclude companies over 4,999 employees",
     {"action": "add_exclusion", "attribute": "employees", "values": ["> 4,999"]}),
    ("exclude industry retail", {"action": "add_exclusion", "attribute": "industry",
                                 "values": ["retail"]}),
    ("exclude companies using dynamics 365",
     {"action": "add_exclusion", "attribute": "technologies", "values": ["dynamics 365"]}),
    ("add criterion technology: Snowflake",
     {"action": "add_criterion", "attribute": "technologies", "values": ["snowflake"],
      "kind": "technographic"}),
    ("target companies using HubSpot",
     {"action": "add_criterion", "attribute": "technologies", "values": ["hubspot"]}),
    ("remove the country criterion", {"action": "remove_criterion", "attribute": "country"}),
    ("change size to 200-999, 1000-4999",
     {"action": "adjust_criterion", "attribute": "employees", "values": ["200-999", "1000-4999"]}),
    ("rename persona Revenue Operations to RevOps lead",
     {"action": "rename_persona", "attribute": "Revenue Operations", "values": ["RevOps lead"]}),
])
def test_router_reads_revisions(message: str, expected: dict[str, object]) -> None:
    (call,) = route(message).calls
    assert call.tool == "revise_icp"
    assert {k: call.args[k] for k in expected} == expected
    assert call.args["reason"] == message  # the user's words become the evidence


def test_router_says_what_needs_an_llm() -> None:
    routed = route("Write a cold email for our best persona")
    assert not routed.calls and "needs an LLM" in routed.reply and "--llm" in routed.reply
    assert route("help").reply == OFFLINE_HELP


def test_a_size_in_words_is_the_band_it_names() -> None:
    assert size_below(20) == ["< 20"] and size_above(999) == ["> 999"]
    doc = icp_fixture()
    new, _ = apply(doc, Revision(action="add_exclusion", attribute="employees",
                                 values=size_below(20)), "1")
    rule = new.exclusions[-1]
    assert rule.band == [None, 20.0]
    small = classify_row({"employees": 12}, new)
    big = classify_row({"employees": 20}, new)
    assert small.excluded and not big.excluded


# -- revision logic ----------------------------------------------------------------------
def test_revisions_make_new_documents_with_the_user_as_evidence() -> None:
    doc = icp_fixture()
    doc.version = 1
    new, line = apply(doc, Revision(action="add_exclusion", attribute="employees", values=["1-49"],
                                    reason="exclude companies under 50 employees"), "7")
    assert line == "added exclusion Exclude companies with 1-49 employees"
    assert not doc.exclusions or doc.exclusions != new.exclusions  # the original is untouched
    added = new.exclusions[-1]
    assert added.kind == "exclusion" and added.support == 0
    assert added.evidence[0].source_id == "chat:7"
    assert added.evidence[0].quote == "exclude companies under 50 employees"
    assert new.notes[-1].startswith("Revised in chat from v1")
    with pytest.raises(RevisionError, match="already has"):
        apply(new, Revision(action="add_exclusion", attribute="employees", values=["1-49"]), "8")

    removed, line = apply(new, Revision(action="remove_criterion", attribute="technologies",
                                        values=["Salesforce"]), "9")
    assert "Salesforce" in line
    assert all("Salesforce" not in c.values for c in removed.criteria)
    with pytest.raises(RevisionError, match="no criterion matches"):
        apply(new, Revision(action="remove_criterion", attribute="ownership"), "9")

    adjusted, line = apply(new, Revision(action="adjust_criterion", attribute="employees",
                                         values=["50-199"], reason="smaller"), "10")
    size = next(c for c in adjusted.criteria if c.attribute == "employees")
    assert size.values == ["50-199"] and size.p_value is None  # no stale statistics
    assert size.evidence[0].source_id == "chat:10"


def test_chat_exclusion_changes_a_prospects_tier(ws_settings: Settings) -> None:
    agent = open_agent(ws_settings, allow_private=True)
    run(agent, "draft an ICP")
    with SiteServer(first_host=60) as sites:
        url = sites.urls["tinyshop"]
        _, before = run(agent, f"classify {url}")
        assert "excluded" not in before
        steps, said = run(agent, "exclude companies under 50 employees")
        assert steps[0].step.ok and "Saved ICP v2" in said
        _, after = run(agent, f"classify {url}")
    assert "is tier D" in after and "✗ excluded employees: < 50" in after
    _, why = run(agent, f"why is {url.split('//')[1].split(':')[0]} a D?")
    assert "against ICP v2" in why and "excluded segment" in why
    assert not why.startswith("It is tier")  # the user had it right
    _, wrong = run(agent, f"why is {url.split('//')[1].split(':')[0]} an A?")
    assert wrong.startswith("It is tier D, not A.")
    _, diff = run(agent, "compare v1 and v2")
    assert "+ exclusions: Exclude companies with < 50 employees" in diff


def test_offline_answers_cite_quotes_with_source_ids(ws_settings: Settings) -> None:
    agent = open_agent(ws_settings)
    steps, said = run(agent, "what are our top pains?")
    assert [s.step.tool for s in steps] == ["list_pain_points"]
    assert "Sources:" in said
    message = agent.session.messages[-1]
    assert message.citations
    store_text = " ".join(" ".join(h.split()) for h in _all_chunk_texts(ws_settings))
    for c in message.citations:
        assert "#" in c["source"]  # file#row or file#turn
        assert c["quote"] in store_text  # verbatim from the evidence


def _all_chunk_texts(settings: Settings) -> list[str]:
    from retrieval.corpus import Corpus

    return [c.text for c in Corpus.load(settings.store(settings.embedder())).chunks]


# -- the tool-calling loop, driven at the chat-model protocol ----------------------------
def test_llm_agent_selects_tools_and_cites_only_what_they_returned(
        ws_settings: Settings) -> None:
    fake = ScriptedModel(turns=[
        ScriptedTurn.call("search_evidence", {"query": "duplicate contacts", "k": 3}),
        ScriptedTurn("Duplicates hurt: “Two CRMs after an acquisition; duplicate contacts "
                     "everywhere.” [crm_opportunities.csv#row=15]"),
    ])
    agent = open_agent(ws_settings, chat=fake)
    assert not agent.offline
    steps, said = run(agent, "Tell me about duplicates.")  # no router intent: the model picks
    assert {"search_evidence", "revise_icp", "classify_prospect"} <= set(fake.seen[0].tools)
    assert [s.step.tool for s in steps] == ["search_evidence"]
    assert steps[0].step.args == {"query": "duplicate contacts", "k": 3}
    # the model saw the tool's quotes with their ids
    tool_messages = [m for m in fake.seen[1].messages if isinstance(m, ToolMessage)]
    assert "crm_opportunities.csv#row=15" in str(tool_messages[0].content)
    # the answer names one id: only that citation is listed, and it is real
    sources = said.split("Sources:")[1]
    assert "[crm_opportunities.csv#row=15]" in sources and sources.count("\n- ") == 1
    rows = CallLog(ws_settings.workspace() / "logs.db").rows()
    assert [r["task"] for r in rows] == ["chat_agent", "chat_agent"]
    assert rows[0]["prompt_version"] == "v1" and len(rows[0]["prompt_sha256"]) == 64
    assert rows[0]["input_tokens"] == 120 and rows[0]["model"] == "chat-model"


def test_a_langchain_chat_model_drives_the_same_loop(ws_settings: Settings) -> None:
    """A LangChain model a caller passes in goes through the LangChain adapter."""
    fake = ScriptedToolChat(responses=[
        tool_call("search_evidence", {"query": "duplicate contacts", "k": 3}),
        AIMessage(content="Duplicates: [crm_opportunities.csv#row=15]"),
    ])
    steps, said = run(open_agent(ws_settings, chat=fake), "Tell me about duplicates.")
    assert "search_evidence" in fake.bound_tools
    assert [s.step.tool for s in steps] == ["search_evidence"]
    assert "[crm_opportunities.csv#row=15]" in said.split("Sources:")[1]


def test_llm_revision_and_bad_arguments_are_fed_back(ws_settings: Settings) -> None:
    home = ws_settings.workspace()
    versions.save(home, icp_fixture(), "# v{version}")
    fake = ScriptedModel(turns=[
        ScriptedTurn.call("revise_icp", {"action": "teleport", "attribute": "employees"}, "c1"),
        ScriptedTurn.call("revise_icp", {"action": "add_exclusion", "attribute": "industry",
                                         "values": ["Retail"], "reason": "no retailers"}, "c2"),
        ScriptedTurn("Done: retail is now excluded."),
    ])
    agent = open_agent(ws_settings, chat=fake)
    steps, said = run(agent, "We never win retailers, exclude them")
    assert [s.step.ok for s in steps] == [False, True]
    first_feedback = [m for m in fake.seen[1].messages if isinstance(m, ToolMessage)][0]
    assert "bad arguments for revise_icp" in str(first_feedback.content)
    assert versions.list_versions(home) == [1, 2]
    assert versions.load(home).exclusions[-1].values == ["Retail"]
    assert "[chat:1]" in said  # the user's instruction is the cited evidence


def test_conversation_survives_a_restart(ws_settings: Settings) -> None:
    fake = ScriptedModel(turns=[ScriptedTurn("Hello! Ask me to draft the ICP.")])
    run(open_agent(ws_settings, chat=fake), "hi, I am Sam from revops")
    fake2 = ScriptedModel(turns=[ScriptedTurn("You are Sam.")])
    again = open_agent(ws_settings, chat=fake2)
    assert [m.role for m in again.session.messages] == ["user", "assistant"]
    run(again, "who am I?")
    sent = fake2.seen[0].text()
    assert "I am Sam from revops" in sent  # the earlier turns are context for the model
    assert [m.turn for m in again.session.messages] == [1, 1, 2, 2]


def test_a_failing_model_falls_back_to_the_offline_router(ws_settings: Settings) -> None:
    agent = open_agent(ws_settings, chat=ScriptedModel(turns=[
        ConnectionError("connection refused")]))
    steps, said = run(agent, "what are our top pains?")
    assert "The LLM failed" in said and "connection refused" in said
    assert [s.step.tool for s in steps] == ["list_pain_points"]
    rows = CallLog(ws_settings.workspace() / "logs.db").rows()
    assert rows[-1]["ok"] == 0 and "connection refused" in rows[-1]["error"]


def test_icp_chat_reads_a_pipe_and_continues_later(ws_settings: Settings,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ICP_HOME", str(ws_settings.home))
    monkeypatch.setenv("ICP_EMBEDDINGS", ws_settings.embeddings)
    runner = CliRunner()
    first = runner.invoke(app, ["chat"], input="draft an ICP\nexclude industry retail\n")
    assert first.exit_code == 0, first.output
    assert "Drafted ICP v1" in first.output and "Saved ICP v2" in first.output
    second = runner.invoke(app, ["chat"], input="compare v1 and v2\n")
    assert "Continuing the conversation (4 messages" in second.output
    assert "+ exclusions: Exclude industry retail" in second.output
    fresh = runner.invoke(app, ["chat", "--new"], input="")
    assert "Continuing" not in fresh.output


def test_icp_ui_refuses_the_network_without_a_password() -> None:
    result = CliRunner().invoke(app, ["ui", "--host", "0.0.0.0"])
    assert result.exit_code == 2 and "--password" in result.output


def test_quotes_the_model_made_up_are_flagged(ws_settings: Settings) -> None:
    fake = ScriptedModel(turns=[
        ScriptedTurn.call("search_evidence", {"query": "duplicate contacts", "k": 3}),
        ScriptedTurn("One customer said “Two CRMs after an acquisition; duplicate "
                     "contacts everywhere.” and another said “we would pay double for this "
                     "tomorrow” [crm_opportunities.csv#row=15]"),
    ])
    _, said = run(open_agent(ws_settings, chat=fake), "Tell me about duplicates.")
    flagged = said.split("Not found in the evidence")[1].split("Sources:")[0]
    assert "“we would pay double for this tomorrow”" in flagged
    assert "Two CRMs after an acquisition" not in flagged  # that one is verbatim evidence


def test_chat_prepares_the_hubspot_import(ws_settings: Settings, tmp_path: Path) -> None:
    agent = open_agent(ws_settings)
    _, none = run(agent, "prepare the HubSpot import")
    assert "No enriched list yet" in none
    home = ws_settings.workspace()
    enriched = home / "enriched" / "q4-enriched.csv"
    enriched.parent.mkdir(parents=True)
    enriched.write_text("Company,Website,domain,fit_score,fit_tier\n"
                        "Acme,acme.example.com,acme.example.com,80,A\n"
                        "Nosite,,,,\n", encoding="utf-8")
    _, said = run(agent, "prepare the HubSpot import")
    assert "Hubspot load bundle from q4-enriched.csv: create 1, no key 1" in said
    assert "as if the CRM were empty" in said and "Nothing was written" in said
    bundles = list((home / "crm" / "bundles").glob("*.zip"))
    assert len(bundles) == 1
    export = tmp_path / "export.csv"
    export.write_text("Company name,Company Domain Name,Industry\nAcme,example.com,Retail\n",
                      encoding="utf-8")
    _, planned = run(agent, f"prepare the hubspot import against {export}")
    assert "update 1" in planned and "as if the CRM were empty" not in planned


def test_each_tool_is_declared_once_and_its_examples_route_to_it() -> None:
    from agent.chat.tools import TOOLS

    assert len(TOOLS) == 16 and all(t.description and t.examples for t in TOOLS.values())
    for tool in TOOLS.values():
        assert all(f'"{e}"' in OFFLINE_HELP for e in tool.examples)
        for example in tool.examples:
            assert [c.tool for c in route(example).calls] == [tool.name], example
    search = TOOLS["search_evidence"].schema
    assert search.model_json_schema()["required"] == ["query"]
    with pytest.raises(ValidationError):
        search.model_validate({"query": "x", "k": 30})  # Annotated bound: at most 20
    assert set(TOOLS["revise_icp"].schema.model_fields) >= {"action", "attribute", "values"}


# -- every example the offline help offers works on the demo workspace ---------------------
FOUR_PHRASINGS = ["exclude companies under 20 employees", "why is Northpeak Analytics a B?",
                  "what are the top pains of lost deals?", "which personas should we target?"]


def test_every_help_example_answers_on_the_demo_workspace(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from agent.chat.tools import TOOLS

    home = tmp_path / "demo"
    monkeypatch.setenv("ICP_EMBEDDINGS", "hash:256")
    monkeypatch.delenv("ICP_LLM", raising=False)
    done = CliRunner().invoke(app, ["demo", "--keep", str(home)])
    assert done.exit_code == 0, done.output
    export = tmp_path / "export.csv"
    export.write_text("Account Name,Website\n", encoding="utf-8")
    settings = Settings(home=home, embeddings="hash:256")
    examples = [e for tool in TOOLS.values() for e in tool.examples]
    assert len(examples) >= 18
    with SiteServer() as server:
        site = server.urls["northpeak"].rstrip("/").removeprefix("http://")
        placeholders = {"/path/to/tickets.csv": str(SAMPLE / "tickets"),
                        "/path/export.csv": str(export), "acme.com": site}
        agent = open_agent(settings, allow_private=True)
        for message in examples + FOUR_PHRASINGS:
            for placeholder, real in placeholders.items():
                message = message.replace(placeholder, real)
            steps, answer = run(agent, message)
            assert steps, f"{message!r} called no tool: {answer[:200]}"
            assert all(s.step.ok for s in steps), f"{message!r}: {answer[:300]}"
            assert "Without an LLM I understand" not in answer, message
            assert "needs an LLM" not in answer, message
