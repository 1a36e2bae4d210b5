"""Rounds: create with a frozen criteria set, move through the phases."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from evaluator.criteria import CriteriaSet, build_criteria
from evaluator.errors import ServiceError
from evaluator.extensions import db
from evaluator.models import Round, User
from evaluator.models.base import as_aware, utcnow
from evaluator.models.rounds import PHASES
from evaluator.services import audit

# Which deadline must have passed before a round may enter a phase.
GATES = {"review": "submission_deadline", "scoring_closed": "review_deadline"}


def create_round(actor: User, title: str, cs: CriteriaSet, **deadlines: datetime | int | None) -> Round:
    """A new round in draft, with the criteria set's content and hash stored in it."""
    rnd = Round(title=title, zone_type=cs.zone_type, criteria_id=cs.id,
                criteria_version=cs.version, criteria_sha256=cs.sha256,
                criteria_content=dict(cs.source), phase="draft",
                **{k: v for k, v in deadlines.items() if v is not None})
    db.session.add(rnd)
    db.session.flush()
    audit.record(actor, "round.created", "round", rnd.id,
                 {"title": title, "criteria": cs.id, "sha256": cs.sha256})
    return rnd


@lru_cache(maxsize=64)
def _frozen(sha256: str, content_json: str) -> CriteriaSet:
    import json

    return build_criteria(json.loads(content_json), f"round criteria {sha256[:12]}")


def round_criteria(rnd: Round) -> CriteriaSet:
    """The round's own frozen criteria set (never the file as it is now)."""
    import json

    return _frozen(rnd.criteria_sha256, json.dumps(rnd.criteria_content, sort_keys=True))


def transition(actor: User, rnd: Round, to: str) -> Round:
    """Move a round one phase forward, once the deadline that gates it has passed."""
    current = PHASES.index(rnd.phase)
    if to not in PHASES:
        raise ServiceError(422, f"Unknown phase '{to}'.", {"to": [f"one of {', '.join(PHASES)}"]})
    if PHASES.index(to) != current + 1:
        expected = PHASES[current + 1] if current + 1 < len(PHASES) else None
        raise ServiceError(409, f"A round in '{rnd.phase}' can only move to "
                           f"'{expected}'." if expected else "This round is final.")
    gate = GATES.get(to)
    deadline = getattr(rnd, gate) if gate else None
    if deadline is not None and utcnow() < as_aware(deadline):
        raise ServiceError(409, f"'{to}' opens after the {gate.replace('_', ' ')} "
                           f"({as_aware(deadline).isoformat()}).")
    before = rnd.phase
    rnd.phase = to
    db.session.flush()
    audit.record(actor, "round.transition", "round", rnd.id, {"from": before, "to": to})
    return rnd
