"""Spreadsheets written for download: CSV (UTF-8 with BOM) and XLSX, every text cell made inert
against formula injection, and the finished file with its Chinese name (``Export``)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = {"csv": "text/csv", "xlsx": XLSX}
FORMULA_TRIGGERS = ("=", "+", "-", "@", "＝", "＋", "－", "＠", "\t", "\r", "\n")


@dataclass(frozen=True)
class Export:
    """A finished export: its bytes, media type, Chinese file name and ASCII fallback name."""

    data: bytes
    mimetype: str
    filename: str
    fallback: str


def is_formula_like(value: str) -> bool:
    """Whether a spreadsheet could read the text as a formula (or a DDE call)."""
    return bool(value) and (value[0] in FORMULA_TRIGGERS or value.lstrip(" ")[:1] in FORMULA_TRIGGERS)


def neutralise(value: Any) -> Any:
    """A CSV cell's value made inert: formula-like text gets a leading apostrophe; anything else
    (numbers included) is returned as it is."""
    if isinstance(value, str) and is_formula_like(value):
        return "'" + value
    return value


def to_csv(header: list[str], rows: list[list[Any]]) -> bytes:
    """The table as CSV, UTF-8 with a BOM (so Excel shows the Chinese), every cell neutralised."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for line in (header, *rows):
        writer.writerow(["" if v is None else neutralise(v) for v in line])
    return out.getvalue().encode("utf-8-sig")


def to_xlsx(header: list[str], rows: list[list[Any]], sheet_title: str = "申报单位") -> bytes:
    """The table as XLSX: a bold, frozen header row, column widths to fit, text never a formula."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = sheet_title
    widths = [0] * len(header)
    for r, line in enumerate((header, *rows), start=1):
        for c, value in enumerate(line, start=1):
            if isinstance(value, str):
                value = ILLEGAL_CHARACTERS_RE.sub("", value)  # control characters XLSX cannot hold
            cell = ws.cell(row=r, column=c, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # never "f": text that looks like a formula stays text
                if is_formula_like(value):
                    cell.quotePrefix = True
            widths[c - 1] = max(widths[c - 1], _width(value))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.freeze_panes = "A2"
    for c, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(c)].width = max(8, min(50, width + 2))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _width(value: Any) -> int:
    """Columns a value takes: Chinese characters count twice."""
    from evaluator.text import display_width

    return display_width("" if value is None else str(value))
