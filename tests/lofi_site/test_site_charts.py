"""lofi_site.charts: the server-side SVG charts of the cockpit. Pure functions, no database."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET
from datetime import date

from lofi_site import charts


def _svg(markup: str) -> ET.Element:
    return ET.fromstring(markup)  # noqa: S314 - our own markup: well-formed XML or it raises


def test_line_chart_draws_one_line_per_series_and_escapes_names():
    series = [
        charts.Series("<script>alert(1)</script>", [(date(2026, 1, 1), 10), (date(2026, 1, 2), 30)]),
        charts.Series("B & C", [(date(2026, 1, 1), 5), (date(2026, 1, 3), 7)]),
    ]

    markup = charts.line_chart(series, title="Views")
    root = _svg(markup)

    ns = "{http://www.w3.org/2000/svg}"
    assert len(root.findall(f"{ns}polyline")) == 2
    assert "<script>" not in markup and "&lt;script&gt;" in markup


def test_line_chart_y_axis_covers_the_highest_value():
    markup = charts.line_chart([charts.Series("a", [(date(2026, 1, 1), 1234)])], title="t")

    assert "2k" in markup or "1.5k" in markup or "1.4k" in markup


def test_nice_ticks_cover_the_maximum_in_round_steps():
    ticks = charts.nice_ticks(1234)

    assert ticks[0] == 0 and ticks[-1] >= 1234
    steps = {round(b - a, 6) for a, b in itertools.pairwise(ticks)}
    assert len(steps) == 1 and next(iter(steps)) in (100, 200, 500, 1000)


def test_bar_chart_has_a_bar_per_item_and_an_empty_state():
    root = _svg(charts.bar_chart([("Rain", 100), ("Dusk", 50), ("Refunds", -20)], title="t"))

    assert len(root.findall("{http://www.w3.org/2000/svg}rect")) == 3
    assert "No data yet." in charts.bar_chart([], title="t")
