"""Limits of a spreadsheet read, the refusal raised when one is passed, and cells as text."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

MB = 1024 * 1024


@dataclass(frozen=True)
class TableLimits:
    """How much one spreadsheet may hold; rows exclude the header, cells are rows × columns."""

    max_bytes: int
    max_unzipped: int
    max_rows: int
    max_columns: int
    max_cells: int
    max_texts: int | None = None  # distinct texts of a workbook (shared strings); None: max_cells

    @property
    def texts(self) -> int:
        """How many distinct texts a workbook may hold."""
        return self.max_cells if self.max_texts is None else self.max_texts


# Files handed to the command line (flask score): rounds of millions of score rows.
COMMAND_LINE_LIMITS = TableLimits(
    max_bytes=2048 * MB, max_unzipped=2048 * MB, max_rows=10_000_000, max_columns=2_000, max_cells=60_000_000
)


class SpreadsheetError(ValueError):
    """A file that is not a readable spreadsheet within the limits; the message is a sentence."""

    def __str__(self) -> str:
        """The sentence as given (a translatable message stays one)."""
        return self.args[0] if self.args and isinstance(self.args[0], str) else super().__str__()


def cell_text(value: Any) -> str:
    """A cell as text: '' for empty, whole numbers without '.0', times in ISO 8601."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)
