"""Applications' figures: parse a table against the criteria fields into typed columns.

Every bad cell is reported (row, column, message); rows are numbered as in a spreadsheet whose
first row is the header, so the first application is row 2.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from evaluator.criteria.model import CriteriaSet, Field
from evaluator.scoring.errors import InputError, Problems

TRUE_WORDS = {"true", "t", "yes", "y", "1", "是", "有", "对", "√"}
FALSE_WORDS = {"false", "f", "no", "n", "0", "否", "无", "没有", "×"}
MULTI_SPLIT = re.compile(r"[;；、,，|]")
META_COLUMNS = ("id", "name", "submitted_at")


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


def _is_blank(series: pd.Series) -> np.ndarray:
    blank = series.isna().to_numpy().copy()
    if series.dtype == object or pd.api.types.is_string_dtype(series.dtype):
        text = series.astype("string").str.strip()
        blank |= (text == "").fillna(True).to_numpy(dtype=bool)
    return blank


def _rows(mask: np.ndarray) -> np.ndarray:
    return np.flatnonzero(mask)


def _parse_number(f: Field, col: pd.Series, blank: np.ndarray, problems: Problems, name: str) -> np.ndarray:
    if col.dtype == bool:
        col = col.astype(float)
    values = pd.to_numeric(col.where(~blank), errors="coerce").to_numpy(dtype=float, na_value=np.nan).copy()
    bad = np.isnan(values) & ~blank
    for i in _rows(bad):
        problems.cell(i, name, f"'{col.iloc[i]}' is not a number")
    inf = np.isinf(values)
    for i in _rows(inf):
        problems.cell(i, name, "infinite values are not allowed")
    values[bad | inf] = np.nan
    with np.errstate(invalid="ignore"):
        if f.type == "int":
            for i in _rows(~np.isnan(values) & (values != np.round(values))):
                problems.cell(i, name, f"{values[i]:g} is not a whole number")
        if f.min is not None:
            for i in _rows(values < f.min):
                problems.cell(i, name, f"{values[i]:g} is below the minimum {f.min:g}")
        if f.max is not None:
            for i in _rows(values > f.max):
                problems.cell(i, name, f"{values[i]:g} is above the maximum {f.max:g}")
    return values


def _parse_bool(col: pd.Series, blank: np.ndarray, problems: Problems, name: str) -> np.ndarray:
    text = col.astype("string").str.strip().str.lower().to_numpy(dtype=object, na_value=None)
    out = np.full(len(col), np.nan)
    out[np.isin(text, list(TRUE_WORDS))] = 1.0
    out[np.isin(text, list(FALSE_WORDS))] = 0.0
    # A spreadsheet column of 1/0 with a blank cell arrives as floats 1.0/0.0.
    numbers = pd.to_numeric(col.where(~blank & np.isnan(out)), errors="coerce").to_numpy(
        dtype=float, na_value=np.nan)
    out[numbers == 1.0] = 1.0
    out[numbers == 0.0] = 0.0
    for i in _rows(np.isnan(out) & ~blank):
        problems.cell(i, name, f"'{col.iloc[i]}' is not yes/no (use true/false, 1/0 or 是/否)")
    return out


def _choice_lookup(f: Field) -> dict[str, int]:
    lookup: dict[str, int] = {}
    for i, c in enumerate(f.choices):
        lookup[c.value] = lookup[c.label] = lookup[c.label_en.lower()] = i
    return lookup


def _parse_enum(f: Field, col: pd.Series, blank: np.ndarray, problems: Problems, name: str) -> np.ndarray:
    lookup = _choice_lookup(f)
    text = col.astype("string").str.strip()
    codes = text.map(lambda s: lookup.get(s, lookup.get(str(s).lower(), -2)), na_action="ignore")
    out = codes.fillna(-1).to_numpy(dtype=np.int64).copy()
    out[blank] = -1
    for i in _rows(out == -2):
        problems.cell(i, name, f"'{col.iloc[i]}' is not one of: {', '.join(f.choice_values)}")
    out[out == -2] = -1
    return out


def _parse_multi(f: Field, col: pd.Series, blank: np.ndarray, problems: Problems, name: str) -> np.ndarray:
    lookup = _choice_lookup(f)
    ticks = np.zeros((len(col), len(f.choices)), dtype=bool)
    for i in _rows(~blank):
        cell = col.iloc[i]
        items = cell if isinstance(cell, list | tuple) else MULTI_SPLIT.split(str(cell))
        for item in (str(x).strip() for x in items):
            if not item:
                continue
            code = lookup.get(item, lookup.get(item.lower()))
            if code is None:
                problems.cell(i, name, f"'{item}' is not one of: {', '.join(f.choice_values)}")
            else:
                ticks[i, code] = True
    return ticks


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
        raise InputError([{"table": "applications", "column": "id",
                           "message": "the applications table needs an 'id' column"}])
    ids = df["id"].astype("string").str.strip()
    for i in _rows(ids.isna().to_numpy() | (ids == "").fillna(True).to_numpy(dtype=bool)):
        problems.cell(i, "id", "every application needs an id")
    named = (ids.notna() & (ids != "")).to_numpy(dtype=bool, na_value=False)
    for i in _rows(ids.duplicated(keep="first").to_numpy() & named):
        problems.cell(i, "id", f"id '{ids.iloc[i]}' appears more than once")
    submitted = np.full(len(df), np.iinfo(np.int64).max, dtype=np.int64)
    if "submitted_at" in df.columns:
        col = df["submitted_at"]
        blank = _is_blank(col)
        parsed = pd.to_datetime(col.where(~blank), errors="coerce", utc=True, format="mixed")
        for i in _rows(parsed.isna().to_numpy() & ~blank):
            problems.cell(i, "submitted_at", f"'{col.iloc[i]}' is not a date and time")
        ok = parsed.notna().to_numpy()
        submitted[ok] = parsed[ok].astype("int64").to_numpy()
    table = FigureTable(ids=ids.fillna("").to_numpy(dtype=object), submitted_at=submitted,
                        fields=criteria.field_map)
    for f in criteria.fields:
        name = column_for(f, df.columns)
        if name is None:
            if f.required:
                problems.add(column=f.key, message=f"required column '{f.key}' ({f.label}) is missing")
            col = pd.Series([None] * len(df), dtype=object)
            name = f.key
        else:
            col = df[name].reset_index(drop=True)
        blank = _is_blank(col)
        if f.required:
            for i in _rows(blank):
                problems.cell(i, name, f"{f.label} is required")
        table.missing_[f.key] = blank
        if f.type in ("int", "float"):
            table.numbers[f.key] = _parse_number(f, col, blank, problems, name)
        elif f.type == "bool":
            table.numbers[f.key] = _parse_bool(col, blank, problems, name)
        elif f.type == "enum":
            table.codes_[f.key] = _parse_enum(f, col, blank, problems, name)
        elif f.type == "multi":
            table.ticks_[f.key] = _parse_multi(f, col, blank, problems, name)
        else:
            table.texts[f.key] = col.astype("string").fillna("").to_numpy(dtype=object)
    problems.raise_if_any()
    return table


def unknown_columns(criteria: CriteriaSet, df: pd.DataFrame) -> list[str]:
    """Columns that match no field and no known meta column (worth a warning, not an error)."""
    known = set(META_COLUMNS)
    for f in criteria.fields:
        col = column_for(f, df.columns)
        if col is not None:
            known.add(col)
    return [str(c) for c in df.columns if c not in known]
