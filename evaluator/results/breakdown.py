"""Reading a results snapshot for people: its facts, an application's full breakdown, the reviewer
statistics and the disagreements, with names from the database."""

from __future__ import annotations

from typing import Any

import numpy as np
from sqlalchemy import select

from evaluator.accounts.models import Organisation, User
from evaluator.applications.models import Application
from evaluator.errors import ServiceError
from evaluator.extensions import db
from evaluator.messages import msg
from evaluator.results.models import ResultSnapshot
from evaluator.results.service import arrays_of, compared, disagreement_rule, latest_or_404, line_of, num
from evaluator.results.stats import disagrees
from evaluator.rounds.models import Round
from evaluator.rounds.service import round_criteria
from evaluator.scoring.tolerance import negligible, tie_classes


def snapshot_info(snapshot: ResultSnapshot) -> dict[str, Any]:
    """When, by whom and from what a snapshot was computed."""
    by = db.session.get(User, snapshot.created_by) if snapshot.created_by else None
    return {
        "id": snapshot.id,
        "round_id": snapshot.round_id,
        "engine_version": snapshot.engine_version,
        "criteria_sha256": snapshot.criteria_sha256,
        "input_sha256": snapshot.input_sha256,
        "created_at": snapshot.created_at,
        "created_by": by.display_name if by else None,
        "calibration": snapshot.summary.get("calibration"),
        "comparison": snapshot.summary.get("comparison"),
        "counts": snapshot.summary.get("counts", {}),
        "notes": snapshot.summary.get("notes", []),
    }


def breakdown(app: Application) -> dict[str, Any]:
    """The application's full result in its round's newest snapshot: every indicator's points
    (official, calibrated and raw — without calibration) and contribution, sections against the
    round's median, vetoes, bonus, grade, rank and its stability; 404 when it has no line there."""
    rnd = db.session.get(Round, app.round_id)
    snapshot = latest_or_404(rnd)
    line = line_of(snapshot, app.id)
    if line is None:
        raise ServiceError(404, msg("Application %(id)s is not in the round's results.", id=app.id))
    cs = round_criteria(rnd)
    a, i = arrays_of(snapshot), line.position
    cal_leaf, raw_leaf = compared(a, snapshot.summary, "leaf_points")
    cal_sec, raw_sec = compared(a, snapshot.summary, "sections")
    cal_total, raw_total = compared(a, snapshot.summary, "total")
    disagree_at = disagreement_rule(snapshot)["line"]
    total = a["total"][i]
    no_total = bool(np.isnan(total) or negligible(total, cs.scale + cs.bonus_cap))
    expert_of = {leaf.id: k for k, leaf in enumerate(cs.expert_leaves)}
    indicators = []
    for j, leaf in enumerate(cs.leaves):
        k = expert_of.get(leaf.id)
        points = a["leaf_points"][i, j]
        gap = a["spread"][i, k] if k is not None else np.nan
        indicators.append(
            {
                "indicator_id": leaf.id,
                "name": leaf.name,
                "name_en": leaf.name_en,
                "section_id": leaf.section,
                "method": leaf.method,
                "max_points": float(leaf.points),
                "points": num(points),
                "calibrated_points": num(cal_leaf[i, j]),
                "raw_points": num(raw_leaf[i, j]),
                "contribution": None if no_total else num(points / total),
                "spread": num(gap),
                "disagreement": bool(k is not None and disagrees(gap, disagree_at, leaf.points)),
            }
        )
    medians = snapshot.summary.get("section_medians") or [None] * len(cs.indicators)
    sections = []
    for k, s in enumerate(cs.indicators):
        points = a["sections"][i, k]
        sections.append(
            {
                "section_id": s.id,
                "name": s.name,
                "name_en": s.name_en,
                "max_points": float(s.points),
                "points": num(points),
                "calibrated_points": num(cal_sec[i, k]),
                "raw_points": num(raw_sec[i, k]),
                "share": num(points / s.points) if s.points else None,
                "median_share": medians[k],
            }
        )
    grade = cs.grades[a["grade"][i]] if a["grade"][i] >= 0 else None
    ranked = a["rank"][i] > 0
    return {
        "application_id": app.id,
        "snapshot": snapshot_info(snapshot),
        "status": line.status,
        "total": num(total),
        "base": num(a["base"][i]),
        "bonus": num(a["bonus"][i]),
        "calibrated_total": num(cal_total[i]),
        "raw_total": num(raw_total[i]),
        "grade": None
        if grade is None
        else {"code": grade.code, "label": grade.label, "label_en": grade.label_en},
        "recognised": line.recognised,
        "rank": int(a["rank"][i]) or None,
        "percentile": num(a["percentile"][i]),
        "stability": {k: int(a[k][i]) for k in ("rank_min", "rank_max")}
        | {k: float(a[k][i]) for k in ("rank_p5", "rank_p95")}
        if ranked
        else None,
        "n_reviews": int(a["n_reviews"][i]),
        "reviews_counted": int(a["review_count"][i]),
        "disagreement": line.disagreement,
        "disagreement_line": disagree_at,
        "sections": sections,
        "indicators": indicators,
        "vetoes": [
            {"id": v.id, "reason": v.reason, "reason_en": v.reason_en}
            for j, v in enumerate(cs.vetoes)
            if a["vetoes"][i, j]
        ],
        "bonus_items": [
            {"id": b.id, "name": b.name, "name_en": b.name_en, "points": float(b.points)}
            for j, b in enumerate(cs.bonus_items)
            if a["bonus_awarded"][i, j]
        ],
        "bonus_cap": float(cs.bonus_cap),
    }


def reviewers(snapshot: ResultSnapshot) -> list[dict[str, Any]]:
    """The snapshot's reviewer statistics with each reviewer's name, the most lenient first (then by
    id)."""
    stats = [dict(s) for s in snapshot.summary.get("reviewers", [])]
    ids = [s["reviewer_id"] for s in stats]
    names = (
        dict(db.session.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all())
        if ids
        else {}
    )
    for s in stats:
        s["name"] = names.get(s["reviewer_id"], str(s["reviewer_id"]))
    # Biases equal within the tolerance (shares: of 1) tie and go by reviewer id.
    bias = tie_classes(np.array([np.nan if s["bias"] is None else s["bias"] for s in stats]), 1.0)
    order = sorted(
        range(len(stats)), key=lambda k: (stats[k]["bias"] is None, -bias[k], stats[k]["reviewer_id"])
    )
    return [stats[k] for k in order]


def disagreements(snapshot: ResultSnapshot) -> list[dict[str, Any]]:
    """The disagreeing indicators of the snapshot, with each application's organisation name."""
    items = [dict(d) for d in snapshot.summary.get("disagreements", [])]
    ids = sorted({d["application_id"] for d in items})
    names = (
        dict(
            db.session.execute(
                select(Application.id, Organisation.name)
                .join(Organisation, Application.organisation_id == Organisation.id)
                .where(Application.id.in_(ids))
            ).all()
        )
        if (ids)
        else {}
    )
    line = disagreement_rule(snapshot)["line"]
    for d in items:
        d["organisation"] = names.get(d["application_id"], "")
        d.setdefault("line", line * d["points"])
    return items
