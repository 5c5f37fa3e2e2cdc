"""Every model call logged to ``logs.db`` in the workspace (simonw/llm style)."""

from __future__ import annotations

import sqlite3
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agent.migrations import CALL_LOG, migrate

if TYPE_CHECKING:
    from agent.llm.prompts import PromptFile


@dataclass
class CallRecord:
    task: str
    prompt_version: str
    prompt_sha256: str
    model: str
    method: str
    attempt: int
    ok: bool
    latency_ms: int
    input_tokens: int | None = None
    output_tokens: int | None = None
    error: str = ""


class CallLog:
    """One connection per log (WAL, no fsync per call): logging must not slow the calls."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, timeout=10, check_same_thread=False,
                                   isolation_level=None)
        self._db.execute("pragma journal_mode=wal")
        self._db.execute("pragma synchronous=normal")
        migrate(self._db, CALL_LOG, str(path))

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=10)

    def record(self, r: CallRecord) -> None:
        with self._lock:
            self._db.execute(
                "insert into calls (ts, task, prompt_version, prompt_sha256, model, method, "
                "attempt, ok, input_tokens, output_tokens, latency_ms, error) "
                "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (datetime.now(UTC).isoformat(timespec="milliseconds"), r.task, r.prompt_version,
                 r.prompt_sha256, r.model, r.method, r.attempt, int(r.ok), r.input_tokens,
                 r.output_tokens, r.latency_ms, r.error[:500]),
            )

    def rows(self, after: int = 0) -> list[dict[str, Any]]:
        """The calls logged (only those with an id above ``after``), oldest first."""
        with self._connect() as db:
            db.row_factory = sqlite3.Row
            return [dict(r) for r in db.execute(
                "select * from calls where id > ? order by id", (after,))]

    def recent(self, limit: int) -> list[dict[str, Any]]:
        """The ``limit`` newest calls, newest first."""
        with self._connect() as db:
            db.row_factory = sqlite3.Row
            return [dict(r) for r in db.execute(
                "select * from calls order by id desc limit ?", (limit,))]

    def last_id(self) -> int:
        with self._connect() as db:
            return int(db.execute("select coalesce(max(id), 0) from calls").fetchone()[0])


def log_call(log: CallLog | None, prompt: PromptFile, model: str, method: str, attempt: int,
             started: float, *, ok: bool, input_tokens: int | None = None,
             output_tokens: int | None = None, error: str = "") -> None:
    """Log one model call that began at ``started`` (``time.perf_counter()``): the one way
    the structured calls and the chat agent's turns are both logged."""
    if log is None:
        return
    log.record(CallRecord(prompt.task, prompt.version, prompt.sha256, model, method, attempt,
                          ok, int((time.perf_counter() - started) * 1000), input_tokens,
                          output_tokens, error))
