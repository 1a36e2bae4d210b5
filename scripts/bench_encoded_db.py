#!/usr/bin/env python
"""Benchmark of the engine fed from the database against the per-application reference.

    python scripts/bench_encoded_db.py [--database-url URL] [--reset] [--applications 5000]
                                       [--subsample 50] [--repeats 3] [--json PATH]

The round of ``scripts/bench_compute.py`` (5,000 applications × 40 expert indicators × 7 reviewers,
calibration off) is seeded into the database. Timed:

  - the engine fed from the database: ``results_inputs.read_round`` (the select of the needed
    columns, scores read with ``np.frombuffer``) + ``score_encoded``, end to end;
  - the same without the read (``score_encoded`` on the arrays already read);
  - the per-application reference (tests/reference.py) on a random subsample of applications with
    their own score rows, built from the same database rows, extrapolated linearly to the round.

Target: reference / (read + engine) ≥ 50×. Agreement: the engine and the reference give the same
points, sections, totals, vetoes, grades and reviewer counts on the subsample (to 1e-9).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
for _p in (str(ROOT / "scripts"), str(ROOT)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

import bench_compute as bc  # noqa: E402
import bench_data as bd  # noqa: E402


def reference_inputs(cs: Any, inputs: Any, take: np.ndarray) -> tuple[list[dict], list[dict], set]:
    """The subsample's applications, scores and claims as the reference scorer takes them, from the
    arrays read out of the database (figures decoded back to plain values)."""
    from evaluator.scoring.encoded import flag_names

    apps = inputs.applications
    chosen = set(apps.ids[take].tolist())
    records = []
    for i in take:
        row: dict[str, Any] = {"id": str(apps.ids[i])}
        for f in cs.fields:
            col = apps.columns[f.key]
            gone = apps.missing.get(f.key)
            if f.type in ("int", "float"):
                row[f.key] = None if np.isnan(col[i]) else float(col[i])
            elif f.type == "bool":
                row[f.key] = None if gone[i] else bool(col[i])
            elif f.type == "enum":
                row[f.key] = None if col[i] < 0 else f.choice_values[col[i]]
            elif f.type == "multi":
                row[f.key] = [f.choice_values[k] for k in np.flatnonzero(col[i])] or None
            else:
                row[f.key] = col[i] or None
        stamp = apps.submitted_at[i]
        row["submitted_at"] = (
            None if np.isnat(stamp) else str(stamp.astype("datetime64[s]")).replace("T", " ")
        )
        records.append(row)
    rv = inputs.reviews
    names = flag_names(cs)
    leaves = cs.leaves
    scores = []
    for k in np.flatnonzero(np.isin(rv.app, list(chosen))):
        base = {"application_id": str(rv.app[k]), "reviewer_id": str(rv.reviewer[k])}
        if rv.indicator[k] >= 0:
            scores.append({**base, "indicator_id": leaves[rv.indicator[k]].id, "score": float(rv.score[k])})
        else:
            scores.append({**base, "indicator_id": None, "score": None, "flag": names[rv.flag[k]]})
    items = [b.id for b in cs.bonus_items]
    claims = {
        (str(a), items[b])
        for a, b in zip(inputs.claims.app, inputs.claims.item, strict=True)
        if int(a) in chosen
    }
    return records, scores, claims


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Seed, time the DB-fed engine and the reference, compare them."""
    from bench_encoded import against_reference

    from evaluator.criteria import build_criteria
    from evaluator.extensions import db
    from evaluator.results.inputs import read_round
    from evaluator.scoring.encoded import score_encoded
    from tests.reference import reference_round

    url = args.database_url or f"sqlite:///{tempfile.mkdtemp(prefix='bench-encdb-')}/bench.db"
    app = bc.make_app(url, args.reset)
    with app.app_context():
        cs = build_criteria(bd.expert_criteria("none"), "bench")
        er = bd.expert_round(args.applications)
        rnd, _ = bc.seed(cs, er, 7)
        dialect = db.engine.dialect.name
        print(
            f"{dialect}: {er.n:,} applications, {er.s_score.size:,} scores; calibration "
            f"{cs.aggregation.calibration}; load average {os.getloadavg()[0]:.2f}",
            flush=True,
        )
        fed, engine_only = [], []
        for _ in range(args.repeats):
            db.session.expire_all()
            t0 = time.perf_counter()
            inputs = read_round(rnd, cs, False)
            t1 = time.perf_counter()
            result = score_encoded(cs, inputs.applications, inputs.reviews, inputs.claims)
            t2 = time.perf_counter()
            fed.append(t2 - t0)
            engine_only.append(t2 - t1)
            db.session.rollback()
            print(
                f"  read_round + score_encoded {fed[-1]:.3f} s (engine alone {engine_only[-1]:.3f} s)",
                flush=True,
            )
        take = np.sort(np.random.default_rng(3).choice(er.n, size=args.subsample, replace=False))
        ref_apps, ref_scores, ref_claims = reference_inputs(cs, inputs, take)
        walls = []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            reference = reference_round(cs, ref_apps, ref_scores, ref_claims)
            walls.append(time.perf_counter() - t0)
        print(f"  reference_round, {args.subsample} applications: {min(walls):.3f} s", flush=True)
    per_app = min(walls) / args.subsample
    extrapolated = per_app * er.n
    ratio, ratio_engine = extrapolated / min(fed), extrapolated / min(engine_only)
    worst, mismatches = against_reference(result, reference, {k: k for k in reference}, cs)
    verdict = "HIT" if ratio >= 50 else "MISS"
    print(f"reference {per_app * 1e3:.2f} ms/application × {er.n:,} = {extrapolated:,.1f} s")
    print(
        f"{verdict:>5}  engine fed from {dialect} (read + score) {min(fed):.3f} s: {ratio:,.1f}× the "
        f"reference (target ≥ 50×); engine alone {min(engine_only):.3f} s: {ratio_engine:,.1f}×"
    )
    same = worst <= 1e-9 and mismatches == 0
    print(
        f"{'HIT' if same else 'MISS':>5}  engine = reference on {args.subsample} applications: max |Δ| "
        f"{worst:.1e}, {mismatches} vetoes/grades/reviewer counts differing"
    )
    return {
        "dialect": dialect,
        "applications": er.n,
        "scores": int(er.s_score.size),
        "fed_s": fed,
        "engine_s": engine_only,
        "reference_subsample_s": walls,
        "reference_extrapolated_s": extrapolated,
        "speedup_fed": ratio,
        "speedup_engine": ratio_engine,
        "max_abs_diff": worst,
        "mismatches": mismatches,
        "ok": bool(same and ratio >= 50),
        "loadavg_end": os.getloadavg(),
    }


def main(argv: list[str] | None = None) -> int:
    """Run and print; optionally write the figures as JSON."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--database-url", default=None)
    p.add_argument("--reset", action="store_true", help="drop every table of the database first")
    p.add_argument("--applications", type=int, default=5000)
    p.add_argument("--subsample", type=int, default=50)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--json", default=None)
    args = p.parse_args(argv)
    report = run(args)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2), encoding="utf-8")
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
