"""``icp crm plan`` and ``icp crm verify``: a scored list into HubSpot or Salesforce, as a
reviewable bundle of import files, never a live write."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from agent.cli.output import console
from agent.crm.bundle import icp_version, plan_bundle
from agent.crm.policy import Written
from agent.crm.targets import Target
from agent.crm.verify import verify
from agent.settings import Settings

crm_app = typer.Typer(help="Load a scored list into HubSpot or Salesforce: a dry-run plan "
                      "against your CRM export, import files, an overwrite policy, and a "
                      "check after the import.", no_args_is_help=True)


@crm_app.command("plan")
def plan(
    ctx: typer.Context,
    scored: Annotated[Path, typer.Argument(help="The output of `icp score` or `icp enrich`.")],
    target: Annotated[Target, typer.Option("--target", help="hubspot | salesforce")],
    output: Annotated[Path, typer.Option("-o", "--output", help="A new folder for the "
                                         "bundle (never overwritten).")],
    crm_export: Annotated[Path | None, typer.Option(
        "--crm-export", help="Your CRM's current export of companies (HubSpot) or accounts "
        "(Salesforce), with their website or domain. Without it, or with a header-only "
        "export (a new portal or org), the CRM is taken as empty: every keyed row a "
        "create.")] = None,
    icp: Annotated[Path | None, typer.Option("--icp", help="The ICP the list was scored "
                                             "with (default: the newest in the workspace)")
                   ] = None,
    policy_file: Annotated[Path | None, typer.Option(
        "--policy", help="The overwrite policy (default: the workspace's crm/policy.yaml, "
        "written with the defaults the first time).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the counts as JSON.")] = False,
) -> None:
    """Plan a load without touching the CRM: match every scored row to the export by its
    canonical domain; create / update / no change / conflict / no key / duplicate key per
    row, and per field the old value, the new one and the rule that decided."""
    settings: Settings = ctx.obj
    result = plan_bundle(settings.workspace(), scored, target, crm_export, output,
                         icp_version(settings.workspace(), icp), policy_file)
    files, counts = result.files, result.counts
    if as_json:
        typer.echo(json.dumps({"bundle": str(output), "files": files, "counts": counts,
                               "empty_crm": result.empty_crm}))
        return
    console.print(f"[bold]{target} load plan[/] → {escape(str(output))} (a dry run: nothing "
                  "was written to the CRM)")
    if result.empty_crm:
        console.print("   planned against an empty CRM: every row with a key is a create")
    console.print("   " + " · ".join(f"{a} {n}" for a, n in counts.items()))
    console.print("   files: " + ", ".join(files))
    console.print(f"   review plan.md, import the CSV, then: icp crm verify {escape(str(output))}"
                  " --crm-export AFTER.csv")


@crm_app.command("verify")
def verify_cmd(
    ctx: typer.Context,
    bundle: Annotated[Path, typer.Argument(help="A bundle made by `icp crm plan`.")],
    crm_export: Annotated[Path, typer.Option(
        "--crm-export", help="Your CRM's export taken after the import.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """After the import: matched / missing / mismatched for every field the plan wrote.
    Exit code 1 when anything is missing or mismatched."""
    settings: Settings = ctx.obj
    from agent.crm.bundle import read_plan

    target, _ = read_plan(bundle)
    report = verify(bundle, crm_export, Written(settings.workspace(), target))
    if as_json:
        typer.echo(json.dumps(report.as_dict(), indent=2))
    else:
        console.print(f"[bold]{report.target}[/]: {report.records} records planned · "
                      f"{sum(report.matched.values())} fields matched · "
                      f"{sum(report.missing.values())} missing · "
                      f"{sum(report.mismatched.values())} mismatched")
        for api in sorted(set(report.matched) | set(report.missing) | set(report.mismatched)):
            console.print(f"   {api}: {report.matched[api]} matched, {report.missing[api]} "
                          f"missing, {report.mismatched[api]} mismatched")
        for line in report.examples:
            console.print(f"   [yellow]! {escape(line)}[/]")
    if not report.ok:
        raise typer.Exit(1)
