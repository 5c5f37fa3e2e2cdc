"""``icp classify``, ``icp enrich`` and ``icp score``: prospects judged against the ICP."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from agent.base.errors import VersionError
from agent.cli.output import console, err_console, fail
from agent.cli.prospects_view import BatchBar, print_batch_summary, print_classified
from agent.fit.classify import classify_url, load_icp
from agent.icp.model import ICPDocument
from agent.pipeline import structured_llm
from agent.settings import Settings

IcpFileOption = Annotated[Path | None, typer.Option(
    "--icp", help="ICP JSON to judge against (default: the newest version in the workspace).")]

class PreferOption(StrEnum):
    list_ = "list"
    site = "site"


class EngineOption(StrEnum):
    local = "local"
    ray = "ray"


def classify(
    ctx: typer.Context,
    url: Annotated[str, typer.Argument(help="The prospect's website or domain (acme.com).")],
    icp_file: IcpFileOption = None,
    allow_private: Annotated[bool, typer.Option(
        "--allow-private", help="Allow private and loopback addresses (local sites, tests). "
        "Refused by default.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Fetch a prospect's site safely, extract firmographics, technographics and signals
    (each with its URL and quote), and score its fit against the ICP."""
    settings: Settings = ctx.obj
    icp = load_icp(settings.workspace(), icp_file)
    llm = structured_llm(settings)
    thresholds = settings.thresholds()
    result = classify_url(url, icp, allow_private=allow_private, llm=llm,
                          thresholds=thresholds)
    if as_json:
        typer.echo(json.dumps(result.as_row(), indent=2, ensure_ascii=False))
    else:
        print_classified(console, result)


def enrich(
    ctx: typer.Context,
    source: Annotated[Path, typer.Argument(help="Prospect list (CSV, TSV or XLSX from "
                                           "HubSpot, Salesforce, Apollo, Clay or by hand) "
                                           "with a website column.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Where to write the enriched "
                                         "list (.csv, or .jsonl for JSON lines).")],
    icp_file: IcpFileOption = None,
    concurrency: Annotated[int, typer.Option(
        "--concurrency", "-c", help="Requests in flight at once.", min=1, max=500)] = 32,
    resume: Annotated[bool, typer.Option(
        "--resume", help="Finish an interrupted run (its state file sits next to the "
        "output).")] = False,
    retry_failed: Annotated[bool, typer.Option(
        "--retry-failed", help="Rerun only the domains that failed (error, timeout).")] = False,
    allow_private: Annotated[bool, typer.Option(
        "--allow-private", help="Allow private and loopback addresses.")] = False,
    engine: Annotated[EngineOption, typer.Option(
        "--engine", help="local: asyncio in this process; ray: Ray Data (RAY_ADDRESS for a "
        "cluster, local mode otherwise).")] = EngineOption.local,
    rescore: Annotated[bool, typer.Option(
        "--rescore", help="Judge a finished run's stored enrichment against the current "
        "ICP (after a redraft) and rewrite the output; nothing is fetched.")] = False,
    prefer: Annotated[PreferOption, typer.Option(
        "--prefer", help="When the list's column and the site disagree, whose value wins "
        "(the conflict is recorded either way).")] = PreferOption.list_,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Enrich and score a prospect list; every input row and column is kept, in order.

    Each criterion is judged from the row's own columns (Employees, Industry, Tech Stack,
    Lead Source, …) and from the website. Each distinct domain is fetched once; results
    are committed as they come, so a killed run continues with --resume and gives the same
    output as an uninterrupted one. Without an ICP in the workspace the enrichment columns
    are filled and the fit columns left empty.
    """
    from agent.batch.run import BatchOptions, run_enrich

    settings: Settings = ctx.obj
    out = err_console if as_json else console
    try:
        icp: ICPDocument | None = load_icp(settings.workspace(), icp_file)
    except VersionError:
        if icp_file is not None:
            raise
        icp = None
        out.print("[yellow]No ICP in the workspace: enriching only (fit columns left "
                  "empty). Run `icp draft`, then this command again with --rescore to "
                  "add fit scores without refetching.[/]")
    options = BatchOptions(concurrency=concurrency, chunk=max(8, 2 * concurrency),
                           resume=resume,
                           retry_failed=retry_failed, allow_private=allow_private,
                           thresholds=settings.thresholds(), llm=structured_llm(settings),
                           engine=engine.value, rescore=rescore, prefer=prefer.value)
    with BatchBar(out) as bar:
        summary = run_enrich(source, output, icp, options, progress=bar.update)
    if as_json:
        typer.echo(json.dumps(summary.__dict__, indent=2))
    else:
        print_batch_summary(console, summary)


def score(
    ctx: typer.Context,
    source: Annotated[Path, typer.Argument(help="Prospect list (CSV, TSV or XLSX from HubSpot, "
                                           "Salesforce, Apollo, Clay or by hand).")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Where to write the scored "
                                         "list (.csv, or .jsonl for JSON lines).")],
    icp_file: IcpFileOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Score a prospect list from its own columns alone, without fetching anything.

    Columns get the same roles as an ingested export, so the ICP's criteria (industry,
    employees, country, technologies, and any column it learned from) are judged on the
    list's columns; each reason names its column (`column Employees = 500`). Every input column
    is kept in order, then the enrichment and fit columns.
    """
    from agent.batch.score_list import score_list

    settings: Settings = ctx.obj
    try:
        icp = load_icp(settings.workspace(), icp_file)
        summary = score_list(source, output, icp, settings.thresholds())
    except (ValueError, OSError) as exc:
        raise fail(str(exc)) from None
    if as_json:
        typer.echo(json.dumps({**summary.__dict__,
                               "rows_per_second": round(summary.rows_per_second)}, indent=2))
    else:
        console.print(f"[bold]{summary.rows} rows[/] scored in {summary.seconds:.1f} s "
                      f"({summary.rows_per_second:,.0f} rows/s) → {escape(summary.output)}")
        console.print("tiers: " + ", ".join(f"{k} {v}" for k, v in summary.tiers.items()))


