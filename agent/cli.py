"""The ``icp`` command line: noun groups and verbs over the agent and retrieval layers."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.markup import escape

from agent.chat_cli import chat, ui
from agent.cli_output import CatchingGroup, console, err_console, fail
from agent.crm_cli import crm_app
from agent.eval_cli import eval_app
from agent.icp import versions
from agent.ingest_cli import KindOption, ingest, inspect
from agent.logs_cli import logs
from agent.pipeline import Workspace, draft_icp, mine_store, remember_mining
from agent.prospect_cli import classify, enrich, score
from agent.render import (
    print_draft,
    print_hits,
    print_themes,
)
from agent.render_validation import print_tier_changes, print_validation
from agent.settings import Settings
from retrieval.dates import iso_date, parse_date
from retrieval.search import search as search_evidence
from retrieval.textio import atomic_write

app = typer.Typer(
    help="icp: build an evidence-backed ideal customer profile from win-loss notes, "
    "support tickets, call transcripts and customer reviews; search the evidence.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=CatchingGroup,
)



UseColumnOption = Annotated[list[str] | None, typer.Option(
    "--use-column", metavar="NAME", help="Learn from a column the leakage guard set aside "
    "(repeatable; the name as shown in the notes).")]
DropColumnOption = Annotated[list[str] | None, typer.Option(
    "--drop-column", metavar="NAME", help="Set a column aside as written after the outcome "
    "(repeatable; the draft, the backtest and scoring all leave it out).")]


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


@app.command()
def search(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help="What to look for, in plain words.")],
    k: Annotated[int, typer.Option("-k", help="How many hits.", min=1, max=200)] = 5,
    kind: Annotated[KindOption, typer.Option(
        "--kind", help="Only evidence of this kind (auto: all kinds).")] = KindOption.auto,
    as_json: Annotated[bool, typer.Option("--json", help="Print hits as JSON.")] = False,
) -> None:
    """Search the evidence; every hit carries its text, score and provenance."""
    settings: Settings = ctx.obj
    try:
        embedder = settings.embedder()
        hits = search_evidence(settings.store(embedder), embedder, query, k, kind.kind())
    except ValueError as exc:
        raise fail(str(exc)) from None
    if as_json:
        typer.echo(json.dumps([h.as_dict() for h in hits], indent=2, ensure_ascii=False))
    else:
        print_hits(console, query, hits)


@app.command()
def mine(
    ctx: typer.Context,
    kind: Annotated[KindOption, typer.Option(
        "--kind", help="Only mine evidence of this kind (auto: all kinds).")] = KindOption.auto,
    limit: Annotated[int, typer.Option("--limit", help="Themes to show.", min=1)] = 15,
    as_json: Annotated[bool, typer.Option("--json", help="Print all themes as JSON.")] = False,
) -> None:
    """Find recurring pain points: themes with counts by kind, outcome and segment, and quotes.

    Same evidence, same themes in the same order.
    """
    settings: Settings = ctx.obj
    ws = Workspace.open(settings)
    analysis = mine_store(ws, kind.kind().value if kind.kind() else None)
    result = analysis.mining
    kept = remember_mining(ws, result) if kind is KindOption.auto else None
    if analysis.assistant is not None:
        for note in analysis.assistant.report.notes(ws.model):
            err_console.print(f"[yellow]! {escape(note)}[/]")
    if as_json:
        typer.echo(result.model_dump_json(indent=2))
    else:
        print_themes(console, result, limit)
        if kept is not None:
            console.print(f"\n{kept:.0%} of the previous run's themes are still here "
                          "(matched by shared quotes).")


@app.command()
def draft(
    ctx: typer.Context,
    output: Annotated[Path | None, typer.Option(
        "-o", "--output", help="Also write the Markdown document here.")] = None,
    json_out: Annotated[Path | None, typer.Option(
        "--json", help="Also write the JSON document here.")] = None,
    diff: Annotated[tuple[str, str] | None, typer.Option(
        "--diff", help="Show what changed between two saved versions (e.g. --diff v1 v2) "
        "instead of drafting.")] = None,
    vendor: Annotated[str | None, typer.Option(
        "--vendor", help="Your company's name, so its people's words in transcripts are not "
        "taken as customer evidence (env ICP_VENDOR).")] = None,
    use_columns: UseColumnOption = None,
    drop_columns: DropColumnOption = None,
    list_file: Annotated[Path | None, typer.Option(
        "--list", help="With --diff: the prospect list (or a scored/enriched list) whose "
        "accounts change tier between the two versions, with the criteria that moved "
        "them.")] = None,
) -> None:
    """Draft the ICP and buyer personas from the evidence; saved as a new version.

    Every criterion, pain point, trigger, exclusion and persona cites verbatim quotes that
    are checked against the store before saving; what the data cannot support is listed
    under notes.
    """
    settings: Settings = ctx.obj
    if vendor is not None:
        settings = settings.model_copy(update={"vendor": vendor})
    if list_file is not None and not diff:
        raise fail("--list goes with --diff vA vB")
    if diff:
        home = settings.workspace()
        a, b = (versions.load(home, ref) for ref in diff)
        if list_file is not None:
            from agent.batch.tier_changes import tier_changes

            print_tier_changes(console, diff, *tier_changes(list_file, a, b))
            return
        changes = versions.diff(a, b)
        typer.echo("\n".join(changes) if changes else f"{diff[0]} and {diff[1]} are the same")
        return
    ws = Workspace.open(settings)
    if ws.store.count() == 0:
        raise fail("the evidence store is empty: run `icp ingest FILES` first")
    outcome = draft_icp(ws, tuple(use_columns or ()), tuple(drop_columns or ()))
    if output:
        atomic_write(output, outcome.markdown)
    if json_out:
        atomic_write(json_out, outcome.doc.model_dump_json(indent=2))
    print_draft(console, outcome.doc, outcome.path)


@app.command()
def validate(
    ctx: typer.Context,
    since: Annotated[str | None, typer.Option(
        "--since", metavar="DATE", help="Drift check: score the deals closed since DATE "
        "(YYYY-MM-DD) with the current ICP and compare win rates by tier with before.")
    ] = None,
    test_share: Annotated[float, typer.Option(
        "--test-share", min=0.05, max=0.9, help="Share of closed deals held out (the newest "
        "when deals are dated).")] = 0.3,
    output: Annotated[Path | None, typer.Option(
        "-o", "--output", help="Also write the self-contained HTML report here.")] = None,
    use_columns: UseColumnOption = None,
    drop_columns: DropColumnOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Prove the ICP on held-out closed deals: AUC with its interval, win rate per tier,
    gain, calibration, two reference models beside it (logistic regression, gradient
    boosting) on the same split and columns, and a verdict in words.

    Criteria are learned on the older deals only and the newer ones are scored from their
    own columns, as prospects would be. The report is also kept in the workspace for the
    web UI (validation/latest.html).
    """
    from agent.pipeline import validate_icp

    settings: Settings = ctx.obj
    if since and parse_date(since) is None:
        raise fail(f"--since: '{since}' is not a date (use YYYY-MM-DD)")
    try:
        ws = Workspace.open(settings)
        outcome = validate_icp(ws, iso_date(since) if since else None, test_share,
                               tuple(use_columns or ()), tuple(drop_columns or ()))
    except ValueError as exc:
        raise fail(str(exc)) from None
    if output:
        atomic_write(output, outcome.html_path.read_text(encoding="utf-8"))
    if as_json:
        typer.echo(outcome.report.model_dump_json(indent=2))
    else:
        print_validation(console, outcome.report, output or outcome.html_path)


@app.command()
def demo(
    ctx: typer.Context,
    keep: Annotated[Path | None, typer.Option(
        "--keep", help="Build the demo workspace here and keep it (default: a temp dir).")
    ] = None,
) -> None:
    """Run the main job end to end on bundled sample evidence, offline."""
    from agent.demo import run_demo

    settings: Settings = ctx.obj
    ok = run_demo(settings, console, keep)
    if not ok:
        raise typer.Exit(1)


app.command()(ingest)
app.command()(classify)
app.command()(enrich)
app.command()(score)
app.command(name="inspect")(inspect)
app.command()(logs)
app.command()(chat)
app.command()(ui)
app.add_typer(eval_app, name="eval")
app.add_typer(crm_app, name="crm")

if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
