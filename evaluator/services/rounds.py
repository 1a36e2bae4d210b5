"""Rounds: create with a frozen criteria set, move through the phases."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from evaluator.criteria import CriteriaSet, build_criteria
from evaluator.extensions import db
from evaluator.models import Round, User
from evaluator.services import audit
from evaluator.workflow import Phase


def create_round(actor: User, title: str, cs: CriteriaSet, **deadlines: datetime | int | None) -> Round:
    """A new round in draft, with the criteria set's content and hash stored in it."""
    rnd = Round(title=title, zone_type=cs.zone_type, criteria_id=cs.id,
                criteria_version=cs.version, criteria_sha256=cs.sha256,
                criteria_content=dict(cs.source), phase=Phase.DRAFT,
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
