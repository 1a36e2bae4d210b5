"""Who reads which declared conflicts: the office every one of a round, with what each concerns (the
registered organisation, its application, whether the reviewer holds it, close names); a declarer
their own; an applicant the roster they may declare against."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select

from evaluator.accounts.models import User
from evaluator.applications.models import Application
from evaluator.assignments.data import ACTIVE, active_reviewers
from evaluator.assignments.declarations import (
    DECLARE_PHASES,
    applicant_application,
    name_key,
    registered_names,
)
from evaluator.assignments.models import Assignment, ConflictDeclaration
from evaluator.errors import ServiceError
from evaluator.extensions import db
from evaluator.messages import msg
from evaluator.rounds.models import Round
from evaluator.workflow import ConflictSide, ConflictStatus, Role

MAX_CANDIDATES = 20


def round_query(rnd: Round, status: str | None = None, side: str | None = None) -> Select:
    """The round's declarations for the office, pending first, then newest first."""
    query = select(ConflictDeclaration).where(ConflictDeclaration.round_id == rnd.id)
    if status:
        query = query.where(ConflictDeclaration.status == status)
    if side:
        query = query.where(ConflictDeclaration.side == side)
    pending_first = (ConflictDeclaration.status != ConflictStatus.PENDING.value).asc()
    return query.order_by(pending_first, ConflictDeclaration.id.desc())


def round_declarations(rnd: Round) -> list[ConflictDeclaration]:
    """``round_query`` as a list: every declaration of the round."""
    return list(db.session.scalars(round_query(rnd)))


def reviewer_declarations(user: User) -> list[ConflictDeclaration]:
    """Every declaration concerning a reviewer, by them or by applicants (for the office), newest first."""
    return list(
        db.session.scalars(
            select(ConflictDeclaration)
            .where(ConflictDeclaration.reviewer_id == user.id)
            .order_by(ConflictDeclaration.id.desc())
        )
    )


def own_query(actor: User, rnd: Round | None = None) -> Select:
    """A declarer's own declarations (a reviewer's, or an applicant organisation's), newest first."""
    if actor.role == Role.REVIEWER:
        query = select(ConflictDeclaration).where(
            ConflictDeclaration.side == ConflictSide.REVIEWER.value,
            ConflictDeclaration.reviewer_id == actor.id,
        )
    else:
        query = select(ConflictDeclaration).where(
            ConflictDeclaration.side == ConflictSide.APPLICANT.value,
            ConflictDeclaration.organisation_id == (actor.organisation_id or 0),
        )
    if rnd is not None:
        query = query.where(ConflictDeclaration.round_id == rnd.id)
    return query.order_by(ConflictDeclaration.id.desc())


def own_declarations(actor: User, rnd: Round | None = None) -> list[ConflictDeclaration]:
    """``own_query`` as a list."""
    return list(db.session.scalars(own_query(actor, rnd)))


def is_declarer_of(actor: User, row: ConflictDeclaration) -> bool:
    """Whether the declaration is the caller's own (a reviewer's, or their organisation's)."""
    if actor.role == Role.REVIEWER:
        return row.side == ConflictSide.REVIEWER and row.reviewer_id == actor.id
    return (
        row.side == ConflictSide.APPLICANT
        and actor.organisation_id is not None
        and row.organisation_id == actor.organisation_id
    )


def roster_for(actor: User, rnd: Round) -> list[User]:
    """The reviewers an applicant may declare a conflict with: the whole active roster, from which
    every panel is drawn (so it says nothing of who scores whom), while the applicant's organisation
    has an application in the round and the round is open or in review."""
    if rnd.phase not in DECLARE_PHASES or (not actor.is_admin and applicant_application(actor, rnd) is None):
        raise ServiceError(404, msg("Your organisation has no application in this round."))
    return active_reviewers()


def office_facts(
    row: ConflictDeclaration, register: list[tuple[int, str, str]] | None = None
) -> dict[str, Any]:
    """What the office reads beside a declaration: the registered organisation's name, its
    application in the round, whether the reviewer holds an active assignment of it, and — for a
    name that matched no registered organisation — the organisations whose names come close
    (``register``: the ``registered_names``, when read once for many declarations)."""
    application_id = None
    active = False
    if row.organisation_id is not None:
        application_id = db.session.scalar(
            select(Application.id).where(
                Application.round_id == row.round_id, Application.organisation_id == row.organisation_id
            )
        )
    if application_id is not None:
        active = (
            db.session.scalar(
                select(Assignment.id).where(
                    Assignment.application_id == application_id,
                    Assignment.reviewer_id == row.reviewer_id,
                    Assignment.status == ACTIVE,
                )
            )
            is not None
        )
    close: list[tuple[int, str]] = []
    if row.organisation_id is None:
        close = candidates(row.organisation_name, registered_names() if register is None else register)
    return {
        "organisation": row.organisation.name if row.organisation is not None else None,
        "application_id": application_id,
        "active_assignment": active,
        "candidates": close,
    }


def round_facts(rnd: Round) -> list[dict[str, Any]]:
    """Every declaration of the round with its ``office_facts`` (``row`` and the facts), pending
    first; the register of names is read once."""
    rows = round_declarations(rnd)
    register = registered_names() if any(r.organisation_id is None for r in rows) else []
    return [{"row": r, **office_facts(r, register)} for r in rows]


def candidates(name: str, register: list[tuple[int, str, str]]) -> list[tuple[int, str]]:
    """Registered organisations whose name contains the declared one or is contained in it."""
    key = name_key(name)
    if not key:
        return []
    return [(i, n) for i, n, k in register if key in k or k in key][:MAX_CANDIDATES]
