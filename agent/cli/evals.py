"""``icp eval run | compare | report``: prompt versions compared on labelled datasets."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from agent.base import workspace as paths
from agent.base.atomic import atomic_write
from agent.cli.output import console, err_console, fail
from agent.cli.prospects_view import BatchBar
from agent.pipeline import structured_llm
from agent.settings import Settings

eval_app = typer.Typer(help="Compare prompt versions (and models) on labelled datasets, "
                       "with paired statistics and an HTML report.", no_args_is_help=True)


class EvalTask(StrEnum):
    fit = "fit"
    extraction = "extraction"
    themes = "themes"


@eval_app.command("run")
def eval_run(
    ctx: typer.Context,
    task: Annotated[EvalTask, typer.Argument(
        help="fit (page + ICP -> tier; prompt fit_classification), extraction (page -> "
        "industry, head count, tools; field_extraction), themes (evidence -> pain points; "
        "theme_label).")],
    prompt: Annotated[list[str] | None, typer.Option(
        "--prompt", help="Prompt version to run (repeat for several: --prompt v1 --prompt "
        "v2). Needs --model.")] = None,
    model: Annotated[str | None, typer.Option(
        "--model", help="openai:MODEL (OPENAI_BASE_URL / OPENAI_API_KEY); default: the "
        "--llm setting. The offline engine always runs as the baseline.")] = None,
    repeats: Annotated[int, typer.Option("--repeats", min=1, max=20,
                                         help="Runs per case for each prompt.")] = 1,
    limit: Annotated[int | None, typer.Option("--limit", min=1,
                                              help="Only the first N cases.")] = None,
    price_in: Annotated[float, typer.Option(
        "--price-in", help="USD per million input tokens, for the cost estimate.")] = 0.0,
    price_out: Annotated[float, typer.Option(
        "--price-out", help="USD per million output tokens.")] = 0.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print the runs as JSON.")] = False,
) -> None:
    """Run each prompt version and the offline engine on the same cases; every run is
    recorded in the workspace (evals/runs/) with prompt hash, model, dataset hash and
    git commit."""
    from evals.runner import Evaluator
    from evals.tasks import get_task

    settings: Settings = ctx.obj
    spec = model or settings.llm
    if spec and spec != "none" and ":" not in spec:
        spec = f"openai:{spec}"
    if prompt and (not spec or spec == "none"):
        raise fail("--prompt needs a model: pass --model openai:MODEL (or set ICP_LLM)")
    try:
        llm = structured_llm(settings.model_copy(update={"llm": spec or "none"})) \
            if prompt else None
        home = settings.workspace()
        with BatchBar(err_console) as bar:
            runs = Evaluator(home, get_task(task.value), limit=limit,
                             progress=lambda _label, done, total: bar.update(done, total)
                             ).run(prompt or [], llm, (spec or "").removeprefix("openai:"),
                                   repeats, price_in, price_out)
    except (ValueError, OSError) as exc:
        raise fail(str(exc)) from None
    if as_json:
        typer.echo(json.dumps([{"run_id": r.run_id, **r.metrics} for r in runs], indent=2))
        return
    for r in runs:
        shown = " · ".join(f"{k} {'–' if v is None else f'{v:.3f}'}"
                           for k, v in r.metrics.items()
                           if k not in ("latency_ms_p95", "input_tokens", "output_tokens"))
        console.print(f"{r.run_id}: {shown}", highlight=False)
    console.print(f"Runs saved in {paths.eval_runs_dir(home)}; compare with `icp eval compare "
                  f"{runs[0].run_id} {runs[-1].run_id}`, report with `icp eval report -o "
                  "report.html`.", highlight=False)


@eval_app.command("compare")
def eval_compare(
    ctx: typer.Context,
    run_a: Annotated[str, typer.Argument(help="Baseline run id (or prefix, or file).")],
    run_b: Annotated[str, typer.Argument(help="Candidate run id.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Per-metric deltas (B - A) with paired bootstrap 95% intervals, McNemar's exact test
    on per-case correctness, a verdict and the cases that flipped."""
    from evals.compare import compare
    from evals.runner import load_run

    home = ctx.obj.workspace()
    try:
        result = compare(load_run(home, run_a), load_run(home, run_b))
    except (FileNotFoundError, ValueError) as exc:
        raise fail(str(exc)) from None
    if as_json:
        typer.echo(json.dumps(result.as_dict(), indent=2))
        return
    console.print(f"{result.b} vs {result.a} on {result.cases} cases", highlight=False)
    for name, d in result.deltas.items():
        console.print(f"  {name:<15} {d.estimate:+.3f}  95% CI [{d.low:+.3f}, {d.high:+.3f}]",
                      highlight=False)
    m = result.mcnemar
    console.print(f"  McNemar exact p = {m.p_value:.3g} (B fixed {m.b_only}, broke "
                  f"{m.a_only})\nVerdict: {result.verdict}", highlight=False)
    if result.flipped_better:
        console.print("  fixed: " + ", ".join(result.flipped_better), highlight=False)
    if result.flipped_worse:
        console.print("  broken: " + ", ".join(result.flipped_worse), highlight=False)
    for w in result.warnings:
        err_console.print(f"[yellow]! {escape(w)}[/]")


@eval_app.command("report")
def eval_report(
    ctx: typer.Context,
    runs: Annotated[list[str] | None, typer.Argument(
        help="Run ids (the first is the baseline); default: the latest `eval run`.")] = None,
    output: Annotated[Path, typer.Option("-o", "--output", help="HTML file to write.")
                      ] = Path("report.html"),
) -> None:
    """Write one self-contained HTML report: metric bars with intervals, comparisons with
    the baseline, latency and cost, and the per-case matrix."""
    from evals.report import render_report
    from evals.runner import latest_batch, load_run

    home = ctx.obj.workspace()
    try:
        chosen = [load_run(home, r) for r in runs] if runs else latest_batch(home)
        if not chosen:
            raise fail("no eval runs yet: run `icp eval run fit` first")
        atomic_write(output, render_report(chosen))
    except (FileNotFoundError, ValueError) as exc:
        raise fail(str(exc)) from None
    console.print(f"Report of {len(chosen)} runs written to {output}", highlight=False)
