"""The one reader of spreadsheets people hand in: CSV or XLSX bytes in, a table of text cells out.

The kind is decided by the content, never by a file name. Every read is bounded by
:class:`TableLimits` and stops as soon as a limit is passed:

- CSV (``delimited``) in UTF-8 (with or without BOM) or GB18030; the header's width is counted
  before pandas parses anything, and pandas reads at most the rows the limits allow.
- XLSX (``workbook``): the zip container is checked from its central directory first
  (evaluator.archives); the first sheet's XML is then scanned as a stream (rows, columns and
  cells counted from the elements, no cell built) before openpyxl reads it in read-only mode,
  row by row, up to the last row that holds a value.

Cells come out as text ("" for empty): whole numbers without ".0", times as ISO 8601, booleans
as ``true``/``false``; headers as pandas names them (``Unnamed: 3`` for a blank one, ``X.1`` for
a repeated ``X``).
"""

from __future__ import annotations

import pandas as pd

from evaluator.messages import msg
from evaluator.spreadsheets.delimited import read_csv
from evaluator.spreadsheets.limits import COMMAND_LINE_LIMITS, MB, SpreadsheetError, TableLimits, cell_text
from evaluator.spreadsheets.workbook import read_xlsx

__all__ = [
    "COMMAND_LINE_LIMITS",
    "MB",
    "SpreadsheetError",
    "TableLimits",
    "cell_text",
    "detect",
    "read_spreadsheet",
]


def detect(data: bytes) -> str:
    """'xlsx' or 'csv', decided by the content; anything else is refused with a reason."""
    if not data.strip():
        raise SpreadsheetError(msg("The file is empty."))
    if data[:4] == b"PK\x03\x04":
        return "xlsx"
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise SpreadsheetError(
            msg(
                "This is an old Excel .xls file or a password-protected workbook: save "
                "it as .xlsx (Excel 2007 or later) without a password, or as CSV."
            )
        )
    if data[:4] in (b"%PDF", b"\x89PNG") or data[:3] == b"\xff\xd8\xff" or b"\x00" in data[:8192]:
        raise SpreadsheetError(msg("The file is not a spreadsheet: upload an .xlsx workbook or a CSV file."))
    return "csv"


def read_spreadsheet(data: bytes, limits: TableLimits, skip_blank_rows: bool = False) -> pd.DataFrame:
    """The first sheet of an XLSX or a CSV as text cells, within ``limits``.

    ``skip_blank_rows`` drops fully empty rows (the command line's habit); otherwise they stay,
    so that row positions match the spreadsheet's row numbers.
    """
    if len(data) > limits.max_bytes:
        raise SpreadsheetError(
            msg("The file is larger than the limit of %(mb)s MB.", mb=limits.max_bytes // MB)
        )
    if detect(data) == "xlsx":
        rows = read_xlsx(data, limits)
        return _frame(rows[0] if rows else [], rows[1:], skip_blank_rows)
    return read_csv(data, limits, skip_blank_rows)


def _frame(header: list[str], rows: list[list[str]], skip_blank_rows: bool) -> pd.DataFrame:
    """A DataFrame of text with pandas' header names (blank → 'Unnamed: i', repeats → 'X.1')."""
    if skip_blank_rows:
        rows = [r for r in rows if any(r)]
    names: list[str] = []
    for i, raw in enumerate(header):
        name = raw if raw.strip() else f"Unnamed: {i}"
        candidate, k = name, 0
        while candidate in names:
            k += 1
            candidate = f"{name}.{k}"
        names.append(candidate)
    return pd.DataFrame(rows, columns=names, dtype=str) if names else pd.DataFrame()
