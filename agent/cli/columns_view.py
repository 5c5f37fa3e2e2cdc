"""Terminal rendering of column roles: the `icp inspect` report and ingest's per-file map."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from agent.icp.checks import DealChecks
from retrieval.tables.columns import Role
from retrieval.tables.inspect import Inspection

TOP_SOLO = 5  # single-column AUCs shown beside the leak decisions

ROLE_STYLE = {
    Role.FIELD: "cyan", Role.OUTCOME: "bold magenta", Role.TEXT: "green",
    Role.CATEGORY: "yellow", Role.NUMBER: "yellow", Role.LIST: "yellow",
    Role.IDENTIFIER: "dim", Role.PII: "red", Role.EMPTY: "dim", Role.IGNORE: "dim",
    Role.DATE: "blue", Role.URL: "blue",
}
WHERE = {
    Role.FIELD: "field", Role.OUTCOME: "deal outcome", Role.TEXT: "evidence text",
    Role.CATEGORY: "attribute", Role.NUMBER: "attribute (banded)", Role.LIST: "attribute",
    Role.IDENTIFIER: "not evidence (record id)", Role.PII: "left out (personal data)",
    Role.EMPTY: "left out (no values)", Role.IGNORE: "left out",
    Role.DATE: "kept (date)", Role.URL: "kept (link)",
}


def print_inspection(console: Console, report: Inspection, saved: bool = False,
                     checks: DealChecks | None = None) -> None:
    schema = report.schema
    head = f"[bold]{escape(report.path)}[/]"
    if report.kind:
        head += f"  kind [bold]{report.kind}[/] · {report.records} records"
        if report.problems:
            head += f" · {len(report.problems)} rows would be skipped"
    console.print(head)
    if schema is None:
        return
    sample = schema.profiles[0].rows if schema.profiles else 0
    seen = (f"all {sample} rows" if sample >= schema.rows_read else
            f"{sample} rows spread over the file's {schema.rows_read}")
    table = Table(expand=True, caption=f"roles, fill rates and distinct counts from {seen}")
    table.add_column("column", style="bold", ratio=3, overflow="fold")
    table.add_column("role → becomes", ratio=4, overflow="fold")
    table.add_column("filled", justify="right", width=6)
    table.add_column("distinct", justify="right", width=8)
    table.add_column("examples", style="dim", ratio=4, overflow="fold")
    for p in schema.profiles:
        role = f"{p.field} field" if p.role == Role.FIELD else p.role.value
        becomes = WHERE[p.role] if p.role != Role.FIELD else "provenance / firmographic"
        if p.header in schema.labels:
            becomes += f"; '{schema.labels[p.header]}:' removed"
        why = f" [dim]({escape(p.reason)})[/]" if p.reason not in ("alias", "override") \
            and p.role != Role.OUTCOME else ""
        examples = " · ".join(e if len(e) <= 28 else e[:27] + "…" for e in p.examples[:2])
        table.add_row(escape(p.header),
                      f"[{ROLE_STYLE[p.role]}]{escape(role)}[/] → {escape(becomes)}{why}",
                      f"{p.fill_rate:.0%}", str(p.distinct), escape(examples))
    console.print(table)
    if schema.outcome is not None:
        console.print(f"[bold]outcome[/] {escape(schema.outcome.describe())}")
        for raw, outcome in report.outcome_values.items():
            console.print(f"   {escape(raw or '(empty)')} → {outcome}")
        if report.outcomes:
            console.print("   records: " + ", ".join(f"{k} {v}" for k, v in
                                                     sorted(report.outcomes.items())))
    dates = schema.dates
    if dates.column or dates.leaks or (schema.outcome is not None and dates.reason):
        console.print(f"[bold]deal date[/] {escape(dates.reason or 'none')}")
        for column, why in dates.leaks.items():
            console.print(f"   [yellow]{escape(column)}[/]: {escape(why)}")
    if checks is not None:
        _print_checks(console, checks)
    if report.facets:
        console.print("[bold]review answers[/] " + ", ".join(
            f"{k} {v}" for k, v in sorted(report.facets.items())))
    if not schema.mapping.empty:
        console.print(f"[bold]overrides[/] {escape(schema.mapping.describe())}"
                      + (" [dim](saved by an earlier ingest)[/]" if saved else ""))
    for note in report.notes:
        console.print(f"[yellow]· {escape(note)}[/]")
    for problem in report.problems[:5]:
        console.print(f"[yellow]! {escape(str(problem))}[/]")
    if report.error:
        console.print(f"[red]error:[/] {escape(report.error)}")


def _print_checks(console: Console, checks: DealChecks) -> None:
    decision = checks.decision
    console.print(f"[bold]closed deals[/] {checks.deals}"
                  + (f" · {checks.duplicates} exact duplicates (counted once)"
                     if checks.duplicates else "")
                  + f" · leakage guard measured on {decision.measured_on} training deals")
    for leak in decision.leaks.values():
        console.print(f"   [yellow]set aside {escape(leak.label)}[/]: {escape(leak.reason)}")
    if not decision.leaks:
        console.print("   no column set aside")
    kept = [(name, auc) for name, auc in sorted(decision.solo_auc.items(), key=lambda x: -x[1])
            if name not in decision.leaks][:TOP_SOLO]
    if kept:
        console.print("   strongest kept columns (single-column AUC, out of fold): " + ", ".join(
            f"{escape(name.split(':', 1)[-1])} {auc:.2f}" for name, auc in kept))
    for note in decision.notes:
        console.print(f"   [dim]{escape(note)}[/]")
