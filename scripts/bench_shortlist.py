"""Benchmark of the public shortlist page: a published list of 5,000 units, read in full and by a
conditional request (``If-None-Match`` → 304).

Usage:
    .venv/bin/python scripts/bench_shortlist.py [--entries 5000] [--requests 200] [--database-url URL]

Builds a fresh database (a temporary SQLite file, or the given PostgreSQL database, which it
empties), writes a round with a results snapshot and a published shortlist of ``--entries`` units
(the content frozen and hashed as publishing does), starts the service on 127.0.0.1 (a port the
system picks; nothing else is reached) and sends ``--requests`` requests of each kind, one after
another, bounded in count and in time (60 s a kind): the page in Chinese as a reader without an
account gets it, the page again with its ETag (304), the JSON open data with its ETag (304), and the
page rendered afresh each time (its render cache emptied: a cold process, or a new version). Prints
p50/p95/max in milliseconds, from the request to the last byte, and whether each target is met.
"""

from __future__ import annotations

import argparse
import http.client
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TARGETS = {"page": 50.0, "page, conditional (304)": 5.0, "open data, conditional (304)": 5.0}
TIME_BOUND_S = 60.0


def seed(entries: int) -> int:
    """A round, a results snapshot and a published shortlist of ``entries`` units; its id."""
    from types import SimpleNamespace

    from evaluator.accounts.models import User
    from evaluator.core.db import utcnow
    from evaluator.criteria import load_criteria
    from evaluator.demo.regions import COUNTIES
    from evaluator.extensions import db
    from evaluator.results.models import ResultSnapshot
    from evaluator.rounds.service import create_round
    from evaluator.shortlists import content
    from evaluator.shortlists.models import Shortlist

    admin = User(username="bench-admin", display_name="省民政厅", password_hash="x", role="admin")
    db.session.add(admin)
    db.session.flush()
    rnd = create_round(admin, "2026年度四川省特色社区评审（基准测试）", load_criteria("fc-2026"))
    rnd.phase = "notice"
    snapshot = ResultSnapshot(
        round_id=rnd.id,
        engine_version="bench",
        criteria_sha256=rnd.criteria_sha256,
        input_sha256="0" * 64,
        settings={},
        summary={},
        arrays=b"",
    )
    db.session.add(snapshot)
    db.session.flush()
    cs = load_criteria("fc-2026")
    grades = {g.code: g for g in cs.grades}
    lines = []
    for i in range(entries):
        county = COUNTIES[i % len(COUNTIES)]
        cohort = i % 4
        entry = SimpleNamespace(
            cohort=cohort,
            cohort_zh=f"第{cohort + 1}组",
            cohort_en=f"Group {cohort + 1}",
            cohort_rank=i // 4 + 1,
            total=95.0 - i * 0.003,
            grade="excellent" if i < entries // 3 else "recognisable",
        )
        org = SimpleNamespace(name=f"{county.county}测试社区{i:05d}", city=county.city, county=county.county)
        lines.append((entry, org))
    now = utcnow()
    data = content.build(
        kind="shortlist",
        number=1,
        rnd=rnd,
        published_at=now,
        notice=content.notice_of("calendar", 7, now.date(), now.date().replace(year=now.year + 1)),
        results={"snapshot": snapshot.id, "input_sha256": snapshot.input_sha256, "engine_version": "bench"},
        criteria_sha256=rnd.criteria_sha256,
        lines=lines,
        grades=grades,
    )
    text = content.canonical(data)
    listing = Shortlist(
        round_id=rnd.id,
        kind="shortlist",
        number=1,
        state="published",
        results_snapshot_id=snapshot.id,
        results_sha256=snapshot.input_sha256,
        criteria_sha256=rnd.criteria_sha256,
        rules={},
        content=text,
        sha256=content.digest(text),
        published_at=now,
        notice_starts=now.date(),
        notice_ends=now.date().replace(year=now.year + 1),
    )
    db.session.add(listing)
    db.session.flush()
    from evaluator.audit import service as audit

    audit.record(
        admin, "shortlist.published", "round", rnd.id, {"shortlist_id": listing.id, "sha256": listing.sha256}
    )
    db.session.commit()
    return listing.id


def timed(
    port: int, path: str, requests: int, headers: dict[str, str], expect: int, before=None
) -> list[float]:
    """Milliseconds of each of ``requests`` GETs (bounded by TIME_BOUND_S), to the last byte."""
    out = []
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    started = time.monotonic()
    for _ in range(requests):
        if time.monotonic() - started > TIME_BOUND_S:
            break
        if before is not None:
            before()
        t = time.perf_counter()
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        response.read()
        out.append((time.perf_counter() - t) * 1000)
        assert response.status == expect, (path, response.status)
    connection.close()
    return out


def main() -> int:
    """Run the benchmark; 0 when every target is met."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--entries", type=int, default=5000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from evaluator import create_app
    from evaluator.extensions import db
    from evaluator.shortlists.pages import public as public_pages

    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'bench.db'}"
        app = create_app(
            {"DATABASE_URL": url, "SECRET_KEY": "bench-" + "k" * 40, "MATERIALS_DIR": folder, "TESTING": True}
        )
        with app.app_context():
            db.drop_all()
            db.session.execute(db.text("DROP TABLE IF EXISTS alembic_version"))
            db.session.commit()
            upgrade()
            shortlist_id = seed(args.entries)
        server = make_server("127.0.0.1", 0, app, threaded=False)
        port = server.server_port
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            path = f"/public/shortlists/{shortlist_id}"
            zh = {"Accept-Language": "zh-CN"}
            first = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            first.request("GET", path, headers=zh)
            page = first.getresponse()
            size = len(page.read())
            tag = page.headers["ETag"]
            first.request("GET", f"/api/v1{path}", headers=zh)
            data = first.getresponse()
            data.read()
            data_tag = data.headers["ETag"]
            first.close()
            n = args.requests
            results = {
                "page": timed(port, path, n, zh, 200),
                "page, conditional (304)": timed(port, path, n, {**zh, "If-None-Match": tag}, 304),
                "open data, conditional (304)": timed(
                    port, f"/api/v1{path}", n, {**zh, "If-None-Match": data_tag}, 304
                ),
                "page, rendered afresh": timed(
                    port, path, max(20, n // 5), zh, 200, public_pages._RENDERED.clear
                ),
            }
        finally:
            server.shutdown()
    print(f"public shortlist of {args.entries:,} units ({size / 1024:,.0f} KB of HTML), {url.split(':')[0]}")
    print(f"{'request':32} {'n':>5} {'p50':>8} {'p95':>8} {'max':>8}  target")
    failed = False
    for name, times in results.items():
        p95 = statistics.quantiles(times, n=20)[-1] if len(times) >= 20 else max(times)
        target = TARGETS.get(name)
        verdict = "" if target is None else ("hit" if p95 <= target else "MISSED")
        failed |= verdict == "MISSED"
        shown = f"≤ {target:g} ms {verdict}" if target else "(no target)"
        print(
            f"{name:32} {len(times):>5} {statistics.median(times):>7.1f}  {p95:>7.1f}"
            f"  {max(times):>7.1f}  {shown}"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
