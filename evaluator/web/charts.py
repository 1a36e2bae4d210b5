"""Charts drawn by the service as SVG markup: no script, no style attributes (the pages' CSP forbids
them), colours as presentation attributes, every text escaped, readable by screen readers."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

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
