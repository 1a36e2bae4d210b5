"""Score a round: figures and expert scores in, an explained results table out.

The order of work follows the schemes it serves: indicators (auto-scored and aggregated expert
scores), section subtotals, vetoes (decisive whatever the score), capped bonus, grade, rank.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from evaluator.criteria.model import CriteriaSet
from evaluator.criteria.registry import get_method
from evaluator.scoring.aggregation import aggregate, calibrate_zscore
from evaluator.scoring.errors import MAX_REPORTED, InputError
from evaluator.scoring.figures import FigureTable, identifiers, read_figures
from evaluator.scoring.ranking import percentiles, rank_order, topsis_closeness
from evaluator.scoring.result import RoundResult
from evaluator.scoring.reviews import Reviews, read_claims, read_reviews
from evaluator.scoring.rules import bonus_matrix, grade_codes, veto_matrix

ENGINE_VERSION = "1.2"
"""The engine's version, stored with every results snapshot; raise it whenever a change to the
engine can change a result computed from the same inputs."""

_DENSE_PAIRS = 20_000_000
"""Up to this many (application, reviewer) cells, reviews per application are counted in a dense
table; beyond it, by sorting the pairs (less memory)."""


def score_round(
    criteria: CriteriaSet,
    applications: pd.DataFrame,
    scores: pd.DataFrame | None = None,
    bonus_claims: pd.DataFrame | None = None,
    reviewers: list[str] | None = None,
) -> RoundResult:
    """Score every application of a round; raise ``InputError`` listing every bad input.

    ``applications`` has an ``id`` column, optionally ``submitted_at``, and one column per
    criteria field (by key or Chinese label). ``scores`` has ``application_id, reviewer_id,
    indicator_id, score`` and optionally ``flag``. ``bonus_claims`` has ``application_id,
    bonus_id``. ``reviewers``, when given, is the roster every score must come from.
    """
    figures, reviews, claimed = read_inputs(criteria, applications, scores, bonus_claims, reviewers)
    return score_parsed(criteria, figures, reviews, claimed)


def score_parsed(
    criteria: CriteriaSet, figures: FigureTable, reviews: Reviews, claimed: np.ndarray
) -> RoundResult:
    """Score a round whose inputs are already checked and encoded (see :func:`read_inputs`)."""
    n, leaves = figures.n, criteria.leaves
    # Column-major: every leaf writes one contiguous column.
    leaf_points = np.zeros((n, len(leaves)), order="F")
    missing_figure = np.zeros((n, len(leaves)), dtype=bool, order="F")  # expert columns stay 0
    leaf_pos = {leaf.id: j for j, leaf in enumerate(leaves)}

    for j, leaf in enumerate(leaves):
        if leaf.method == "expert":
            continue
        method = get_method(leaf.method)
        share = method.score(leaf.params, figures, leaf.points)
        np.isnan(share, out=missing_figure[:, j])
        np.multiply(share, leaf.points, out=leaf_points[:, j])
        leaf_points[missing_figure[:, j], j] = 0.0

    raw, n_reviews = expert_scores(criteria, reviews, n)
    complete = (
        n_reviews >= criteria.aggregation.min_reviews if criteria.expert_leaves else (np.ones(n, dtype=bool))
    )
    if reviews.scopes is not None:
        complete &= groups_complete(reviews, n, criteria.aggregation.min_reviews)
    final = raw["final"]
    for k, leaf in enumerate(criteria.expert_leaves):
        leaf_points[:, leaf_pos[leaf.id]] = np.where(complete, final[:, k], np.nan)

    section_ids = [s.id for s in criteria.indicators]
    section_of = {s.id: k for k, s in enumerate(criteria.indicators)}
    sections = np.zeros((n, len(section_ids)), order="F")
    for j, leaf in enumerate(leaves):  # column by column: contiguous adds
        sections[:, section_of[leaf.section]] += leaf_points[:, j]
    base = sections.sum(axis=1)
    vetoes = veto_matrix(criteria, figures, reviews)
    vetoed = vetoes.any(axis=1)
    bonus_awarded = bonus_matrix(criteria, figures, claimed)
    bonus_points = np.array([b.points for b in criteria.bonus_items])
    bonus = (
        np.minimum(bonus_awarded.astype(float) @ bonus_points, criteria.bonus_cap)
        if (bonus_points.size)
        else np.zeros(n)
    )
    total = base + bonus

    section_points = np.array([s.points for s in criteria.indicators])
    with np.errstate(invalid="ignore", divide="ignore"):
        section_share = np.where(section_points > 0, sections / section_points, 1.0)
    grade = grade_codes(criteria, total, section_share, vetoed)
    eligible = ~vetoed & complete
    columns = {"total": total, "base": base, "bonus": bonus}
    columns.update({f"section:{s}": sections[:, i] for i, s in enumerate(section_ids)})
    if criteria.ranking.method == "topsis":
        columns["closeness"] = topsis_closeness(criteria, leaf_points, bonus, eligible)
    rank = rank_order(criteria, columns, figures.ids, figures.submitted_at, eligible)

    return RoundResult(
        criteria=criteria,
        figures=figures,
        reviews=reviews,
        leaf_points=leaf_points,
        raw_expert=raw["raw"],
        missing_figure=missing_figure,
        sections=sections,
        base=base,
        bonus=bonus,
        bonus_awarded=bonus_awarded,
        total=total,
        vetoes=vetoes,
        vetoed=vetoed,
        complete=complete,
        n_reviews=n_reviews,
        grade=grade,
        rank=rank,
        percentile=percentiles(rank),
        closeness=columns.get("closeness"),
    )


def read_inputs(
    criteria: CriteriaSet,
    applications: pd.DataFrame,
    scores: pd.DataFrame | None,
    bonus_claims: pd.DataFrame | None,
    reviewers: list[str] | None,
) -> tuple[FigureTable, Reviews, np.ndarray]:
    """Parse all three tables; raise one ``InputError`` with the problems of all of them."""
    problems: list[dict] = []
    omitted = 0

    def attempt(read, *args):
        nonlocal omitted
        try:
            return read(*args)
        except InputError as exc:
            problems.extend(exc.errors)
            omitted += exc.omitted
            return None

    figures = attempt(read_figures, criteria, applications)
    if figures is not None:
        ids = figures.ids
    elif "id" in applications.columns:
        ids = identifiers(applications["id"])
    else:
        ids = None  # without ids nothing else can be checked against the applications
    reviews = claimed = None
    if ids is not None:
        reviews = attempt(read_reviews, criteria, scores, ids, reviewers)
        claimed = attempt(read_claims, criteria, bonus_claims, ids)
    if problems or omitted:
        raise InputError(problems[:MAX_REPORTED], omitted + max(0, len(problems) - MAX_REPORTED))
    return figures, reviews, claimed


def expert_scores(criteria: CriteriaSet, reviews: Reviews, n: int) -> tuple[dict, np.ndarray]:
    """Aggregate expert scores; return ({"raw", "final"} (n × experts) matrices, reviewers per app).

    ``final`` is the aggregate of calibrated scores when calibration is on, else of raw scores.
    """
    agg = criteria.aggregation
    n_ind = len(criteria.expert_leaves)
    maxima = np.array([leaf.points for leaf in criteria.expert_leaves])
    group = reviews.app * n_ind + reviews.indicator
    raw, _ = aggregate(reviews.score, group, n * n_ind, agg.method, agg.trim_from)
    raw = raw.reshape(n, n_ind) if n_ind else np.zeros((n, 0))
    final = raw
    if agg.calibration == "zscore" and reviews.score.size:
        calibrated = calibrate_zscore(
            reviews.score, reviews.reviewer, reviews.indicator, maxima, agg.calibration_min_scores
        )
        final, _ = aggregate(calibrated, group, n * n_ind, agg.method, agg.trim_from)
        final = final.reshape(n, n_ind)
    if reviews.app.size:
        width = max(1, len(reviews.reviewer_ids))
        keys = reviews.app * width + reviews.reviewer
        if n * width <= _DENSE_PAIRS:  # a table of every (application, reviewer): no sort needed
            seen = np.bincount(keys, minlength=n * width).reshape(n, width) > 0
            n_reviews = seen.sum(axis=1)
        else:
            n_reviews = np.bincount(np.unique(keys) // width, minlength=n)
    else:
        n_reviews = np.zeros(n, dtype=np.int64)
    return {"raw": raw, "final": final}, n_reviews


def groups_complete(reviews: Reviews, n: int, min_reviews: int) -> np.ndarray:
    """Per application: whether every reviewing group that scores something has ``min_reviews``
    different reviewers on it (reviews with groups, from the encoded inputs)."""
    assert reviews.scopes is not None and reviews.scope is not None
    complete = np.ones(n, dtype=bool)
    width = max(1, len(reviews.reviewer_ids))
    for g in np.flatnonzero(reviews.scopes.any(axis=1)):
        mine = reviews.scope == g
        pairs = np.unique(reviews.app[mine] * width + reviews.reviewer[mine])
        complete &= np.bincount(pairs // width, minlength=n) >= min_reviews
    return complete
