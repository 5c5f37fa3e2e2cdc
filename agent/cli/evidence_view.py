"""Terminal rendering of evidence: the ingest bar and summary, search hits and themes."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from retrieval.ingest import FileResult, IngestSummary, column_lines
from retrieval.ingest import Progress as IngestProgress
from retrieval.mining.models import MiningResult
from retrieval.store import Hit

MAX_PROBLEMS_SHOWN = 5


class IngestBar(IngestProgress):
    """A rich progress bar over files, with a live count of records."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.bar = Progress(
            TextColumn("[bold]ingest[/]"), BarColumn(), MofNCompleteColumn(),
            TextColumn("files · {task.fields[records]} records · {task.fields[current]}"),
            TimeElapsedColumn(), console=console, transient=True,
            disable=not console.is_terminal,
        )
        self.task = self.bar.add_task("ingest", total=None, records=0, current="")
        self.records = 0

    def __enter__(self) -> IngestBar:
        self.bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.bar.stop()

    def file_started(self, path: Path, index: int, total: int) -> None:
        self.bar.update(self.task, total=total, completed=index, current=path.name)

    def records_done(self, count: int) -> None:
        self.records += count
        self.bar.update(self.task, records=self.records)

    def file_finished(self, result: FileResult) -> None:
        self.bar.advance(self.task)
        print_file_result(self.console, result)


def print_file_result(console: Console, r: FileResult) -> None:
    if r.status == "failed":
        console.print(f"[red]✗ failed[/]  {escape(r.error)}")
        return
    mark = {"added": "[green]✓ added[/]", "updated": "[green]✓ updated[/]",
            "unchanged": "[dim]= unchanged[/]"}[r.status]
    detail = f"{r.records} records"
    if r.status != "unchanged":
        detail += f", {r.chunks_added} chunks added, {r.chunks_kept} kept"
        if r.chunks_removed:
            detail += f", {r.chunks_removed} removed"
    console.print(f"{mark}  {escape(r.path)} [dim]({r.kind}: {detail})[/]")
    for problem in r.problems[:MAX_PROBLEMS_SHOWN]:
        console.print(f"   [yellow]! {escape(str(problem))}[/]")
    if len(r.problems) > MAX_PROBLEMS_SHOWN:
        console.print(f"   [yellow]! … and {len(r.problems) - MAX_PROBLEMS_SHOWN} more rows[/]")
    for note in r.notes:
        console.print(f"   [yellow]· {escape(note)}[/]")
    if r.status != "unchanged":
        for line in column_lines(r.columns, r.mapping):
            console.print(f"   [dim]{escape(line)}[/]")


def print_summary(console: Console, s: IngestSummary, store_count: int) -> None:
    for key in s.recovered:
        console.print(f"[yellow]! an earlier ingest of {escape(key)} was interrupted; "
                      "its partial chunks were removed (ingest it again)[/]")
    files = ", ".join(f"{s.count(k)} {k}" for k in ("added", "updated", "unchanged", "failed")
                      if s.count(k))
    console.print(
        f"[bold]{len(s.files)} files[/] ({files or 'none'}); {s.records} records"
        f" ({s.row_problems} rows skipped); chunks: {s.total('chunks_added')} added,"
        f" {s.total('chunks_kept')} kept, {s.total('chunks_removed')} removed;"
        f" {store_count} in the store."
    )


def print_hits(console: Console, query: str, hits: list[Hit]) -> None:
    if not hits:
        console.print(f"No evidence found for [bold]{escape(query)}[/]. Ingest some files first.")
        return
    table = Table(title=f"Evidence for “{escape(query)}”", show_lines=True, expand=True)
    table.add_column("score", justify="right", width=6)
    table.add_column("source", ratio=1)
    table.add_column("evidence", ratio=3)
    for hit in hits:
        m = hit.metadata
        who = " · ".join(str(m[k]) for k in ("kind", "account", "outcome", "speaker", "role")
                         if m.get(k))
        table.add_row(f"{hit.score:.3f}", f"[bold]{escape(str(m.get('source_id', hit.id)))}[/]"
                      f"\n[dim]{escape(who)}[/]", escape(snippet(hit.text)))
    console.print(table)


def snippet(text: str, limit: int = 400) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def print_themes(console: Console, result: MiningResult, limit: int = 15) -> None:
    if not result.themes:
        console.print(f"No recurring pain points in {result.chunks} chunks "
                      f"({result.statements} problem statements). Ingest more evidence.")
        return
    console.print(f"[bold]{len(result.themes)} themes[/] from {result.statements} problem "
                  f"statements in {result.chunks} chunks; {result.outliers} outliers "
                  f"({result.outlier_share:.0%}).")
    for rank, theme in enumerate(result.themes[:limit], start=1):
        kinds = ", ".join(f"{k} {v}" for k, v in theme.by_kind.items())
        outcomes = ", ".join(f"{k} {v}" for k, v in theme.by_outcome.items())
        spread = f"{theme.accounts} accounts" if theme.accounts else f"{theme.sources} sources"
        once = "" if theme.recurring else " · one source only"
        console.print(f"\n[bold]{rank}. {escape(theme.label)}[/]  [dim]{theme.size} mentions · "
                      f"{spread}{once} · {kinds} · {outcomes}[/]")
        if theme.keyphrases:
            console.print(f"   [dim]tags: {escape(', '.join(theme.keyphrases))}[/]")
        for quote in theme.quotes[:3]:
            console.print(f"   “{escape(snippet(quote.quote, 200))}” "
                          f"[dim]{escape(quote.source_id)}[/]")
    if len(result.themes) > limit:
        console.print(f"\n… and {len(result.themes) - limit} more themes (use --json for all).")
