"""The validation report as one self-contained HTML file (inline SVG, no scripts)."""

from __future__ import annotations

from html import escape

from agent.ui.charts import STYLE, bars, line_chart
from agent.validate.metrics import TierResult
from agent.validate.run import ValidationReport


def _pct(x: float) -> str:
    return f"{x:.0%}"


def _tier_rows(rows: list[TierResult]) -> str:
    body = "".join(
        f"<tr><td>{escape(r.tier)}</td><td>{r.deals}</td><td>{r.wins}</td>"
        f"<td>{_pct(r.win_rate)}</td><td>{_pct(r.low)}–{_pct(r.high)}</td>"
        f"<td>{_pct(r.share_of_deals)}</td><td>{_pct(r.share_of_wins)}</td></tr>"
        for r in rows if r.deals)
    return ("<table><tr><th>tier</th><th>deals</th><th>won</th><th>win rate</th>"
            "<th>95% interval</th><th>share of deals</th><th>share of wins</th></tr>"
            f"{body}</table>")


FRAGMENT_STYLE = """.validation table{border-collapse:collapse;margin:.6rem 0}.validation td,
.validation th{border:1px solid #ddd;padding:3px 6px;font-size:13px}.validation .verdict{
font-weight:bold}"""


def render_validation(report: ValidationReport, fragment: bool = False) -> str:
    """The whole HTML file, or (``fragment``) the part a web page embeds."""
    auc = "–" if report.auc is None else f"{report.auc:.3f}"
    low, high = report.auc_ci
    interval = "" if low is None else f" [{low:.3f}, {high:.3f}]"
    head = ([f'<div class="validation"><style>{FRAGMENT_STYLE}</style>'] if fragment else
            ["<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">",
             f"<title>ICP validation ({escape(report.mode)})</title><style>{STYLE}</style>"
             "</head><body>"])
    parts = [
        *head,
        f"<h1>Does the ICP pick winners? ({escape(report.mode)})</h1>",
        f'<p class="verdict" id="verdict">Verdict: {escape(report.verdict)}</p>',
        f"<p>{escape(report.split)}. {report.test_wins} of {report.test_deals} held-out deals "
        f"won. Created {escape(report.created_at)}.</p>",
        "<table><tr><th>model</th><th>AUC</th><th>95% interval</th></tr>"
        f"<tr><td>the ICP's fit score</td><td>{auc}</td><td>{interval or '–'}</td></tr>",
    ]
    for name, value, (r_low, r_high) in (
            ("logistic regression", report.reference_auc, report.reference_auc_ci),
            ("gradient boosting", report.boosting_auc, report.boosting_auc_ci)):
        if value is not None:
            parts.append(f"<tr><td>reference: {name} on the same columns</td>"
                         f"<td>{value:.3f}</td><td>"
                         + ("–" if r_low is None else f"[{r_low:.3f}, {r_high:.3f}]")
                         + "</td></tr>")
    parts.append("</table>")
    parts += ["<h2>Win rate per tier</h2>", _tier_rows(report.tiers)]
    shown = [r for r in report.tiers if r.deals]
    parts.append(bars("win rate per tier", [f"tier {r.tier} ({r.deals} deals)" for r in shown],
                      [(r.win_rate, r.low, r.high) for r in shown], scale=1.0))
    if report.gain_curve:
        series: list[tuple[str, list[tuple[float, float]]]] = [
            ("the ICP's fit score", [(p[0], p[1]) for p in report.gain_curve]),
            ("chance", [(0.0, 0.0), (1.0, 1.0)])]
        if report.reference_gain_curve:
            series.insert(1, ("logistic regression", [(p[0], p[1]) for p in
                                                       report.reference_gain_curve]))
        if report.boosting_gain_curve:
            series.insert(1, ("gradient boosting", [(p[0], p[1]) for p in
                                                     report.boosting_gain_curve]))
        parts += ["<h2>Gain</h2>",
                  f"<p>Tiers A+B hold {_pct(report.gain.get('share_of_wins', 0))} of the wins "
                  f"in {_pct(report.gain.get('share_of_deals', 0))} of the deals.</p>"
                  if report.gain else "",
                  line_chart("gain curve", series, "share of deals, best scores first",
                             "share of wins")]
    if report.calibration:
        parts += ["<h2>Calibration</h2><p>Win rate by fit score: a useful score rises.</p>",
                  "<table><tr><th>score</th><th>deals</th><th>win rate</th>"
                  "<th>95% interval</th></tr>" + "".join(
                      f"<tr><td>{escape(c.scores)}</td><td>{c.deals}</td>"
                      f"<td>{_pct(c.win_rate)}</td><td>{_pct(c.low)}–{_pct(c.high)}</td></tr>"
                      for c in report.calibration) + "</table>"]
    if report.drift is not None:
        parts += ["<h2>Before and since</h2>", "<p>Before:</p>",
                  _tier_rows(report.drift.before), "<p>Since:</p>",
                  _tier_rows(report.drift.after)]
    if report.criteria:
        lifts = sorted(report.criteria, key=lambda c: -c.lift)
        top = max(max(c.lift_high or c.lift for c in lifts), 1.0)
        parts += ["<h2>Lift of each scorecard line (learned on the training deals, with "
                  "its 95% interval)</h2>",
                  bars("lift per line", [f"{c.label}: {c.value}"
                                         + (f" ({c.points:+d} points)" if c.points else "")
                                         for c in lifts],
                       [(c.lift, c.lift_low if c.lift_low is not None else c.lift,
                         c.lift_high if c.lift_high is not None else c.lift) for c in lifts],
                       "x", scale=top)]
    if report.set_aside:
        parts += ["<h2>Columns set aside (they leak the outcome)</h2><ul>"]
        parts += [f"<li><b>{escape(k)}</b>: {escape(v)}</li>"
                  for k, v in report.set_aside.items()]
        parts.append("</ul>")
    if report.notes:
        parts += ["<h2>Notes</h2><ul>"] + [f"<li>{escape(n)}</li>" for n in report.notes]
        parts.append("</ul>")
    parts.append("</div>" if fragment else "</body></html>")
    return "\n".join(parts)
