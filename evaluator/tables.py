"""Read and write the tables people exchange with the service: CSV and XLSX."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

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
    """A file that cannot be read as a table."""


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a CSV (UTF-8, with or without BOM) or the first sheet of an XLSX file.

    Cells are kept as text for CSV so that ids such as ``007`` survive; the scoring engine
    parses figures itself and reports bad cells by row and column.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        elif suffix in (".xlsx", ".xlsm"):
            df = pd.read_excel(path, dtype=object, engine="openpyxl")
        else:
            raise TableError(f"{path.name}: use a .csv or .xlsx file")
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        if isinstance(exc, TableError):
            raise
        raise TableError(f"{path.name}: cannot be read as a table ({exc})") from None
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
        raise TableError(f"{path.name}: write to a .csv or .xlsx file")
    written = []
    for k, (name, frame) in enumerate(sheets.items()):
        target = path if k == 0 else path.with_name(f"{path.stem}.{name}{path.suffix}")
        frame.to_csv(target, encoding="utf-8-sig")
        written.append(target)
    return written
