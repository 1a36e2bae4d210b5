"""The dossier's two charts, drawn as SVG from the canonical data: a radar of the level-1 sections'
shares against the comparison group's median, and the unit's total among the group's totals.

Plain functions of numbers and labels; every text is escaped; no script, no external reference.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from xml.sax.saxutils import escape

INK = "#1f2a44"
UNIT = "#b3261e"
GROUP = "#8a94a6"
GRID = "#d5d9e0"


def _f(x: float) -> str:
    return f"{x:.1f}"


def radar(
    labels: Sequence[str],
    shares: Sequence[float | None],
    medians: Sequence[float | None],
    unit_name: str,
    group_name: str,
    size: int = 300,
) -> str:
    """A radar chart: one spoke per section, the unit's shares (0–1) in red over the group's median
    in grey, with rings at 25 %, 50 %, 75 % and 100 % and a legend below."""
    n = max(len(labels), 3)
    cx, cy, r = size / 2, size / 2 - 6, size / 2 - 62

    def point(k: int, value: float) -> tuple[float, float]:
        angle = -math.pi / 2 + 2 * math.pi * k / n
        return cx + r * value * math.cos(angle), cy + r * value * math.sin(angle)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size + 30}" '
        f'width="{size}" height="{size + 30}" font-size="9" font-family="Noto Sans CJK SC" fill="{INK}">'
    ]
    for ring in (0.25, 0.5, 0.75, 1.0):
        pts = " ".join(f"{_f(x)},{_f(y)}" for x, y in (point(k, ring) for k in range(n)))
        parts.append(f'<polygon points="{pts}" fill="none" stroke="{GRID}" stroke-width="0.7"/>')
    for k, text in enumerate(labels):
        x, y = point(k, 1.0)
        parts.append(
            f'<line x1="{_f(cx)}" y1="{_f(cy)}" x2="{_f(x)}" y2="{_f(y)}" stroke="{GRID}" '
            'stroke-width="0.7"/>'
        )
        lx, ly = point(k, 1.16)
        anchor = "middle" if abs(lx - cx) < 8 else ("start" if lx > cx else "end")
        parts.append(f'<text x="{_f(lx)}" y="{_f(ly + 3)}" text-anchor="{anchor}">{escape(text[:12])}</text>')
    for values, colour, width in ((medians, GROUP, 1.2), (shares, UNIT, 1.8)):
        pts = " ".join(
            f"{_f(x)},{_f(y)}"
            for x, y in (point(k, min(max(v or 0.0, 0.0), 1.0)) for k, v in enumerate(values))
        )
        if pts:
            parts.append(
                f'<polygon points="{pts}" fill="{colour}" fill-opacity="0.12" stroke="{colour}" '
                f'stroke-width="{width}"/>'
            )
    y = size + 14
    parts.append(f'<rect x="{_f(cx - 120)}" y="{y - 7}" width="10" height="3" fill="{UNIT}"/>')
    parts.append(f'<text x="{_f(cx - 106)}" y="{y}">{escape(unit_name)}</text>')
    parts.append(f'<rect x="{_f(cx + 10)}" y="{y - 7}" width="10" height="3" fill="{GROUP}"/>')
    parts.append(f'<text x="{_f(cx + 24)}" y="{y}">{escape(group_name)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def position(
    totals: Sequence[float], own: int | None, caption: str, width: int = 460, height: int = 150
) -> str:
    """A bar per member of the group, highest total first, the unit's bar (``own``, its index in
    ``totals``) in red, with the axis from 0 to the highest total."""
    top = max([*totals, 1.0])
    n = max(len(totals), 1)
    left, bottom, plot_h = 34, height - 22, height - 40
    step = (width - left - 6) / n
    bar = max(step * 0.8, 0.6)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" font-size="9" font-family="Noto Sans CJK SC" fill="{INK}">'
    ]
    for tick in (0.0, 0.5, 1.0):
        y = bottom - plot_h * tick
        parts.append(
            f'<line x1="{left}" y1="{_f(y)}" x2="{width - 4}" y2="{_f(y)}" stroke="{GRID}" '
            'stroke-width="0.6"/>'
        )
        parts.append(f'<text x="{left - 4}" y="{_f(y + 3)}" text-anchor="end">{top * tick:.0f}</text>')
    for k, total in enumerate(totals):
        h = plot_h * max(total, 0.0) / top
        mine = k == own
        parts.append(
            f'<rect x="{_f(left + k * step)}" y="{_f(bottom - h)}" width="{_f(bar)}" '
            f'height="{_f(h)}" fill="{UNIT if mine else GROUP}"/>'
        )
    parts.append(f'<text x="{left}" y="{height - 6}">{escape(caption)}</text>')
    parts.append("</svg>")
    return "".join(parts)
