"""A reviewer's profile for assignment: expertise (level-1 criteria sections) and affiliation (the
declared conflicts are ``declarations``'). The reviewer keeps their own expertise; the office keeps
anyone's, and the affiliation, which is a conflict key and so not the reviewer's to change."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from evaluator.accounts.models import User
from evaluator.audit import service as audit
from evaluator.errors import ServiceError
from evaluator.extensions import db
from evaluator.messages import msg
from evaluator.rounds.models import Round
from evaluator.rounds.service import round_criteria
from evaluator.workflow import Phase, Role

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
