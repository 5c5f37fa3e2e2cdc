"""Per-run state in SQLite next to the output: one row per distinct domain.

Results are committed in transactions, so a run killed at any moment (even ``kill -9``)
loses at most the batch in flight; ``--resume`` skips every committed domain. The output
CSV is written from this state in one final pass, in input order, to a temporary file that
replaces the output atomically, so every input row appears exactly once.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from agent.migrations import RUN_STATE, migrate

FAILED = ("error", "timeout")


class RunState:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.db = sqlite3.connect(path, timeout=30, isolation_level=None)
        self.db.execute("pragma journal_mode=wal")
        self.db.execute("pragma synchronous=normal")
        migrate(self.db, RUN_STATE, str(path))

    def close(self) -> None:
        self.db.close()

    def get_meta(self, key: str) -> str | None:
        row = self.db.execute("select value from meta where key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self.db.execute("insert or replace into meta values (?, ?)", (key, value))

    def done(self) -> set[str]:
        return {r[0] for r in self.db.execute("select domain from results")}

    def save(self, rows: Iterable[tuple[str, dict[str, Any]]]) -> None:
        """Commit a batch of results atomically."""
        self.db.execute("begin")
        try:
            self.db.executemany(
                "insert or replace into results values (?, ?, ?, ?)",
                [(d, r["fetch_status"], r["fit_tier"], json.dumps(r)) for d, r in rows])
            self.db.execute("commit")
        except BaseException:
            self.db.execute("rollback")
            raise

    def result(self, domain: str) -> dict[str, Any] | None:
        row = self.db.execute("select row from results where domain = ?", (domain,)).fetchone()
        return json.loads(row[0]) if row else None

    def forget_failures(self) -> int:
        cursor = self.db.execute(
            f"delete from results where fetch_status in ({','.join('?' * len(FAILED))})",
            FAILED)
        return cursor.rowcount

    def counts(self, column: str) -> dict[str, int]:
        assert column in ("fetch_status", "fit_tier")
        return dict(self.db.execute(
            f"select {column}, count(*) from results group by {column} order by 2 desc"))
