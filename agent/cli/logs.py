"""``icp logs``: the model calls recorded in the workspace's ``logs.db``."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from agent.base import workspace as paths
from agent.cli.output import console
from agent.llm.calllog import CallLog
from agent.settings import Settings


def logs(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=100_000,
                                       help="How many of the newest calls.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON (newest first).")
                       ] = False,
) -> None:
    """List recent model calls, newest first: time, task, prompt version, model, method,
    attempt, tokens in/out, latency and the error of a failed call."""
    settings: Settings = ctx.obj
    path = paths.call_log(settings.workspace())
    rows = CallLog(path).recent(limit) if path.exists() else []
    if as_json:
        typer.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if not rows:
        console.print(f"No model calls logged yet ({path}); they are logged when an LLM is "
                      "configured (--llm openai:MODEL).", highlight=False)
        return
    table = Table("time (UTC)", "task", "prompt", "model", "method", "try", "tokens in/out",
                  "ms", "result", title=f"The {len(rows)} newest model calls ({path})")
    for r in rows:
        tokens = f"{r['input_tokens'] or 0}/{r['output_tokens'] or 0}"
        table.add_row(str(r["ts"])[:19].replace("T", " "), str(r["task"]),
                      str(r["prompt_version"]), str(r["model"]), str(r["method"]),
                      str(r["attempt"]), tokens, str(r["latency_ms"]),
                      "ok" if r["ok"] else f"[red]{escape(str(r['error'] or 'failed'))}[/]")
    console.print(table)
