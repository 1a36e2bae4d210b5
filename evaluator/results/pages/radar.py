"""A radar chart drawn by the service as SVG markup: an application's sections (as shares of their
points) against the round's median. No script, no style attributes (the pages' CSP forbids them),
colours as presentation attributes, every text escaped, readable by screen readers.

The labels are laid out to stay inside the chart: each is wrapped to a few lines, anchored away from
the centre, and the radius is the largest at which every label's box (its width estimated from the
characters' display widths, ``web.charts.text_width``) lies within the view box."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from markupsafe import Markup, escape

from evaluator.i18n import language
from evaluator.results.service import shown
from evaluator.web.charts import BAR_FILL, FONT, TEXT_FILL, fitted, text_width

MEDIAN_STROKE = "#4a6fa5"
COHORT_STROKE = "#2e7d32"
GRID_STROKE = "#cccccc"
RINGS = (0.25, 0.5, 0.75, 1.0)
FONT_SIZE = 13
LINE = 16  # line height of the labels
MARGIN = 4  # between a label and the chart's edge
GAP = 10  # between the outer ring and a label
LABEL_WIDTHS = (140, 100, 72)  # the widest a label's line may be, tried in turn
MIN_RADIUS = 70
_TOKENS = re.compile(
    r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]|[^\s\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]+|\s+"
)


def _share(value: float | None) -> float:
    if value is None or math.isnan(value):
        return 0.0
    return min(max(float(value), 0.0), 1.0)


def _percent(value: float | None) -> str:
    # Rounded as the table beside the chart rounds shares (half up, results.service.shown).
    return "—" if value is None or math.isnan(value) else f"{shown(100 * value, 0):.0f}%"


def wrap(text: str, room: float, font_size: float = FONT_SIZE, lines: int = 2) -> list[str]:
    """The text in at most ``lines`` lines no wider than ``room``: broken between words, or between
    any two Chinese characters; the last line is cut with an ellipsis when the text is longer."""
    out: list[str] = []
    current = ""
    for token in _TOKENS.findall(text.strip()):
        if current and text_width((current + token).rstrip(), font_size) > room:
            out.append(current.rstrip())
            current = token.lstrip()
        else:
            current += token
    if current.strip():
        out.append(current.rstrip())
    if len(out) > lines:
        out = [*out[: lines - 1], fitted(" ".join(out[lines - 1 :]) + "…", room, font_size)]
    return [fitted(line, room, font_size) for line in out] or [""]


def _anchor(d: float) -> str:
    return "middle" if abs(d) < 0.3 else ("start" if d > 0 else "end")


def _radius_for(angles: list[float], boxes: list[tuple[float, float]], half_w: float, half_h: float) -> float:
    """The largest radius at which every label (``boxes``: width, height), placed ``GAP`` beyond the
    outer ring at its angle, stays ``MARGIN`` inside a view box of ``2 half_w`` × ``2 half_h``."""
    best = math.inf
    for angle, (w, h) in zip(angles, boxes, strict=True):
        dx, dy = math.cos(angle), math.sin(angle)
        across = w / 2 if _anchor(dx) == "middle" else w  # how far the box reaches outwards
        down = h / 2 if abs(dy) < 0.3 else h
        if abs(dx) > 1e-9:
            best = min(best, (half_w - MARGIN - across) / abs(dx) - GAP)
        elif w / 2 > half_w - MARGIN:
            best = -math.inf
        if abs(dy) > 1e-9:
            best = min(best, (half_h - MARGIN - down) / abs(dy) - GAP)
    return best


def radar_chart(
    labels: Sequence[str],
    shares: Sequence[float | None],
    medians: Sequence[float | None],
    title: str,
    *,
    series: tuple[str, str] = ("", ""),
    size: int = 460,
    css_class: str = "chart-radar",
    cohort: tuple[Sequence[float | None], str] | None = None,
) -> Markup:
    """One axis per label; the first polygon joins ``shares`` (0–1), the second ``medians``, and a
    third, when ``cohort`` gives (medians, name), the median of the application's cohort.

    ``series`` names the two polygons (legend and tooltips). With fewer than three axes the chart
    still draws (a line or a point). Every label is escaped, and every text stays inside the chart.
    """
    if not len(labels) == len(shares) == len(medians):
        raise ValueError("labels, shares and medians differ in length")
    n = len(labels)
    own, median = series
    angles = [-math.pi / 2 + 2 * math.pi * k / max(n, 1) for k in range(n)]
    half = size / 2
    for room in LABEL_WIDTHS:
        texts = [[*wrap(name, room), _percent(s)] for name, s in zip(labels, shares, strict=True)]
        boxes = [(max(text_width(t, FONT_SIZE) for t in lines), LINE * len(lines)) for lines in texts]
        radius = min(_radius_for(angles, boxes, half, half), half - MARGIN - GAP)
        if radius >= MIN_RADIUS:
            break
    radius = max(radius, 10.0)
    cx = cy = half
    legend_rows = 3 if cohort else 2
    height = size + legend_rows * 22 + 6

    def point(k: int, r: float) -> tuple[float, float]:
        return cx + r * radius * math.cos(angles[k]), cy + r * radius * math.sin(angles[k])

    def polygon(values: Sequence[float | None]) -> str:
        return " ".join(f"{x:.1f},{y:.1f}" for x, y in (point(k, _share(v)) for k, v in enumerate(values)))

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="{escape(css_class)}" role="img" '
        f'aria-label="{escape(title)}" width="{size}" height="{height}" viewBox="0 0 {size} {height}" '
        f'font-family="{escape(FONT)}" font-size="{FONT_SIZE}">',
        f"<title>{escape(title)}</title>",
    ]
    chinese = language() == "zh"
    colon, (left, right), joint = ("：", ("（", "）"), "；") if chinese else (": ", (" (", ")"), "; ")
    cohort_values = list(cohort[0]) if cohort else [None] * n
    cohort_name = cohort[1] if cohort else ""
    described = joint.join(
        f"{name}{colon}{_percent(s)}{left}{median} {_percent(m)}"
        + (f"{'，' if chinese else ', '}{cohort_name} {_percent(c)}" if cohort else "")
        + right
        for name, s, m, c in zip(labels, shares, medians, cohort_values, strict=True)
    )
    parts.append(f"<desc>{escape(described)}</desc>")
    for ring in RINGS:
        parts.append(f'<polygon points="{polygon([ring] * n)}" fill="none" stroke="{GRID_STROKE}"/>')
    for k in range(n):
        x, y = point(k, 1.0)
        parts.append(f'<line x1="{cx:.1f}" y1="{cy:.1f}" x2="{x:.1f}" y2="{y:.1f}" stroke="{GRID_STROKE}"/>')
        dx, dy = math.cos(angles[k]), math.sin(angles[k])
        lx, ly = cx + (radius + GAP) * dx, cy + (radius + GAP) * dy
        lines = texts[k]
        block = LINE * len(lines)
        top = ly - block if dy < -0.3 else (ly if dy > 0.3 else ly - block / 2)
        spans = "".join(
            f'<tspan x="{lx:.1f}" y="{top + LINE * (j + 1) - 4:.1f}">{escape(line)}</tspan>'
            for j, line in enumerate(lines)
        )
        parts.append(f'<text class="axis" text-anchor="{_anchor(dx)}" fill="{TEXT_FILL}">{spans}</text>')
    if n:
        parts.append(
            f'<g class="median"><title>{escape(median)}</title><polygon points="{polygon(medians)}" '
            f'fill="none" stroke="{MEDIAN_STROKE}" stroke-width="2" stroke-dasharray="6 4"/></g>'
        )
        if cohort:
            parts.append(
                f'<g class="cohort"><title>{escape(cohort_name)}</title><polygon '
                f'points="{polygon(cohort_values)}" fill="none" stroke="{COHORT_STROKE}" '
                f'stroke-width="2" stroke-dasharray="2 3"/></g>'
            )
        parts.append(
            f'<g class="own"><title>{escape(own)}</title><polygon points="{polygon(shares)}" '
            f'fill="{BAR_FILL}" fill-opacity="0.25" stroke="{BAR_FILL}" stroke-width="2"/></g>'
        )
    room = size - 40 - MARGIN
    y = size + 16
    own_text, median_text = (escape(fitted(t, room, FONT_SIZE)) for t in (own, median))
    parts.append(
        f'<rect x="12" y="{y - 11}" width="14" height="14" fill="{BAR_FILL}" fill-opacity="0.5"/>'
        f'<text class="legend" x="32" y="{y}" fill="{TEXT_FILL}">{own_text}</text>'
        f'<line x1="8" y1="{y + 18}" x2="28" y2="{y + 18}" stroke="{MEDIAN_STROKE}" stroke-width="2" '
        f'stroke-dasharray="6 4"/>'
        f'<text class="legend" x="32" y="{y + 22}" fill="{TEXT_FILL}">{median_text}</text>'
    )
    if cohort:
        parts.append(
            f'<line x1="8" y1="{y + 40}" x2="28" y2="{y + 40}" stroke="{COHORT_STROKE}" stroke-width="2" '
            f'stroke-dasharray="2 3"/>'
            f'<text class="legend" x="32" y="{y + 44}" fill="{TEXT_FILL}">'
            f"{escape(fitted(cohort_name, room, FONT_SIZE))}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))
