"""The ``icp`` CLI through typer's runner, on a real Chroma store in tmp."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.cli import app

from .conftest import SAMPLE_DATA

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "ws"
    monkeypatch.setenv("ICP_HOME", str(home))
    monkeypatch.setenv("ICP_EMBEDDINGS", "hash:256")
    monkeypatch.delenv("ICP_CHROMA_URL", raising=False)
    return home


def test_help_lists_the_commands() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("ingest", "search", "demo"):
        assert command in result.output


def test_ingest_then_search_json(env: Path) -> None:
    result = runner.invoke(app, ["ingest", str(SAMPLE_DATA), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["files"]["added"] == 6 and summary["files"]["failed"] == 0
    assert (env / "chroma").is_dir()

    again = json.loads(runner.invoke(app, ["ingest", str(SAMPLE_DATA), "--json"]).stdout)
    assert again["files"]["unchanged"] == 6 and again["chunks"]["added"] == 0

    result = runner.invoke(app, ["search", "Dynamics connector", "-k", "3", "--json",
                                 "--kind", "winloss"])
    assert result.exit_code == 0, result.output
    hits = json.loads(result.stdout)
    assert len(hits) == 3
    assert all(h["kind"] == "winloss" for h in hits)
    assert all({"score", "text", "source_id", "account"} <= set(h) for h in hits)
    assert any("Dynamics" in h["text"] for h in hits)


def test_a_bad_file_exits_nonzero_and_others_go_in(env: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"")
    result = runner.invoke(app, ["ingest", str(bad), str(SAMPLE_DATA / "tickets")])
    assert result.exit_code == 1
    assert "bad.csv: file is empty" in result.output
    assert "helpdesk_export.json" in result.output
    assert "1 added" in result.output and "1 failed" in result.output


def test_search_on_an_empty_store_says_so(env: Path) -> None:
    result = runner.invoke(app, ["search", "anything"])
    assert result.exit_code == 0
    assert "No evidence found" in result.output


def test_clear_errors_for_bad_settings(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = runner.invoke(app, ["--embeddings", "word2vec", "search", "x"])
    assert result.exit_code == 2
    assert "unknown embeddings 'word2vec'" in result.output
    result = runner.invoke(app, ["ingest", str(SAMPLE_DATA), "--kind", "email"])
    assert result.exit_code == 2
    runner.invoke(app, ["ingest", str(SAMPLE_DATA / "tickets")])
    result = runner.invoke(app, ["--embeddings", "hash:64", "search", "x"])
    assert result.exit_code == 2
    assert "was built with embedding model 'hash-bow-256'" in result.output


def test_demo_runs_offline_with_hashed_embeddings(env: Path, tmp_path: Path) -> None:
    keep = tmp_path / "demo"
    result = runner.invoke(app, ["demo", "--keep", str(keep)])
    assert result.exit_code == 0, result.output
    assert "6 files (6 added)" in result.output
    assert "Evidence for" in result.output
    assert (keep / "chroma").is_dir()


def test_mine_reports_how_many_themes_survive_new_evidence(env: Path) -> None:
    runner.invoke(app, ["ingest", str(SAMPLE_DATA / "winloss"), str(SAMPLE_DATA / "tickets")])
    first = runner.invoke(app, ["mine"])
    assert first.exit_code == 0 and "themes from" in first.output
    assert "previous run" not in first.output
    runner.invoke(app, ["ingest", str(SAMPLE_DATA / "transcripts")])
    second = runner.invoke(app, ["mine"])
    assert "of the previous run's themes are still here" in second.output
    assert (env / "mining" / "latest.json").exists()
