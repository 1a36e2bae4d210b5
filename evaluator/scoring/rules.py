"""Vetoes, bonus points and grades, applied to whole columns at once."""

from __future__ import annotations

import operator

import numpy as np

from evaluator.criteria.model import Condition, CriteriaSet
from evaluator.scoring.figures import FigureTable
from evaluator.scoring.reviews import Reviews
from evaluator.scoring.tolerance import at_least

_COMPARE = {
    "eq": operator.eq,
    "ne": operator.ne,
    "lt": operator.lt,
    "le": operator.le,
    "gt": operator.gt,
    "ge": operator.ge,
}


def condition_holds(cond: Condition, figures: FigureTable) -> np.ndarray:
    """Where the condition holds; never where the figure is missing."""
    f = figures.fields[cond.field]
    missing = figures.missing(cond.field)
    values = cond.value if isinstance(cond.value, tuple) else (cond.value,)
    if f.type in ("int", "float", "bool"):
        column = figures.number(cond.field)
        targets = [float(v) for v in values]
    elif f.type == "enum":
        column = figures.codes(cond.field)
        targets = [f.choice_values.index(v) for v in values]
    else:
        column = figures.texts[cond.field]
        targets = list(values)
    if cond.op in ("in", "not_in"):
        hit = np.isin(column, targets)
        hit = hit if cond.op == "in" else ~hit
    else:
        with np.errstate(invalid="ignore"):
            hit = np.asarray(_COMPARE[cond.op](column, targets[0]), dtype=bool)
    return hit & ~missing


def veto_matrix(criteria: CriteriaSet, figures: FigureTable, reviews: Reviews) -> np.ndarray:
    """(applications × veto items) booleans: which vetoes strike which application."""
    out = np.zeros((figures.n, len(criteria.vetoes)), dtype=bool)
    for j, veto in enumerate(criteria.vetoes):
        if veto.when is not None:
            out[:, j] = condition_holds(veto.when, figures)
            continue
        mine = reviews.flag_name == veto.flag
        if not mine.any():
            continue
        pairs = np.unique(np.stack([reviews.flag_app[mine], reviews.flag_reviewer[mine]]), axis=1)
        flags = np.bincount(pairs[0], minlength=figures.n)
        out[:, j] = flags >= veto.min_flags
    return out


def bonus_matrix(criteria: CriteriaSet, figures: FigureTable, claimed: np.ndarray) -> np.ndarray:
    """(applications × bonus items) booleans: awarded by condition or by claim."""
    out = claimed.copy()
    for j, item in enumerate(criteria.bonus_items):
        if item.when is not None:
            out[:, j] |= condition_holds(item.when, figures)
    return out


def grade_codes(
    criteria: CriteriaSet, total: np.ndarray, section_share: np.ndarray, vetoed: np.ndarray
) -> np.ndarray:
    """Index of each application's grade band (-1 where the total is unknown).

    ``section_share`` is (applications × level-1 sections): each section's score over its points.
    A total or share on a band's boundary within the tolerance (``scoring.tolerance``: of the
    highest possible total, of 1 for shares) reaches it. Vetoed applications fall to the last band.
    """
    last = len(criteria.grades) - 1
    grade = np.full(total.shape, last, dtype=np.int64)
    undecided = ~vetoed.copy()
    min_share = section_share.min(axis=1) if section_share.shape[1] else np.ones(total.shape)
    top = criteria.scale + criteria.bonus_cap
    for k, band in enumerate(criteria.grades[:-1]):
        ok = undecided.copy()
        if band.min_total is not None:
            ok &= at_least(total, band.min_total, top)
        if band.min_section_share is not None:
            ok &= at_least(min_share, band.min_section_share, 1.0)
        grade[ok] = k
        undecided &= ~ok
    grade[np.isnan(total) & ~vetoed] = -1
    return grade
