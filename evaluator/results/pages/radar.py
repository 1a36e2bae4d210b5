"""A radar chart drawn by the service as SVG markup: an application's sections (as shares of their
points) against the round's median. No script, no style attributes (the pages' CSP forbids them),
colours as presentation attributes, every text escaped, readable by screen readers."""

from __future__ import annotations

import math
from collections.abc import Sequence

from markupsafe import Markup, escape

from evaluator.results.service import shown
from evaluator.web.charts import BAR_FILL, FONT, TEXT_FILL

MEDIAN_STROKE = "#4a6fa5"
GRID_STROKE = "#cccccc"
RINGS = (0.25, 0.5, 0.75, 1.0)


def _share(value: float | None) -> float:
    if value is None or math.isnan(value):
        return 0.0
    return min(max(float(value), 0.0), 1.0)


def _percent(value: float | None) -> str:
    # Rounded as the table beside the chart rounds shares (half up, results.service.shown).
    return "—" if value is None or math.isnan(value) else f"{shown(100 * value, 0):.0f}%"


def radar_chart(
    labels: Sequence[str],
    shares: Sequence[float | None],
    medians: Sequence[float | None],
    title: str,
    *,
    series: tuple[str, str] = ("", ""),
    size: int = 420,
    css_class: str = "chart-radar",
) -> Markup:
    """One axis per label; the first polygon joins ``shares`` (0–1), the second ``medians``.

    ``series`` names the two polygons (legend and tooltips). With fewer than three axes the chart
    still draws (a line or a point). Every label is escaped.
    """
    if not len(labels) == len(shares) == len(medians):
        raise ValueError("labels, shares and medians differ in length")
    n = len(labels)
    legend = 44
    cx, cy = size / 2, (size - legend) / 2 + 6
    radius = (size - legend) / 2 - 70
    own, median = series

    def point(k: int, r: float) -> tuple[float, float]:
        angle = -math.pi / 2 + 2 * math.pi * k / max(n, 1)
        return cx + r * radius * math.cos(angle), cy + r * radius * math.sin(angle)

    def polygon(values: Sequence[float | None]) -> str:
        return " ".join(f"{x:.1f},{y:.1f}" for x, y in (point(k, _share(v)) for k, v in enumerate(values)))

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="{escape(css_class)}" role="img" '
        f'aria-label="{escape(title)}" width="{size}" height="{size}" viewBox="0 0 {size} {size}" '
        f'font-family="{escape(FONT)}" font-size="12">',
        f"<title>{escape(title)}</title>",
    ]
    described = "; ".join(
        f"{name}: {_percent(s)} ({median} {_percent(m)})"
        for name, s, m in zip(labels, shares, medians, strict=True)
    )
    parts.append(f"<desc>{escape(described)}</desc>")
    for ring in RINGS:
        parts.append(f'<polygon points="{polygon([ring] * n)}" fill="none" stroke="{GRID_STROKE}"/>')
    for k, name in enumerate(labels):
        x, y = point(k, 1.0)
        parts.append(f'<line x1="{cx:.1f}" y1="{cy:.1f}" x2="{x:.1f}" y2="{y:.1f}" stroke="{GRID_STROKE}"/>')
        lx, ly = point(k, 1.18)
        anchor = "middle" if abs(lx - cx) < 8 else ("start" if lx > cx else "end")
        parts.append(
            f'<text x="{lx:.1f}" y="{ly + 4:.1f}" text-anchor="{anchor}" fill="{TEXT_FILL}">'
            f"{escape(name)} {escape(_percent(shares[k]))}</text>"
        )
    if n:
        parts.append(
            f'<g class="median"><title>{escape(median)}</title><polygon points="{polygon(medians)}" '
            f'fill="none" stroke="{MEDIAN_STROKE}" stroke-width="2" stroke-dasharray="6 4"/></g>'
        )
        parts.append(
            f'<g class="own"><title>{escape(own)}</title><polygon points="{polygon(shares)}" '
            f'fill="{BAR_FILL}" fill-opacity="0.25" stroke="{BAR_FILL}" stroke-width="2"/></g>'
        )
    y = size - legend / 2
    parts.append(
        f'<rect x="20" y="{y - 9:.1f}" width="14" height="14" fill="{BAR_FILL}" fill-opacity="0.5"/>'
        f'<text x="40" y="{y + 2:.1f}" fill="{TEXT_FILL}">{escape(own)}</text>'
        f'<line x1="{size / 2:.1f}" y1="{y - 2:.1f}" x2="{size / 2 + 20:.1f}" y2="{y - 2:.1f}" '
        f'stroke="{MEDIAN_STROKE}" stroke-width="2" stroke-dasharray="6 4"/>'
        f'<text x="{size / 2 + 26:.1f}" y="{y + 2:.1f}" fill="{TEXT_FILL}">{escape(median)}</text>'
    )
    parts.append("</svg>")
    return Markup("".join(parts))
