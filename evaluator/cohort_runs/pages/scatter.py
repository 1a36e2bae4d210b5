"""The scatter of a run's applications drawn as SVG markup: on two chosen features (a log feature on
a log scale, its ticks in the figure's own units) or on the first two principal components of the
standardised weighted features, coloured by cohort. Each cohort also has its own marker shape, so
the picture reads in black and white on paper; the legend names every cohort in the page's
language. No script, no style attributes (the pages' CSP forbids them), every text escaped."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from evaluator.cohorts.profiles import format_number
from evaluator.web.charts import FONT, TEXT_FILL, fitted

COLOURS = ("#a3161b", "#1f5fa8", "#2e7d32", "#e08a00", "#6a3d9a", "#00838f", "#8d6e63", "#c2185b")
SHAPES = ("circle", "square", "triangle", "diamond", "down", "cross")
GRID = "#dddddd"
FONT_SIZE = 12
WIDTH, PLOT_HEIGHT = 640, 400
LEFT, RIGHT, TOP, BOTTOM = 76, 16, 28, 44
LEGEND_ROW = 20


@dataclass(frozen=True)
class Point:
    """One application: its cohort, its coordinates (already on the axis' scale) and its name."""

    cohort: int
    x: float
    y: float
    name: str


@dataclass(frozen=True)
class Axis:
    """An axis: its title, and whether its values are log(1 + x) of the figures (ticks then show the
    figures themselves)."""

    title: str
    log: bool = False
    plain: bool = False  # a component: ticks as plain numbers


def _marker(shape: str, x: float, y: float, colour: str) -> str:
    r = 4.5
    if shape == "circle":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r}" fill="{colour}"/>'
    if shape == "square":
        return f'<rect x="{x - r:.1f}" y="{y - r:.1f}" width="{2 * r}" height="{2 * r}" fill="{colour}"/>'
    if shape == "cross":
        return (
            f'<path d="M{x - r:.1f},{y - r:.1f}L{x + r:.1f},{y + r:.1f}M{x - r:.1f},{y + r:.1f}'
            f'L{x + r:.1f},{y - r:.1f}" stroke="{colour}" stroke-width="2.5" fill="none"/>'
        )
    points = {
        "triangle": ((0, -r - 1), (r + 1, r), (-r - 1, r)),
        "down": ((0, r + 1), (r + 1, -r), (-r - 1, -r)),
        "diamond": ((0, -r - 1), (r + 1, 0), (0, r + 1), (-r - 1, 0)),
    }[shape]
    joined = " ".join(f"{x + dx:.1f},{y + dy:.1f}" for dx, dy in points)
    return f'<polygon points="{joined}" fill="{colour}"/>'


def style(number: int) -> tuple[str, str]:
    """A cohort's colour and marker shape (cohort 1 the first of each)."""
    return COLOURS[(number - 1) % len(COLOURS)], SHAPES[(number - 1) % len(SHAPES)]


def _ticks(low: float, high: float, count: int = 5) -> list[float]:
    if not high > low:
        return [low]
    return [low + (high - low) * k / (count - 1) for k in range(count)]


def _tick_text(value: float, axis: Axis) -> str:
    if axis.plain:
        return f"{value:.1f}".replace("-0.0", "0.0")
    shown = math.expm1(value) if axis.log else value
    return format_number(shown)


def _bounds(values: list[float]) -> tuple[float, float]:
    low, high = min(values), max(values)
    if high - low < 1e-12:
        low, high = low - 1.0, high + 1.0
    pad = (high - low) * 0.05
    return low - pad, high + pad


def scatter_chart(
    points: Sequence[Point],
    x_axis: Axis,
    y_axis: Axis,
    legend: Sequence[tuple[int, str]],
    title: str,
    description: str,
    *,
    css_class: str = "chart-scatter",
) -> Markup:
    """The scatter: one marker per point in its cohort's colour and shape, axes with five ticks,
    and a legend row per cohort (``legend``: number, text) under the plot."""
    height = PLOT_HEIGHT + len(legend) * LEGEND_ROW + 8
    plot_w, plot_h = WIDTH - LEFT - RIGHT, PLOT_HEIGHT - TOP - BOTTOM
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="{escape(css_class)}" role="img" '
        f'aria-label="{escape(title)}" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" '
        f'font-family="{escape(FONT)}" font-size="{FONT_SIZE}">',
        f"<title>{escape(title)}</title><desc>{escape(description)}</desc>",
        f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="none" stroke="{GRID}"/>',
    ]
    if points:
        x0, x1 = _bounds([p.x for p in points])
        y0, y1 = _bounds([p.y for p in points])

        def sx(v: float) -> float:
            return LEFT + (v - x0) / (x1 - x0) * plot_w

        def sy(v: float) -> float:
            return TOP + plot_h - (v - y0) / (y1 - y0) * plot_h

        for t in _ticks(x0, x1):
            x = sx(t)
            parts.append(
                f'<line x1="{x:.1f}" y1="{TOP}" x2="{x:.1f}" y2="{TOP + plot_h}" stroke="{GRID}"/>'
                f'<text x="{x:.1f}" y="{TOP + plot_h + 16}" text-anchor="middle" fill="{TEXT_FILL}">'
                f"{escape(_tick_text(t, x_axis))}</text>"
            )
        for t in _ticks(y0, y1):
            y = sy(t)
            parts.append(
                f'<line x1="{LEFT}" y1="{y:.1f}" x2="{LEFT + plot_w}" y2="{y:.1f}" stroke="{GRID}"/>'
                f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{TEXT_FILL}">'
                f"{escape(_tick_text(t, y_axis))}</text>"
            )
        for p in sorted(points, key=lambda p: p.cohort):
            colour, shape = style(p.cohort)
            parts.append(
                f'<g class="point" data-cohort="{p.cohort}"><title>{escape(p.name)}</title>'
                f"{_marker(shape, sx(p.x), sy(p.y), colour)}</g>"
            )
    parts.append(
        f'<text x="{LEFT + plot_w / 2:.1f}" y="{PLOT_HEIGHT - 8}" text-anchor="middle" fill="{TEXT_FILL}">'
        f"{escape(fitted(x_axis.title, plot_w, FONT_SIZE))}</text>"
        f'<text class="y-title" x="4" y="{TOP - 12}" fill="{TEXT_FILL}">'
        f"{escape(fitted('↑ ' + y_axis.title, WIDTH - 8, FONT_SIZE))}</text>"
    )
    for k, (number, text) in enumerate(legend):
        colour, shape = style(number)
        y = PLOT_HEIGHT + k * LEGEND_ROW + 10
        parts.append(
            f'<g class="legend">{_marker(shape, 16, y, colour)}'
            f'<text x="30" y="{y + 4}" fill="{TEXT_FILL}">'
            f"{escape(fitted(text, WIDTH - 40, FONT_SIZE))}</text></g>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))
