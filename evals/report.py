"""``icp eval report``: one self-contained HTML file (inline SVG, no scripts, no network)."""

from __future__ import annotations

from html import escape

from agent.ui.charts import STYLE, bars
from evals.compare import Comparison, compare
from evals.runner import EvalRun
from evals.stats import bootstrap_mean
from evals.tasks import get_task
from evals.tasks.base import Metric


def _metric_chart(runs: list[EvalRun], metric: Metric) -> str:
    assert metric.per_case is not None
    values = []
    for run in runs:
        data = [float(v) for v in map(metric.per_case, run.cases) if v is not None]
        ci = bootstrap_mean(data) if data else None
        values.append((ci.estimate, ci.low, ci.high) if ci else None)
    return bars(metric.label, [_label(r) for r in runs], values,
                scale=1.0 if metric.share else None)


def _value(metric: Metric, run: EvalRun) -> str:
    value = run.metrics.get(metric.key)
    if value is None:
        return "–"
    return f"{value:.3f}" if metric.share else f"{value:.1f}"


def _label(run: EvalRun) -> str:
    return "offline engine" if not run.prompt else f"{run.model} {run.prompt}"


def _matrix(runs: list[EvalRun]) -> str:
    ids = list(dict.fromkeys(c.id for r in runs for c in r.cases))
    head = "".join(f"<th>{escape(_label(r))}</th>" for r in runs)
    rows = []
    by_run = [{c.id: c for c in r.cases} for r in runs]
    for case_id in ids:
        first = next(b[case_id] for b in by_run if case_id in b)
        cells = []
        for table in by_run:
            c = table.get(case_id)
            if c is None:
                cells.append('<td class="muted">–</td>')
            else:
                cells.append(f'<td class="{"ok" if c.correct else "bad"}" title="'
                             f'{escape(" | ".join(c.reasons))}">{escape(c.predicted)}</td>')
        rows.append(f"<tr><td>{escape(case_id)}</td><td>{escape(first.kind)}</td>"
                    f"<td>{escape(first.expected)}</td>{''.join(cells)}</tr>")
    return (f'<table id="matrix"><tr><th>case</th><th>kind</th><th>expected</th>{head}</tr>'
            + "".join(rows) + "</table>")


def _runs_table(runs: list[EvalRun], metrics: tuple[Metric, ...]) -> str:
    rows = []
    for r in runs:
        m = r.metrics
        values = "".join(f"<td>{_value(metric, r)}</td>" for metric in metrics)
        rows.append(
            f"<tr><td>{escape(r.run_id)}</td><td>{escape(_label(r))}</td>"
            f"<td>{escape(r.prompt_sha256[:12]) or '–'}</td>{values}"
            f"<td>{float(m.get('latency_ms_mean') or 0):.0f}</td>"
            f"<td>{int(m.get('input_tokens') or 0)}/{int(m.get('output_tokens') or 0)}</td>"
            f"<td>${r.cost_usd:.4f}</td>"
            f"<td>{escape(r.git_commit[:10])}{' (dirty)' if r.git_dirty else ''}</td></tr>")
    heads = "".join(f"<th>{escape(metric.label)}</th>" for metric in metrics)
    return ("<table id=\"runs\"><tr><th>run</th><th>engine</th><th>prompt sha256</th>"
            f"{heads}<th>latency ms</th><th>tokens in/out</th><th>cost</th><th>commit</th>"
            "</tr>" + "".join(rows) + "</table>")


def _comparison(c: Comparison) -> str:
    acc = c.deltas["accuracy"]
    lines = [f"<p><b>{escape(c.b)}</b> vs <b>{escape(c.a)}</b> on {c.cases} cases: "
             f"<span class=\"verdict\">{escape(c.verdict)}</span> — accuracy "
             f"{acc.estimate:+.3f} [{acc.low:+.3f}, {acc.high:+.3f}], McNemar exact p = "
             f"{c.mcnemar.p_value:.3g} ({c.mcnemar.b_only} cases fixed, "
             f"{c.mcnemar.a_only} broken).</p>"]
    if c.flipped_better or c.flipped_worse:
        lines.append(f"<p class=\"muted\">Fixed: {escape(', '.join(c.flipped_better) or '–')}"
                     f"<br>Broken: {escape(', '.join(c.flipped_worse) or '–')}</p>")
    lines += [f"<p class=\"muted\">⚠ {escape(w)}</p>" for w in c.warnings]
    return "".join(lines)


def render_report(runs: list[EvalRun]) -> str:
    if not runs:
        raise ValueError("no runs to report")
    baseline = runs[0]
    metrics = get_task(baseline.task).declared_metrics
    charts = [f"<h2>{escape(m.label.capitalize())}</h2>{_metric_chart(runs, m)}"
              for m in metrics if m.per_case is not None]
    comparisons = [compare(baseline, r) for r in runs[1:]]
    latency: list[tuple[float, float, float] | None] = [
        (float(r.metrics["latency_ms_mean"] or 0),) * 3 for r in runs]
    body = [
        f"<h1>Eval report: {escape(baseline.task)}</h1>",
        f"<p class=\"muted\">Dataset {escape(baseline.dataset)} (sha256 "
        f"{escape(baseline.dataset_sha256[:12])}…), {len({c.id for c in baseline.cases})} "
        f"cases; baseline: {escape(_label(baseline))}. Intervals are 95% bootstrap "
        "intervals over cases.</p>",
        "<h2>Runs</h2>", _runs_table(runs, metrics), *charts,
        "<h2>Against the baseline</h2>",
        "".join(_comparison(c) for c in comparisons) or "<p>Only one run.</p>",
        "<h2>Latency and cost</h2>",
        bars("mean latency per case (ms)", [_label(r) for r in runs], latency, " ms"),
        "<p>" + " · ".join(f"{escape(_label(r))}: ${r.cost_usd:.4f}" for r in runs) + "</p>",
        "<h2>Per case</h2><p class=\"muted\">Green: the tier a person gave; red: another "
        "tier (hover for the reasons).</p>", _matrix(runs),
    ]
    return ("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>icp eval "
            f"report</title><style>{STYLE}</style></head><body>{''.join(body)}</body></html>")
