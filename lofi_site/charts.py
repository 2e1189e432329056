"""Server-side SVG charts for the cockpit: a line chart (values over days) and a horizontal bar chart. Pure
Python, no JavaScript; the markup is small enough to inline in a cockpit page or a dashboard panel. Any app
may draw with these (the analytics page gathers charts from several apps, see lofi_site/analytics.py).

Every piece of text is escaped here, so callers may mark the returned string safe.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from html import escape

PALETTE = ("#2b6cb0", "#c05621", "#2f855a", "#6b46c1", "#b83280", "#2c7a7b", "#975a16", "#4a5568")
_FONT = 'font-family="system-ui, sans-serif" font-size="11"'


@dataclass(frozen=True)
class Series:
    name: str
    points: Sequence[tuple[date, float]]  # (day, value), any order


def _plain_number(value: float) -> str:
    if abs(value) >= 1_000_000:
        return f"{value / 1_000_000:.1f}M".replace(".0M", "M")
    if abs(value) >= 10_000:
        return f"{value / 1000:.0f}k"
    if abs(value) >= 1000:
        return f"{value / 1000:.1f}k".replace(".0k", "k")
    return f"{value:g}" if value == int(value) else f"{value:.1f}"


def nice_ticks(high: float, count: int = 4) -> list[float]:
    """Round tick values from 0 to at least `high`: steps of 1, 2 or 5 times a power of ten."""
    if high <= 0:
        return [0.0, 1.0]
    raw = high / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    top = math.ceil(high / step) * step
    return [i * step for i in range(round(top / step) + 1)]


def _svg_open(width: int, height: int, title: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-label="{escape(title)}" class="cockpit-chart">',
        f"<title>{escape(title)}</title>",
    ]


def _empty(width: int, height: int, title: str, text: str) -> str:
    parts = _svg_open(width, height, title)
    parts.append(
        f'<text x="{width / 2:.0f}" y="{height / 2:.0f}" text-anchor="middle" {_FONT} '
        f'fill="#718096">{escape(text)}</text></svg>'
    )
    return "".join(parts)


def line_chart(
    series: Sequence[Series],
    *,
    title: str,
    width: int = 640,
    height: int = 260,
    value_format: Callable[[float], str] = _plain_number,
    empty_text: str = "No data yet.",
) -> str:
    """One line per series over the days present in any series, with a y axis from 0 and a legend."""
    days = sorted({day for s in series for day, _ in s.points})
    if not days:
        return _empty(width, height, title, empty_text)
    legend_rows = math.ceil(len(series) / 3)
    left, right, top, bottom = 48, 12, 12, 28 + 16 * legend_rows
    plot_w, plot_h = width - left - right, height - top - bottom
    ticks = nice_ticks(max((v for s in series for _, v in s.points), default=0.0))
    y_max = ticks[-1]
    first, span = days[0].toordinal(), max(1, days[-1].toordinal() - days[0].toordinal())

    def x_of(day: date) -> float:
        if len(days) == 1:
            return left + plot_w / 2
        return left + plot_w * (day.toordinal() - first) / span

    def y_of(value: float) -> float:
        return top + plot_h * (1 - value / y_max)

    parts = _svg_open(width, height, title)
    for tick in ticks:  # grid lines with their values
        y = y_of(tick)
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e2e8f0"/>')
        parts.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" {_FONT} fill="#4a5568">'
            f"{escape(value_format(tick))}</text>"
        )
    label_days = [days[0], days[-1]] if len(days) > 1 else days
    for day, anchor in zip(label_days, ("start", "end") if len(label_days) > 1 else ("middle",), strict=True):
        parts.append(
            f'<text x="{x_of(day):.1f}" y="{top + plot_h + 16}" text-anchor="{anchor}" {_FONT} '
            f'fill="#4a5568">{day:%d %b %Y}</text>'
        )
    for index, s in enumerate(series):
        colour = PALETTE[index % len(PALETTE)]
        points = sorted(s.points)
        if not points:
            continue
        coords = " ".join(f"{x_of(d):.1f},{y_of(v):.1f}" for d, v in points)
        if len(points) > 1:
            parts.append(f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for d, v in points:
            parts.append(
                f'<circle cx="{x_of(d):.1f}" cy="{y_of(v):.1f}" r="2.5" fill="{colour}">'
                f"<title>{escape(s.name)}: {escape(value_format(v))} on {d:%d %b %Y}</title></circle>"
            )
        row, col = divmod(index, 3)
        lx, ly = left + col * (plot_w / 3), height - 16 * (legend_rows - row) + 4
        parts.append(f'<rect x="{lx:.1f}" y="{ly - 9:.1f}" width="10" height="10" fill="{colour}"/>')
        parts.append(f'<text x="{lx + 14:.1f}" y="{ly:.1f}" {_FONT} fill="#1a202c">{escape(s.name[:40])}</text>')
    parts.append("</svg>")
    return "".join(parts)


def bar_chart(
    items: Sequence[tuple[str, float]],
    *,
    title: str,
    width: int = 640,
    value_format: Callable[[float], str] = _plain_number,
    empty_text: str = "No data yet.",
) -> str:
    """Horizontal bars, one per (label, value), in the order given; negative values draw to the left of 0."""
    if not items:
        return _empty(width, 80, title, empty_text)
    bar_h, gap, label_w, value_w = 18, 8, 180, 90
    height = len(items) * (bar_h + gap) + gap
    low = min(0.0, min(v for _, v in items))
    high = max(0.0, max(v for _, v in items))
    span = (high - low) or 1.0
    plot_w = width - label_w - value_w
    zero_x = label_w + plot_w * (-low / span)
    parts = _svg_open(width, height, title)
    for index, (label, value) in enumerate(items):
        y = gap + index * (bar_h + gap)
        bar_w = plot_w * abs(value) / span
        x = zero_x if value >= 0 else zero_x - bar_w
        colour = PALETTE[0] if value >= 0 else "#c53030"
        short = label if len(label) <= 28 else label[:27] + "…"
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 13}" text-anchor="end" {_FONT} fill="#1a202c">'
            f"<title>{escape(label)}</title>{escape(short)}</text>"
        )
        parts.append(f'<rect x="{x:.1f}" y="{y}" width="{max(bar_w, 1):.1f}" height="{bar_h}" fill="{colour}"/>')
        parts.append(
            f'<text x="{label_w + plot_w + 6}" y="{y + 13}" {_FONT} fill="#1a202c">{escape(value_format(value))}</text>'
        )
    parts.append(f'<line x1="{zero_x:.1f}" x2="{zero_x:.1f}" y1="0" y2="{height}" stroke="#a0aec0"/>')
    parts.append("</svg>")
    return "".join(parts)
