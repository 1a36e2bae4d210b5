"""Charts drawn by the service as SVG markup: no script, no style attributes (the pages' CSP forbids
them), colours as presentation attributes, every text escaped, readable by screen readers."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

from evaluator.scoring.tolerance import at_least
from evaluator.text import display_width

BAR_FILL = "#a3161b"
TEXT_FILL = "#222222"
FONT = "'PingFang SC', 'Microsoft YaHei', 'Noto Sans CJK SC', 'Source Han Sans SC', sans-serif"


def _number(value: float) -> str:
    """A value as the chart writes it: whole numbers without decimals, others with at most two."""
    return str(int(value)) if float(value).is_integer() else f"{value:.2f}".rstrip("0")


def bar_chart(
    labels: Sequence[str],
    values: Sequence[float],
    title: str,
    *,
    description: str | None = None,
    width: int = 640,
    label_width: int = 150,
    bar_height: int = 22,
    gap: int = 8,
    empty: str = "—",
    colon: str = ": ",
    css_class: str = "chart-bars",
) -> Markup:
    """A horizontal bar chart: one bar per label, its length proportional to its value.

    ``title`` names the chart (its ``<title>`` and ``aria-label``); ``description`` (optional) goes
    into ``<desc>``. Every label is escaped, so any text (Chinese names, ``&``, ``<``) is safe.
    ``colon`` goes between a bar's label and its value in its tooltip (full-width in Chinese).
    """
    if len(labels) != len(values):
        raise ValueError("labels and values differ in length")
    if any(v < 0 for v in values):
        raise ValueError("a bar chart draws values of zero or more")
    value_width = 60
    plot = max(width - label_width - value_width, 10)
    top = 8
    rows = max(len(labels), 1)
    height = top * 2 + rows * bar_height + (rows - 1) * gap
    largest = max(values, default=0) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="{escape(css_class)}" role="img" '
        f'aria-label="{escape(title)}" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="{escape(FONT)}" font-size="13">',
        f"<title>{escape(title)}</title>",
    ]
    if description:
        parts.append(f"<desc>{escape(description)}</desc>")
    if not labels:
        parts.append(
            f'<text x="{width // 2}" y="{top + bar_height * 0.7:.1f}" text-anchor="middle" '
            f'fill="{TEXT_FILL}">{escape(empty)}</text>'
        )
    for k, (name, value) in enumerate(zip(labels, values, strict=True)):
        y = top + k * (bar_height + gap)
        length = plot * value / largest
        baseline = y + bar_height * 0.7
        parts.append(
            f'<g class="bar"><title>{escape(name)}{colon}{_number(value)}</title>'
            f'<text x="{label_width - 8}" y="{baseline:.1f}" text-anchor="end" fill="{TEXT_FILL}">'
            f"{escape(name)}</text>"
            f'<rect x="{label_width}" y="{y}" width="{length:.2f}" height="{bar_height}" fill="{BAR_FILL}" '
            f'data-value="{_number(value)}"/>'
            f'<text x="{label_width + length + 6:.2f}" y="{baseline:.1f}" fill="{TEXT_FILL}">'
            f"{_number(value)}</text></g>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def text_width(text: str, font_size: float) -> float:
    """An estimate of how wide a text is drawn, in the units of ``font_size``: a wide (CJK) character
    takes about one em, any other about 0.6 (``evaluator.text.display_width`` counts them) — on
    the generous side, so that what is laid out by it fits."""
    return display_width(text) * 0.6 * font_size


def histogram_chart(
    edges: Sequence[float],
    counts: Sequence[int],
    bands: Sequence[tuple[float | None, str]],
    title: str,
    *,
    width: int = 420,
    row: int = 22,
    css_class: str = "chart-histogram",
) -> Markup:
    """The distribution of totals as horizontal bars, the highest scores on top, one bar per bin
    (``edges``, ``counts``), grouped under the grade bands: ``bands`` are (cut-off or None for the
    lowest band, its heading), highest first; each band's heading stands above its bins, under a
    dashed line at its cut-off. Every text is escaped and fits in the chart's width."""
    if len(edges) != len(counts) + 1:
        raise ValueError("edges must be one more than counts")
    font, label_width, value_width = 13, 84, 44
    plot = width - label_width - value_width
    largest = max(counts, default=0) or 1
    rows: list[tuple[str, int | str]] = []  # ("bin", k) or ("band", heading)
    order = list(range(len(counts)))[::-1]
    band_of = [_band(edges[k], bands) for k in order]
    seen: set[int] = set()
    for k, b in zip(order, band_of, strict=True):
        if b is not None and b not in seen:
            seen.add(b)
            rows.append(("band", b))
        rows.append(("bin", k))
    top = 6
    height = top * 2 + len(rows) * row
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="{escape(css_class)}" role="img" '
        f'aria-label="{escape(title)}" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="{escape(FONT)}" font-size="{font}">',
        f"<title>{escape(title)}</title>",
    ]
    for n, (kind, item) in enumerate(rows):
        y = top + n * row
        baseline = y + row * 0.7
        if kind == "band":
            heading = bands[int(item)][1]
            if n:
                parts.append(
                    f'<line class="cutoff" x1="0" y1="{y + 1}" x2="{width}" y2="{y + 1}" '
                    f'stroke="{TEXT_FILL}" stroke-dasharray="5 3"/>'
                )
            parts.append(
                f'<text class="band" x="4" y="{baseline:.1f}" font-weight="700" fill="{TEXT_FILL}">'
                f"{escape(fitted(heading, width - 8, font))}</text>"
            )
            continue
        k = int(item)
        name = f"{_number(edges[k])}–{_number(edges[k + 1])}"
        length = plot * counts[k] / largest
        parts.append(
            f'<g class="bar"><title>{escape(name)}: {counts[k]}</title>'
            f'<text x="{label_width - 8}" y="{baseline:.1f}" text-anchor="end" fill="{TEXT_FILL}">'
            f"{escape(name)}</text>"
            f'<rect x="{label_width}" y="{y + 3}" width="{length:.2f}" height="{row - 6}" fill="{BAR_FILL}" '
            f'data-value="{counts[k]}"/>'
            f'<text x="{label_width + length + 6:.2f}" y="{baseline:.1f}" fill="{TEXT_FILL}">'
            f"{counts[k]}</text></g>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def _band(low: float, bands: Sequence[tuple[float | None, str]]) -> int | None:
    """The band (its position in ``bands``, highest first) a bin opening at ``low`` lies in."""
    for k, (cut, _heading) in enumerate(bands):
        if cut is None or at_least(low, cut, cut):
            return k
    return None


def fitted(text: str, room: float, font_size: float) -> str:
    """The text, cut with an ellipsis where it would be wider than ``room``."""
    if text_width(text, font_size) <= room:
        return text
    while text and text_width(text + "…", font_size) > room:
        text = text[:-1]
    return text.rstrip() + "…"
