#!/usr/bin/env python
"""Benchmark of the automatic assignment through the API, end to end: database read, solve, bulk write.

    python scripts/bench_assignment_api.py [--applications 5000] [--reviewers 300] [--per 5]
                                           [--database-url URL] [--seed 2026]

Seeds a round in review (the bundled fc-2026 criteria) with applications under review spread over
21 cities × ~8 counties, 300 reviewers (60 % from 12 universities, 40 % from county bureaus; each
expert in 1–3 of the criteria's sections) and 0.2 % of pairs accepted declared conflicts, every conflict rule
on; then times ``POST /api/v1/rounds/{id}/assignments/auto`` (the request and its commit) and checks
the rows written. Without ``--database-url`` a fresh SQLite file is used; for PostgreSQL pass an
empty database's URL (its tables are dropped and rebuilt). Target: ≤ 10 s for the call.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TARGET_SECONDS = 10.0
CITIES = (
    "5101",
    "5103",
    "5104",
    "5105",
    "5106",
    "5107",
    "5108",
    "5109",
    "5110",
    "5111",
    "5113",
    "5114",
    "5115",
    "5116",
    "5117",
    "5118",
    "5119",
    "5120",
    "5132",
    "5133",
    "5134",
)
UNIVERSITY_CITIES = (
    "5101",
    "5101",
    "5101",
    "5101",
    "5101",
    "5107",
    "5113",
    "5111",
    "5115",
    "5118",
    "5103",
    "5105",
)


def seed(n_apps: int, n_reviewers: int, per: int, rng_seed: int) -> tuple[int, str]:
    """The round, its applications, reviewers and declared conflicts; returns (round id, token)."""
    from sqlalchemy import insert, select, text

    from evaluator.accounts.models import Organisation, User
    from evaluator.applications.models import Application
    from evaluator.assignments.models import ConflictDeclaration
    from evaluator.core.db import utcnow
    from evaluator.criteria import load_criteria
    from evaluator.extensions import db
    from evaluator.rounds.service import create_round, round_criteria
    from evaluator.web.security import issue_token

    rng = np.random.default_rng(rng_seed)
    counties = [f"{c}{k + 4:02d}" for c in CITIES for k in range(int(rng.integers(6, 11)))]
    weight = rng.gamma(2.0, 1.0, len(counties))
    rnd = create_round(None, "基准评审批次", load_criteria("fc-2026"))
    rnd.phase = "review"
    rnd.settings = {"reviewers_per_application": per}
    sections = [s.id for s in round_criteria(rnd).indicators]
    now = utcnow()
    app_county = rng.choice(counties, size=n_apps, p=weight / weight.sum())
    orgs = [
        {
            "name": f"基准单位{i:05d}",
            "kind": "county" if i % 10 == 0 else "community",
            "city": "某市",
            "city_code": c[:4] + "00",
            "county": "某区",
            "county_code": str(c),
            "created_at": now,
            "updated_at": now,
        }
        for i, c in enumerate(app_county)
    ]
    org_ids = db.session.scalars(insert(Organisation).returning(Organisation.id), orgs).all()
    db.session.execute(
        insert(Application),
        [
            {
                "round_id": rnd.id,
                "organisation_id": o,
                "status": "under_review",
                "figures": {},
                "self_assessment": {},
                "warnings": [],
                "created_at": now,
                "updated_at": now,
                "version": 1,
            }
            for o in org_ids
        ],
    )
    reviewers = []
    for j in range(n_reviewers):
        if rng.random() < 0.6:
            u = int(rng.integers(len(UNIVERSITY_CITIES)))
            region = str(rng.choice([c for c in counties if c.startswith(UNIVERSITY_CITIES[u])])) + "001"
            affiliation = f"大学{u}"
        else:
            c = str(rng.choice(counties))
            region, affiliation = c + "001", f"bureau:{c}"
        reviewers.append(
            {
                "username": f"bench.rev{j:03d}",
                "display_name": f"专家{j:03d}",
                "password_hash": "x",
                "role": "reviewer",
                "home_region_code": region,
                "affiliation": affiliation,
                "expertise": rng.choice(sections, size=int(rng.integers(1, 4)), replace=False).tolist(),
                "active": True,
                "created_at": now,
                "updated_at": now,
            }
        )
    rev_ids = db.session.scalars(insert(User).returning(User.id), reviewers).all()
    pairs = np.argwhere(rng.random((n_apps, n_reviewers)) < 0.002)
    db.session.execute(
        insert(ConflictDeclaration),
        [
            {
                "round_id": rnd.id,
                "side": "reviewer",
                "reviewer_id": rev_ids[r],
                "organisation_name": orgs[a]["name"],
                "organisation_id": org_ids[a],
                "declared_by": rev_ids[r],
                "reason": "基准",
                "status": "accepted",
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
            for a, r in pairs
        ],
    )
    office = User(username="bench.office", display_name="省厅", password_hash="x", role="admin")
    db.session.add(office)
    db.session.flush()
    token, _ = issue_token(office)
    db.session.commit()
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    assert db.session.scalar(select(User.id).where(User.id == office.id))
    return rnd.id, token


def main() -> None:
    """Seed, call the API once, check and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applications", type=int, default=5000)
    parser.add_argument("--reviewers", type=int, default=300)
    parser.add_argument("--per", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    import bench_data as bd
    from sqlalchemy import func, select

    from evaluator import create_app
    from evaluator.assignments.models import Assignment
    from evaluator.extensions import db

    tmp = tempfile.mkdtemp()
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "bench",
            "MATERIALS_DIR": tmp,
            "LANGUAGE": "en",
            "DATABASE_URL": args.database_url or f"sqlite:///{tmp}/bench.db",
        }
    )
    with app.app_context():
        bd.migrate_afresh()
        t = time.perf_counter()
        round_id, token = seed(args.applications, args.reviewers, args.per, args.seed)
        dialect = db.engine.dialect.name
        print(
            f"seeded {args.applications} applications, {args.reviewers} reviewers on {dialect} "
            f"in {time.perf_counter() - t:.1f} s"
        )
        db.session.remove()
    client = app.test_client()
    started = time.perf_counter()
    res = client.post(
        f"/api/v1/rounds/{round_id}/assignments/auto",
        json={"seed": args.seed},
        headers={"Authorization": f"Bearer {token}"},
    )
    seconds = time.perf_counter() - started
    body = res.get_json()
    if res.status_code != 200:
        print(res.status_code, body)
        sys.exit(2)
    with app.app_context():
        rows = db.session.scalar(
            select(func.count()).select_from(Assignment).where(Assignment.round_id == round_id)
        )
    print(
        f"POST /assignments/auto on {dialect}: {seconds:.2f} s (solver {body['solver_seconds']:.2f} s) — "
        f"{body['pairs_made']} pairs ({rows} rows), status {body['status']}, "
        f"uncovered {len(body['uncovered'])}, "
        f"loads {body['loads']['min']}–{body['loads']['max']} (cap {body['max_load']}), "
        f"coverage {body['coverage']['overall']:.3f}, fully covered {body['coverage']['fully_covered']}"
    )
    assert rows == body["pairs_made"]
    sys.exit(0 if seconds <= TARGET_SECONDS else 1)


if __name__ == "__main__":
    main()
