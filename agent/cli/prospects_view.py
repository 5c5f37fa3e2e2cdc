"""Terminal rendering of prospects: classified sites, the enrich bar and batch summaries."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    Task,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from agent.batch.run import BatchSummary
from agent.cli.evidence_view import snippet
from agent.fit.classify import Classified


def print_classified(console: Console, result: Classified) -> None:
    p, fit = result.prospect, result.fit
    score = "—" if fit.score is None else str(fit.score)
    console.print(f"[bold]{escape(p.domain or p.input)}[/]  tier [bold]{fit.tier}[/] · score "
                  f"{score} · confidence {fit.confidence:.0%} · site {p.fetch_status}")
    facts = [(label, fact) for label, fact in (("industry", p.industry),
                                                ("employees", p.employees),
                                                ("country", p.country)) if fact]
    for label, fact in facts:
        quote = escape(snippet(fact.quote, 120))
        console.print(f"  {label}: {escape(fact.value)}  [dim]“{quote}” {escape(fact.url)}[/]")
    if p.technologies:
        console.print("  technologies: " + escape(", ".join(t.value for t in p.technologies)))
    for reason in fit.reasons:
        console.print(f"  {escape(reason)}")
    if fit.llm_tier is not None or fit.llm_reasons:
        agree = "agrees" if fit.llm_tier == fit.tier else "DISAGREES"
        console.print(f"  LLM judgement: tier {fit.llm_tier} · score {fit.llm_score} ({agree})")
        for reason in fit.llm_reasons:
            console.print(f"    {escape(reason)}")


class BatchBar:
    """Progress over distinct domains, with rate and ETA."""

    def __init__(self, console: Console) -> None:
        self.bar = Progress(
            TextColumn("[bold]enrich[/]"), BarColumn(), MofNCompleteColumn(),
            TextColumn("domains"), TaskProgressColumn(), TextColumn("·"),
            TransferSpeedLikeColumn(), TimeElapsedColumn(), TextColumn("eta"),
            TimeRemainingColumn(), console=console, disable=not console.is_terminal,
        )
        self.task = self.bar.add_task("enrich", total=None)

    def __enter__(self) -> BatchBar:
        self.bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.bar.stop()

    def update(self, done: int, total: int) -> None:
        self.bar.update(self.task, completed=done, total=total)


class TransferSpeedLikeColumn(TextColumn):
    """Domains per second."""

    def __init__(self) -> None:
        super().__init__("")

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("—/s" if not speed else f"{speed:.1f}/s")


def print_batch_summary(console: Console, s: BatchSummary) -> None:
    console.print(f"[bold]{s.rows} rows[/] ({s.invalid_rows} without a usable website), "
                  f"{s.domains} distinct domains, {s.enriched_now} enriched in this run → "
                  f"{escape(s.output)}")
    console.print("tiers: " + ", ".join(f"{k} {v}" for k, v in s.tiers.items()))
    console.print("sites: " + ", ".join(f"{k} {v}" for k, v in s.statuses.items()))
