"""Applications' figures: parse a table against the criteria fields into typed columns.

Every bad cell is reported (row, column, message); rows are numbered as in a spreadsheet whose
first row is the header, so the first application is row 2.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from evaluator.criteria.model import CriteriaSet, Field
from evaluator.messages import msg
from evaluator.scoring.cells import blank_cells, parse_bool, parse_enum, parse_multi, parse_number
from evaluator.scoring.errors import MAX_REPORTED, InputError, Problems


@dataclass
class FigureTable:
    """Typed columns of the applications' figures (implements the methods' ``Figures``)."""

    ids: np.ndarray
    submitted_at: np.ndarray
    fields: Mapping[str, Field]
    numbers: dict[str, np.ndarray] = field(default_factory=dict)
    codes_: dict[str, np.ndarray] = field(default_factory=dict)
    ticks_: dict[str, np.ndarray] = field(default_factory=dict)
    missing_: dict[str, np.ndarray] = field(default_factory=dict)
    texts: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def n(self) -> int:
        """Number of applications."""
        return len(self.ids)

    def number(self, key: str) -> np.ndarray:
        """Float values (booleans as 0/1), NaN where missing."""
        return self.numbers[key]

    def codes(self, key: str) -> np.ndarray:
        """Enum choice indexes, -1 where missing."""
        return self.codes_[key]

    def ticks(self, key: str) -> np.ndarray:
        """Multi-choice ticks, (n, choices) booleans."""
        return self.ticks_[key]

    def missing(self, key: str) -> np.ndarray:
        """Mask of applications without this figure."""
        return self.missing_[key]

    def choices(self, key: str) -> tuple[str, ...]:
        """Choice values of an enum or multi field."""
        return self.fields[key].choice_values

    def values_of(self, i: int) -> dict[str, Any]:
        """One application's figures as plain Python values (for explanations)."""
        out: dict[str, Any] = {}
        for key, f in self.fields.items():
            if self.missing_[key][i]:
                out[key] = None
            elif f.type in ("int", "float"):
                out[key] = float(self.numbers[key][i])
            elif f.type == "bool":
                out[key] = bool(self.numbers[key][i])
            elif f.type == "enum":
                out[key] = f.choice_values[self.codes_[key][i]]
            elif f.type == "multi":
                out[key] = [c for c, t in zip(f.choice_values, self.ticks_[key][i], strict=True) if t]
            else:
                out[key] = self.texts[key][i]
        return out


def identifiers(col: pd.Series) -> np.ndarray:
    """Ids as stripped strings ('' where blank); a plain loop beats pandas' string methods here."""
    return np.array(
        [
            "" if v is None or v is pd.NA or (isinstance(v, float) and v != v) else str(v).strip()
            for v in col.to_numpy(dtype=object)
        ],
        dtype=object,
    )


def parse_times(col: pd.Series) -> pd.Series:
    """Dates and times (UTC); ISO 8601 is tried first as it is by far the fastest to parse."""
    parsed = pd.to_datetime(col, errors="coerce", utc=True, format="ISO8601")
    retry = parsed.isna() & col.notna()
    if retry.any():
        parsed[retry] = pd.to_datetime(col[retry], errors="coerce", utc=True, format="mixed")
    return parsed


def column_for(f: Field, columns: pd.Index) -> str | None:
    """The column holding a field: its key, its Chinese label, or 'label (key)'."""
    for candidate in (f.key, f.label, f"{f.label} ({f.key})", f"{f.label}（{f.key}）"):
        if candidate in columns:
            return candidate
    return None


def read_figures(criteria: CriteriaSet, df: pd.DataFrame) -> FigureTable:
    """Parse and check the applications table; raise :class:`InputError` listing every problem."""
    problems = Problems("applications")
    if "id" not in df.columns:
        raise InputError(
            [
                {
                    "table": "applications",
                    "column": "id",
                    "message": msg("the applications table needs an 'id' column"),
                }
            ]
        )
    ids = identifiers(df["id"])
    named = ids != ""
    for i in np.flatnonzero(~named):
        problems.cell(i, "id", msg("every application needs an id"))
    for i in np.flatnonzero(pd.Series(ids).duplicated(keep="first").to_numpy() & named):
        problems.cell(i, "id", msg("id '%(id)s' appears more than once", id=ids[i]))
    submitted = np.full(len(df), np.iinfo(np.int64).max, dtype=np.int64)
    if "submitted_at" in df.columns:
        col = df["submitted_at"]
        blank = blank_cells(col)
        parsed = parse_times(col.where(~blank))
        for i in np.flatnonzero(parsed.isna().to_numpy() & ~blank):
            problems.cell(
                i, "submitted_at", msg("'%(value)s' is not a date and time", value=str(col.iloc[i]))
            )
        ok = parsed.notna().to_numpy()
        submitted[ok] = parsed[ok].astype("int64").to_numpy()
    table = FigureTable(ids=ids, submitted_at=submitted, fields=criteria.field_map)
    for f in criteria.fields:
        name = column_for(f, df.columns)
        if name is None:
            if f.required:
                problems.add(
                    column=f.key,
                    message=msg("required column '%(key)s' (%(label)s) is missing", key=f.key, label=f.label),
                )
            col = pd.Series([None] * len(df), dtype=object)
            name = f.key
        else:
            col = df[name].reset_index(drop=True)
        if f.type in ("int", "float"):
            table.numbers[f.key], blank = parse_number(f, col, problems, name)
        elif f.type == "bool":
            table.numbers[f.key], blank = parse_bool(col, problems, name)
        elif f.type == "enum":
            table.codes_[f.key], blank = parse_enum(f, col, problems, name)
        elif f.type == "multi":
            table.ticks_[f.key], blank = parse_multi(f, col, problems, name)
        else:
            blank = blank_cells(col)
            table.texts[f.key] = col.astype("string").fillna("").to_numpy(dtype=object)
        if f.required:
            for i in np.flatnonzero(blank)[:MAX_REPORTED]:
                problems.cell(i, name, msg("%(label)s is required", label=f.label))
        table.missing_[f.key] = blank
    problems.raise_if_any()
    return table


def figure_row(criteria: CriteriaSet, figures: Mapping[str, Any]) -> FigureTable:
    """One application's stored figures (as the form keeps them: numbers, true/false, a choice's
    value, a list of ticked values, text) as a table of one row, for the methods to score the
    automatic indicators of a single application. A value of the wrong kind counts as missing."""
    table = FigureTable(
        ids=np.array(["1"], dtype=object), submitted_at=np.zeros(1, dtype=np.int64), fields=criteria.field_map
    )
    for f in criteria.fields:
        value = figures.get(f.key)
        if f.type in ("int", "float"):
            ok = isinstance(value, int | float) and not isinstance(value, bool) and np.isfinite(value)
            table.numbers[f.key] = np.array([float(value) if ok else np.nan])
        elif f.type == "bool":
            ok = isinstance(value, bool)
            table.numbers[f.key] = np.array([float(value) if ok else np.nan])
        elif f.type == "enum":
            code = f.choice_values.index(value) if value in f.choice_values else -1
            table.codes_[f.key] = np.array([code], dtype=np.int64)
            ok = code >= 0
        elif f.type == "multi":
            ticked = set(value) if isinstance(value, list | tuple) else set()
            table.ticks_[f.key] = np.array([[c in ticked for c in f.choice_values]], dtype=bool)
            ok = bool(ticked & set(f.choice_values))
        else:
            ok = isinstance(value, str) and bool(value.strip())
            table.texts[f.key] = np.array([value if ok else ""], dtype=object)
        table.missing_[f.key] = np.array([not ok])
    return table
