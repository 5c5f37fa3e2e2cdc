"""The ``icp`` command line: the app, its global options and one registration line per
command. A command is a function in ``agent/cli/<noun>.py`` that calls a job (see
CONTRIBUTING.md); its output is drawn by that noun's ``*_view`` module."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError

from agent.cli import chat, crm, demo, evals, evidence, icp, logs, prospects
from agent.cli.output import CatchingGroup, fail
from agent.settings import Settings

app = typer.Typer(
    help="icp: build an evidence-backed ideal customer profile from win-loss notes, "
    "support tickets, call transcripts and customer reviews; search the evidence.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=CatchingGroup,
)


@app.callback()
def main(
    ctx: typer.Context,
    home: Annotated[Path | None, typer.Option(
        "--home", help="Workspace directory (env ICP_HOME; default ~/.icp).")] = None,
    chroma_url: Annotated[str | None, typer.Option(
        "--chroma-url", help="Use a Chroma server (e.g. http://127.0.0.1:8000) instead of "
        "the embedded store (env ICP_CHROMA_URL).")] = None,
    collection: Annotated[str | None, typer.Option(
        "--collection", help="Evidence collection name (env ICP_COLLECTION; default evidence).")
    ] = None,
    embeddings: Annotated[str | None, typer.Option(
        "--embeddings", help="minilm (default, packaged, offline) | hf:PATH | openai:MODEL | "
        "hash:DIM (env ICP_EMBEDDINGS).")] = None,
    llm: Annotated[str | None, typer.Option(
        "--llm", help="none (default, offline engine) | openai:MODEL (env ICP_LLM).")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log details.")] = False,
) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    overrides: dict[str, Any] = {
        k: v for k, v in {"home": home, "chroma_url": chroma_url, "collection": collection,
                          "embeddings": embeddings, "llm": llm}.items() if v is not None
    }
    try:
        ctx.obj = Settings(**overrides)
    except ValidationError as exc:
        raise fail(f"bad setting: {exc.errors()[0]['loc'][0]}: {exc.errors()[0]['msg']}") \
            from None


app.command()(evidence.ingest)
app.command(name="inspect")(evidence.inspect)
app.command()(evidence.search)
app.command()(evidence.mine)
app.command()(icp.draft)
app.command()(icp.diff)
app.command()(icp.validate)
app.command()(icp.winloss)
app.command()(prospects.classify)
app.command()(prospects.enrich)
app.command()(prospects.score)
app.command()(chat.chat)
app.command()(chat.ui)
app.command()(logs.logs)
app.command()(demo.demo)
app.add_typer(evals.eval_app, name="eval")
app.add_typer(crm.crm_app, name="crm")
