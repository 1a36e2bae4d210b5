"""A reviewer's profile for assignment: expertise (level-1 criteria sections), affiliation, declared
conflicts. The reviewer keeps their own expertise; the office keeps anyone's, and the affiliation,
which is a conflict key and so not the reviewer's to change."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from evaluator.accounts.models import Organisation, User
from evaluator.applications.models import Application
from evaluator.assignments.data import ACTIVE, required_reason
from evaluator.assignments.models import Assignment, ConflictDeclaration
from evaluator.audit import service as audit
from evaluator.core.locking import lock_round
from evaluator.errors import ServiceError
from evaluator.extensions import db
from evaluator.messages import msg
from evaluator.rounds.models import Round
from evaluator.rounds.service import round_criteria
from evaluator.rounds.settings import settings_of
from evaluator.workflow import Phase, Role, Status

PROFILE_PHASES = (Phase.OPEN.value, Phase.REVIEW.value)
MAX_EXPERTISE = 62


def profile_rounds() -> list[Round]:
    """The rounds whose criteria a reviewer declares expertise for: open or in review, newest first."""
    return list(
        db.session.scalars(select(Round).where(Round.phase.in_(PROFILE_PHASES)).order_by(Round.id.desc()))
    )


def round_sections(rounds: list[Round] | None = None) -> list[dict[str, Any]]:
    """Per round: its id, title and level-1 sections (id, name)."""
    out = []
    for rnd in profile_rounds() if rounds is None else rounds:
        out.append(
            {
                "round_id": rnd.id,
                "title": rnd.title,
                "sections": [
                    {"id": s.id, "name": s.name, "name_en": s.name_en} for s in round_criteria(rnd).indicators
                ],
            }
        )
    return out


def known_sections() -> set[str]:
    """Every level-1 section id a reviewer may name: those of any round's criteria."""
    ids: set[str] = set()
    for rnd in db.session.scalars(select(Round)):
        ids.update(s.id for s in round_criteria(rnd).indicators)
    return ids


def set_profile(
    actor: User,
    user: User,
    expertise: list[str] | None = None,
    *,
    affiliation: Any = ...,
) -> User:
    """Change a reviewer's expertise (and, by the office only, their affiliation); audited with the
    before and after. Unknown section ids are refused, naming them."""
    if user.role != Role.REVIEWER:
        raise ServiceError(409, msg("Only a reviewer has expertise."), {"user_id": [msg("not a reviewer")]})
    before = {"expertise": list(user.expertise or []), "affiliation": user.affiliation}
    if expertise is not None:
        wanted = list(dict.fromkeys(str(s).strip() for s in expertise if str(s).strip()))
        unknown = sorted(set(wanted) - known_sections())
        if unknown:
            raise ServiceError(
                422,
                msg("Unknown sections: %(ids)s.", ids=unknown[:10]),
                {"expertise": [msg("unknown sections: %(ids)s", ids=unknown[:10])]},
            )
        if len(wanted) > MAX_EXPERTISE:
            raise ServiceError(
                422, msg("At most %(max)s sections.", max=MAX_EXPERTISE), {"expertise": [msg("too many")]}
            )
        user.expertise = wanted
    if affiliation is not ...:
        if not actor.is_admin:
            raise ServiceError(403, msg("Only the office changes a reviewer's affiliation."))
        user.affiliation = (affiliation or "").strip() or None
    after = {"expertise": list(user.expertise or []), "affiliation": user.affiliation}
    if after != before:
        db.session.flush()
        audit.record(actor, "reviewer.profile", "user", user.id, {"before": before, "after": after})
    return user


def declared_conflicts(user: User) -> list[dict[str, Any]]:
    """The reviewer's declared conflicts, newest first: application, organisation, round, reason."""
    rows = db.session.execute(
        select(ConflictDeclaration, Application.round_id, Organisation.name, Round.title)
        .join(Application, Application.id == ConflictDeclaration.application_id)
        .join(Organisation, Organisation.id == Application.organisation_id)
        .join(Round, Round.id == Application.round_id)
        .where(ConflictDeclaration.reviewer_id == user.id)
        .order_by(ConflictDeclaration.id.desc())
    )
    return [
        {
            "id": c.id,
            "application_id": c.application_id,
            "round_id": rid,
            "organisation": name,
            "round": title,
            "reason": c.reason,
            "created_at": c.created_at,
        }
        for c, rid, name, title in rows
    ]


def declarable_applications(rnd: Round, user: User) -> list[tuple[int, str, str]]:
    """The round's applications a reviewer may declare a conflict with: (id, organisation, county)."""
    declared = set(
        db.session.scalars(
            select(ConflictDeclaration.application_id).where(ConflictDeclaration.reviewer_id == user.id)
        )
    )
    rows = db.session.execute(
        select(Application.id, Organisation.name, Organisation.county)
        .join(Organisation, Organisation.id == Application.organisation_id)
        .where(Application.round_id == rnd.id, Application.status.in_(DECLARABLE))
        .order_by(Organisation.name)
    )
    return [(i, n, c) for i, n, c in rows if i not in declared]


def conflict_choices(rnd: Round, user: User) -> list[tuple[int, str, str]]:
    """The round's applications the reviewer may pick to declare a conflict with (of the
    ``declarable_applications``). Never one they are assigned to (they recuse from it instead); in a
    blind round never one they ever were, so the list does not pair the application they score
    (shown by its id only) with its name."""
    query = select(Assignment.application_id).where(
        Assignment.reviewer_id == user.id, Assignment.round_id == rnd.id
    )
    if not settings_of(rnd).blind:
        query = query.where(Assignment.status == ACTIVE)
    assigned = set(db.session.scalars(query))
    return [row for row in declarable_applications(rnd, user) if row[0] not in assigned]


DECLARE_PHASES = (Phase.OPEN.value, Phase.REVIEW.value)
DECLARABLE = (
    Status.SUBMITTED.value,
    Status.ENDORSED.value,
    Status.RECOMMENDED.value,
    Status.UNDER_REVIEW.value,
)


def declare_conflict(actor: User, application: Application, reason: str | None) -> ConflictDeclaration:
    """A reviewer declares a conflict of interest with an application (while its round is open or in
    review); the automatic assignment then never puts them on it. Declared twice: the first stays."""
    text = required_reason(reason)
    rnd = lock_round(application.round_id, shared=True)
    if rnd is None or rnd.phase not in DECLARE_PHASES or application.status not in DECLARABLE:
        raise ServiceError(
            409,
            msg(
                "Conflicts can be declared only for a submitted application of a round "
                "that is open or in review."
            ),
        )
    active = db.session.scalar(
        select(Assignment.id).where(
            Assignment.application_id == application.id,
            Assignment.reviewer_id == actor.id,
            Assignment.status == ACTIVE,
        )
    )
    if active is not None:
        raise ServiceError(
            409,
            msg("You are assigned to this application: recuse from the assignment instead."),
            {"application_id": [msg("assigned")]},
        )
    found = db.session.scalar(
        select(ConflictDeclaration).where(
            ConflictDeclaration.application_id == application.id, ConflictDeclaration.reviewer_id == actor.id
        )
    )
    if found is not None:
        return found
    row = ConflictDeclaration(reviewer_id=actor.id, application_id=application.id, reason=text[:1000])
    db.session.add(row)
    db.session.flush()
    audit.record(
        actor,
        "conflict.declare",
        "application",
        application.id,
        {"reviewer_id": actor.id, "reason": row.reason},
    )
    return row
