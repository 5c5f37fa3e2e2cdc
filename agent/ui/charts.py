"""Inline SVG charts for the self-contained HTML reports (evals, validation): no scripts,
no network, readable as printed."""

from __future__ import annotations

from html import escape

COLORS = ["#4c78a8", "#f58518", "#54a24b", "#e45756", "#72b7b2", "#b279a2"]
STYLE = """body{font-family:system-ui,sans-serif;margin:2rem;color:#222;max-width:1100px}
table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #ddd;padding:4px 8px;
font-size:13px;text-align:left}th{background:#f4f4f4}.ok{background:#cfe8cf}.bad{background:
#f3c7c7}.muted{color:#777}h2{margin-top:2rem}.verdict{font-weight:bold}"""


def bars(title: str, labels: list[str], values: list[tuple[float, float, float] | None],
          unit: str = "", scale: float | None = None) -> str:
    """Horizontal bars with interval whiskers; values are (estimate, low, high), None
    for a run with nothing to measure."""
    width, row, left = 760, 28, 230
    top = max((v[2] for v in values if v), default=1.0) or 1.0
    scale = scale or top
    height = row * len(labels) + 30
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" style="max-width:100%;height:auto" '
             f'role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>']
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = 10 + i * row
        span = width - left - 190
        parts.append(f'<text x="0" y="{y + 15}" font-size="12">{escape(label[:34])}</text>')
        if value is None:
            parts.append(f'<text x="{left}" y="{y + 14}" font-size="12" fill="#777">'
                         "nothing to measure</text>")
            continue
        est, lo, hi = value

        def x(v: float, span: int = span) -> float:
            return left + span * max(v, 0) / scale

        parts.append(f'<rect class="bar" x="{left}" y="{y}" width="{x(est) - left:.1f}" '
                     f'height="18" fill="{COLORS[i % len(COLORS)]}"/>')
        parts.append(f'<line x1="{x(lo):.1f}" x2="{x(hi):.1f}" y1="{y + 9}" y2="{y + 9}" '
                     'stroke="#222" stroke-width="2"/>')
        parts.append(f'<text x="{x(hi) + 6:.1f}" y="{y + 14}" font-size="12">'
                     f'{est:.2f}{unit} [{lo:.2f}, {hi:.2f}]</text>')
    parts.append("</svg>")
    return "".join(parts)




def line_chart(title: str, series: list[tuple[str, list[tuple[float, float]]]],
               x_label: str, y_label: str) -> str:
    """Lines on a unit square (both axes 0-1), e.g. a gain curve beside the diagonal."""
    width, height, pad = 460, 340, 45
    span_x, span_y = width - 2 * pad, height - 2 * pad
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" style="max-width:100%;height:auto" '
             f'role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>',
             f'<rect x="{pad}" y="{pad}" width="{span_x}" height="{span_y}" fill="none" '
             'stroke="#bbb"/>']
    for tick in (0, 0.25, 0.5, 0.75, 1.0):
        x, y = pad + tick * span_x, height - pad - tick * span_y
        parts.append(f'<text x="{x - 8:.0f}" y="{height - pad + 16}" font-size="11">'
                     f'{tick:.0%}</text>')
        parts.append(f'<text x="4" y="{y + 4:.0f}" font-size="11">{tick:.0%}</text>')
    parts.append(f'<text x="{pad + span_x / 2 - 60:.0f}" y="{height - 6}" font-size="12">'
                 f'{escape(x_label)}</text>')
    parts.append(f'<text x="{pad}" y="{pad - 10}" font-size="12">{escape(y_label)}</text>')
    for i, (name, points) in enumerate(series):
        path = " ".join(f"{pad + px * span_x:.1f},{height - pad - py * span_y:.1f}"
                        for px, py in points)
        dash = ' stroke-dasharray="5,4"' if i else ""
        parts.append(f'<polyline points="{path}" fill="none" stroke="{COLORS[i % len(COLORS)]}"'
                     f' stroke-width="2"{dash}/>')
        parts.append(f'<text x="{pad + 10}" y="{pad + 18 + 16 * i}" font-size="12" '
                     f'fill="{COLORS[i % len(COLORS)]}">{escape(name)}</text>')
    parts.append("</svg>")
    return "".join(parts)
