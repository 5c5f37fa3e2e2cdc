"""The ICP: ``icp draft``, ``icp diff`` (two saved versions, or the tier changes of a list)
and ``icp validate``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from agent.base.atomic import atomic_write
from agent.cli.icp_view import print_draft, print_tier_changes, print_validation, print_winloss
from agent.cli.output import console, fail
from agent.icp import versions
from agent.pipeline import Workspace, draft_icp
from agent.settings import Settings
from retrieval.tables.dates import iso_date, parse_date

UseColumnOption = Annotated[list[str] | None, typer.Option(
    "--use-column", metavar="NAME", help="Learn from a column the leakage guard set aside "
    "(repeatable; the name as shown in the notes).")]
DropColumnOption = Annotated[list[str] | None, typer.Option(
    "--drop-column", metavar="NAME", help="Set a column aside as written after the outcome "
    "(repeatable; the draft, the backtest and scoring all leave it out).")]

ListOption = Annotated[Path | None, typer.Option(
    "--list", help="The prospect list (or a scored/enriched list) whose accounts change tier "
    "between the two versions, with the criteria that moved them.")]


def diff(
    ctx: typer.Context,
    version_a: Annotated[str, typer.Argument(help="A saved ICP version (v1 or 1).")],
    version_b: Annotated[str, typer.Argument(help="Another saved version.")],
    list_file: ListOption = None,
) -> None:
    """Show what changed between two saved ICP versions, or, with --list, which accounts
    of a list change tier and why."""
    settings: Settings = ctx.obj
    home = settings.workspace()
    a, b = (versions.load(home, ref) for ref in (version_a, version_b))
    if list_file is not None:
        from agent.batch.tier_changes import tier_changes

        print_tier_changes(console, (version_a, version_b), *tier_changes(list_file, a, b))
        return
    changes = versions.diff(a, b)
    typer.echo("\n".join(changes) if changes else f"{version_a} and {version_b} are the same")


def draft(
    ctx: typer.Context,
    output: Annotated[Path | None, typer.Option(
        "-o", "--output", help="Also write the Markdown document here.")] = None,
    json_out: Annotated[Path | None, typer.Option(
        "--json", help="Also write the JSON document here.")] = None,
    diff_versions: Annotated[tuple[str, str] | None, typer.Option(
        "--diff", help="The same as `icp diff vA vB` (kept for old scripts).")] = None,
    vendor: Annotated[str | None, typer.Option(
        "--vendor", help="Your company's name, so its people's words in transcripts are not "
        "taken as customer evidence (env ICP_VENDOR).")] = None,
    use_columns: UseColumnOption = None,
    drop_columns: DropColumnOption = None,
    list_file: ListOption = None,
) -> None:
    """Draft the ICP and buyer personas from the evidence; saved as a new version.

    Every criterion, pain point, trigger, exclusion and persona cites verbatim quotes that
    are checked against the store before saving; what the data cannot support is listed
    under notes.
    """
    settings: Settings = ctx.obj
    if vendor is not None:
        settings = settings.model_copy(update={"vendor": vendor})
    if list_file is not None and not diff_versions:
        raise fail("--list goes with `icp diff vA vB`")
    if diff_versions:
        diff(ctx, *diff_versions, list_file=list_file)
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
    ws = Workspace.open(settings)
    outcome = validate_icp(ws, iso_date(since) if since else None, test_share,
                           tuple(use_columns or ()), tuple(drop_columns or ()))
    if output:
        atomic_write(output, outcome.html_path.read_text(encoding="utf-8"))
    if as_json:
        typer.echo(outcome.report.model_dump_json(indent=2))
    else:
        print_validation(console, outcome.report, output or outcome.html_path)


def winloss(
    ctx: typer.Context,
    output: Annotated[Path | None, typer.Option(
        "-o", "--output", help="Also write the report as Markdown (.md) or JSON (.json).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """What winners and losers said: the themes each closed deal voices (its own text and
    its account's tickets, calls and reviews), the topics of its text and the competitors
    named, each with deals, win rate and its 95% interval, lift, q over everything tested,
    the scorecard's points and whether it holds within the strongest column's segments;
    loss reasons apart (written at the close, they never score)."""
    from agent.icp.winloss import markdown
    from agent.pipeline import winloss_report

    settings: Settings = ctx.obj
    report = winloss_report(Workspace.open(settings))
    if output:
        atomic_write(output, report.model_dump_json(indent=2) if output.suffix == ".json"
                     else markdown(report))
    if as_json:
        typer.echo(report.model_dump_json(indent=2))
    else:
        print_winloss(console, report)
