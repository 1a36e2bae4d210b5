"""Benchmark of the batch import: the largest file the import accepts, checked and then imported.

Usage:
    .venv/bin/python scripts/bench_import.py [--rows 5000] [--database-url URL]

Builds a fresh database (a temporary SQLite file, or the given PostgreSQL database, which it empties),
loads the demo's featured-community round, writes a CSV of ``--rows`` new communities with valid
figures and times ``run_import`` as a dry run and as a real import (one transaction each).
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def build_csv(cs, rows: int) -> bytes:
    """``rows`` communities of one subdistrict with the demo's figures, one per line."""
    from evaluator.demo.loader import figures_of
    from evaluator.demo.round import demo_round

    demo = demo_round(cs, applicants=30, seed=11).applications
    keys = [f.key for f in cs.fields]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["name", "city", "city_code", "county", "county_code", "subdistrict", "subdistrict_code", *keys]
    )
    for i in range(rows):
        figures = figures_of(cs, demo.iloc[i % len(demo)])
        cells = [
            "|".join(v) if isinstance(v, list) else ("是" if v is True else "否" if v is False else v)
            for v in (figures.get(k, "") for k in keys)
        ]
        writer.writerow(
            [f"测试社区{i:05d}", "成都市", "510100", "武侯区", "510107", "玉林街道", "510107001", *cells]
        )
    return out.getvalue().encode("utf-8")


def main() -> None:
    """Time a dry run and an import of the generated file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    import bench_data as bd
    from sqlalchemy import select

    from evaluator import create_app
    from evaluator.accounts.models import User
    from evaluator.applications import importer
    from evaluator.demo.loader import load_demo
    from evaluator.extensions import db
    from evaluator.rounds.models import Round
    from evaluator.rounds.service import round_criteria

    tmp = tempfile.mkdtemp()
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "bench",
            "MATERIALS_DIR": tmp,
            "DATABASE_URL": args.database_url or f"sqlite:///{tmp}/bench.db",
        }
    )
    with app.app_context():
        bd.migrate_afresh()
        load_demo(applicants=3)
        db.session.commit()
        rnd = db.session.scalar(select(Round).where(Round.zone_type == "featured_community"))
        admin = db.session.scalar(select(User).where(User.username == "admin"))
        data = build_csv(round_criteria(rnd), args.rows)
        print(f"{args.rows} rows, {len(data) / 1e6:.1f} MB of CSV, on {db.engine.dialect.name}")
        with app.test_request_context():
            for dry_run in (True, False):
                start = time.perf_counter()
                result = importer.run_import(admin, rnd, data, dry_run)
                if not dry_run:
                    db.session.commit()
                took = time.perf_counter() - start
                print(
                    f"{'dry run' if dry_run else 'import '}: {result['applications']} applications, "
                    f"{result['organisations_created']} new organisations, {took:.2f} s"
                )


if __name__ == "__main__":
    main()
