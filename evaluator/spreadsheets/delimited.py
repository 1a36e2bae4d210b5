"""CSV files: UTF-8 (with or without BOM) or GB18030, the header's width counted before pandas reads."""

from __future__ import annotations

import csv
import io
import re
import warnings

import pandas as pd

from evaluator.messages import msg
from evaluator.spreadsheets.limits import MB, SpreadsheetError, TableLimits

HEADER_SCAN_BYTES = 1 * MB  # the header row's width is counted in this much of a CSV
ROW_SCAN_BYTES = 64 * MB  # files up to this size have every row's width checked before pandas reads
_TOKENIZING = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


def _header_width(data: bytes, skip_blank_rows: bool) -> int:
    """Cells in the header row, counted in the first HEADER_SCAN_BYTES.

    Latin-1 keeps every byte: commas, quotes and line breaks are the same single bytes in UTF-8
    and GB18030 and never occur inside their multi-byte characters, so the count is exact.
    """
    text = data[:HEADER_SCAN_BYTES].decode("latin-1")
    reader = csv.reader(io.StringIO(text))
    try:
        for record in reader:
            if record or not skip_blank_rows:
                return len(record)
    except csv.Error:
        raise _cell_too_long(reader.line_num) from None
    return 0


def read_csv(data: bytes, limits: TableLimits, skip_blank_rows: bool) -> pd.DataFrame:
    """A CSV as text cells within ``limits``; a refusal names the limit and, where it can, the row."""
    width = _header_width(data, skip_blank_rows)
    if width > limits.max_columns:
        raise SpreadsheetError(
            msg(
                "Row 1 (the header) has %(width)s columns; at most %(max)s columns are allowed.",
                width=width,
                max=limits.max_columns,
            )
        )
    _refuse_wide_rows(data, limits)
    allowed = min(limits.max_rows, limits.max_cells // max(width, 1))
    frame = None
    for encoding in ("utf-8-sig", "gb18030"):  # GB18030: what Excel on Chinese Windows writes as CSV
        try:
            with warnings.catch_warnings():
                # pandas only warns (and drops data) when a row has exactly one cell too many
                warnings.simplefilter("error", pd.errors.ParserWarning)
                frame = pd.read_csv(
                    io.BytesIO(data),
                    dtype=str,
                    keep_default_na=False,
                    encoding=encoding,
                    skip_blank_lines=skip_blank_rows,
                    index_col=False,
                    nrows=allowed + 1,
                )
            break
        except UnicodeDecodeError:
            continue
        except pd.errors.ParserWarning:
            raise _one_cell_too_many(data, encoding, width) from None
        except pd.errors.EmptyDataError:
            return pd.DataFrame()
        except pd.errors.ParserError as exc:
            raise _tokenizing_error(str(exc), limits) from None
        except (ValueError, MemoryError, csv.Error) as exc:
            raise SpreadsheetError(
                msg("The file cannot be read as a table: %(problem)s", problem=str(exc)[:200])
            ) from None
    if frame is None:
        raise SpreadsheetError(msg("The file is not a spreadsheet: its text is neither UTF-8 nor GB18030."))
    if len(frame) > allowed:
        raise _too_many_rows(allowed, limits, width)
    return frame


def _refuse_wide_rows(data: bytes, limits: TableLimits) -> None:
    """Refuse a row wider than the limit before pandas reads it (pandas takes many seconds over a
    row of hundreds of thousands of cells). Commas are counted per line first, at C speed; only a
    line with too many of them is read properly (a quoted comma is not a cell boundary).
    """
    if len(data) > ROW_SCAN_BYTES or not any(
        line.count(b",") >= limits.max_columns for line in data.split(b"\n")
    ):
        return
    reader = csv.reader(io.StringIO(data.decode("latin-1")))  # exact for delimiters, see _header_width
    try:
        for record in reader:
            if len(record) > limits.max_columns:
                raise SpreadsheetError(
                    msg(
                        "Row %(row)s has %(cells)s cells; at most %(max)s columns are allowed.",
                        row=reader.line_num,
                        cells=len(record),
                        max=limits.max_columns,
                    )
                )
    except csv.Error:
        raise _cell_too_long(reader.line_num) from None


def _cell_too_long(row: int) -> SpreadsheetError:
    """No cell of an application comes near the csv module's field limit (128 KiB)."""
    return SpreadsheetError(
        msg("Row %(row)s has a cell longer than %(max)s characters.", row=row, max=csv.field_size_limit())
    )


def _tokenizing_error(message: str, limits: TableLimits) -> SpreadsheetError:
    match = _TOKENIZING.search(message)
    if match is None:
        return SpreadsheetError(
            msg("The file cannot be read as a table: %(problem)s", problem=message.strip()[:200])
        )
    header, line, seen = (int(g) for g in match.groups())
    if seen > limits.max_columns:
        return SpreadsheetError(
            msg(
                "Row %(row)s has %(cells)s cells; at most %(max)s columns are allowed.",
                row=line,
                cells=seen,
                max=limits.max_columns,
            )
        )
    return SpreadsheetError(
        msg(
            "Row %(row)s has %(cells)s cells but the header row has %(width)s columns.",
            row=line,
            cells=seen,
            width=header,
        )
    )


def _one_cell_too_many(data: bytes, encoding: str, width: int) -> SpreadsheetError:
    """The refusal of a row with one cell more than the header, found again to name its row."""
    reader = csv.reader(io.StringIO(data.decode(encoding, "replace")))
    for record in reader:
        if len(record) > width:
            return SpreadsheetError(
                msg(
                    "Row %(row)s has %(cells)s cells but the header row has %(width)s columns.",
                    row=reader.line_num,
                    cells=len(record),
                    width=width,
                )
            )
    return SpreadsheetError(
        msg("A row has more cells than the header row has columns (%(width)s).", width=width)
    )


def _too_many_rows(allowed: int, limits: TableLimits, width: int) -> SpreadsheetError:
    if allowed == limits.max_rows:
        return SpreadsheetError(
            msg(
                "The file has more than %(max)s rows below the header (row %(row)s is past the limit).",
                max=limits.max_rows,
                row=allowed + 2,
            )
        )
    return SpreadsheetError(
        msg(
            "The file has more than %(max)s cells (%(width)s columns × more than "
            "%(rows)s rows; row %(row)s is past the limit).",
            max=limits.max_cells,
            width=width,
            rows=allowed,
            row=allowed + 2,
        )
    )
