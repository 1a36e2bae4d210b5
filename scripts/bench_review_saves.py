"""Benchmark of review saves through the API: ``PUT /api/v1/assignments/{id}/review`` against a real
gunicorn on 127.0.0.1, over PostgreSQL (or SQLite), with several clients at once.

Usage:
    .venv/bin/python scripts/bench_review_saves.py \
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/NAME [--requests 2000] \
        [--seconds 60] [--clients 8] [--workers 4]

Empties the given database (without ``--database-url``: a temporary SQLite file), builds the
schema by the migrations, makes a round of the bundled featured-community criteria in review with
``--clients`` × 5 applications under review and one reviewer per client assigned to five of them,
starts gunicorn and lets each client save its reviews in turn (each save changes one score, with
the If-Match of the version it last got back), until ``--requests`` saves or ``--seconds`` have
passed. Prints saves per second and the p50/p99 latency; the targets are ≥ 200 saves/s and
p99 ≤ 200 ms. Loopback only; every request has a timeout.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TARGET_RPS, TARGET_P99_MS = 200.0, 200.0
PER_CLIENT = 5


def seed(database_url: str, clients: int, materials: str) -> tuple[list[tuple[str, list[int]]], list[str]]:
    """The schema and the data; returns (bearer token, assignment ids) per client, and the ids of
    the expert indicators."""
    import bench_data as bd

    from evaluator import create_app
    from evaluator.accounts.models import Organisation
    from evaluator.applications.models import Application
    from evaluator.assignments.models import Assignment
    from evaluator.criteria import load_criteria
    from evaluator.extensions import db
    from evaluator.rounds.service import create_round
    from evaluator.web.security import hash_password, issue_token
    from tests.browser.helpers import FC_FIGURES
    from tests.live import SECRET

    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": SECRET, "MATERIALS_DIR": materials})
    out = []
    with app.app_context():
        bd.migrate_afresh()
        from evaluator.accounts.models import User

        rnd = create_round(None, "评审保存基准", load_criteria("fc-2026"))
        rnd.phase = "review"
        password = hash_password("bench password 2026")
        for c in range(clients):
            reviewer = User(
                username=f"bench-reviewer-{c}",
                display_name=f"专家{c}",
                password_hash=password,
                role="reviewer",
            )
            db.session.add(reviewer)
            db.session.flush()
            ids = []
            for k in range(PER_CLIENT):
                org = Organisation(
                    name=f"基准社区{c:03d}-{k}",
                    kind="community",
                    city="成都市",
                    city_code="510100",
                    county="武侯区",
                    county_code="510107",
                )
                db.session.add(org)
                db.session.flush()
                application = Application(
                    round_id=rnd.id, organisation_id=org.id, status="under_review", figures=dict(FC_FIGURES)
                )
                db.session.add(application)
                db.session.flush()
                assignment = Assignment(
                    round_id=rnd.id, application_id=application.id, reviewer_id=reviewer.id
                )
                db.session.add(assignment)
                db.session.flush()
                ids.append(assignment.id)
            token, _ = issue_token(reviewer)
            out.append((token, ids))
        db.session.commit()
        leaves = [leaf.id for leaf in load_criteria("fc-2026").expert_leaves]
    return out, leaves


def client(
    base: str,
    token: str,
    ids: list[int],
    leaves: list[str],
    stop: threading.Event,
    budget: list[int],
    lock: threading.Lock,
    times: list[float],
    failures: list[str],
) -> None:
    """Save this client's reviews in turn until the budget is spent or the time is up."""
    versions = dict.fromkeys(ids, 0)
    scores = {i: {} for i in ids}
    n = 0
    while not stop.is_set():
        with lock:
            if budget[0] <= 0:
                return
            budget[0] -= 1
        aid = ids[n % len(ids)]
        scores[aid][leaves[n % len(leaves)]] = float((n // len(ids)) % 2)
        body = json.dumps({"scores": scores[aid], "comments": {"": f"第{n}次保存"}}).encode()
        req = urllib.request.Request(
            f"{base}/api/v1/assignments/{aid}/review",
            data=body,
            method="PUT",
            headers={
                "Authorization": f"Bearer {token}",
                "Content-Type": "application/json",
                "If-Match": f'"v{versions[aid]}"',
            },
        )
        start = time.perf_counter()
        try:
            with urllib.request.urlopen(req, timeout=30) as res:
                reply = json.loads(res.read())
            versions[aid] = reply["version"]
        except Exception as exc:  # reported, not hidden
            failures.append(repr(exc))
        times.append(time.perf_counter() - start)
        n += 1


def _loadavg() -> list[str]:
    """The machine's load averages (the figures depend on what else runs); empty where unknown."""
    try:
        return Path("/proc/loadavg").read_text().split()
    except OSError:
        return []


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    from tests.live import gunicorn

    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.db"
        plan, leaves = seed(url, args.clients, f"{tmp}/materials")
        with gunicorn(url, Path(tmp) / "materials", workers=args.workers) as live:
            stop, lock, budget = threading.Event(), threading.Lock(), [args.requests]
            times: list[float] = []
            failures: list[str] = []
            threads = [
                threading.Thread(
                    target=client, args=(live.base, token, ids, leaves, stop, budget, lock, times, failures)
                )
                for token, ids in plan
            ]
            print("load average (1, 5, 15 min) at the start:", " ".join(_loadavg()[:3]))
            started = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=max(0.0, args.seconds - (time.perf_counter() - started)))
            stop.set()
            for t in threads:
                t.join(timeout=60)
            elapsed = time.perf_counter() - started
    done = len(times)
    rps = done / elapsed if elapsed else 0.0
    ordered = sorted(times)
    p50 = statistics.median(ordered) * 1000 if ordered else float("nan")
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000 if ordered else float("nan")
    kind = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    print(
        f"review saves ({kind}, gunicorn {args.workers} workers, {args.clients} clients): {done} saves "
        f"in {elapsed:.1f} s = {rps:.0f}/s (target ≥ {TARGET_RPS:.0f}/s); p50 {p50:.1f} ms, "
        f"p99 {p99:.1f} ms (target ≤ {TARGET_P99_MS:.0f} ms); failures {len(failures)}"
    )
    if failures:
        print("first failures:", failures[:3])
    print("load average (1, 5, 15 min) at the end:", " ".join(_loadavg()[:3]))
    hit = rps >= TARGET_RPS and p99 <= TARGET_P99_MS and not failures
    print("HIT" if hit else "MISS")


if __name__ == "__main__":
    main()
