"""XLSX workbooks: zip checks, a streaming scan of the first sheet, then openpyxl row by row.

The container is checked from its central directory (evaluator.archives); every XML part's
prolog is refused if it declares a document type; the shared strings are counted; the first
sheet is scanned with expat — rows, columns and cells counted from the elements, no cell built —
and only a sheet within the limits is read by openpyxl in read-only mode, up to its last row
that holds a value.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from typing import Any
from xml.etree import ElementTree
from xml.parsers import expat

from openpyxl import load_workbook

from evaluator.archives import ArchiveRefusedError, check_members
from evaluator.messages import msg
from evaluator.spreadsheets.limits import MB, SpreadsheetError, TableLimits, cell_text

BLANK_ROW_SLACK = 10_000  # empty (formatted) sheet rows tolerated past the row limit
PART_MAX_BYTES = 4 * MB  # the workbook's list of sheets and its relationships
_CELL_REF = re.compile(r"([A-Z]{1,3})([0-9]{1,7})")


class _RootReachedError(Exception):
    """Ends a prolog scan: the root element has begun, no document type declaration came before."""


def _column_index(letters: str) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index


class _SheetScan:
    """Counts a worksheet's rows, columns and cells from its XML elements, building no cell.

    Only cells holding a value count (a formatted empty cell does not); blank rows count only
    against BLANK_ROW_SLACK, so a sheet formatted far down is not a stall either.
    """

    def __init__(self, limits: TableLimits):
        self.limits = limits
        self.row = self.col = self.elements = 0
        self.has_value = self.row_has_value = False
        self.last_row = self.width = 0

    def start(self, name: str, attrs: dict[str, str]) -> None:
        """An element opens: a row, a cell, or a cell's value."""
        tag = name.rpartition(" ")[2]
        if tag == "row":
            self.elements += 1
            if self.elements > self.limits.max_rows + 1 + BLANK_ROW_SLACK:
                raise SpreadsheetError(
                    msg("The sheet has more than %(max)s rows below the header.", max=self.limits.max_rows)
                )
            self.row = self._number(attrs.get("r"), self.row + 1)
            self.col = 0
            self.row_has_value = False
        elif tag == "c":
            ref = _CELL_REF.fullmatch(attrs.get("r", ""))
            self.col = _column_index(ref.group(1)) if ref else self.col + 1
            self.has_value = False
        elif tag in ("v", "is"):
            self.has_value = True

    def end(self, name: str) -> None:
        """An element closes: a cell with a value widens the table, a row with one lengthens it."""
        tag = name.rpartition(" ")[2]
        limits = self.limits
        if tag == "c" and self.has_value:
            if self.col > limits.max_columns:
                raise SpreadsheetError(
                    msg(
                        "Row %(row)s has a value in column %(column)s; at most %(max)s columns are allowed.",
                        row=self.row,
                        column=self.col,
                        max=limits.max_columns,
                    )
                )
            self.width = max(self.width, self.col)
            self.row_has_value = True
        elif tag == "row" and self.row_has_value:
            if self.row - 1 > limits.max_rows:
                raise SpreadsheetError(
                    msg(
                        "The sheet has more than %(max)s rows below the header (row "
                        "%(row)s is past the limit).",
                        max=limits.max_rows,
                        row=self.row,
                    )
                )
            self.last_row = self.row
            if self.last_row * self.width > limits.max_cells:
                raise SpreadsheetError(
                    msg(
                        "The sheet has more than %(max)s cells (row %(row)s × %(width)s "
                        "columns is past the limit).",
                        max=limits.max_cells,
                        row=self.row,
                        width=self.width,
                    )
                )

    @staticmethod
    def _number(text: str | None, default: int) -> int:
        if text is None:
            return default
        if not (text.isascii() and text.isdigit()) or len(text) > 7:
            raise SpreadsheetError(msg("The workbook is damaged: a row number is not a number."))
        return int(text)


def _no_doctype(*_: Any) -> None:
    raise SpreadsheetError(
        msg(
            "The workbook holds an XML document type declaration, which Excel never "
            "writes; it is not accepted."
        )
    )


class _TextCount:
    """Counts the shared strings (``si`` elements) of a workbook against the cell limit."""

    def __init__(self, limits: TableLimits):
        self.limit = limits.texts
        self.count = 0

    def start(self, name: str, attrs: dict[str, str]) -> None:
        """A shared string begins."""
        if name.endswith(" si") or name == "si":
            self.count += 1
            if self.count > self.limit:
                raise SpreadsheetError(
                    msg("The workbook holds more than %(max)s different texts.", max=self.limit)
                )

    def end(self, name: str) -> None:
        """Nothing to do when an element closes."""


def _scan_xml(archive: zipfile.ZipFile, name: str, scan: _SheetScan | _TextCount | None) -> None:
    """Stream one XML member through expat: refuse a DTD; count with ``scan`` if one is given.

    Without a scan only the prolog is read (it ends at the root element).
    """
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartDoctypeDeclHandler = _no_doctype
    parser.EntityDeclHandler = _no_doctype
    if scan is None:

        def _root(*_: Any) -> None:
            raise _RootReachedError

        parser.StartElementHandler = _root
    else:
        parser.StartElementHandler = scan.start
        parser.EndElementHandler = scan.end
    try:
        with archive.open(name) as stream:
            while chunk := stream.read(256 * 1024):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except _RootReachedError:
        return
    except (expat.ExpatError, zipfile.BadZipFile, OSError, EOFError, RuntimeError, ValueError) as exc:
        if isinstance(exc, SpreadsheetError):
            raise
        raise SpreadsheetError(msg("The workbook is damaged: a part of it cannot be read.")) from None


def _first_sheet_path(archive: zipfile.ZipFile, names: set[str]) -> str | None:
    """The archive member of the workbook's first sheet, from workbook.xml and its relationships."""
    try:
        for name in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels"):
            if archive.getinfo(name).file_size > PART_MAX_BYTES:
                raise SpreadsheetError(
                    msg("The workbook is damaged: its list of sheets is implausibly large.")
                )
        book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError, zipfile.BadZipFile, OSError, EOFError, RuntimeError):
        raise SpreadsheetError(msg("The workbook is damaged: its list of sheets cannot be read.")) from None
    sheet = next((e for e in book.iter() if e.tag.endswith("}sheet") or e.tag == "sheet"), None)
    if sheet is None:
        return None
    rel_id = next((v for k, v in sheet.attrib.items() if k.endswith("}id")), None)
    target = next((e.get("Target") for e in rels.iter() if e.get("Id") == rel_id), None)
    if not target:
        raise SpreadsheetError(msg("The workbook is damaged: its first sheet cannot be found."))
    path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"xl/{target}")
    if path not in names:
        raise SpreadsheetError(msg("The workbook is damaged: its first sheet cannot be found."))
    return path


def read_xlsx(data: bytes, limits: TableLimits) -> list[list[str]]:
    """The first sheet's rows as text (header first), checked before and while it is read."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        raise SpreadsheetError(msg("The file is a damaged zip/Excel file.")) from None
    try:
        names = check_members(archive, limits.max_unzipped)
    except ArchiveRefusedError as exc:
        raise SpreadsheetError(msg("The workbook was refused: %(reason)s", reason=str(exc))) from None
    if "xl/workbook.xml" not in names:
        raise SpreadsheetError(
            msg("The file is a zip archive, not an Excel workbook: upload an .xlsx or CSV file.")
        )
    for name in names:
        if name.endswith((".xml", ".rels")):
            _scan_xml(archive, name, _TextCount(limits) if name.endswith("sharedStrings.xml") else None)
    # Scanned before openpyxl opens the workbook: opening it already reads the first sheet whole
    # when the sheet does not declare its dimensions.
    scan = _SheetScan(limits)
    path = _first_sheet_path(archive, names)
    if path is None:
        return []
    _scan_xml(archive, path, scan)
    if not scan.last_row:
        return []
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for unreadable workbooks
        raise SpreadsheetError(
            msg("The file cannot be read as a table: %(problem)s", problem=str(exc)[:200])
        ) from None
    try:
        if not workbook.worksheets:
            return []
        sheet = workbook.worksheets[0]
        width = scan.width
        rows = []
        for values in sheet.iter_rows(min_row=1, max_row=scan.last_row, max_col=width, values_only=True):
            row = [cell_text(v) for v in values[:width]]
            rows.append(row + [""] * (width - len(row)))
        return rows
    except SpreadsheetError:
        raise
    except Exception as exc:  # as above: a damaged sheet surfaces as many kinds of error
        raise SpreadsheetError(
            msg("The file cannot be read as a table: %(problem)s", problem=str(exc)[:200])
        ) from None
    finally:
        workbook.close()
