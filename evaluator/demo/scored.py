"""The demo's finished round: last year's featured-community call, already through the whole review.

Its applications went the procedure's way — submitted, endorsed by their county office, checked and
recommended by their city office within the quota — then the round entered review, the solver
assigned panels under the conflict rules, every expert scored through the review service (seeded
scores with a leniency per reviewer, one falsified-materials veto, bonus claims verified), scoring
closed, the results were computed and the cohorts formed. So a newcomer sees a results table and
cohorts at once. Everything goes through the services the pages and the API use; only the
deadlines are moved into the past between the steps (the demo back-dates, as it does for
submissions).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import select

from evaluator.accounts.models import Organisation, User
from evaluator.applications.models import Application
from evaluator.applications.service import create_application
from evaluator.assignments.models import Assignment
from evaluator.assignments.service import auto_assign
from evaluator.cohort_runs import service as cohorts
from evaluator.criteria import CriteriaSet
from evaluator.criteria.scope import expert_scope
from evaluator.extensions import db
from evaluator.results.service import compute
from evaluator.reviews.service import save_review
from evaluator.rounds.models import Round
from evaluator.rounds.phases import move_round
from evaluator.rounds.service import create_round
from evaluator.rounds.settings import settings_of
from evaluator.scoring.encoded import flag_names
from evaluator.vetting import quota as vetting_quota
from evaluator.vetting import service as vetting
from evaluator.workflow import ZONE_NAMES, AssignmentStatus, Phase, Role, ZoneType

VETO_AT = 3  # the application (by position) one reviewer flags for falsified materials
CLAIMS_AT = (1, 4)  # applications claiming a bonus item that reviewers verify


def _office(role: str, code: str) -> User:
    return db.session.scalars(select(User).where(User.role == role, User.home_region_code == code)).one()


def scored_round(
    admin: User,
    cs: CriteriaSet,
    entries: Sequence[tuple[User, Organisation, dict]],
    now: datetime,
    seed: int,
    submit: Any,
    title: str | None = None,
    days_ago: int = 400,
) -> Round:
    """Build the finished round from ``entries`` (applicant, organisation, figures); returns it.

    ``submit(user, application, criteria, at)`` submits a draft at a past time (the loader's);
    ``title`` names the round, which opened ``days_ago`` days before ``now``.
    """
    zone = ZONE_NAMES[ZoneType(cs.zone_type)]
    opened = now - timedelta(days=days_ago)
    rnd = create_round(
        admin,
        title or f"{now.year - 1}年度四川省{zone}评审（演示，已评分）",
        cs,
        opens_at=opened,
        submission_deadline=now + timedelta(days=1),
        review_deadline=now + timedelta(days=2),
        notice_days=7,
    )
    move_round(admin, rnd, Phase.OPEN)
    rng = np.random.default_rng([seed, 2025])
    claimable = [b.id for b in cs.bonus_items if b.when is None]
    apps: list[Application] = []
    for k, (user, _org, figures) in enumerate(entries):
        app = create_application(user, rnd, figures, {})
        if k in CLAIMS_AT and claimable:
            app.bonus_claims = [claimable[k % len(claimable)]]
        submit(user, app, cs, opened + timedelta(days=3, hours=7 * k))
        apps.append(app)

    by_city: dict[str, list[Application]] = defaultdict(list)
    for app in apps:
        vetting.endorse(
            _office(Role.COUNTY_OFFICE.value, app.organisation.county_code),
            app,
            "材料齐全，经区县民政局初审同意推荐。",
        )
        by_city[app.organisation.city_code].append(app)
    settings = settings_of(rnd)
    for city_code, city_apps in sorted(by_city.items()):
        office = _office(Role.CITY_OFFICE.value, city_code)
        limit = settings.quota_for(city_code).limit(len(city_apps))
        ranked = sorted(city_apps, key=lambda a: a.submitted_at)
        for app in ranked:
            vetting.check(office, app, True, "经市州民政局审核，材料真实完整。")
        vetting_quota.recommend(office, rnd, city_code, [a.id for a in ranked[:limit]])

    rnd.submission_deadline = opened + timedelta(days=30)
    move_round(admin, rnd, Phase.REVIEW)
    auto_assign(admin, rnd, seed=seed)
    _score(rnd, cs, rng)
    rnd.review_deadline = opened + timedelta(days=75)
    move_round(admin, rnd, Phase.SCORING_CLOSED)
    compute(admin, rnd)
    cohorts.run(admin, rnd)  # the round's cohorts with the zone type's default settings
    return rnd


def _score(rnd: Round, cs: CriteriaSet, rng: np.random.Generator) -> None:
    """Every assigned expert submits a review: quality of the application + the reviewer's leniency."""
    rows = db.session.scalars(
        select(Assignment)
        .where(Assignment.round_id == rnd.id, Assignment.status == AssignmentStatus.ACTIVE.value)
        .order_by(Assignment.application_id, Assignment.reviewer_id)
    ).all()
    quality = {a: float(np.clip(rng.beta(5, 2), 0.3, 0.98)) for a in sorted({r.application_id for r in rows})}
    leniency: dict[int, float] = {}
    flags = flag_names(cs)
    on_site = settings_of(rnd).on_site_group
    order = sorted(quality)
    for row in rows:
        lean = leniency.setdefault(row.reviewer_id, float(rng.normal(0, 0.06)))
        scope = expert_scope(cs, row.kind, on_site)
        scores = {}
        for leaf, scored in zip(cs.expert_leaves, scope, strict=True):
            if scored:
                share = quality[row.application_id] + lean + rng.normal(0, 0.07)
                scores[leaf.id] = float(np.clip(np.round(share * leaf.points * 2) / 2, 0, leaf.points))
        app = db.session.get(Application, row.application_id)
        first = order.index(row.application_id) == VETO_AT and row.reviewer_id == min(
            r.reviewer_id for r in rows if r.application_id == row.application_id
        )
        vetoes = (
            [{"flag": "falsified_materials", "reason": "社区活动照片与其他社区申报材料重复。"}]
            if first and "falsified_materials" in flags
            else []
        )
        data = {
            "scores": scores,
            "comments": {"": "材料翔实，特色较为鲜明。"},
            "vetoes": vetoes,
            "bonus_verified": {item: True for item in app.bonus_claims},
            "status": "submitted",
        }
        save_review(row.reviewer, row, data, None)
