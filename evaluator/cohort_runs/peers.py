"""An application's most similar peers in its round's newest cohort run, with its rank among them
and the features and weights the similarity rests on — and what of it each reader may see.

The office (the provincial administrator) sees everything: the peers' names, places, figures,
totals and the application's rank among them. The applicant sees its own peers:

- their figures on the similarity's features (what makes them similar) and their city;
- their names and counties only when the round is not blind (in a blind round who applied is
  protected during the review; a peer is then "peer 1, 2 …" of its city, and its figures are
  rounded to two significant figures: exact figures of a city's community could be matched against
  published statistics and name it);
- its rank among them only from the public notice on (when the results are published); never a
  peer's score.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sqlalchemy import select

from evaluator.accounts.models import Organisation, User
from evaluator.applications.models import Application
from evaluator.cohort_runs.models import CohortMember
from evaluator.cohort_runs.service import cohorts_of, latest_or_404, member_of
from evaluator.cohorts.profiles import round_significant
from evaluator.errors import ServiceError
from evaluator.extensions import db
from evaluator.messages import msg
from evaluator.results import service as results
from evaluator.results.models import ApplicationResult
from evaluator.rounds.models import Round
from evaluator.rounds.service import round_criteria
from evaluator.rounds.settings import settings_of
from evaluator.scoring.tolerance import beyond
from evaluator.workflow import Phase, ResultStatus

DEFAULT_PEERS = 20
PUBLIC_PHASES = (Phase.NOTICE, Phase.FINAL)
"""Phases in which the results are public: an applicant sees its rank among its peers."""


def _totals(rnd: Round, ids: list[int]) -> dict[int, float]:
    """The ranked applications' totals in the newest results snapshot."""
    snapshot = results.latest(rnd)
    if snapshot is None or not ids:
        return {}
    rows = db.session.execute(
        select(ApplicationResult.application_id, ApplicationResult.total).where(
            ApplicationResult.snapshot_id == snapshot.id,
            ApplicationResult.application_id.in_(ids),
            ApplicationResult.status == ResultStatus.RANKED.value,
        )
    ).all()
    return {aid: total for aid, total in rows if total is not None}


def _rounded(values: dict[str, Any]) -> dict[str, Any]:
    """The numbers among a peer's figures to two significant figures (a blind round's applicant)."""
    return {
        k: round_significant(float(v)) if isinstance(v, int | float) and not isinstance(v, bool) else v
        for k, v in values.items()
    }


def peers_of(app: Application, viewer: User | None, count: int = DEFAULT_PEERS) -> dict[str, Any]:
    """The application's ``count`` nearest peers (at most those the run stored), nearest first,
    with its rank among them by total, as ``viewer`` may see them (see the module's rules); 404
    when the round has no cohorts or the application is not in them."""
    rnd = db.session.get(Round, app.round_id)
    found = latest_or_404(rnd)
    member = member_of(found, app.id)
    if member is None:
        raise ServiceError(404, msg("Application %(id)s is not in the round's cohorts.", id=app.id))
    office = viewer is not None and viewer.is_admin
    names = office or not settings_of(rnd).blind
    ranked = office or rnd.phase in PUBLIC_PHASES
    listed = [(int(p), float(d)) for p, d in member.peers[:count]]
    ids = [p for p, _ in listed]
    rows = (
        {
            a.id: (a, o)
            for a, o in db.session.execute(
                select(Application, Organisation)
                .join(Organisation, Application.organisation_id == Organisation.id)
                .where(Application.id.in_(ids))
            ).all()
        }
        if ids
        else {}
    )
    peer_members = {
        m.application_id: m
        for m in db.session.scalars(
            select(CohortMember).where(CohortMember.run_id == found.id, CohortMember.application_id.in_(ids))
        )
    }
    totals = _totals(rnd, [app.id, *ids])
    own = totals.get(app.id)
    rank = group = None
    if own is not None:
        cs = round_criteria(rnd)
        scale = float(cs.scale + cs.bonus_cap)
        theirs = np.array([totals.get(p, np.nan) for p in ids], dtype=float)
        rank = 1 + int(np.count_nonzero(beyond(theirs, own, scale)))
        group = 1 + int(np.count_nonzero(~np.isnan(theirs)))
    peers = []
    for k, (pid, distance) in enumerate(listed, start=1):
        _, org = rows.get(pid, (None, None))
        pm = peer_members.get(pid)
        peers.append(
            {
                "rank": k,
                "application_id": pid if office else None,
                "organisation": org.name if org is not None and names else None,
                "city": org.city if org is not None else None,
                "county": org.county if org is not None and names else None,
                "distance": distance,
                "cohort": pm.current if pm is not None else None,
                "values": (pm.values if names else _rounded(pm.values)) if pm is not None else {},
                "total": totals.get(pid) if office else None,
            }
        )
    labels = {c.number: (c.profile_zh, c.profile_en) for c in cohorts_of(found)}
    current = member.current
    return {
        "application_id": app.id,
        "run_id": found.id,
        "cohort": current,
        "profile": labels.get(current, (None, None))[0] if current is not None else None,
        "profile_en": labels.get(current, (None, None))[1] if current is not None else None,
        "values": member.values,
        "scaling": found.settings.get("scaling"),
        "features": [
            {k: f.get(k) for k in ("key", "label", "label_en", "unit", "unit_en", "kind", "weight", "log")}
            for f in found.features
        ],
        "names_shown": names,
        "figures_rounded": not names,
        "rank": rank if ranked else None,
        "group": group if ranked else None,
        "total": own if office else None,
        "peers": peers,
    }
