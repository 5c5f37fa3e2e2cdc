"""Terminal rendering of the ICP: a saved draft, `icp validate`, and tier changes between
versions."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from agent.batch.tier_changes import TierChange
from agent.icp.model import ICPDocument
from agent.icp.winloss import WinLossReport
from agent.validate.run import ValidationReport


def print_validation(console: Console, report: ValidationReport, html: Path) -> None:
    console.print(f"[bold]{escape(report.split)}[/]")
    table = Table(title="held-out deals by tier")
    for name in ("tier", "deals", "won", "win rate", "95% interval", "share of deals",
                 "share of wins"):
        table.add_column(name, justify="left" if name == "tier" else "right")
    for r in report.tiers:
        if r.deals:
            table.add_row(r.tier, str(r.deals), str(r.wins), f"{r.win_rate:.0%}",
                          f"{r.low:.0%}–{r.high:.0%}", f"{r.share_of_deals:.0%}",
                          f"{r.share_of_wins:.0%}")
    console.print(table)
    if report.auc is not None and report.auc_ci[0] is not None:
        line = f"AUC {report.auc:.3f} [{report.auc_ci[0]:.3f}, {report.auc_ci[1]:.3f}]"
        if report.reference_auc is not None:
            line += f" · logistic regression {report.reference_auc:.3f}"
        if report.boosting_auc is not None:
            line += f" · gradient boosting {report.boosting_auc:.3f}"
        console.print(line)
    if report.text is not None:
        print_text_proof(console, report)
    for name, why in report.set_aside.items():
        console.print(f"[yellow]· set aside {escape(name)}: {escape(why)}[/]")
    for name, unsure in report.unsure.items():
        without = "" if unsure.auc_without is None else \
            f"; the backtest's AUC without it: {unsure.auc_without:.3f}"
        console.print(f"[yellow]? kept {escape(name)}: {escape(unsure.reason)}{without}[/]")
    for note in report.notes:
        console.print(f"[yellow]· {escape(note)}[/]")
    if report.drift and report.drift.shifted:
        for line in report.drift.shifted:
            console.print(f"[red]! {escape(line)}[/]")
    console.print(f"[bold]Verdict:[/] {escape(report.verdict)}")
    console.print(f"[dim]report: {html}[/]")


def print_text_proof(console: Console, report: ValidationReport) -> None:
    """What customers said, proven on the same split."""
    proof = report.text
    assert proof is not None
    console.print(f"[bold]What customers said[/] ({proof.deals_with_text} deals with text): "
                  f"{len(proof.text_lines)} scorecard lines")
    for line in proof.text_lines[:8]:
        console.print(f"   {escape(line)}")
    low, high = proof.auc_without_text_ci
    if proof.auc_without_text is not None and low is not None and high is not None:
        line = (f"   without them: AUC {proof.auc_without_text:.3f} [{low:.3f}, {high:.3f}]")
        diff, d_low, d_high = proof.difference
        if diff is not None and d_low is not None and d_high is not None:
            line += f" · with minus without {diff:+.3f} [{d_low:+.3f}, {d_high:+.3f}]"
        console.print(line)
    if proof.text_reference_auc is not None:
        console.print(f"   bag-of-words reference (the same text and columns): AUC "
                      f"{proof.text_reference_auc:.3f}")


def print_tier_changes(console: Console, versions: tuple[str, str], rows: int,
                       changes: list[TierChange]) -> None:
    a, b = versions
    console.print(f"[bold]{len(changes)} of {rows} accounts change tier from {a} to {b}[/]")
    for c in changes:
        console.print(f"row {c.row} [bold]{escape(c.name)}[/]: {c.before} ({c.score_before}) → "
                      f"{c.after} ({c.score_after})")
        for line in c.moved_by:
            console.print(f"   [dim]{escape(line)}[/]")


def print_draft(console: Console, doc: ICPDocument, path: Path) -> None:
    console.print(f"[bold green]ICP v{doc.version}[/] saved to {path} "
                  f"(and {path.with_suffix('.md')})")
    console.print(doc.summary)
    console.print(f"{len(doc.criteria)} criteria, {len(doc.pain_points)} pain points, "
                  f"{len(doc.triggers)} triggers, {len(doc.exclusions)} exclusions, "
                  f"{len(doc.personas)} personas; {doc.grounding.checked} quotes verified, "
                  f"{doc.grounding.dropped} dropped.")
    for note in doc.notes:
        console.print(f"[yellow]· {escape(note)}[/]")


def print_winloss(console: Console, report: WinLossReport, limit: int = 25) -> None:
    console.print(f"[bold]{report.deals} closed deals[/] ({report.won} won), "
                  f"{report.deals_with_text} with text of their own")
    table = Table(title="what winners and losers said")
    for name in ("what", "kind", "deals", "win rate [95%]", "lift", "q", "points"):
        table.add_column(name, justify="left" if name in ("what", "kind") else "right")
    for e in report.entities[:limit]:
        table.add_row(escape(e.name[:60]), e.kind, str(e.support),
                      f"{e.win_rate:.0%} [{e.low:.0%}–{e.high:.0%}]", f"{e.lift:.2f}",
                      f"{e.q_value:.2g}", "" if e.points is None else f"{e.points:+d}")
    console.print(table)
    for e in report.entities[:limit]:
        if e.significant and (e.confound or e.quotes):
            console.print(f"[bold]{escape(e.name[:60])}[/]: {escape(e.confound)}")
            for q in e.quotes[:2]:
                console.print(f"   “{escape(q['quote'][:160])}” [dim]{escape(q['source_id'])}[/]")
    if report.loss_reasons:
        console.print("[bold]Loss reasons[/] (written at the close: they explain, never score)")
        for r in report.loss_reasons[:10]:
            console.print(f"   {escape(r.label)}: {r.mentions}")
    for note in report.notes:
        console.print(f"[yellow]· {escape(note)}[/]")
