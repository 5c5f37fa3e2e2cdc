"""Every schema change of the product's SQLite files, in one place (simonw/llm style).

Each database's schema version is its ``pragma user_version``; opening a database applies
the steps it has not had yet, in order, in one transaction each. A file written by a newer
release (a version above the last step known here) is refused with a clear error instead
of being read wrong. A new schema change is a new step at the end of its list; a step
already released is never edited.
"""

from __future__ import annotations

import sqlite3

from agent.base.errors import SchemaError

CALL_LOG = [
    # 1: the calls table (files from before schema versions already hold it)
    """create table if not exists calls (
      id integer primary key,
      ts text not null,
      task text not null,
      prompt_version text not null,
      prompt_sha256 text not null,
      model text not null,
      method text not null,
      attempt integer not null,
      ok integer not null,
      input_tokens integer,
      output_tokens integer,
      latency_ms integer not null,
      error text
    )""",
    # 2: `icp logs` lists the newest calls first, per task
    "create index if not exists calls_task_id on calls (task, id)",
]

RUN_STATE = [
    # 1: run metadata and one result per domain
    """create table if not exists meta (key text primary key, value text not null);
    create table if not exists results (
      domain text primary key,
      fetch_status text not null,
      fit_tier text not null,
      row json not null
    )""",
    # 2: --retry-failed and the summary count by status
    "create index if not exists results_status on results (fetch_status)",
]


def migrate(db: sqlite3.Connection, steps: list[str], what: str) -> int:
    """Bring ``db`` up to ``len(steps)``; the version it is at afterwards."""
    current = int(db.execute("pragma user_version").fetchone()[0])
    if current > len(steps):
        raise SchemaError(f"{what} has schema version {current}, newer than this release "
                          f"of icp knows ({len(steps)}): upgrade icp-agent to read it")
    for version, step in enumerate(steps[current:], start=current + 1):
        db.execute("begin")
        try:
            for statement in step.split(";"):
                if statement.strip():
                    db.execute(statement)
            db.execute(f"pragma user_version = {version}")
            db.execute("commit")
        except BaseException:
            db.execute("rollback")
            raise
    return len(steps)
