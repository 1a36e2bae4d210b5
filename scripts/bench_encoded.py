#!/usr/bin/env python
"""Benchmark of the engine fed encoded inputs (integer ids and typed arrays, as from a database).

    python scripts/bench_encoded.py [--quick] [--repeats R (default 7)] [--json PATH] [--profile]

On the expert round's data of ``scripts/bench_scoring.py`` (5,000 applications x 40 expert
indicators x 7 reviewers = 1,400,000 score rows, 11 auto indicators), calibration off:

  - ``score_encoded`` end to end, from the arrays to a RoundResult (every check included);
  - the per-application reference (tests/reference.py) on a random subsample of 50 applications
    with their own score rows, extrapolated linearly to the round, as bench_scoring.py does;
  - target: reference / score_encoded >= 50x;
  - for comparison, ``score_round`` end to end from DataFrames and ``score_parsed`` alone;
  - agreement: score_encoded = score_round on the whole round (every array of the result), and
    = the reference on the subsample (per-application figures), both to 1e-9.

The encoded arrays are built once from the same synthetic round before timing (that is what a
database query would hand over); ids become integers 100000 + i, reviewers 0..34, so the ids'
order is the same as the text ids' and the id tie-break agrees. ``--quick`` is ten times
smaller and does not judge the time target.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
for _p in (str(ROOT / "scripts"), str(ROOT)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

import bench_data as bd  # noqa: E402

from evaluator.criteria import build_criteria  # noqa: E402
from evaluator.scoring.encoded import (  # noqa: E402
    EncodedApplications,
    EncodedClaims,
    EncodedReviews,
    flag_names,
    read_encoded,
    score_encoded,
)
from evaluator.scoring.engine import read_inputs, score_parsed, score_round  # noqa: E402

ID_BASE = 100_000


def encode(cs: Any, er: bd.ExpertRound) -> tuple[EncodedApplications, EncodedReviews, EncodedClaims]:
    """The round as a database would give it: integer ids, typed columns, integer score rows."""
    n = er.n
    columns: dict[str, np.ndarray] = {}
    missing: dict[str, np.ndarray] = {}
    for f in cs.fields:
        raw = er.apps[f.key]
        if f.type in ("int", "float"):
            columns[f.key] = np.asarray(raw, dtype=np.float64)
        elif f.type == "bool":
            gone = np.array([v is None for v in raw], dtype=bool)
            columns[f.key] = np.array([bool(v) if v is not None else False for v in raw], dtype=np.int8)
            missing[f.key] = gone
        elif f.type == "enum":
            code = {c: k for k, c in enumerate(f.choice_values)}
            columns[f.key] = np.fromiter((code.get(v, -1) for v in raw), dtype=np.int64, count=n)
        elif f.type == "multi":
            ticks = np.zeros((n, len(f.choices)), dtype=bool)
            code = {c: k for k, c in enumerate(f.choice_values)}
            for i, cell in enumerate(raw):
                for item in cell.split(";") if cell else ():
                    ticks[i, code[item]] = True
            columns[f.key] = ticks
        else:
            columns[f.key] = np.asarray(raw, dtype=object)
    stamps = np.array(
        [np.datetime64(v.replace(" ", "T")) if v else np.datetime64("NaT") for v in er.apps["submitted_at"]],
        dtype="datetime64[ns]",
    )
    apps = EncodedApplications(
        ids=ID_BASE + np.arange(n, dtype=np.int64), columns=columns, missing=missing, submitted_at=stamps
    )
    leaf_pos = {leaf.id: j for j, leaf in enumerate(cs.leaves)}
    expert_leaf = np.array([leaf_pos[i] for i in er.indicator_ids], dtype=np.int64)
    flags = {name: k for k, name in enumerate(flag_names(cs))}
    reviews = EncodedReviews(
        app=ID_BASE + er.s_app.astype(np.int64),
        reviewer=er.s_rev.astype(np.int64),
        indicator=expert_leaf[er.s_ind],
        score=er.s_score.astype(np.float64),
        flag=np.fromiter(
            (flags.get(v, -1) if v else -1 for v in er.s_flag), dtype=np.int64, count=er.s_flag.size
        ),
    )
    position = {aid: i for i, aid in enumerate(er.app_ids)}
    item = {b.id: k for k, b in enumerate(cs.bonus_items)}
    claims = EncodedClaims(
        app=np.array([ID_BASE + position[a] for a, _ in er.claims], dtype=np.int64),
        item=np.array([item[b] for _, b in er.claims], dtype=np.int64),
    )
    return apps, reviews, claims


def best_of(fn: Callable[[], Any], repeats: int) -> tuple[list[float], Any]:
    """Wall times of ``repeats`` calls (``perf_counter``) and the last result."""
    walls, out = [], None
    for _ in range(max(1, repeats)):
        out = None
        gc.collect()
        t0 = time.perf_counter()
        out = fn()
        walls.append(time.perf_counter() - t0)
    return walls, out


def max_diff(a: Any, b: Any) -> float:
    """Largest |a - b| of two results (NaN only where both are NaN; otherwise infinity)."""
    worst = 0.0
    for name in ("leaf_points", "raw_expert", "sections", "base", "bonus", "total", "percentile"):
        x, y = np.asarray(getattr(a, name), dtype=float), np.asarray(getattr(b, name), dtype=float)
        if x.shape != y.shape or not np.array_equal(np.isnan(x), np.isnan(y)):
            return float("inf")
        both = ~np.isnan(x)
        if both.any():
            worst = max(worst, float(np.abs(x[both] - y[both]).max()))
    for name in (
        "missing_figure",
        "bonus_awarded",
        "vetoes",
        "vetoed",
        "complete",
        "n_reviews",
        "grade",
        "rank",
    ):
        if not np.array_equal(getattr(a, name), getattr(b, name)):
            return float("inf")
    return worst


def against_reference(
    result: Any, reference: dict[str, dict], text_to_id: dict[str, str], cs: Any
) -> tuple[float, int]:
    """Max |Δ| of every leaf, section, base, bonus and total; count of differing vetoes/grades/reviews."""
    table = result.table()
    worst, mismatches = 0.0, 0

    def diff(a: Any, b: Any) -> float:
        a = float("nan") if a is None else float(a)
        b = float("nan") if b is None else float(b)
        if np.isnan(a) or np.isnan(b):
            return 0.0 if np.isnan(a) and np.isnan(b) else float("inf")
        return abs(a - b)

    for text_id, ref in reference.items():
        row = table.loc[text_to_id[text_id]]
        values = [diff(row[f"score.{leaf.id}"], ref["leaf_points"][leaf.id]) for leaf in cs.leaves]
        values += [diff(row[f"section.{s.id}"], ref["sections"][s.id]) for s in cs.indicators]
        values += [diff(row[k], ref[k]) for k in ("base", "bonus", "total")]
        worst = max(worst, *values)
        grade = None if row["grade"] is None or row["grade"] != row["grade"] else row["grade"]
        mismatches += (
            (bool(row["vetoed"]) != ref["vetoed"])
            + (grade != ref["grade"])
            + (int(row["n_reviews"]) != ref["n_reviews"])
        )
    return worst, mismatches


def run(args: argparse.Namespace) -> dict[str, Any]:
    from tests.reference import reference_round

    n, k = (500, 10) if args.quick else (5000, 50)
    cs = build_criteria(bd.expert_criteria("none"), "bench")
    er = bd.expert_round(n)
    frames = er.frames()
    encoded = encode(cs, er)
    subset = np.random.default_rng(3).choice(n, size=k, replace=False)
    ref_apps, ref_scores, ref_claims = er.records(subset)
    rows = encoded[1].app.size
    print(
        f"{n:,} applications, {rows:,} score rows ({len(cs.expert_leaves)} expert + "
        f"{len(cs.auto_leaves)} auto leaves), {encoded[2].app.size:,} bonus claims; calibration "
        f"{cs.aggregation.calibration}; load average {os.getloadavg()[0]:.2f}",
        flush=True,
    )

    enc_t, enc_result = best_of(lambda: score_encoded(cs, *encoded), args.repeats)
    print("score_encoded (arrays -> RoundResult): " + ", ".join(f"{t:.3f}" for t in enc_t) + " s", flush=True)
    chk_t, parsed_enc = best_of(lambda: read_encoded(cs, *encoded), args.repeats)
    print(
        "  of which read_encoded (checks + building the engine's tables): "
        + ", ".join(f"{t:.3f}" for t in chk_t)
        + " s",
        flush=True,
    )
    par_t, _ = best_of(lambda: score_parsed(cs, *parsed_enc), args.repeats)
    print("  score_parsed alone: " + ", ".join(f"{t:.3f}" for t in par_t) + " s", flush=True)
    rnd_t, rnd_result = best_of(lambda: score_round(cs, *frames), args.repeats)
    print(
        "score_round (DataFrames -> RoundResult): " + ", ".join(f"{t:.3f}" for t in rnd_t) + " s", flush=True
    )
    ref_t, reference = best_of(lambda: reference_round(cs, ref_apps, ref_scores, ref_claims), args.repeats)
    print(f"reference_round, {k} applications: " + ", ".join(f"{t:.3f}" for t in ref_t) + " s", flush=True)
    read_inputs(cs, *frames, None)  # (warm; score_round was timed above)

    per_app = min(ref_t) / k
    extrapolated = per_app * n
    ratio = extrapolated / min(enc_t)
    ratio_round = extrapolated / min(rnd_t)
    d_round = max_diff(enc_result, rnd_result)
    text_to_id = {aid: str(ID_BASE + i) for i, aid in enumerate(er.app_ids)}
    d_ref, mism = against_reference(enc_result, reference, text_to_id, cs)
    same_ids = np.array_equal(enc_result.ids, np.array([str(ID_BASE + i) for i in range(n)], dtype=object))
    report = {
        "n_apps": n,
        "score_rows": int(rows),
        "subsample": k,
        "quick": args.quick,
        "score_encoded_s": enc_t,
        "read_encoded_s": chk_t,
        "score_parsed_s": par_t,
        "score_round_s": rnd_t,
        "reference_subsample_s": ref_t,
        "reference_per_app_ms": per_app * 1e3,
        "reference_extrapolated_s": extrapolated,
        "speedup_encoded": ratio,
        "speedup_score_round": ratio_round,
        "max_abs_diff_vs_score_round": d_round,
        "max_abs_diff_vs_reference": d_ref,
        "mismatches_vs_reference": mism,
        "ids_as_text": bool(same_ids),
        "loadavg_end": os.getloadavg(),
    }
    ok_time = ratio >= 50
    ok_eq = d_round <= 1e-9 and d_ref <= 1e-9 and mism == 0 and same_ids
    verdict = "n/a (quick)" if args.quick else ("HIT" if ok_time else "MISS")
    print()
    print(f"reference {per_app * 1e3:.2f} ms/application x {n:,} = {extrapolated:,.2f} s")
    print(
        f"{verdict:>11}  score_encoded end to end {min(enc_t):.3f} s: {ratio:,.1f}x the reference "
        "(target >= 50x)"
    )
    print(f"{'info':>11}  score_round end to end {min(rnd_t):.3f} s: {ratio_round:,.1f}x the reference")
    print(f"{'info':>11}  read_encoded {min(chk_t):.3f} s + score_parsed {min(par_t):.3f} s")
    print(
        f"{'HIT' if d_round <= 1e-9 else 'MISS':>11}  score_encoded = score_round, whole round: "
        f"max |Δ| {d_round:.1e} (vetoes, grades, ranks, reviews identical unless inf)"
    )
    print(
        f"{'HIT' if d_ref <= 1e-9 and mism == 0 else 'MISS':>11}  score_encoded = reference on the "
        f"{k} applications: max |Δ| {d_ref:.1e}, {mism} vetoes/grades/reviewer counts differing"
    )
    report["ok"] = bool(ok_eq and (ok_time or args.quick))
    if args.profile:
        import cProfile
        import pstats

        prof = cProfile.Profile()
        prof.enable()
        score_encoded(cs, *encoded)
        prof.disable()
        pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="ten times smaller; no time verdict")
    parser.add_argument("--repeats", type=int, default=7, help="best of R (default 7)")
    parser.add_argument("--json", help="write the figures as JSON to this path")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of score_encoded")
    args = parser.parse_args(argv)
    report = run(args)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2, default=str), encoding="utf-8")
    equal = (
        report["max_abs_diff_vs_score_round"] <= 1e-9
        and report["max_abs_diff_vs_reference"] <= 1e-9
        and report["mismatches_vs_reference"] == 0
        and report["ids_as_text"]
    )
    return 0 if equal else 1


if __name__ == "__main__":
    sys.exit(main())
