"""Evidence: ``icp ingest``, ``icp inspect`` (every column's role shown), ``icp search`` and
``icp mine``."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from agent.cli.columns_view import print_inspection
from agent.cli.evidence_view import IngestBar, print_hits, print_summary, print_themes
from agent.cli.output import console, err_console
from agent.icp.checks import check_records
from agent.pipeline import Workspace, mine_store, remember_mining
from agent.settings import Settings
from retrieval.ingest import Ingestor
from retrieval.records import Kind
from retrieval.search import search as search_evidence
from retrieval.tables.inspect import inspect_file
from retrieval.tables.mapping import (
    ColumnMapping,
    load_mapping_file,
    parse_map_options,
    split_values,
    targets_help,
)


class KindOption(StrEnum):
    auto = "auto"
    winloss = "winloss"
    ticket = "ticket"
    transcript = "transcript"
    review = "review"

    def kind(self) -> Kind | None:
        return None if self is KindOption.auto else Kind(self.value)


MapOption = Annotated[list[str] | None, typer.Option(
    "--map", metavar="COLUMN=ROLE",
    help=f"Give a column a role (repeatable). Roles: {targets_help()}.")]
MappingFileOption = Annotated[Path | None, typer.Option(
    "--mapping", help="A YAML mapping file (columns:, outcome:, kind:); see README.")]
OutcomeOption = Annotated[str | None, typer.Option(
    "--outcome", help="The column that holds the deal outcome.")]
WonOption = Annotated[str | None, typer.Option(
    "--won", help="Outcome values that mean won, comma-separated (e.g. 1,yes). With only "
    "--won, every other value is lost.")]
LostOption = Annotated[str | None, typer.Option(
    "--lost", help="Outcome values that mean lost, comma-separated.")]
ChurnedOption = Annotated[str | None, typer.Option(
    "--churned", help="Outcome values that mean churned, comma-separated.")]
DateOption = Annotated[str | None, typer.Option(
    "--date", metavar="COLUMN", help="The deal date to split backtests on (otherwise the "
    "date column filled for nearly every closed deal whatever its outcome).")]


def mapping_from_options(maps: list[str] | None, mapping_file: Path | None,
                         outcome: str | None, won: str | None, lost: str | None,
                         churned: str | None, kind: Kind | None = None,
                         date: str | None = None) -> ColumnMapping | None:
    """The overrides given on the command line (a mapping file first, flags on top)."""
    base = load_mapping_file(mapping_file) if mapping_file else ColumnMapping()
    flags = ColumnMapping(
        columns=parse_map_options(maps or []), outcome=outcome or "",
        won=split_values(won), lost=split_values(lost), churned=split_values(churned),
        kind=kind.value if kind in (Kind.WINLOSS, Kind.TICKET, Kind.REVIEW) else "",
        date=date or "",
    )
    merged = base.merged(flags)
    return None if merged.empty else merged


def ingest(
    ctx: typer.Context,
    paths: Annotated[list[Path], typer.Argument(
        help="Files or folders. CSV/TSV/XLSX/JSON/JSONL exports, md/txt notes, VTT/SRT "
        "captions.")],
    kind: Annotated[KindOption, typer.Option(
        "--kind", "-k", help="Evidence kind; auto detects it per file.")] = KindOption.auto,
    maps: MapOption = None,
    mapping_file: MappingFileOption = None,
    outcome: OutcomeOption = None,
    won: WonOption = None,
    lost: LostOption = None,
    churned: ChurnedOption = None,
    date: DateOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Ingest evidence files into the vector store (idempotent; unchanged files are skipped).

    Every column of a table export becomes evidence text or an attribute (see `icp
    inspect FILE`); --map, --outcome/--won/--lost and --mapping override what was
    inferred, and the mapping is saved so the next ingest of the file uses it.

    Each file is all-or-nothing: a bad file is reported and leaves the store untouched,
    and the other files still go in. Exit code 1 if any file failed.
    """
    settings: Settings = ctx.obj
    mapping = mapping_from_options(maps, mapping_file, outcome, won, lost, churned,
                                   kind.kind(), date)
    embedder = settings.embedder()
    store = settings.store(embedder)
    out = err_console if as_json else console
    with IngestBar(out) as bar:
        summary = Ingestor(store, embedder, progress=bar, mappings=settings.mappings(),
                           max_record_mb=settings.max_record_mb
                           ).ingest(paths, kind.kind(), mapping)
    if as_json:
        typer.echo(json.dumps(summary.as_dict(), indent=2, ensure_ascii=False))
    else:
        print_summary(console, summary, store.count())
    if not summary.ok:
        raise typer.Exit(1)


def inspect(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="The file to look at (nothing is written).")],
    kind: Annotated[KindOption, typer.Option(
        "--kind", "-k", help="Evidence kind; auto detects it.")] = KindOption.auto,
    maps: MapOption = None,
    mapping_file: MappingFileOption = None,
    outcome: OutcomeOption = None,
    won: WonOption = None,
    lost: LostOption = None,
    churned: ChurnedOption = None,
    date: DateOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Show what ingest would do with a file: each column's inferred role, fill rate,
    distinct values and examples; the kind; how outcome values are read; the records.

    The mapping saved for this file by an earlier ingest applies, with the flags on top.
    Exit code 1 when the file could not be read or its kind not told.
    """
    settings: Settings = ctx.obj
    mapping = mapping_from_options(maps, mapping_file, outcome, won, lost, churned,
                                   kind.kind(), date)
    saved = settings.mappings().load(str(path.resolve()))
    if saved is not None:
        mapping = saved.merged(mapping)
    report = inspect_file(path, kind.kind(), mapping)
    checks = check_records(report.deals) if report.deals else None
    if as_json:
        typer.echo(json.dumps({**report.as_dict(), "deals": checks.as_dict() if checks else None},
                              indent=2, ensure_ascii=False))
    else:
        print_inspection(console, report, saved is not None, checks)
    if report.error:
        raise typer.Exit(1)


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
    embedder = settings.embedder()
    hits = search_evidence(settings.store(embedder), embedder, query, k, kind.kind())
    if as_json:
        typer.echo(json.dumps([h.as_dict() for h in hits], indent=2, ensure_ascii=False))
    else:
        print_hits(console, query, hits)


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
    only = kind.kind()
    analysis = mine_store(ws, only.value if only else None)
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
