#!/usr/bin/env python
"""Benchmark of the results compute call end to end: database read, engine, snapshot write.

    python scripts/bench_compute.py [--database-url URL] [--reset] [--applications 5000]
                                    [--per 7] [--pool 35] [--repeats 3] [--calibration none|zscore]
                                    [--json PATH]

The round of ``scripts/bench_data.py``'s expert case (5,000 applications × 40 expert indicators × 7
reviewers = 35,000 submitted reviews, 1,400,000 scores; 11 auto indicators; veto flags; bonus
claims verified by every reviewer) is seeded with bulk inserts into the database, then
``services.results.compute`` is timed ``--repeats`` times, each followed by the commit (every call
writes a new snapshot with its 5,000 lines). Reported: the seed time, the read of the encoded
inputs alone (``results_inputs.read_round``), and compute + commit end to end. Target: ≤ 3 s on
PostgreSQL.

Without ``--database-url`` a fresh SQLite file in a temporary folder is used. A given database must
be empty, or ``--reset`` drops every table in it first (use a database of its own).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
for _p in (str(ROOT / "scripts"), str(ROOT)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

import bench_data as bd  # noqa: E402


def make_app(url: str, reset: bool):
    """The Flask app on ``url`` with the migrated schema (an empty database, or reset first)."""
    from sqlalchemy import inspect

    from evaluator import create_app
    from evaluator.extensions import db

    app = create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": "bench",
            "TESTING": True,
            "MATERIALS_DIR": tempfile.mkdtemp(prefix="bench-materials-"),
        }
    )
    with app.app_context():
        tables = inspect(db.engine).get_table_names()
        if tables and not reset:
            raise SystemExit(f"{url} is not empty ({len(tables)} tables); pass --reset to drop them")
        bd.migrate_afresh()
    return app


def _figures(er: bd.ExpertRound, i: int) -> dict[str, Any]:
    out = {}
    for key, values in er.apps.items():
        if key in ("id", "submitted_at"):
            continue
        value = bd._py(values[i])
        if key == "services" and value is not None:
            value = value.split(";")
        if value is not None:
            out[key] = value
    return out


def seed(cs: Any, er: bd.ExpertRound, per: int) -> tuple[Any, Any]:
    """Write the round with bulk inserts; return (round, admin)."""
    from sqlalchemy import insert, select

    from evaluator.accounts.models import Organisation, User
    from evaluator.applications.models import Application
    from evaluator.assignments.models import Assignment
    from evaluator.extensions import db
    from evaluator.reviews.models import Review
    from evaluator.rounds.service import create_round

    admin = User(username="bench-admin", display_name="基准管理员", password_hash="-", role="admin")
    db.session.add(admin)
    rnd = create_round(None, "基准评审批次", cs)
    rnd.phase = "review"
    db.session.flush()
    n = er.n
    db.session.execute(
        insert(Organisation),
        [
            {
                "name": f"基准社区{i:05d}",
                "kind": "community",
                "city": "成都市",
                "city_code": f"51{i % 21 + 1:02d}00",
                "county": "武侯区",
                "county_code": f"51{i % 21 + 1:02d}07",
            }
            for i in range(n)
        ],
    )
    org_ids = db.session.scalars(select(Organisation.id).order_by(Organisation.id)).all()
    claims: dict[str, list[str]] = {}
    for aid, item in er.claims:
        claims.setdefault(aid, []).append(item)
    stamps = er.apps["submitted_at"]
    db.session.execute(
        insert(Application),
        [
            {
                "round_id": rnd.id,
                "organisation_id": org_ids[i],
                "status": "under_review",
                "figures": _figures(er, i),
                "bonus_claims": claims.get(er.app_ids[i], []),
                "submitted_at": datetime.strptime(stamps[i], "%Y-%m-%d %H:%M").replace(tzinfo=UTC)
                if stamps[i]
                else None,
            }
            for i in range(n)
        ],
    )
    app_ids = db.session.scalars(
        select(Application.id).where(Application.round_id == rnd.id).order_by(Application.id)
    ).all()
    pool = er.reviewer_ids.size
    db.session.execute(
        insert(User),
        [
            {
                "username": f"bench-reviewer-{r}",
                "display_name": f"评审专家{r:03d}",
                "password_hash": "-",
                "role": "reviewer",
            }
            for r in range(pool)
        ],
    )
    user_ids = db.session.scalars(select(User.id).where(User.role == "reviewer").order_by(User.id)).all()
    n_ind = er.indicator_ids.size
    panel = er.s_rev.reshape(n * per, n_ind)[:, 0]  # the reviewer of each (application, slot)
    scores = er.s_score.reshape(n * per, n_ind)
    flagged = np.array([f is not None for f in er.s_flag.reshape(n * per, n_ind)[:, 0]])
    rows = [
        {
            "round_id": rnd.id,
            "application_id": app_ids[k // per],
            "reviewer_id": user_ids[int(panel[k])],
            "kind": "materials",
            "status": "active",
        }
        for k in range(n * per)
    ]
    db.session.execute(insert(Assignment), rows)
    assignment_ids = db.session.scalars(
        select(Assignment.id).where(Assignment.round_id == rnd.id).order_by(Assignment.id)
    ).all()
    now = datetime.now(UTC)
    batch = []
    for k in range(n * per):
        aid = er.app_ids[k // per]
        batch.append(
            {
                "assignment_id": assignment_ids[k],
                "round_id": rnd.id,
                "status": "submitted",
                "scores": scores[k].astype("<f8").tobytes(),
                "comments": {},
                "vetoes": [{"flag": "falsified_materials", "reason": "材料不实"}] if flagged[k] else [],
                "bonus_verified": {item: True for item in claims.get(aid, [])},
                "submitted_at": now,
            }
        )
        if len(batch) == 5000:
            db.session.execute(insert(Review), batch)
            batch = []
    if batch:
        db.session.execute(insert(Review), batch)
    db.session.commit()
    if db.engine.dialect.name == "postgresql":  # as autovacuum would after a bulk load
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")
    return rnd, admin


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Seed, then time the read alone and compute end to end."""
    from evaluator.criteria import build_criteria
    from evaluator.extensions import db
    from evaluator.results import service as results
    from evaluator.results.inputs import read_round

    url = args.database_url or f"sqlite:///{tempfile.mkdtemp(prefix='bench-compute-')}/bench.db"
    app = make_app(url, args.reset)
    with app.app_context():
        cs = build_criteria(bd.expert_criteria(args.calibration), "bench")
        er = bd.expert_round(args.applications, per_app=args.per, pool=args.pool)
        t0 = time.perf_counter()
        rnd, admin = seed(cs, er, args.per)
        seeded = time.perf_counter() - t0
        dialect = db.engine.dialect.name
        print(
            f"{dialect}: {er.n:,} applications × {len(cs.expert_leaves)} expert indicators × {args.per} "
            f"reviewers = {er.n * args.per:,} reviews, {er.s_score.size:,} scores; seeded in {seeded:.1f} s; "
            f"load average {os.getloadavg()[0]:.2f}",
            flush=True,
        )
        reads, computes = [], []
        for _ in range(args.repeats):
            db.session.expire_all()
            t0 = time.perf_counter()
            read_round(rnd, cs, False)
            reads.append(time.perf_counter() - t0)
            db.session.rollback()
            t0 = time.perf_counter()
            snapshot = results.compute(admin, rnd)
            db.session.commit()
            computes.append(time.perf_counter() - t0)
            print(
                f"  read_round {reads[-1]:.3f} s; compute + commit {computes[-1]:.3f} s "
                f"(snapshot {snapshot.id}, {len(snapshot.arrays) / 1e6:.1f} MB of arrays)",
                flush=True,
            )
        counts = snapshot.summary["counts"]
    best = min(computes)
    verdict = "HIT" if best <= 3.0 else "MISS"
    if dialect != "postgresql":
        verdict = "info"
    print(
        f"{verdict:>5}  compute end to end on {dialect}: best {best:.3f} s (target ≤ 3 s on PostgreSQL); "
        f"read alone {min(reads):.3f} s; {counts}"
    )
    return {
        "dialect": dialect,
        "applications": er.n,
        "reviews": er.n * args.per,
        "scores": int(er.s_score.size),
        "seed_s": seeded,
        "read_round_s": reads,
        "compute_s": computes,
        "best_compute_s": best,
        "counts": counts,
        "loadavg_end": os.getloadavg(),
    }


def parser() -> argparse.ArgumentParser:
    """The command line."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--database-url", default=None)
    p.add_argument("--reset", action="store_true", help="drop every table of the database first")
    p.add_argument("--applications", type=int, default=5000)
    p.add_argument("--per", type=int, default=7)
    p.add_argument("--pool", type=int, default=35)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--calibration", choices=("none", "zscore"), default="none")
    p.add_argument("--json", default=None)
    return p


def main(argv: list[str] | None = None) -> int:
    """Run and print; optionally write the figures as JSON."""
    args = parser().parse_args(argv)
    report = run(args)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
