"""Read the applications' figures a run needs: ids, numbers and categories, every bad cell reported.

The table has an ``id`` column and one column per figure key the features read; other columns are
ignored. Rows are put in the order of their ids (numeric ids numerically, others as text), so that
the order in which a caller lists the applications never changes a result.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from evaluator.cohorts.settings import CohortSettings
from evaluator.messages import msg
from evaluator.scoring.errors import Problems


@dataclass(frozen=True)
class Figures:
    """The figures of a run, rows sorted by id.

    ``numbers`` holds every numeric figure as float64 (NaN where missing); ``codes`` every category
    figure as the index of its choice in the feature's order (-1 where missing).
    """

    ids: np.ndarray
    numbers: dict[str, np.ndarray]
    codes: dict[str, np.ndarray]

    @property
    def n(self) -> int:
        """Number of applications."""
        return len(self.ids)


def _ids(column: pd.Series, problems: Problems) -> np.ndarray:
    """Ids as int64 when every id is a whole number, else as stripped text."""
    values = column.to_numpy(dtype=object)
    if not column.isna().any() and (
        pd.api.types.is_integer_dtype(column.dtype)
        or all(isinstance(v, int | np.integer) and not isinstance(v, bool) for v in values)
    ):
        ids = np.asarray(column, dtype=np.int64) if len(values) else np.zeros(0, dtype=np.int64)
    else:
        ids = np.array(["" if pd.isna(v) else str(v).strip() for v in values], dtype=object)
        for pos in np.flatnonzero(ids == ""):
            problems.cell(pos, "id", msg("an application needs an id"))
    unique, counts = np.unique(ids, return_counts=True)
    for dup in unique[(counts > 1) & (unique != "")][:20]:
        for pos in np.flatnonzero(ids == dup)[1:]:
            problems.cell(pos, "id", msg("id %(id)s appears twice", id=str(dup)), application_id=str(dup))
    return ids


def _number(column: pd.Series, key: str, ids: np.ndarray, problems: Problems) -> np.ndarray:
    """A numeric figure as float64; text that is not a number and infinities are problems."""
    if pd.api.types.is_bool_dtype(column.dtype):
        parsed = pd.Series(np.full(len(column), np.nan))
        bad = column.notna().to_numpy()
    else:
        parsed = pd.to_numeric(column, errors="coerce")
        bad = (column.notna() & parsed.isna()).to_numpy()
    values = parsed.to_numpy(dtype=float, na_value=np.nan, copy=True)
    infinite = np.isinf(values)
    for pos in np.flatnonzero(bad | infinite)[:50]:
        problems.cell(pos, key, msg("not a finite number"), application_id=str(ids[pos]))
    values[infinite] = np.nan
    return values


def _codes(
    column: pd.Series, key: str, order: tuple[str, ...], ids: np.ndarray, problems: Problems
) -> np.ndarray:
    """A category figure as choice indexes (-1 where missing); an unknown value is a problem."""
    lookup = {value: i for i, value in enumerate(order)}
    present = column.notna().to_numpy()
    codes = np.full(len(column), -1, dtype=np.int64)
    if present.any():
        mapped = column[present].map(lookup)
        unknown = mapped.isna().to_numpy()
        where = np.flatnonzero(present)
        codes[where[~unknown]] = mapped[~unknown].to_numpy(dtype=np.int64)
        for pos in where[unknown][:50]:
            problems.cell(
                pos,
                key,
                msg(
                    "'%(value)s' is not a choice (%(choices)s)",
                    value=str(column.iloc[pos]),
                    choices=list(order),
                ),
                application_id=str(ids[pos]),
            )
    return codes


def read_figures(table: pd.DataFrame, settings: CohortSettings) -> Figures:
    """Check and encode the figures the settings' features read; raise :class:`InputError` listing
    every problem (rows numbered as in a spreadsheet whose header is row 1)."""
    problems = Problems("figures")
    if "id" not in table.columns:
        problems.add(column="id", message=msg("the figures table needs an 'id' column"))
        problems.raise_if_any()
    for key in settings.figures:
        if key not in table.columns:
            problems.add(column=key, message=msg("the figures table has no column '%(key)s'", key=key))
    problems.raise_if_any()
    ids = _ids(table["id"], problems)
    numbers: dict[str, np.ndarray] = {}
    codes: dict[str, np.ndarray] = {}
    for feature in settings.features:
        if feature.kind == "category":
            if feature.key not in codes:
                codes[feature.key] = _codes(
                    table[feature.field.key], feature.field.key, feature.order, ids, problems
                )
            continue
        for f in (feature.field, feature.denominator):
            if f is not None and f.key not in numbers:
                numbers[f.key] = _number(table[f.key], f.key, ids, problems)
        if feature.log:
            for f in (feature.field, feature.denominator):
                if f is None:
                    continue
                for pos in np.flatnonzero(numbers[f.key] < 0)[:50]:
                    problems.cell(
                        pos,
                        f.key,
                        msg(
                            "below 0, where the feature '%(feature)s' takes a logarithm", feature=feature.key
                        ),
                        application_id=str(ids[pos]),
                    )
    problems.raise_if_any()
    order = np.argsort(ids, kind="stable")
    return Figures(
        ids=ids[order],
        numbers={k: v[order] for k, v in numbers.items()},
        codes={k: v[order] for k, v in codes.items()},
    )
