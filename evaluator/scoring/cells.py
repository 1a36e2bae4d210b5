"""Parse one column of an applications table by field type, a distinct value at a time.

A column of 600,000 cells usually holds a few hundred distinct texts (categories, ticked
combinations, yes/no words), so each parser works on the distinct values and spreads the
result back over the rows. Numeric columns skip that step. Every bad cell is reported with its
row; rows count as in a spreadsheet whose header is row 1.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from evaluator.criteria.figure_values import bounds
from evaluator.criteria.model import Field
from evaluator.messages import Message, msg
from evaluator.scoring.errors import Problems

TRUE_WORDS = frozenset({"true", "t", "yes", "y", "1", "1.0", "是", "有", "对", "√"})
FALSE_WORDS = frozenset({"false", "f", "no", "n", "0", "0.0", "否", "无", "没有", "×"})
MULTI_SPLIT = re.compile(r"[;；、,，|]")


@dataclass
class Cells:
    """A column as its distinct non-blank values and, per row, which one it holds (-1 blank)."""

    codes: np.ndarray
    values: np.ndarray

    @property
    def blank(self) -> np.ndarray:
        """Rows with nothing in them."""
        return self.codes < 0


def _text(value: object) -> str:
    if isinstance(value, list | tuple):
        return ";".join(str(v) for v in value)
    return str(value).strip()


def distinct(col: pd.Series) -> Cells:
    """Factorise a column; empty or whitespace-only text counts as blank."""
    try:
        codes, values = pd.factorize(col, use_na_sentinel=True)
    except TypeError:  # lists in cells (multi-choice given as Python lists)
        codes, values = pd.factorize(col.map(_text, na_action="ignore"), use_na_sentinel=True)
    values = np.asarray(values, dtype=object)
    empty = np.array([isinstance(v, str) and not v.strip() for v in values], dtype=bool)
    codes = np.asarray(codes, dtype=np.int64).copy()
    if empty.any():
        codes[np.isin(codes, np.flatnonzero(empty))] = -1
    return Cells(codes, values)


def blank_cells(col: pd.Series) -> np.ndarray:
    """Empty cells of a column of free values (text, dates), without factorising it."""
    text = col.to_numpy(dtype=object)
    return (col.isna().to_numpy() | (text == "")).astype(bool)


def report(problems: Problems, cells: Cells, bad: dict[int, str], name: str) -> None:
    """Report every row holding a distinct value that ``bad`` maps to a message."""
    if not bad:
        return
    rows = np.flatnonzero(np.isin(cells.codes, list(bad)))
    for j, i in enumerate(rows):
        if problems.full:
            problems.omitted += len(rows) - j
            return
        problems.cell(i, name, bad[int(cells.codes[i])])


def _per_value(cells: Cells, parse: Callable[[object], float], fill: float) -> tuple[np.ndarray, dict]:
    """Apply ``parse`` to each distinct value; it raises ValueError with the message if bad."""
    out = np.full(len(cells.values) + 1, fill)  # last slot: blank rows (code -1)
    bad: dict[int, str] = {}
    for k, value in enumerate(cells.values):
        try:
            out[k] = parse(value)
        except ValueError as exc:  # the message itself, which stays translatable
            bad[k] = exc.args[0] if exc.args and isinstance(exc.args[0], str) else str(exc)
    return out, bad


def parse_number(f: Field, col: pd.Series, problems: Problems, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Float values (NaN where blank) and the blank mask; bad, fractional or out-of-range cells reported."""
    if pd.api.types.is_numeric_dtype(col.dtype) or col.dtype == bool:
        values = col.to_numpy(dtype=float, na_value=np.nan).copy()
        blank = np.isnan(values)
        for i in np.flatnonzero(np.isinf(values)):
            problems.cell(i, name, msg("infinite values are not allowed"))
    else:
        cells = distinct(col)

        def number(value: object) -> float:
            x = pd.to_numeric(_text(value), errors="coerce")
            if isinstance(value, bool) or pd.isna(x):
                raise ValueError(msg("'%(value)s' is not a number", value=str(value)))
            if np.isinf(x):
                raise ValueError(msg("infinite values are not allowed"))
            return float(x)

        table, bad = _per_value(cells, number, np.nan)
        report(problems, cells, bad, name)
        values = table[cells.codes].copy()
        blank = cells.blank
    values[np.isinf(values)] = np.nan
    lo, hi = bounds(f)  # the field's min and max, within the magnitude every figure keeps to
    with np.errstate(invalid="ignore"):
        checks: list[tuple[np.ndarray, Callable[[str], Message]]] = []
        if f.type == "int":
            checks.append(
                (
                    np.isfinite(values) & (values != np.round(values)),
                    lambda v: msg("%(value)s is not a whole number", value=v),
                )
            )
        checks.append(
            (
                values < lo,
                lambda v: msg("%(value)s is below the minimum %(min)s", value=v, min=format(lo, "g")),
            )
        )
        checks.append(
            (
                values > hi,
                lambda v: msg("%(value)s is above the maximum %(max)s", value=v, max=format(hi, "g")),
            )
        )
    for mask, message in checks:
        for i in np.flatnonzero(mask):
            problems.cell(i, name, message(f"{values[i]:g}"))
    return values, blank


def parse_bool(col: pd.Series, problems: Problems, name: str) -> tuple[np.ndarray, np.ndarray]:
    """1.0 / 0.0 per row (NaN where blank) and the blank mask."""
    cells = distinct(col)

    def yes_no(value: object) -> float:
        word = _text(value).lower()
        if word in TRUE_WORDS:
            return 1.0
        if word in FALSE_WORDS:
            return 0.0
        raise ValueError(msg("'%(value)s' is not yes/no (use true/false, 1/0 or 是/否)", value=str(value)))

    table, bad = _per_value(cells, yes_no, np.nan)
    report(problems, cells, bad, name)
    return table[cells.codes], cells.blank


def choice_lookup(f: Field) -> dict[str, int]:
    """Choice index by value, Chinese label and lower-case English label."""
    lookup: dict[str, int] = {}
    for i, c in enumerate(f.choices):
        lookup[c.value] = lookup[c.label] = lookup[c.label_en.lower()] = i
    return lookup


def _choice(f: Field, lookup: dict[str, int], item: str) -> int:
    code = lookup.get(item, lookup.get(item.lower()))
    if code is None:
        raise ValueError(
            msg("'%(value)s' is not one of: %(choices)s", value=item, choices=list(f.choice_values))
        )
    return code


def parse_enum(f: Field, col: pd.Series, problems: Problems, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Choice index per row (-1 where blank or bad) and the blank mask."""
    cells = distinct(col)
    lookup = choice_lookup(f)
    table, bad = _per_value(cells, lambda v: _choice(f, lookup, _text(v)), -1)
    report(problems, cells, bad, name)
    return table[cells.codes].astype(np.int64), cells.blank


def parse_multi(f: Field, col: pd.Series, problems: Problems, name: str) -> tuple[np.ndarray, np.ndarray]:
    """(rows × choices) ticks and the blank mask; every unknown item is reported."""
    cells = distinct(col)
    lookup = choice_lookup(f)
    table = np.zeros((len(cells.values) + 1, len(f.choices)), dtype=bool)
    bad: dict[int, str] = {}
    for k, value in enumerate(cells.values):
        wrong = []
        for item in (s.strip() for s in MULTI_SPLIT.split(_text(value))):
            try:
                if item:
                    table[k, _choice(f, lookup, item)] = True
            except ValueError:
                wrong.append(item)
        if len(wrong) == 1:
            bad[k] = msg(
                "'%(value)s' is not one of: %(choices)s", value=wrong[0], choices=list(f.choice_values)
            )
        elif wrong:
            bad[k] = msg(
                "%(values)s are not one of: %(choices)s",
                values=[f"'{w}'" for w in wrong],
                choices=list(f.choice_values),
            )
    report(problems, cells, bad, name)
    return table[cells.codes], cells.blank


class TextColumn(Cells):
    """A text column as distinct stripped strings and, per row, which one it holds (-1 blank)."""

    def text(self, i: int) -> str:
        """The stripped text of row ``i`` ('' when blank)."""
        code = self.codes[i]
        return "" if code < 0 else str(self.values[code])

    def lookup(self, known: np.ndarray | list[str]) -> np.ndarray:
        """Per row, the position of its text in ``known``; -1 when blank or not there.

        A text ``known`` holds more than once is found at its first position: the table that
        repeats it reports the repeat itself, and the other tables are still checked against it.
        """
        index = pd.Index(known)
        if index.is_unique:
            positions = index.get_indexer(self.values)
        else:
            first = np.flatnonzero(~index.duplicated(keep="first"))
            found = index[first].get_indexer(self.values)
            positions = np.where(found >= 0, first[np.maximum(found, 0)], -1)
        return np.append(positions, -1)[self.codes]


def text_column(col: pd.Series) -> TextColumn:
    """Factorise a column of identifiers or words; values equal once stripped are one."""
    cells = distinct(col)
    stripped = np.array([_text(v) for v in cells.values], dtype=object)
    if len(set(stripped)) == stripped.size:  # stripping merged nothing: keep the codes
        return TextColumn(cells.codes, stripped)
    values, inverse = np.unique(stripped, return_inverse=True)
    codes = np.where(cells.codes >= 0, inverse[np.maximum(cells.codes, 0)], -1)
    return TextColumn(codes.astype(np.int64), values)


def number_column(col: pd.Series) -> tuple[np.ndarray, np.ndarray, Callable[[int], str]]:
    """Floats per row (NaN where blank or not a number), the blank mask, and each row's text."""
    if pd.api.types.is_numeric_dtype(col.dtype) and col.dtype != bool:
        values = col.to_numpy(dtype=float, na_value=np.nan)
        return values, np.isnan(values), lambda i: f"{values[i]:g}"
    text = text_column(col)
    converted = pd.to_numeric(pd.Series(text.values, dtype=object), errors="coerce")
    table = np.append(converted.to_numpy(dtype=float, na_value=np.nan), np.nan)
    return table[text.codes], text.blank, text.text
