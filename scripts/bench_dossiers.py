#!/usr/bin/env python
"""Benchmark of the certification dossiers: render time, overhead, size, memory, batch throughput.

    python scripts/bench_dossiers.py [--database-url URL] [--applicants 31] [--renders 20]
                                     [--batch 200] [--skip-batch] [--json PATH]

The demo is loaded into a fresh database (``--database-url`` must name an empty PostgreSQL database
of its own, else a SQLite file in a temporary folder is used) and every ranked application of its
scored round is recognised. Then, in this process:

- warm time per dossier: ``documents.dossier_pdf`` (template, charts, QR code, PDF/A-3u with the
  data attached, signature) against a bare WeasyPrint render (``HTML(string=...).write_pdf()``) of
  the same HTML in the same run, ``--renders`` times each, taking turns, after two warm-up renders:
  medians of wall-clock and CPU seconds (CPU time is what a loaded machine disturbs least), and the
  best wall-clock time; the overhead is the service's median over the bare one; the whole
  ``service.issue`` (data gathered from the database, stored, audited) is timed too;
- size per dossier (mean and largest over the round);
- peak memory of the rendering process, and its growth per render.

With Redis on 127.0.0.1:6379 (and not ``--skip-batch``): batch throughput of ``--batch`` dossiers
(the round's recognised units, again until the count is reached: the batch is emptied and started
anew) with 1 and with 2 Celery workers (``--concurrency 1`` each), and each worker's peak RSS.
Targets: ≤ 0.5 s warm per 5-page dossier, overhead ≤ 15 %, ≤ 400 KB, 2 workers ≥ 1.8× one.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SECRET = "bench-dossiers-Kq8ZrW2pXv5NtY7bLm3DfH9sJ4gC6aE1"
BROKER = "redis://127.0.0.1:6379/12"


def setup(url: str, folder: Path, applicants: int):
    """The app over a migrated database with the demo loaded and its scored round recognised."""
    from flask_migrate import upgrade

    from evaluator import create_app
    from evaluator.demo.loader import load_demo
    from evaluator.dossiers.signing import make_certificate
    from evaluator.extensions import db

    key, cert = make_certificate(folder / "signing")
    config = {
        "DATABASE_URL": url,
        "SECRET_KEY": SECRET,
        "MATERIALS_DIR": str(folder / "materials"),
        "DOSSIER_SIGNING_KEY": str(key),
        "DOSSIER_SIGNING_CERT": str(cert),
        "RATELIMIT_STORAGE_URI": "memory://",
    }
    app = create_app(config)
    with app.app_context():
        upgrade()
        load_demo(applicants=applicants)
        db.session.commit()
    return app, config


def recognise(app) -> tuple[int, list[int]]:
    """Recognise every ranked application of the scored round; its id and theirs."""
    from sqlalchemy import select

    from evaluator.extensions import db
    from evaluator.results.models import ApplicationResult, ResultSnapshot

    with app.app_context():
        snap = db.session.scalars(select(ResultSnapshot).order_by(ResultSnapshot.id.desc())).first()
        lines = db.session.scalars(
            select(ApplicationResult).where(
                ApplicationResult.snapshot_id == snap.id, ApplicationResult.rank.is_not(None)
            )
        ).all()
        for line in lines:
            line.application.status = "recognised"
        db.session.commit()
        return snap.round_id, [line.application_id for line in lines]


def interleaved(fns: dict, n: int) -> dict[str, dict[str, list[float]]]:
    """Each function run ``n`` times, the functions taking turns (so that a neighbour's load on the
    machine weighs on both alike); wall-clock and CPU seconds of every run."""
    out = {k: {"wall": [], "cpu": []} for k in fns}
    for _ in range(n):
        for k, fn in fns.items():
            w, c = time.perf_counter(), time.process_time()
            fn()
            out[k]["cpu"].append(time.process_time() - c)
            out[k]["wall"].append(time.perf_counter() - w)
    return out


def renders(app, ids: list[int], n: int) -> dict:
    """Warm service render against the bare WeasyPrint render of the same HTML; issue; sizes; memory."""
    from weasyprint import HTML

    from evaluator.applications.models import Application
    from evaluator.core.db import utcnow
    from evaluator.dossiers import data as dossier_data
    from evaluator.dossiers import documents, service
    from evaluator.extensions import db

    with app.app_context():
        app_row = db.session.get(Application, ids[0])
        now = utcnow()
        data = dossier_data.gather(app_row, now)
        args = (data, "2026-3-000001", "ABCDEFGHJKMNPQRS", "https://example.org", now)
        html = documents.dossier_html(documents.context(*args))  # the HTML the service renders
        for _ in range(2):
            documents.dossier_pdf(*args)
            HTML(string=html).write_pdf()
        runs = interleaved(
            {
                "service": lambda: documents.dossier_pdf(*args),
                "bare": lambda: HTML(string=html).write_pdf(),
            },
            n,
        )
        pages = len(HTML(string=html).render().pages)
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        sizes, issue_times = [], []
        for aid in ids:
            t = time.perf_counter()
            d = service.issue(None, db.session.get(Application, aid))
            db.session.commit()
            issue_times.append(time.perf_counter() - t)
            sizes.append(d.pdf_size)
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    med = {k: {m: statistics.median(v) for m, v in r.items()} for k, r in runs.items()}
    return {
        "pages": pages,
        "service_render_s": round(med["service"]["wall"], 3),
        "bare_render_s": round(med["bare"]["wall"], 3),
        "service_render_cpu_s": round(med["service"]["cpu"], 3),
        "bare_render_cpu_s": round(med["bare"]["cpu"], 3),
        "service_render_best_s": round(min(runs["service"]["wall"]), 3),
        "bare_render_best_s": round(min(runs["bare"]["wall"]), 3),
        "overhead_pct": round(100 * (med["service"]["wall"] - med["bare"]["wall"]) / med["bare"]["wall"], 1),
        "overhead_cpu_pct": round(100 * (med["service"]["cpu"] - med["bare"]["cpu"]) / med["bare"]["cpu"], 1),
        "issue_s_median": round(statistics.median(issue_times), 3),
        "dossiers_issued": len(ids),
        "size_kb_mean": round(statistics.mean(sizes) / 1024, 1),
        "size_kb_max": round(max(sizes) / 1024, 1),
        "peak_rss_mib": round(rss_after / 1024, 1),
        "rss_growth_kib_per_render": round((rss_after - rss_before) / max(len(ids), 1), 1),
    }


def _reset_batches(app) -> None:
    from sqlalchemy import text

    from evaluator.extensions import db

    with app.app_context():
        for table in ("dossier_job_item", "dossier_job", "dossier"):
            db.session.execute(text(f"DELETE FROM {table}"))
        db.session.commit()


def batch(app, config: dict, round_id: int, target: int, workers: int) -> dict:
    """Time a batch of ``target`` dossiers with ``workers`` Celery workers; their peak RSS."""
    from sqlalchemy import func, select

    from evaluator import tasks
    from evaluator.accounts.models import User
    from evaluator.dossiers import jobs
    from evaluator.dossiers.models import DossierJobItem
    from evaluator.extensions import db
    from evaluator.rounds.models import Round
    from evaluator.tasks import worker_command

    queue = f"bench-dossiers-{os.getpid()}"
    app.config.update(BROKER_URL=BROKER, BROKER_QUEUE=queue)
    env = {
        **os.environ,
        **{f"EVALUATOR_{k}": str(v) for k, v in config.items()},
        "EVALUATOR_BROKER_URL": BROKER,
        "EVALUATOR_BROKER_QUEUE": queue,
    }
    procs = [
        subprocess.Popen(
            worker_command(queue, f"bench{k}@%h"),
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        for k in range(workers)
    ]
    time.sleep(6)  # the workers start (each builds the app once)
    done, peak = 0, 0
    t0 = time.perf_counter()
    try:
        while done < target:
            _reset_batches(app)
            with app.app_context():
                admin = db.session.scalars(select(User).where(User.role == "admin")).first()
                job = jobs.start(admin, db.session.get(Round, round_id))
                db.session.commit()
                job_id = job.id
            while True:
                with app.app_context():
                    states = dict(
                        db.session.execute(
                            select(DossierJobItem.state, func.count())
                            .where(DossierJobItem.job_id == job_id)
                            .group_by(DossierJobItem.state)
                        ).all()
                    )
                    db.session.remove()
                left = states.pop("pending", 0)
                finished = sum(states.values())
                peak = max(peak, _workers_rss(procs))
                if not left:
                    break
                time.sleep(0.5)
            done += finished
        elapsed = time.perf_counter() - t0
    finally:
        for p in procs:
            os.killpg(p.pid, signal.SIGTERM)
        for p in procs:
            p.wait(30)
        tasks._celery.clear()
    return {
        "workers": workers,
        "dossiers": done,
        "seconds": round(elapsed, 1),
        "per_second": round(done / elapsed, 2),
        "peak_worker_rss_mib": round(peak / 1024, 1),
    }


def _workers_rss(procs) -> int:
    """The largest VmRSS (KiB) among the workers' processes and their children (read from their own
    /proc entries: scanning every process of the machine would take CPU from the workers)."""
    best = 0
    for p in procs:
        pids = [p.pid]
        try:
            pids += [int(c) for c in Path(f"/proc/{p.pid}/task/{p.pid}/children").read_text().split()]
        except OSError:
            continue
        for pid in pids:
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            for line in status.splitlines():
                if line.startswith("VmRSS:"):
                    best = max(best, int(line.split()[1]))
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url")
    parser.add_argument("--applicants", type=int, default=31)
    parser.add_argument("--renders", type=int, default=20)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--skip-batch", action="store_true")
    parser.add_argument("--json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-dossiers-") as tmp:
        folder = Path(tmp)
        url = args.database_url or f"sqlite:///{folder / 'bench.db'}"
        app, config = setup(url, folder, args.applicants)
        round_id, ids = recognise(app)
        report = {"database": url.split(":")[0], "recognised": len(ids), **renders(app, ids, args.renders)}
        print(json.dumps(report, ensure_ascii=False), flush=True)
        if not args.skip_batch:
            one = batch(app, config, round_id, args.batch, 1)
            print(json.dumps(one), flush=True)
            two = batch(app, config, round_id, args.batch, 2)
            print(json.dumps(two), flush=True)
            report["batch"] = [one, two, {"speedup": round(two["per_second"] / one["per_second"], 2)}]
        print(json.dumps(report, ensure_ascii=False, indent=2))
        if args.json:
            Path(args.json).write_text(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
