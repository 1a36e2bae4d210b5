"""What a dossier shows, gathered once from the database as canonical result data: the round, the
unit, its result (sections, indicators, vetoes, bonus, rank and its stability), its comparison group
(the cohort, or the whole round), the recognition, the profile figures, the experts' comments
(anonymised) and the index of materials with their SHA-256.

The data is plain JSON; its canonical text (sorted keys, no spaces) is attached to the PDF and its
SHA-256 printed on it, so anybody can check a dossier's figures against the issued data.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import select

from evaluator.applications.models import Application, Material
from evaluator.assignments.models import Assignment
from evaluator.cohort_runs import peers as cohort_peers
from evaluator.cohort_runs import service as cohort_service
from evaluator.cohort_runs import standings as cohort_standings
from evaluator.errors import ServiceError
from evaluator.extensions import db
from evaluator.messages import msg
from evaluator.results import breakdown as breakdowns
from evaluator.results import service as results
from evaluator.results.models import ApplicationResult, ResultSnapshot
from evaluator.results.stats import letter
from evaluator.reviews.models import Review
from evaluator.rounds.models import Round
from evaluator.rounds.service import round_criteria
from evaluator.workflow import ReviewStatus, Status

SCHEMA_VERSION = 1
MAX_COMMENT_CHARS = 600
MAX_PEERS = 5


def canonical(data: dict[str, Any]) -> bytes:
    """The canonical text of the data (UTF-8 JSON, sorted keys, no spaces): what is attached and hashed."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def data_sha256(data: dict[str, Any]) -> str:
    """The SHA-256 of the data's canonical text."""
    return hashlib.sha256(canonical(data)).hexdigest()


def eligible(rnd: Round) -> list[int]:
    """The applications of the round that may have a dossier, in order of rank in the newest
    results: those the round's recognition recognised. A grade the criteria recognise is not enough:
    before the recognition (in review, during the notice) the results are provisional, and a dossier
    is the record of a recognition."""
    snapshot = results.latest(rnd)
    if snapshot is None:
        return []
    return list(
        db.session.scalars(
            select(ApplicationResult.application_id)
            .join(Application, Application.id == ApplicationResult.application_id)
            .where(
                ApplicationResult.snapshot_id == snapshot.id, Application.status == Status.RECOGNISED.value
            )
            .order_by(ApplicationResult.rank, ApplicationResult.application_id)
        )
    )


def _number(value: Any) -> float | None:
    if value is None:
        return None
    x = float(value)
    return None if np.isnan(x) else round(x, 4)


def _result(app: Application, rnd: Round, scale: float) -> tuple[ResultSnapshot, dict[str, Any]]:
    snapshot = results.latest_or_404(rnd)
    b = breakdowns.breakdown(app)
    keep = ("rank_min", "rank_max", "rank_p5", "rank_p95")
    return snapshot, {
        "snapshot_id": snapshot.id,
        "engine_version": snapshot.engine_version,
        "criteria_sha256": snapshot.criteria_sha256,
        "input_sha256": snapshot.input_sha256,
        "status": b["status"],
        "total": _number(b["total"]),
        "base": _number(b["base"]),
        "bonus": _number(b["bonus"]),
        "bonus_cap": _number(b["bonus_cap"]),
        "grade": b["grade"],
        "rank": b["rank"],
        "ranked": snapshot.summary.get("counts", {}).get("ranked"),
        "percentile": _number(b["percentile"]),
        "stability": {k: _number(b["stability"][k]) for k in keep} if b["stability"] else None,
        "sections": [
            {
                "id": s["section_id"],
                "name": s["name"],
                "name_en": s["name_en"],
                "max_points": _number(s["max_points"]),
                "points": _number(s["points"]),
                "share": _number(s["share"]),
            }
            for s in b["sections"]
        ],
        "indicators": [
            {
                "id": i["indicator_id"],
                "section_id": i["section_id"],
                "name": i["name"],
                "name_en": i["name_en"],
                "max_points": _number(i["max_points"]),
                "raw_points": _number(i["raw_points"]),
                "calibrated_points": _number(i["calibrated_points"]),
                "points": _number(i["points"]),
                "weight": _number(i["max_points"] / scale) if scale else None,
                "contribution": _number(i["contribution"]),
            }
            for i in b["indicators"]
        ],
        "vetoes": b["vetoes"],
        "bonus_items": b["bonus_items"],
    }


def comparison(app: Application, snapshot: ResultSnapshot) -> dict[str, Any]:
    """The group the dossier compares the unit with: its cohort once the round has cohorts, else
    the round's ranked applications — its number and label, the totals of its members (the bar
    chart), the unit's rank in it and the group's median share of each level-1 section (the radar)."""
    rnd = db.session.get(Round, app.round_id)
    cohorts = cohort_service.current_cohorts(rnd.id)
    own = cohorts.get(app.id)
    rows = db.session.execute(
        select(ApplicationResult.application_id, ApplicationResult.total).where(
            ApplicationResult.snapshot_id == snapshot.id, ApplicationResult.rank.is_not(None)
        )
    ).all()
    if own is not None:
        rows = [r for r in rows if (ref := cohorts.get(r.application_id)) and ref.number == own.number]
    members = sorted(
        (r for r in rows if r.total is not None), key=lambda r: (-float(r.total), r.application_id)
    )
    rank = next((k + 1 for k, r in enumerate(members) if r.application_id == app.id), None)
    if own is None:
        medians = snapshot.summary.get("section_medians") or []
    else:
        medians = cohort_standings.cohort_section_medians(rnd, app.id) or []
    return {
        "kind": "round" if own is None else "cohort",
        "number": None if own is None else own.number,
        "label": None if own is None else own.label_zh,
        "label_en": None if own is None else own.label_en,
        "size": len(members),
        "rank": rank,
        "totals": [round(float(r.total), 4) for r in members],
        "median_shares": [_number(m) for m in medians],
    }


def recognition(app: Application) -> dict[str, Any]:
    """How the unit was recognised: by the round's recognition list where there is one, else by its
    grade in the results."""
    return {"recognised": app.status == Status.RECOGNISED, "list": None, "date": None}


def peers(app: Application) -> list[dict[str, Any]]:
    """The unit's most similar peers in its cohort, nearest first, as the public may see them (by
    name unless the round is blind); none before the round has cohorts."""
    try:
        found = cohort_peers.peers_of(app, None, count=MAX_PEERS)
    except ServiceError:
        return []
    return [
        {"name": p["organisation"] or p["city"] or "", "city": p["city"], "distance": _number(p["distance"])}
        for p in found["peers"]
    ]


def _figures(app: Application, cs: Any) -> list[dict[str, Any]]:
    """The profile figures the unit gave, choices by their Chinese names."""
    out = []
    for f in cs.fields:
        value = (app.figures or {}).get(f.key)
        if value is None or value == "" or value == []:
            continue
        names = {c.value: c.label for c in f.choices}
        if f.type == "enum":
            value = names.get(value, value)
        elif f.type == "multi":
            value = [names.get(v, v) for v in value]
        out.append({"key": f.key, "label": f.label, "label_en": f.label_en, "unit": f.unit, "value": value})
    return out


def _comments(app: Application) -> list[dict[str, Any]]:
    """The submitted reviews' overall comments, as 专家A, 专家B … in the order of the reviews."""
    rows = db.session.execute(
        select(Review.comments)
        .join(Assignment, Assignment.id == Review.assignment_id)
        .where(Assignment.application_id == app.id, Review.status == ReviewStatus.SUBMITTED.value)
        .order_by(Review.submitted_at, Review.id)
    ).all()
    out = []
    for k, (comments,) in enumerate(rows):
        text = str((comments or {}).get("", "")).strip()
        if text:
            out.append({"expert": letter(k), "text": text[:MAX_COMMENT_CHARS]})
    return out


def _materials(app: Application) -> list[dict[str, Any]]:
    rows = db.session.scalars(
        select(Material).where(Material.application_id == app.id).order_by(Material.id)
    ).all()
    return [{"filename": m.filename, "sha256": m.sha256, "size": m.size} for m in rows]


def gather(app: Application, issued_on: datetime) -> dict[str, Any]:
    """The canonical data of the application's dossier (404 when it has no result in its round)."""
    rnd = db.session.get(Round, app.round_id)
    cs = round_criteria(rnd)
    snapshot, result = _result(app, rnd, float(cs.scale))
    if result["rank"] is None:
        raise ServiceError(409, msg("Application %(id)s is not ranked in the round's results.", id=app.id))
    org = app.organisation
    return {
        "schema": SCHEMA_VERSION,
        "issued_on": issued_on.date().isoformat(),
        "round": {
            "id": rnd.id,
            "title": rnd.title,
            "zone_type": rnd.zone_type,
            "criteria_id": rnd.criteria_id,
            "criteria_version": rnd.criteria_version,
            "scale": _number(cs.scale),
        },
        "unit": {
            "application_id": app.id,
            "name": org.name,
            "kind": org.kind,
            "city": org.city,
            "county": org.county,
            "subdistrict": org.subdistrict,
            "county_code": org.county_code,
        },
        "result": result,
        "comparison": comparison(app, snapshot),
        "peers": peers(app),
        "recognition": recognition(app),
        "figures": _figures(app, cs),
        "comments": _comments(app),
        "materials": _materials(app),
    }
