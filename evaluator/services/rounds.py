"""Rounds: create with a frozen criteria set, move through the phases."""

from __future__ import annotations

import copy
from datetime import datetime

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


_FROZEN: dict[str, CriteriaSet] = {}  # by content hash: a round's criteria never change
_FROZEN_MAX = 64


def round_criteria(rnd: Round) -> CriteriaSet:
    """The round's own frozen criteria set (never the file as it is now), built once per process.

    Looked up by the content's hash, which the round stores beside the content: every list page
    asks for it once per application, so it must not cost a serialisation of the whole set.
    """
    cs = _FROZEN.get(rnd.criteria_sha256)
    if cs is None:
        cs = build_criteria(copy.deepcopy(rnd.criteria_content), f"round criteria {rnd.criteria_sha256[:12]}")
        if len(_FROZEN) >= _FROZEN_MAX:
            _FROZEN.pop(next(iter(_FROZEN)))
        _FROZEN[rnd.criteria_sha256] = cs
    return cs
