"""A round's cohorts: the engine run on its applications' figures, stored, read back and adjusted.

``run`` locks the round, reads the figures of the applications in review or later (the criteria
set's figure fields the settings read), runs the engine (``evaluator.cohorts``: cohorts, bootstrap
stability, nearest peers) and stores a :class:`~evaluator.cohort_runs.models.CohortRun` with its
cohorts and one member per application. The newest run is the round's cohorts. ``move`` puts an
application into another cohort of the newest run, with a reason (audited). ``current_cohorts`` is
what other features read: each application's cohort with the office's moves applied.

Runs and moves are allowed while the round is in review and once scoring is closed; from the public
notice on the cohorts are frozen, like the results, and only read.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pandas as pd
from marshmallow import Schema, fields, validate
from sqlalchemy import Text, cast, select

from evaluator.accounts.models import Organisation, User
from evaluator.applications.models import Application
from evaluator.audit import service as audit
from evaluator.cohort_runs.models import Cohort, CohortMember, CohortMove, CohortRun
from evaluator.cohort_runs.records import (
    cohort_rows,
    feature_record,
    member_rows,
    number_or_none,
    quality_record,
)
from evaluator.cohorts import (
    CohortError,
    CohortSettings,
    InputError,
    bootstrap_stability,
    build_settings,
    default_settings,
    nearest_peers,
    run_cohorts,
)
from evaluator.core.locking import lock_application, lock_round
from evaluator.core.versions import check_version
from evaluator.errors import ServiceError
from evaluator.extensions import db
from evaluator.messages import msg
from evaluator.rounds.models import Round
from evaluator.rounds.service import round_criteria
from evaluator.validation import Text as TextField
from evaluator.workflow import PHASE_LABELS, REVIEWED_STATUSES, Phase

RUN_PHASES = (Phase.REVIEW, Phase.SCORING_CLOSED)
"""Phases in which cohorts may be run and applications moved."""
MAX_REASON = 500


@dataclass(frozen=True)
class CohortRef:
    """An application's cohort as other features read it."""

    number: int  # 1-based, stable numbering rule of the engine
    label_zh: str  # the cohort's readable profile in Chinese
    label_en: str  # and in English


class MoveInput(Schema):
    """Moving an application to another cohort of the round's newest run (the API's body and the
    page's form alike)."""

    cohort = fields.Integer(required=True, strict=False, validate=validate.Range(min=1, max=1000))
    reason = TextField(required=True, min_length=1, max_length=MAX_REASON, multiline=True)
    run_id = fields.Integer(
        load_default=None,
        strict=False,
        validate=validate.Range(min=1),
        metadata={"description": "The run the move was read on: 409 when a newer run was made since"},
    )


# ----------------------------------------------------------------------------------------- settings


def round_settings(rnd: Round, raw: Any = None) -> CohortSettings:
    """The settings a run of the round uses: ``raw`` when given (a mapping, validated against the
    round's criteria set), else those of the round's newest run (validated again as they are
    loaded), else the zone type's defaults. A refusal is a 422 naming each bad path under
    ``settings``."""
    cs = round_criteria(rnd)
    try:
        if raw is not None:
            return build_settings(raw, cs)
        last = latest(rnd.id)
        if last is not None:
            return build_settings(last.settings, cs, f"cohort run {last.id}")
        return default_settings(cs)
    except CohortError as exc:
        raise ServiceError(
            422,
            msg("The cohort settings are not valid: see the problems."),
            {_path(path): list(problems) for path, problems in exc.errors.items()},
        ) from None


def _path(path: str) -> str:
    return "settings" if path == "(file)" else f"settings.{path}"


# --------------------------------------------------------------------------------------------- run


def _figures(rnd: Round, settings: CohortSettings) -> pd.DataFrame:
    """The figures the settings read, one row per application in review or later (by id)."""
    rows = db.session.execute(
        select(Application.id, cast(Application.figures, Text))
        .where(Application.round_id == rnd.id, Application.status.in_([s.value for s in REVIEWED_STATUSES]))
        .order_by(Application.id)
    ).all()
    keys = settings.figures
    decoded = [json.loads(text) if text else {} for _, text in rows]
    table = {"id": [r[0] for r in rows]}
    for key in keys:
        table[key] = [(d.get(key) if isinstance(d, dict) else None) for d in decoded]
    return pd.DataFrame(table, columns=["id", *keys])


def _refused(exc: Exception) -> ServiceError:
    if isinstance(exc, CohortError):
        return ServiceError(
            422,
            msg("The cohorts cannot be formed from this round's applications: see the problems."),
            {_path(path): list(problems) for path, problems in exc.errors.items()},
        )
    problems = [
        f"{msg('application %(id)s', id=p['application_id'])}: {p['message']}"
        if p.get("application_id") is not None
        else str(p.get("message"))
        for p in getattr(exc, "errors", [])
    ]
    return ServiceError(
        422, msg("The round's figures cannot be clustered: see the problems."), {"figures": problems}
    )


def _open_round(ident: int, *, shared: bool) -> Round:
    """The round locked (for update, or shared), 404 when missing, 409 outside the run phases."""
    fresh = lock_round(ident, shared=shared)
    if fresh is None:
        raise ServiceError(404, msg("No round %(id)s.", id=ident))
    if fresh.phase not in RUN_PHASES:
        raise ServiceError(
            409,
            msg(
                "Round '%(title)s' is in phase '%(phase)s': cohorts are formed and changed only "
                "during the review and after scoring closes.",
                title=fresh.title,
                phase=PHASE_LABELS[Phase(fresh.phase)],
            ),
        )
    return fresh


def run(actor: User | None, rnd: Round, raw_settings: Any = None, replace_moves: bool = False) -> CohortRun:
    """Cluster the round's applications now and store the run (flushes, audits): 409 outside review
    and scoring closed, 422 for settings or figures the engine refuses (every problem by path).

    A new run forms the cohorts afresh from the figures: the office's moves in the newest run do not
    carry over (they stay recorded with it). While the newest run has moves, a new one is formed
    only with ``replace_moves`` (422 at that field otherwise), so that no click drops them unawares."""
    fresh = _open_round(rnd.id, shared=False)
    newest = latest(fresh.id)
    moved = len(moves_of(newest)) if newest is not None else 0
    if moved and not replace_moves:
        raise ServiceError(
            422,
            msg("The cohorts carry the office's moves."),
            {
                "replace_moves": [
                    msg(
                        "The newest cohorts carry the office's moves (%(n)s), which a new run does not "
                        "keep (they stay recorded with the earlier run): confirm to form the cohorts anew.",
                        n=moved,
                    )
                ]
            },
        )
    settings = round_settings(fresh, raw_settings)
    figures = _figures(fresh, settings)
    try:
        result = run_cohorts(figures, settings)
        stability = bootstrap_stability(result)
        peers = nearest_peers(result)
    except (CohortError, InputError) as exc:
        raise _refused(exc) from None
    stored = CohortRun(
        round_id=fresh.id,
        engine_version=result.version,
        data_hash=result.data_hash,
        settings_sha256=settings.sha256,
        settings=dict(settings.source),
        quality=quality_record(result, stability, settings),
        features=[feature_record(f) for f in settings.features],
        k=result.k,
        applications=int(result.features.n),
        created_by=actor.id if actor is not None else None,
    )
    db.session.add(stored)
    db.session.flush()
    db.session.add_all(cohort_rows(stored.id, result, stability))
    db.session.add_all(member_rows(stored.id, result, stability, peers))
    db.session.flush()
    audit.record(
        actor,
        "cohorts.computed",
        "round",
        fresh.id,
        {
            "run_id": stored.id,
            "engine_version": result.version,
            "data_hash": result.data_hash,
            "settings_sha256": settings.sha256,
            "applications": stored.applications,
            "cohorts": result.k,
            "silhouette": number_or_none(result.quality.silhouette),
        },
    )
    return stored


def latest(round_id: int) -> CohortRun | None:
    """The round's newest run (None before the first)."""
    return db.session.scalars(
        select(CohortRun).where(CohortRun.round_id == round_id).order_by(CohortRun.id.desc()).limit(1)
    ).first()


def latest_or_404(rnd: Round) -> CohortRun:
    """The round's newest run, or 404 when its cohorts were never formed."""
    found = latest(rnd.id)
    if found is None:
        raise ServiceError(
            404, msg("The cohorts of round '%(title)s' have not been formed yet.", title=rnd.title)
        )
    return found


def cohorts_of(run_: CohortRun) -> list[Cohort]:
    """The run's cohorts by number."""
    return list(db.session.scalars(select(Cohort).where(Cohort.run_id == run_.id).order_by(Cohort.number)))


def members_of(run_: CohortRun) -> list[CohortMember]:
    """The run's members by application id."""
    return list(
        db.session.scalars(
            select(CohortMember).where(CohortMember.run_id == run_.id).order_by(CohortMember.application_id)
        )
    )


def member_of(run_: CohortRun, application_id: int) -> CohortMember | None:
    """An application's place in a run (None when it was not in the run)."""
    return db.session.scalars(
        select(CohortMember).where(
            CohortMember.run_id == run_.id, CohortMember.application_id == application_id
        )
    ).first()


def organisation_names(run_: CohortRun) -> dict[int, str]:
    """The run's applications' organisation names, by application id."""
    return dict(
        db.session.execute(
            select(CohortMember.application_id, Organisation.name)
            .join(Application, CohortMember.application_id == Application.id)
            .join(Organisation, Application.organisation_id == Organisation.id)
            .where(CohortMember.run_id == run_.id)
        ).all()
    )


def moves_of(run_: CohortRun) -> list[CohortMove]:
    """The office's moves in a run, the newest first."""
    return list(
        db.session.scalars(
            select(CohortMove).where(CohortMove.run_id == run_.id).order_by(CohortMove.id.desc())
        )
    )


def current_cohorts(round_id: int) -> dict[int, CohortRef]:
    """application_id -> its cohort in the round's latest run, office moves applied; {} when no run."""
    found = latest(round_id)
    if found is None:
        return {}
    labels = {c.number: (c.profile_zh, c.profile_en) for c in cohorts_of(found)}
    out: dict[int, CohortRef] = {}
    for member in members_of(found):
        number = member.current
        if number is not None and number in labels:
            out[member.application_id] = CohortRef(number, *labels[number])
    return out


# -------------------------------------------------------------------------------------------- move


def move(
    actor: User | None,
    app: Application,
    data: dict[str, Any],
    expected: frozenset[str] | None = None,
) -> CohortMember:
    """Move the application to another cohort of its round's newest run, with a reason (flushes,
    audits). Locks the round (shared) and the application, in the lock order; ``expected`` is the
    ETag of the membership the caller read (If-Match, or the page's version): 412 when it moved
    since. 404 without a run or a place in it, 409 outside the run phases, 422 for a cohort the run
    does not have or the cohort it is in already."""
    fresh = _open_round(app.round_id, shared=True)
    lock_application(app.id)
    found = latest_or_404(fresh)
    member = member_of(found, app.id)
    if member is None:
        raise ServiceError(404, msg("Application %(id)s is not in the round's cohorts.", id=app.id))
    db.session.refresh(member)  # as committed: every move of it waits for the application's lock
    if data.get("run_id") is not None and data["run_id"] != found.id:
        raise ServiceError(
            409,
            msg(
                "The cohorts were formed again since you read them (run %(run)s is now the newest); "
                "reload them and move the application again.",
                run=found.id,
            ),
            {"run_id": [msg("not the newest run")]},
        )
    check_version(member, expected, "cohort_member")
    target = int(data["cohort"])
    numbers = {c.number for c in cohorts_of(found)}
    if target not in numbers:
        raise ServiceError(
            422,
            msg("The round has no cohort %(n)s.", n=target),
            {"cohort": [msg("Choose a cohort from 1 to %(k)s.", k=max(numbers, default=0))]},
        )
    before = member.current
    if target == before:
        raise ServiceError(
            422,
            msg("The application is in cohort %(n)s already.", n=target),
            {"cohort": [msg("Choose another cohort.")]},
        )
    reason = data["reason"].strip()
    if not reason:
        raise ServiceError(
            422, msg("Give the reason for the move."), {"reason": [msg("This field is required.")]}
        )
    member.moved_to = None if target == member.cohort else target
    db.session.add(
        CohortMove(
            run_id=found.id,
            application_id=app.id,
            from_cohort=before,
            to_cohort=target,
            reason=reason,
            moved_by=actor.id if actor is not None else None,
        )
    )
    db.session.flush()
    audit.record(
        actor,
        "cohorts.moved",
        "application",
        app.id,
        {"run_id": found.id, "round_id": fresh.id, "from": before, "to": target, "reason": reason},
    )
    return member
