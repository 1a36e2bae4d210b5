"""Declared conflicts of interest: who declares what, the limit, the office's decision, and the pairs
that bind the assignment.

A reviewer declares a conflict with an organisation, named as they know it — never with an
application, so that nothing a reviewer sees ties a blind application to its organisation. The
answer is the same whether or not the organisation applied, and whether or not the reviewer holds
(or held) an assignment of its application. An applicant declares a conflict with a reviewer of the
roster. Either binds the assignment (``accepted_pairs``) only once the office accepts it, naming the
registered organisation; a round's ``max_declared_conflicts`` caps the pending and accepted
declarations of each reviewer and of each applicant organisation. Declaring and deciding lock the
round's row for update, as every change of what binds its assignments does.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from sqlalchemy import func, select

from evaluator.accounts.models import Organisation, User
from evaluator.applications.models import Application
from evaluator.assignments.data import required_reason
from evaluator.assignments.models import ConflictDeclaration
from evaluator.audit import service as audit
from evaluator.core.db import utcnow
from evaluator.core.locking import lock_round
from evaluator.core.versions import check_version
from evaluator.errors import ServiceError
from evaluator.extensions import db
from evaluator.messages import msg
from evaluator.rounds.models import Round
from evaluator.rounds.settings import settings_of
from evaluator.workflow import ConflictSide, ConflictStatus, Phase, Role, Status

DECLARE_PHASES = (Phase.OPEN.value, Phase.REVIEW.value)
OUT_OF_THE_PROCEDURE = (Status.WITHDRAWN.value, Status.DECLINED.value)


def clean_name(text: str | None) -> str:
    """An organisation's name as stored: compatibility forms folded (full-width letters and digits),
    runs of white space made one space."""
    return " ".join(unicodedata.normalize("NFKC", text or "").split())


def name_key(text: str | None) -> str:
    """What two names must share to be the same organisation's: the clean name without spaces."""
    return clean_name(text).replace(" ", "")


def declaring_rounds() -> list[Round]:
    """The rounds in which conflicts may be declared (open or in review), newest first."""
    return list(
        db.session.scalars(select(Round).where(Round.phase.in_(DECLARE_PHASES)).order_by(Round.id.desc()))
    )


def limit_of(rnd: Round) -> int:
    """How many pending or accepted declarations one declarer may have in the round."""
    return settings_of(rnd).max_declared_conflicts


def _locked_open_round(rnd: Round) -> Round:
    fresh = lock_round(rnd.id)
    if fresh is None or fresh.phase not in DECLARE_PHASES:
        raise ServiceError(
            409, msg("Conflicts can be declared and decided only while the round is open or in review.")
        )
    return fresh


def _count(rnd: Round, side: ConflictSide, **who: int) -> int:
    query = select(func.count()).where(
        ConflictDeclaration.round_id == rnd.id,
        ConflictDeclaration.side == side.value,
        ConflictDeclaration.status != ConflictStatus.REFUSED.value,
        *(getattr(ConflictDeclaration, k) == v for k, v in who.items()),
    )
    return db.session.scalar(query) or 0


def _check_limit(rnd: Round, side: ConflictSide, field: str, **who: int) -> None:
    limit = limit_of(rnd)
    if _count(rnd, side, **who) >= limit:
        raise ServiceError(
            409,
            msg(
                "You have %(limit)s conflicts declared in this round, the most it allows; the office "
                "decides them first (refused ones no longer count).",
                limit=limit,
            ),
            {field: [msg("at most %(limit)s in this round", limit=limit)]},
        )


def _same(rnd: Round, side: ConflictSide, reviewer_id: int, name: str) -> ConflictDeclaration | None:
    return db.session.scalar(
        select(ConflictDeclaration).where(
            ConflictDeclaration.round_id == rnd.id,
            ConflictDeclaration.side == side.value,
            ConflictDeclaration.reviewer_id == reviewer_id,
            ConflictDeclaration.organisation_name == name,
        )
    )


def _registered(name: str) -> int | None:
    """The organisation whose name is the same as this one (None: none, or more than one)."""
    key = name_key(name)
    found = [
        i for i, n in db.session.execute(select(Organisation.id, Organisation.name)) if name_key(n) == key
    ]
    return found[0] if len(found) == 1 else None


def _record(actor: User, row: ConflictDeclaration) -> ConflictDeclaration:
    db.session.add(row)
    db.session.flush()
    audit.record(
        actor,
        "conflict.declare",
        "conflict_declaration",
        row.id,
        {
            "round_id": row.round_id,
            "side": row.side,
            "reviewer_id": row.reviewer_id,
            "organisation_name": row.organisation_name,
            "organisation_id": row.organisation_id,
            "reason": row.reason,
        },
    )
    return row


def declare_by_reviewer(
    actor: User, rnd: Round, organisation: str | None, reason: str | None
) -> ConflictDeclaration:
    """A reviewer declares a conflict with an organisation (named as they know it) for a round; it
    is pending until the office decides. Declared twice: the first stays."""
    text = required_reason(reason)
    name = clean_name(organisation)
    if not name:
        raise ServiceError(422, msg("Name the organisation."), {"organisation": [msg("required")]})
    rnd = _locked_open_round(rnd)
    found = _same(rnd, ConflictSide.REVIEWER, actor.id, name)
    if found is not None:
        return found
    _check_limit(rnd, ConflictSide.REVIEWER, "organisation", reviewer_id=actor.id)
    row = ConflictDeclaration(
        round_id=rnd.id,
        side=ConflictSide.REVIEWER.value,
        reviewer_id=actor.id,
        organisation_name=name[:200],
        organisation_id=_registered(name),
        declared_by=actor.id,
        reason=text[:1000],
        status=ConflictStatus.PENDING.value,
    )
    return _record(actor, row)


def applicant_application(actor: User, rnd: Round) -> Application | None:
    """The applicant's organisation's application in the round, while it is in the procedure
    (not withdrawn or declined); None otherwise."""
    if actor.organisation_id is None:
        return None
    return db.session.scalar(
        select(Application).where(
            Application.round_id == rnd.id,
            Application.organisation_id == actor.organisation_id,
            Application.status.not_in(OUT_OF_THE_PROCEDURE),
        )
    )


def declare_by_applicant(
    actor: User, rnd: Round, reviewer: User | None, reason: str | None
) -> ConflictDeclaration:
    """An applicant declares a conflict between their organisation and a reviewer of the roster, for
    a round their organisation applies in; pending until the office decides. Declared twice: the
    first stays."""
    text = required_reason(reason)
    if reviewer is None or reviewer.role != Role.REVIEWER or not reviewer.active:
        raise ServiceError(
            422,
            msg("Choose a reviewer of the roster."),
            {"reviewer_id": [msg("not a reviewer of the roster")]},
        )
    rnd = _locked_open_round(rnd)
    if applicant_application(actor, rnd) is None:
        raise ServiceError(409, msg("Your organisation has no application in this round."))
    org = actor.organisation
    name = clean_name(org.name)
    found = _same(rnd, ConflictSide.APPLICANT, reviewer.id, name)
    if found is not None:
        return found
    _check_limit(rnd, ConflictSide.APPLICANT, "reviewer_id", organisation_id=org.id)
    row = ConflictDeclaration(
        round_id=rnd.id,
        side=ConflictSide.APPLICANT.value,
        reviewer_id=reviewer.id,
        organisation_name=name[:200],
        organisation_id=org.id,
        declared_by=actor.id,
        reason=text[:1000],
        status=ConflictStatus.PENDING.value,
    )
    return _record(actor, row)


def decide(
    actor: User,
    row: ConflictDeclaration,
    decision: str,
    reason: str | None,
    expected: Any = None,
    organisation_id: int | None = None,
) -> ConflictDeclaration:
    """The office accepts or refuses a declaration, with a reason (a decision may be changed later).
    Accepting one that names no registered organisation needs ``organisation_id``. ``expected``: the
    If-Match (or the form's version); a stale one is 412, as is a decision made meanwhile."""
    text = required_reason(reason)
    if decision not in (ConflictStatus.ACCEPTED, ConflictStatus.REFUSED):
        raise ServiceError(422, msg("Accept or refuse."), {"decision": [msg("accepted or refused")]})
    rnd = _locked_open_round(db.session.get(Round, row.round_id))
    fresh = db.session.scalar(
        select(ConflictDeclaration)
        .where(ConflictDeclaration.id == row.id)
        .execution_options(populate_existing=True)
    )
    check_version(fresh, expected, "conflict")
    before = {
        "status": fresh.status,
        "organisation_id": fresh.organisation_id,
        "reason": fresh.decision_reason,
    }
    if organisation_id is not None and organisation_id != fresh.organisation_id:
        if fresh.side != ConflictSide.REVIEWER or db.session.get(Organisation, organisation_id) is None:
            raise ServiceError(
                422, msg("Choose a registered organisation."), {"organisation_id": [msg("unknown")]}
            )
        fresh.organisation_id = organisation_id
    if decision == ConflictStatus.ACCEPTED and fresh.organisation_id is None:
        raise ServiceError(
            422,
            msg("No registered organisation has the declared name: choose the organisation it means."),
            {"organisation_id": [msg("required to accept")]},
        )
    fresh.status, fresh.decision_reason = decision, text[:1000]
    fresh.decided_by, fresh.decided_at = actor.id, utcnow()
    db.session.flush()
    after = {
        "status": fresh.status,
        "organisation_id": fresh.organisation_id,
        "reason": fresh.decision_reason,
    }
    audit.record(
        actor,
        "conflict.decide",
        "conflict_declaration",
        fresh.id,
        {
            "round_id": rnd.id,
            "side": fresh.side,
            "reviewer_id": fresh.reviewer_id,
            **{k: {"before": before[k], "after": after[k]} for k in before},
        },
    )
    return fresh


def accepted_pairs(rnd: Round, application_ids: list[int] | None = None) -> list[tuple[int, int]]:
    """(application, reviewer) of every accepted declaration of the round, through the organisation's
    application in it — the declared conflicts the solver and the manual add respect (none when the
    round's ``conflicts.declared`` is off)."""
    if not settings_of(rnd).conflicts.declared:
        return []
    query = (
        select(Application.id, ConflictDeclaration.reviewer_id)
        .join(
            Application,
            (Application.organisation_id == ConflictDeclaration.organisation_id)
            & (Application.round_id == ConflictDeclaration.round_id),
        )
        .where(
            ConflictDeclaration.round_id == rnd.id,
            ConflictDeclaration.status == ConflictStatus.ACCEPTED.value,
        )
        .distinct()
    )
    if application_ids is not None:
        query = query.where(Application.id.in_(application_ids))
    return [(a, r) for a, r in db.session.execute(query)]


def registered_names() -> list[tuple[int, str, str]]:
    """Every registered organisation: (id, name, ``name_key``), by name."""
    rows = db.session.execute(select(Organisation.id, Organisation.name).order_by(Organisation.name))
    return [(i, n, name_key(n)) for i, n in rows]
