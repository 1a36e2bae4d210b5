"""Explanations: what each indicator contributed to one application's total, and why."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from evaluator.criteria.registry import fmt, get_method
from evaluator.messages import Message, msg
from evaluator.scoring.tolerance import negligible

if TYPE_CHECKING:
    from evaluator.scoring.result import RoundResult


def _num(x: float) -> float | None:
    return None if np.isnan(x) else float(x)  # full precision: rounding is for people's pages


def explain_application(result: RoundResult, i: int) -> dict[str, Any]:
    """A JSON-ready account of application ``i``: indicators, sections, vetoes, bonus, grade."""
    cs = result.criteria
    values = result.figures.values_of(i)
    expert_pos = {leaf.id: k for k, leaf in enumerate(cs.expert_leaves)}
    total = result.total[i]
    no_total = bool(np.isnan(total) or negligible(total, cs.scale + cs.bonus_cap))
    lines = []
    for j, leaf in enumerate(cs.leaves):
        points = result.leaf_points[i, j]
        if leaf.method == "expert":
            k = expert_pos[leaf.id]
            detail = _expert_detail(result, i, k)
            raw = _num(result.raw_expert[i, k])
        else:
            detail = get_method(leaf.method).describe(leaf.params, values)
            if result.missing_figure[i, j]:
                detail = msg("%(detail)s — figure missing: 0 points", detail=detail)
            raw = None
        lines.append(
            {
                "indicator_id": leaf.id,
                "name": leaf.name,
                "name_en": leaf.name_en,
                "section_id": leaf.section,
                "method": leaf.method,
                "points": _num(points),
                "raw_points": raw,
                "max_points": float(leaf.points),
                "share_of_total": None if no_total else _num(points / total),
                "detail": detail,
            }
        )
    grade = cs.grades[result.grade[i]] if result.grade[i] >= 0 else None
    return {
        "application_id": str(result.ids[i]),
        "criteria": {"id": cs.id, "version": cs.version, "sha256": cs.sha256},
        "status": result.status[i],
        "total": _num(total),
        "base": _num(result.base[i]),
        "bonus": _num(result.bonus[i]),
        "rank": int(result.rank[i]) or None,
        "percentile": _num(result.percentile[i]),
        "grade": None
        if grade is None
        else {"code": grade.code, "label": grade.label, "label_en": grade.label_en},
        "sections": [
            {
                "section_id": s.id,
                "name": s.name,
                "points": _num(result.sections[i, k]),
                "max_points": float(s.points),
            }
            for k, s in enumerate(cs.indicators)
        ],
        "indicators": lines,
        "vetoes": [
            {"id": v.id, "reason": v.reason, "reason_en": v.reason_en}
            for j, v in enumerate(cs.vetoes)
            if result.vetoes[i, j]
        ],
        "bonus_items": [
            {"id": b.id, "name": b.name, "points": b.points}
            for j, b in enumerate(cs.bonus_items)
            if result.bonus_awarded[i, j]
        ],
        "bonus_cap": cs.bonus_cap,
        "n_reviews": int(result.n_reviews[i]),
    }


_METHODS = {"mean": msg("mean"), "median": msg("median"), "trimmed_mean": msg("trimmed mean")}


def _expert_detail(result: RoundResult, i: int, k: int) -> Message:
    # Each step adds one clause to the whole so far, so every template is a complete sentence.
    agg = result.criteria.aggregation
    rv = result.reviews
    mine = (rv.app == i) & (rv.indicator == k)
    scores = [fmt(float(s)) for s in sorted(rv.score[mine])]
    if not scores:
        return msg("no expert scores yet")
    if agg.method == "trimmed_mean" and len(scores) >= agg.trim_from:
        text = msg(
            "%(count)s expert scores: %(scores)s; highest and lowest dropped, mean of the rest",
            count=len(scores),
            scores=scores,
        )
    else:
        text = msg(
            "%(count)s expert scores: %(scores)s; %(method)s",
            count=len(scores),
            scores=scores,
            method=_METHODS.get(agg.method, agg.method.replace("_", " ")),
        )
    if agg.calibration == "zscore":
        text = msg("%(detail)s; reviewer z-score calibration applied", detail=text)
    if not result.complete[i]:
        text = msg(
            "%(detail)s; fewer than %(min)s reviews: not counted yet", detail=text, min=agg.min_reviews
        )
    return text
