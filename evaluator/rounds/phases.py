"""Move a round through its phases: lock it, check the version, the order and the deadline that
gates the phase, let the region steps decide who enters review, and audit the move."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from zoneinfo import ZoneInfo

from evaluator.accounts.models import User
from evaluator.audit import service as audit
from evaluator.core.db import as_aware, utcnow
from evaluator.core.locking import lock_round
from evaluator.core.versions import check_version
from evaluator.errors import ServiceError
from evaluator.extensions import db
from evaluator.messages import N_, msg
from evaluator.rounds.models import Round
from evaluator.workflow import PHASE_ACTS, PHASE_GATES, PHASE_LABELS, Phase, next_phase

BEIJING = ZoneInfo("Asia/Shanghai")


_BY_ACT = {
    Phase.NOTICE: N_("A round enters the public notice when the office publishes its shortlist."),
    Phase.FINAL: N_("A round becomes final when the office publishes its recognition list."),
}


def move_round(
    actor: User,
    rnd: Round,
    to: str,
    reason: str | None = None,
    expected: Collection[str] | None = None,
    act: str | None = None,
) -> Round:
    """Move a round one phase forward, once the deadline that gates it has passed (flushes, audits).

    The public notice and the final phase are entered only through the act that opens them
    (``workflow.PHASE_ACTS``: publishing the shortlist, publishing the recognition list), which
    names itself in ``act``."""
    fresh = lock_round(rnd.id)
    if fresh is None:
        raise ServiceError(404, msg("No round %(id)s.", id=rnd.id))
    rnd = fresh
    check_version(rnd, expected, "round")
    expected = next_phase(rnd.phase)
    if to != expected:
        raise ServiceError(
            409,
            msg(
                "A round in '%(phase)s' can only move to '%(next)s'.",
                phase=PHASE_LABELS[Phase(rnd.phase)],
                next=PHASE_LABELS[expected],
            )
            if expected
            else msg("This round is final."),
        )
    needed = PHASE_ACTS.get(Phase(to))
    if needed is not None and act != needed:
        raise ServiceError(409, msg(_BY_ACT[Phase(to)]))
    gate = PHASE_GATES.get(Phase(to))
    deadline = getattr(rnd, gate) if gate else None
    if deadline is not None and utcnow() < as_aware(deadline):
        template = (
            N_("'%(phase)s' opens after the review deadline (%(deadline)s).")
            if gate == "review_deadline"
            else N_("'%(phase)s' opens after the submission deadline (%(deadline)s).")
        )
        raise ServiceError(409, msg(template, phase=PHASE_LABELS[Phase(to)], deadline=beijing_time(deadline)))
    if to == Phase.REVIEW:
        from evaluator.vetting.quota import enter_review  # the region steps' outcome

        enter_review(actor, rnd)
    before = rnd.phase
    rnd.phase = to
    db.session.flush()
    summary = {"from": before, "to": to} | ({"reason": reason} if reason else {})
    audit.record(actor, "round.transition", "round", rnd.id, summary)
    return rnd


def beijing_time(value: datetime) -> str:
    """A stored time as Beijing time, the way people write it (2026-05-01 08:00)."""
    return as_aware(value).astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")
