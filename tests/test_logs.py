"""`icp logs`, and schema versions with migrations for the call log and the run state."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.base.errors import SchemaError
from agent.batch.state import RunState
from agent.cli import app
from agent.llm.calllog import CallLog, CallRecord
from agent.migrations import CALL_LOG, RUN_STATE

runner = CliRunner()

OLD_CALLS = """create table calls (id integer primary key, ts text not null, task text not null,
  prompt_version text not null, prompt_sha256 text not null, model text not null,
  method text not null, attempt integer not null, ok integer not null, input_tokens integer,
  output_tokens integer, latency_ms integer not null, error text)"""
OLD_STATE = """create table meta (key text primary key, value text not null);
create table results (domain text primary key, fetch_status text not null,
  fit_tier text not null, row json not null);"""


def version(path: Path) -> int:
    with sqlite3.connect(path) as db:
        return int(db.execute("pragma user_version").fetchone()[0])


def test_a_call_log_from_before_schema_versions_is_migrated_and_kept(tmp_path: Path) -> None:
    path = tmp_path / "logs.db"
    with sqlite3.connect(path) as db:
        db.execute(OLD_CALLS)
        db.execute("insert into calls values (1, '2026-01-01T00:00:00', 'fit', 'v1', 'abc', "
                   "'gpt-x', 'json_mode', 1, 1, 10, 2, 300, null)")
    log = CallLog(path)
    assert version(path) == len(CALL_LOG) == 2
    assert [r["model"] for r in log.rows()] == ["gpt-x"]
    with sqlite3.connect(path) as db:
        assert db.execute("select name from sqlite_master where name = 'calls_task_id'"
                          ).fetchone()
    CallLog(path)  # opening again changes nothing
    assert version(path) == 2


def test_a_run_state_from_before_schema_versions_is_migrated_and_kept(tmp_path: Path) -> None:
    path = tmp_path / "out.csv.state.sqlite"
    with sqlite3.connect(path) as db:
        db.executescript(OLD_STATE)
        db.execute("insert into results values ('a.example', 'ok', 'A', '{\"fit_tier\": \"A\"}')")
    state = RunState(path)
    assert version(path) == len(RUN_STATE) and state.done() == {"a.example"}
    state.close()


def test_a_file_from_a_newer_release_is_refused_with_one_line(tmp_path: Path) -> None:
    home = tmp_path / "ws"
    home.mkdir()
    with sqlite3.connect(home / "logs.db") as db:
        db.execute("pragma user_version = 99")
    with pytest.raises(SchemaError, match="schema version 99, newer than"):
        CallLog(home / "logs.db")
    result = runner.invoke(app, ["--home", str(home), "logs"])
    assert result.exit_code == 2 and "upgrade icp-agent" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_icp_logs_lists_the_newest_calls(tmp_path: Path) -> None:
    home = tmp_path / "ws"
    empty = runner.invoke(app, ["--home", str(home), "logs"])
    assert empty.exit_code == 0 and "No model calls logged yet" in empty.output
    log = CallLog(home / "logs.db")
    for i in range(5):
        log.record(CallRecord("fit", f"v{i}", "sha", "gpt-4o-mini", "json_mode", 1, i != 3,
                              100 + i, 50, 5, "HTTP 429: [rate] limited" if i == 3 else ""))
    listed = runner.invoke(app, ["--home", str(home), "logs", "--limit", "3", "--json"])
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.stdout)
    assert [r["prompt_version"] for r in rows] == ["v4", "v3", "v2"]
    assert rows[1]["ok"] == 0 and rows[1]["error"].startswith("HTTP 429")
    table = runner.invoke(app, ["--home", str(home), "logs"], env={"COLUMNS": "200"})
    assert table.exit_code == 0 and "gpt-4o-mini" in table.output
    assert "HTTP 429: [rate] limited" in table.output and "50/5" in table.output
