"""The dossier's document: its canonical data laid out by templates/dossiers/dossier.html, with its
charts and QR code, rendered, attached and signed."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import segno

from evaluator.core import settings
from evaluator.dossiers import charts, signing
from evaluator.dossiers.data import canonical, data_sha256
from evaluator.dossiers.render import Attached, render_pdf
from evaluator.formatting import show_number

CHINA = ZoneInfo("Asia/Shanghai")
BETWEEN_TAGS = re.compile(r">[ \n]+<")
"""Blanks and line breaks between two tags: each would be a text box of its own to lay out (the
template's indentation); the layout uses margins, never these blanks. The ideographic space (U+3000)
the cover uses is kept."""
TITLES = {
    "community_governance_zone": "社区治理服务创新实验区",
    "subdistrict_service_zone": "街道服务管理创新实验区",
    "featured_community": "特色社区",
}
"""The recognitions' formal titles, as the dossier (a Chinese document) names them."""


def _pts(value: Any) -> str:
    return "—" if value is None else f"{float(value):.2f}"


def _pct(value: Any) -> str:
    return "—" if value is None else f"{100 * float(value):.1f}%"


def _pctl(value: Any) -> str:
    return "—" if value is None else f"{float(value):.1f}%"


def css_text(text: str) -> str:
    """A text for a CSS string inside the document's <style> (the running header): no backslash or
    double quote to end the string, no "<" to end the style element."""
    return text.replace("\\", "").replace('"', "'").replace("<", "")[:60]


def _figure(value: Any) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int | float):
        return show_number(value)  # as the pages show it (9,806); Chinese and English group alike
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return str(value)


def verify_url(base: str, code: str) -> str:
    """The public verification address of a code."""
    return f"{base.rstrip('/')}/verify/{code}"


def qr_svg(url: str) -> str:
    """The QR code of the address, as inline SVG (segno)."""
    return segno.make(url, error="m").svg_inline(scale=2.4, border=2, dark="#1f2a44")


def context(
    data: dict[str, Any], number: str, code: str, base_url: str, issued_at: datetime
) -> dict[str, Any]:
    """What the dossier's template shows: the data, the words for its values, the charts, the QR."""
    r, c = data["result"], data["comparison"]
    unit = data["unit"]
    zone = TITLES.get(data["round"]["zone_type"], "城乡社区治理试点")
    group = f"第{c['number']}组" if c.get("number") else "本批次"
    url = verify_url(base_url, code)
    local = issued_at.astimezone(CHINA)
    own = None if c.get("rank") is None else c["rank"] - 1
    return {
        "data": data,
        "header_left": css_text(f"{unit['name']} · {zone}认定档案"),
        "header_right": css_text(f"证书编号 {number}"),
        "c": c,
        "title": f"{unit['name']} {zone}认定档案",
        "zone": zone,
        "grade": (r.get("grade") or {}).get("label") or "—",
        "region": "".join(x for x in (unit.get("city"), unit.get("county"), unit.get("subdistrict")) if x),
        "number": number,
        "code": code,
        "verify_url": url,
        "issued_zh": f"{local.year}年{local.month}月{local.day}日",
        "issued_iso": local.replace(microsecond=0).isoformat(),
        "data_sha256": data_sha256(data),
        "group": group,
        "group_label": c.get("label"),
        "qr": qr_svg(url),
        "radar": charts.radar(
            [s["name"] for s in r["sections"]],
            [s["share"] for s in r["sections"]],
            c.get("median_shares") or [],
            unit_name=unit["name"][:16],
            group_name=f"{group}中位数",
        ),
        "bars": charts.position(c.get("totals") or [], own, f"{group}综合得分（由高到低），红色为本单位"),
    }


def dossier_html(ctx: dict[str, Any]) -> str:
    """The dossier's HTML for its context (``context``), as the renderer receives it."""
    html = settings.template("dossiers/dossier.html").render(
        pts=_pts, pct=_pct, pctl=_pctl, figure=_figure, **ctx
    )
    return BETWEEN_TAGS.sub("><", html)


def dossier_pdf(data: dict[str, Any], number: str, code: str, base_url: str, issued_at: datetime) -> bytes:
    """The signed PDF/A-3u dossier with its canonical data attached as ``result.json``."""
    ctx = context(data, number, code, base_url, issued_at)
    pdf = render_pdf(
        dossier_html(ctx),
        attachments=(Attached("result.json", canonical(data), "认定结果数据（规范化 JSON）"),),
        when=issued_at,
        identifier=code.encode("ascii"),
    )
    return signing.sign(pdf, reason=f"{ctx['title']} 证书编号 {number}")
