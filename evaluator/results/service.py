"""A round's results: computed by the engine from the database, frozen in a snapshot, read back.

``compute`` locks the round, reads the encoded inputs (``results_inputs``), scores them with the
criteria's calibration and, for comparison, the other way (calibration off when it is on; z-score
calibration when it is off), measures rank stability (±10 % weight perturbation), disagreement and
reviewer statistics (``results_stats``), and stores one ``ResultSnapshot`` with one
``ApplicationResult`` line per application. The newest snapshot is the round's result.

Compute is allowed while the round is in review (provisional results) and once scoring is closed;
from the public notice on, the results are frozen: they are read and exported, never recomputed.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import zipfile
from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
from marshmallow import Schema, fields, validate
from sqlalchemy import asc, case, desc, func, insert, select

from evaluator.accounts.models import Organisation, User
from evaluator.applications.models import Application
from evaluator.audit import service as audit
from evaluator.core.locking import lock_round
from evaluator.errors import ServiceError
from evaluator.extensions import db
from evaluator.messages import msg
from evaluator.results import stats as results_stats
from evaluator.results.inputs import input_sha256, read_round
from evaluator.results.models import ApplicationResult, ResultSnapshot
from evaluator.rounds.models import Round
from evaluator.rounds.service import round_criteria
from evaluator.rounds.settings import settings_of
from evaluator.scoring.encoded import read_encoded
from evaluator.scoring.engine import ENGINE_VERSION, score_parsed
from evaluator.scoring.errors import InputError
from evaluator.scoring.result import RoundResult
from evaluator.scoring.sensitivity import weight_sensitivity
from evaluator.scoring.tolerance import margin
from evaluator.validation import Pattern, Text
from evaluator.workflow import PHASE_LABELS, Phase, ResultStatus

COMPUTE_PHASES = (Phase.REVIEW, Phase.SCORING_CLOSED)
"""Phases in which results may be (re)computed."""
STABILITY = {"perturbation": 0.10, "draws": 100, "top_k": 10, "seed": 0}
"""Rank stability: the leaf weights drawn ±10 %, 100 draws, a fixed seed."""
STATUS_CODES = tuple(s.value for s in ResultStatus)
SHOWN_DECIMALS = 2
"""Computed points as people read them, on the pages and in the exports (the API keeps full precision)."""
SORTS = {
    "rank": None,
    "total": ApplicationResult.total,
    "raw_total": ApplicationResult.raw_total,
    "name": Organisation.name,
    "city": Organisation.city_code,
    "n_reviews": ApplicationResult.n_reviews,
}


class ResultFilterSchema(Schema):
    """Filters and order of the results table (the API's query and the page's alike)."""

    city_code = fields.String(
        load_default=None, validate=Pattern(r"^\d{6}$", error="A city code is 6 digits.")
    )
    grade = Text(load_default=None, max_length=40)  # no control characters: PostgreSQL refuses NUL
    status = fields.String(load_default=None, validate=validate.OneOf(STATUS_CODES))
    disagreement = fields.Boolean(load_default=None)
    sort = fields.String(load_default="rank", validate=validate.OneOf(tuple(SORTS)))
    descending = fields.Boolean(load_default=False)


def compute(actor: User, rnd: Round) -> ResultSnapshot:
    """Score the round now and store a snapshot (flushes, audits); 409 outside review/scoring_closed,
    422 when the inputs are refused (every problem listed)."""
    fresh = lock_round(rnd.id)
    if fresh is None:
        raise ServiceError(404, msg("No round %(id)s.", id=rnd.id))
    if fresh.phase not in COMPUTE_PHASES:
        raise ServiceError(
            409,
            msg(
                "Round '%(title)s' is in phase '%(phase)s': results are computed only "
                "during the review and after scoring closes.",
                title=fresh.title,
                phase=PHASE_LABELS[Phase(fresh.phase)],
            ),
        )
    cs = round_criteria(fresh)
    settings = settings_of(fresh)
    inputs = read_round(fresh, cs, settings.on_site_group)
    try:
        figures, reviews, claimed = read_encoded(
            cs, inputs.applications, inputs.reviews, inputs.claims, scopes=inputs.scopes
        )
    except InputError as exc:
        raise ServiceError(
            422,
            msg("The round's data cannot be scored: see the problems."),
            {"inputs": [_problem(p) for p in exc.errors]},
        ) from None
    result = score_parsed(cs, figures, reviews, claimed)
    agg = cs.aggregation
    other = "none" if agg.calibration != "none" else "zscore"
    alt = score_parsed(replace(cs, aggregation=replace(agg, calibration=other)), figures, reviews, claimed)
    uncalibrated = alt if other == "none" else result
    gap, flagged, disagreeing, rule = results_stats.disagreements(
        result, settings.disagreement_spread, settings.disagreement_mads
    )
    stability = _stability(result)
    summary = {
        "notes": [str(n) for n in result.notes],
        "counts": {s: int((result.status == s).sum()) for s in STATUS_CODES},
        "calibration": agg.calibration,
        "comparison": other,
        "distribution": results_stats.distribution(result),
        "section_medians": results_stats.section_medians(result),
        "reviewers": results_stats.reviewer_stats(result, agg.calibration_min_scores),
        "disagreements": disagreeing,
        "disagreement_count": int(np.count_nonzero(results_stats.disagrees(gap, rule["line"], _maxima(cs)))),
        "disagreement_rule": rule,
        "stability": STABILITY,
    }
    snapshot = ResultSnapshot(
        round_id=fresh.id,
        engine_version=ENGINE_VERSION,
        criteria_sha256=fresh.criteria_sha256,
        input_sha256=input_sha256(inputs, cs),
        settings=settings.as_dict(),
        summary=summary,
        arrays=_arrays(result, alt, gap, stability, inputs.review_count),
        created_by=actor.id if actor is not None else None,
    )
    db.session.add(snapshot)
    db.session.flush()
    _insert_lines(_lines(snapshot.id, result, uncalibrated, flagged))
    audit.record(
        actor,
        "results.computed",
        "round",
        fresh.id,
        {
            "snapshot_id": snapshot.id,
            "engine_version": ENGINE_VERSION,
            "criteria_sha256": snapshot.criteria_sha256,
            "input_sha256": snapshot.input_sha256,
            "applications": len(result.ids),
            **summary["counts"],
        },
    )
    return snapshot


def _maxima(cs) -> np.ndarray:
    return np.array([leaf.points for leaf in cs.expert_leaves], dtype=float)


def _problem(p: dict) -> str:
    where = f"application {p['application_id']}: " if p.get("application_id") else ""
    return f"{where}{p.get('message')}"


def _stability(result: RoundResult) -> dict[str, np.ndarray]:
    n = len(result.ids)
    out = {k: np.zeros(n, dtype=np.float64) for k in ("rank_min", "rank_p5", "rank_p95", "rank_max")}
    if not (result.rank > 0).any():
        return out
    table = weight_sensitivity(result, **STABILITY).table
    pos = np.flatnonzero(result.rank > 0)
    pos = pos[np.argsort(result.rank[pos])]
    for k in out:
        out[k][pos] = table[k].to_numpy(dtype=np.float64)
    return out


def _arrays(
    result: RoundResult,
    alt: RoundResult,
    gap: np.ndarray,
    stability: dict[str, np.ndarray],
    review_count: np.ndarray,
) -> bytes:
    """The snapshot's arrays as an ``.npz`` (deflate level 1: a few MB in a fraction of a second).

    ``alt_*`` hold the comparison run: uncalibrated when the criteria calibrate, z-score calibrated
    when they do not (``summary.comparison`` says which).
    """
    arrays = {
        "ids": result.ids.astype(np.int64),
        "leaf_points": result.leaf_points,
        "raw_expert": result.raw_expert,
        "sections": result.sections,
        "base": result.base,
        "bonus": result.bonus,
        "total": result.total,
        "vetoes": result.vetoes,
        "bonus_awarded": result.bonus_awarded,
        "n_reviews": result.n_reviews,
        "review_count": review_count,
        "grade": result.grade,
        "rank": result.rank,
        "percentile": result.percentile,
        "alt_leaf_points": alt.leaf_points,
        "alt_sections": alt.sections,
        "alt_total": alt.total,
        "spread": gap,
        **stability,
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, value in arrays.items():
            with archive.open(f"{name}.npy", "w", force_zip64=True) as entry:
                np.lib.format.write_array(entry, np.ascontiguousarray(value), allow_pickle=False)
    return buffer.getvalue()


def compared(arrays: dict[str, np.ndarray], summary: dict, what: str) -> tuple[np.ndarray, np.ndarray]:
    """(calibrated, uncalibrated) arrays of ``what`` (leaf_points, sections or total) of a snapshot."""
    main, alt = arrays[what], arrays[f"alt_{what}"]
    return (alt, main) if summary.get("calibration", "none") == "none" else (main, alt)


def disagreement_rule(snapshot: ResultSnapshot) -> dict[str, Any]:
    """The line the snapshot's disagreement was measured against (``results.stats.disagreement_line``);
    a snapshot computed before the round's usual spread counted has its fixed share alone."""
    rule = snapshot.summary.get("disagreement_rule")
    if rule:
        return rule
    share = float((snapshot.settings or {}).get("disagreement_spread", 0.3))
    return {"median": None, "mad": None, "mads": None, "floor": share, "line": share, "measured": None}


def num(x: Any) -> float | None:
    """A float for JSON, at full precision: None for a missing value or NaN."""
    return None if x is None or np.isnan(x) else float(x)


def shown(x: Any, decimals: int = SHOWN_DECIMALS) -> float | None:
    """A computed figure as people read it (pages, exports): rounded half up (四舍五入) to
    ``decimals`` decimals once the floating-point noise beyond 10 significant digits is dropped,
    so 85.12499999999999 — the sum of decimals that make 85.125 — shows as 85.13; never −0 (a
    bias of −2e-19, noise, shows as 0); None for a missing value or NaN."""
    if x is None or not math.isfinite(x):
        return None
    exact = Decimal(format(float(x), ".10g"))
    return float(exact.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)) + 0.0


def _insert_lines(lines: list[dict]) -> None:
    """Bulk-insert the snapshot's lines: COPY on PostgreSQL (5,000 rows in a few tens of ms), one
    executemany elsewhere."""
    connection = db.session.connection()
    if connection.dialect.name != "postgresql" or not lines:
        db.session.execute(insert(ApplicationResult), lines)
        return
    columns = list(lines[0])
    table = ApplicationResult.__table__
    json_columns = {c for c in columns if c == "sections"}
    raw = connection.connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
        for line in lines:
            copy.write_row([json.dumps(line[c]) if c in json_columns else line[c] for c in columns])


def _lines(
    snapshot_id: int, result: RoundResult, uncalibrated: RoundResult, flagged: np.ndarray
) -> list[dict]:
    cs = result.criteria
    codes = [g.code for g in cs.grades]
    recognised = (
        np.array([g.recognised for g in cs.grades] + [False])[result.grade]
        & (result.grade >= 0)
        & (~result.vetoed)
    )
    section_ids = [s.id for s in cs.indicators]
    sections = result.sections.tolist()
    status = result.status
    lines = []
    for i, aid in enumerate(result.ids.tolist()):
        lines.append(
            {
                "snapshot_id": snapshot_id,
                "application_id": int(aid),
                "position": i,
                "status": status[i],
                "rank": int(result.rank[i]) or None,
                "total": num(result.total[i]),
                "base": num(result.base[i]),
                "bonus": num(result.bonus[i]),
                "raw_total": num(uncalibrated.total[i]),
                "grade": codes[result.grade[i]] if result.grade[i] >= 0 else None,
                "recognised": bool(recognised[i]),
                "n_reviews": int(result.n_reviews[i]),
                "disagreement": bool(flagged[i]),
                "sections": {
                    s: (None if v != v else v) for s, v in zip(section_ids, sections[i], strict=True)
                },
            }
        )
    return lines


# ----------------------------------------------------------------------------------------- reading


def latest(rnd: Round) -> ResultSnapshot | None:
    """The round's newest snapshot (None before the first compute)."""
    return db.session.scalars(
        select(ResultSnapshot)
        .where(ResultSnapshot.round_id == rnd.id)
        .order_by(ResultSnapshot.id.desc())
        .limit(1)
    ).first()


def latest_or_404(rnd: Round) -> ResultSnapshot:
    """The newest snapshot, or 404 when the round's results were never computed."""
    snapshot = latest(rnd)
    if snapshot is None:
        raise ServiceError(
            404, msg("The results of round '%(title)s' have not been computed yet.", title=rnd.title)
        )
    return snapshot


def lines_query(
    snapshot: ResultSnapshot,
    city_code: str | None = None,
    grade: str | None = None,
    status: str | None = None,
    disagreement: bool | None = None,
    sort: str = "rank",
    descending: bool = False,
):
    """The snapshot's lines with their application and organisation: ranked first (by rank), then
    vetoed, then incomplete, unless ``sort`` names another order."""
    query = (
        select(ApplicationResult, Application, Organisation)
        .join(Application, ApplicationResult.application_id == Application.id)
        .join(Organisation, Application.organisation_id == Organisation.id)
        .where(ApplicationResult.snapshot_id == snapshot.id)
    )
    if city_code:
        query = query.where(Organisation.city_code == city_code)
    if grade:
        query = query.where(ApplicationResult.grade == grade)
    if status:
        query = query.where(ApplicationResult.status == status)
    if disagreement is not None:
        query = query.where(ApplicationResult.disagreement.is_(disagreement))
    direction = desc if descending else asc
    column = SORTS.get(sort)
    order = [
        case(
            (ApplicationResult.status == ResultStatus.RANKED.value, 0),
            (ApplicationResult.status == ResultStatus.VETOED.value, 1),
            else_=2,
        )
    ]
    if column is None:
        order.append(direction(ApplicationResult.rank))
    elif sort in ("total", "raw_total"):
        # Totals equal within the tolerance sort together (by rank), not by floating-point noise.
        cs = round_criteria(db.session.get(Round, snapshot.round_id))
        unit = margin(cs.scale + cs.bonus_cap)
        order = [column.is_(None), direction(func.round(column / unit)), ApplicationResult.rank]
    else:
        order = [column.is_(None), direction(column)]
    return query.order_by(*order, ApplicationResult.position)


_ARRAYS: dict[bytes, dict[str, np.ndarray]] = {}  # by the SHA-256 of the blob, the newest last
_ARRAYS_MAX = 4


def arrays_of(snapshot: ResultSnapshot) -> dict[str, np.ndarray]:
    """The snapshot's engine arrays, read-only.

    Kept per process for the last few blobs read, under the SHA-256 of the blob: hashing a few MB
    takes a millisecond or two, inflating it some 30 ms (5,000 applications).
    """
    blob = snapshot.arrays
    key = hashlib.sha256(blob).digest()
    arrays = _ARRAYS.pop(key, None)
    if arrays is None:
        with np.load(io.BytesIO(blob), allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
        for value in arrays.values():
            value.flags.writeable = False  # shared by every reader of the blob
        if len(_ARRAYS) >= _ARRAYS_MAX:
            _ARRAYS.pop(next(iter(_ARRAYS)))
    _ARRAYS[key] = arrays
    return dict(arrays)


def line_of(snapshot: ResultSnapshot, application_id: int) -> ApplicationResult | None:
    """An application's line in a snapshot."""
    return db.session.scalars(
        select(ApplicationResult).where(
            ApplicationResult.snapshot_id == snapshot.id, ApplicationResult.application_id == application_id
        )
    ).first()
