"""Read and write the tables people exchange with the service: CSV and XLSX."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from evaluator.messages import msg
from evaluator.spreadsheets import COMMAND_LINE_LIMITS, MB, SpreadsheetError, TableLimits, read_spreadsheet

# Chinese headers accepted for the score and claim tables.
HEADER_ALIASES = {
    "申报编号": "application_id",
    "申报单位编号": "application_id",
    "专家": "reviewer_id",
    "专家编号": "reviewer_id",
    "指标": "indicator_id",
    "指标编号": "indicator_id",
    "得分": "score",
    "分数": "score",
    "否决标记": "flag",
    "加分项": "bonus_id",
    "编号": "id",
    "名称": "name",
    "提交时间": "submitted_at",
}


class TableError(ValueError):
    """A file that cannot be read as a table; the message names the file."""

    def __str__(self) -> str:
        """The message as given (a translatable message stays one)."""
        return self.args[0] if self.args and isinstance(self.args[0], str) else super().__str__()


def read_table(path: str | Path, limits: TableLimits = COMMAND_LINE_LIMITS) -> pd.DataFrame:
    """Read a CSV (UTF-8 with or without BOM, or GB18030) or the first sheet of an XLSX file.

    The name must end in .csv or .xlsx, but the content decides how the file is read, within
    ``limits``, by the one spreadsheet reader (evaluator.spreadsheets). Cells are text, so that
    ids such as ``007`` survive; the scoring engine parses figures itself and reports bad cells
    by row and column. Fully empty rows are skipped.
    """
    path = Path(path)
    if path.suffix.lower() not in (".csv", ".xlsx", ".xlsm"):
        raise TableError(msg("%(file)s: use a .csv or .xlsx file", file=path.name))
    try:
        size = path.stat().st_size
        if size > limits.max_bytes:
            raise TableError(
                msg(
                    "%(file)s: the file is larger than the limit of %(mb)s MB.",
                    file=path.name,
                    mb=limits.max_bytes // MB,
                )
            )
        df = read_spreadsheet(path.read_bytes(), limits, skip_blank_rows=True)
    except OSError as exc:
        raise TableError(
            msg("%(file)s: cannot be read (%(problem)s)", file=path.name, problem=str(exc.strerror or exc))
        ) from None
    except SpreadsheetError as exc:
        raise TableError(msg("%(file)s: %(problem)s", file=path.name, problem=str(exc))) from None
    df.columns = [HEADER_ALIASES.get(str(c).strip(), str(c).strip()) for c in df.columns]
    return df


def write_tables(path: str | Path, sheets: Mapping[str, pd.DataFrame]) -> list[Path]:
    """Write the first table to a CSV, or every table as a sheet of an XLSX; return the files."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        with pd.ExcelWriter(path, engine="openpyxl") as writer:
            for name, frame in sheets.items():
                frame.to_excel(writer, sheet_name=name[:31])
        return [path]
    if suffix != ".csv":
        raise TableError(msg("%(file)s: write to a .csv or .xlsx file", file=path.name))
    written = []
    for k, (name, frame) in enumerate(sheets.items()):
        target = path if k == 0 else path.with_name(f"{path.stem}.{name}{path.suffix}")
        frame.to_csv(target, encoding="utf-8-sig")
        written.append(target)
    return written
