#!/usr/bin/env python
"""Benchmark of the cohorts engine on seeded synthetic communities shaped like Sichuan's.

    python scripts/bench_cohorts.py [--quick] [--only NAME[,NAME]] [--repeats R] [--json PATH]

Cases (targets from the cohorts issue; the machine is shared, so every time comes with its CPU time):

  cohorts       run_cohorts on 30,000 communities, community defaults (k-means, k chosen from 3..8
                by silhouette, minimum size 10): <= 5 s; and the same run twice gives the same cohorts
  cohorts_large run_cohorts on 600,000 communities with MiniBatchKMeans (k from 3..8): <= 30 s and a
                peak RSS of the process <= 2 GB
  stability     bootstrap_stability with 50 resamples on the 30,000-community run: <= 20 s
  peers         nearest_peers (20 each) on the 30,000-community run: <= 2 s; and the peers of 300
                applications equal those of a brute-force search over every pair

The figures: four community categories in Sichuan-like proportions and sizes — city-centre
communities of about 3,200 households, market towns of 1,400, urban-rural fringe communities of
2,200, relocation communities of 350 — households log-normal around those, 2.6–3.6 residents per
household, areas log-normal, aged 60+ and floating shares drawn from beta distributions around
each category's mean (city 20 % / 25 %, market town 26 % / 10 %, fringe 19 % / 30 %, relocation
17 % / 5 %), and the optional figures missing for some (area 8 %, aged 60+ 4 %, floating 12 %),
imputed as the defaults say.

Each case runs in a fresh subprocess (as in bench_scoring.py, whose measuring helpers are used) so
that its peak memory is its own. ``--quick`` shrinks every case a hundredfold (a smoke run: time and memory
targets are not judged, the correctness checks are).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
for _p in (str(ROOT / "scripts"), str(ROOT)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

import bench_scoring as bs  # noqa: E402  (the measuring helpers: memory, timing, rows, environment)
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

CASES = ("cohorts", "cohorts_large", "stability", "peers")
GB = bs.GB

# share, households median, persons per household, area km² median, aged 60+ share, floating share
CATEGORIES = {
    "traditional_urban": (0.40, 3200, 2.6, 1.2, 0.20, 0.25),
    "market_town": (0.25, 1400, 2.9, 6.0, 0.26, 0.10),
    "urban_rural_fringe": (0.20, 2200, 2.8, 4.0, 0.19, 0.30),
    "relocation": (0.15, 350, 3.6, 0.4, 0.17, 0.05),
}
MISSING = {"area_km2": 0.08, "aged_60_plus": 0.04, "residents_floating": 0.12}


def communities(n: int, seed: int = 1) -> pd.DataFrame:
    """``n`` synthetic communities' figures (seeded), ids 1..n."""
    rng = np.random.default_rng(seed)
    names = np.array(list(CATEGORIES))
    shares = np.array([v[0] for v in CATEGORIES.values()])
    category = rng.choice(len(names), n, p=shares)
    p = np.array([v[1:] for v in CATEGORIES.values()])[category]
    households = np.maximum(20, np.round(p[:, 0] * np.exp(rng.normal(0, 0.5, n))))
    residents = np.round(households * p[:, 1] * np.exp(rng.normal(0, 0.08, n)))
    area = np.round(p[:, 2] * np.exp(rng.normal(0, 0.65, n)), 2) + 0.05

    def share(mean: np.ndarray, concentration: float) -> np.ndarray:
        return rng.beta(mean * concentration, (1 - mean) * concentration)

    table = pd.DataFrame(
        {
            "id": np.arange(1, n + 1),
            "category": names[category],
            "households_resident": households,
            "residents_resident": residents,
            "area_km2": area,
            "aged_60_plus": np.round(residents * share(p[:, 3], 40)),
            "residents_floating": np.round(residents * share(p[:, 4], 12)),
        }
    )
    for column, rate in MISSING.items():
        table.loc[rng.random(n) < rate, column] = np.nan
    return table


def settings_for(method: str = "kmeans") -> Any:
    from evaluator.cohorts import build_settings, default_settings
    from evaluator.criteria import load_criteria

    criteria = load_criteria("fc-2026")
    return build_settings({**default_settings(criteria).source, "method": method}, criteria)


def describe(case: bs.Case, run: Any) -> None:
    q = run.quality
    tried = ", ".join(f"k={c.k}: {c.silhouette:.3f}" for c in q.candidates)
    case.say(f"k = {run.k}, sizes {q.sizes}; silhouette by k: {tried}")
    case.say(
        f"silhouette {q.silhouette:.3f} (on {q.silhouette_rows:,} rows), Davies–Bouldin "
        f"{q.davies_bouldin:.3f}, Calinski–Harabasz {q.calinski_harabasz:,.0f}"
    )
    for number, row in run.cohorts.iterrows():
        case.say(f"cohort {number}: {row['size']:,} · {row['profile_zh']} | {row['profile_en']}")
    case.details.update(
        k=run.k,
        sizes=q.sizes,
        silhouette=q.silhouette,
        davies_bouldin=q.davies_bouldin,
        calinski_harabasz=q.calinski_harabasz,
        candidates=[(c.k, c.cohorts, c.silhouette) for c in q.candidates],
        imputed=int(run.members["imputed"].sum()),
    )


def check_row(case: bs.Case, label: str, ok: bool, target: str) -> None:
    """A correctness row, judged even in a quick run."""
    case.row(label, float(ok), "bool", target, ok, timing=False)
    case.rows[-1]["measured"] = "yes" if ok else "no"


def timed_row(case: bs.Case, label: str, timing: bs.Timing, limit: float) -> None:
    best = timing.best
    cpu = timing.cpus[timing.walls.index(best)]
    case.row(f"{label} (CPU {cpu:.2f} s)", best, "s", f"≤ {limit:g} s", best <= limit)


def case_cohorts(case: bs.Case) -> None:
    from evaluator.cohorts import run_cohorts

    n = 300 if case.quick else 30_000
    figures, settings = communities(n), settings_for()
    case.memory.data_built(int(figures.memory_usage(deep=True).sum()))
    case.say(f"{n:,} communities; k from {settings.k_min} to {settings.k_max}, {settings.method}")
    timing = bs.best_of(lambda: run_cohorts(figures, settings), case.repeats)
    case.memory.mark("run_cohorts")
    case.say("run_cohorts: " + timing.text())
    run = timing.out
    describe(case, run)
    timed_row(case, f"run_cohorts, {n:,} communities, k chosen from 3..8 by silhouette", timing, 5.0)
    again = run_cohorts(figures.sample(frac=1, random_state=2), settings)
    same = bool(again.members["cohort"].equals(run.members["cohort"]))
    check_row(case, "the same figures in another row order give the same cohorts", same, "yes")
    bs.memory_row(case)


def case_cohorts_large(case: bs.Case) -> None:
    from evaluator.cohorts import run_cohorts

    n = 6_000 if case.quick else 600_000
    figures, settings = communities(n, seed=2), settings_for("minibatch")
    case.memory.data_built(int(figures.memory_usage(deep=True).sum()))
    case.say(f"{n:,} communities; k from {settings.k_min} to {settings.k_max}, {settings.method}")
    timing = bs.best_of(lambda: run_cohorts(figures, settings), case.repeats)
    case.memory.mark("run_cohorts")
    case.say("run_cohorts: " + timing.text())
    describe(case, timing.out)
    timed_row(case, f"run_cohorts, {n:,} communities, MiniBatchKMeans, k chosen from 3..8", timing, 30.0)
    m = case.memory.report()
    case.row(
        f"peak RSS of the process (data {m['data_rss'] / bs.MB:,.0f} MB after it was built, "
        f"+{m['calls_increase'] / bs.MB:,.0f} MB during the runs)",
        m["process_peak"],
        "GB",
        "≤ 2 GB",
        m["process_peak"] <= 2 * GB,
    )


def case_stability(case: bs.Case) -> None:
    from evaluator.cohorts import bootstrap_stability, run_cohorts

    n = 300 if case.quick else 30_000
    figures, settings = communities(n), settings_for()
    run = run_cohorts(figures, settings)
    case.memory.data_built(int(figures.memory_usage(deep=True).sum()))
    case.say(f"{n:,} communities in {run.k} cohorts; {settings.resamples} resamples")
    timing = bs.best_of(lambda: bootstrap_stability(run, resamples=50), case.repeats)
    case.memory.mark("bootstrap_stability")
    case.say("bootstrap_stability: " + timing.text())
    result = timing.out
    case.say(
        f"mean stability by cohort {result.cohorts['stability'].round(3).to_dict()}, "
        f"unstable {result.cohorts['unstable'].to_dict()}"
    )
    case.details.update(
        unstable=int(result.members["unstable"].sum()),
        mean_stability=float(result.members["stability"].mean()),
    )
    timed_row(case, f"bootstrap_stability, 50 resamples, {n:,} communities", timing, 20.0)
    bs.memory_row(case)


def brute_force_agrees(run: Any, peers: Any, rows: np.ndarray) -> bool:
    """Whether the peers of ``rows`` equal the nearest others by every pairwise distance."""
    x, ids = run.features.matrix, run.features.ids
    count = peers.n_peers
    for i in rows:
        d = np.sqrt(((x - x[i]) ** 2).sum(axis=1))
        d[i] = np.inf
        order = np.lexsort((ids, d))[:count]
        found = peers.of(ids[i])["peer_id"].to_numpy()
        if not np.array_equal(found, ids[order]):
            return False
    return True


def case_peers(case: bs.Case) -> None:
    from evaluator.cohorts import nearest_peers, run_cohorts

    n = 300 if case.quick else 30_000
    figures, settings = communities(n), settings_for()
    run = run_cohorts(figures, settings)
    case.memory.data_built(int(figures.memory_usage(deep=True).sum()))
    case.say(f"{n:,} communities, {len(run.features.column_names)} columns; {settings.peers} peers each")
    timing = bs.best_of(lambda: nearest_peers(run), case.repeats)
    case.memory.mark("nearest_peers")
    case.say("nearest_peers: " + timing.text())
    timed_row(case, f"nearest_peers, 20 each, {n:,} communities", timing, 2.0)
    sample = np.random.default_rng(3).choice(n, 300, replace=False)
    agree = brute_force_agrees(run, timing.out, sample)
    check_row(case, "peers of 300 applications equal a brute-force search", agree, "yes")
    bs.memory_row(case)


RUNNERS: dict[str, Callable[[bs.Case], None]] = {
    "cohorts": case_cohorts,
    "cohorts_large": case_cohorts_large,
    "stability": case_stability,
    "peers": case_peers,
}


def run_child(args: argparse.Namespace) -> int:
    """Run one case in this (fresh) process and write its result as JSON to ``--out``."""
    import evaluator.cohorts  # noqa: F401  (loaded before the baseline)

    case = bs.Case(args.case, args.quick, args.repeats, False)
    case.details["loadavg_at_start"] = os.getloadavg()
    RUNNERS[args.case](case)
    case.details["loadavg_at_end"] = os.getloadavg()
    Path(args.out).write_text(json.dumps(case.result(), default=str), encoding="utf-8")
    return 0


def spawn(name: str, args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / f"{name}.json"
        cmd = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--case",
            name,
            "--out",
            str(out),
            "--repeats",
            str(args.repeats),
        ] + (["--quick"] if args.quick else [])
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, check=False)
        wall = time.perf_counter() - t0
        if proc.returncode != 0 or not out.exists():
            row = {
                "case": name,
                "metric": "(case failed)",
                "value": None,
                "unit": "",
                "measured": "—",
                "target": "—",
                "result": f"ERROR (exit {proc.returncode})",
            }
            return {"case": name, "error": f"exit status {proc.returncode}", "rows": [row]}
        result = json.loads(out.read_text(encoding="utf-8"))
    result["subprocess_wall"] = wall
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick", action="store_true", help="a hundredfold smaller; no time or memory verdicts"
    )
    parser.add_argument("--only", help=f"comma-separated case names: {', '.join(CASES)}")
    parser.add_argument("--repeats", type=int, default=3, help="best of R (default 3)")
    parser.add_argument("--json", help="write the results as JSON to this path")
    parser.add_argument("--case", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.case:
        return run_child(args)
    names = [s.strip() for s in (args.only or ",".join(CASES)).split(",") if s.strip()]
    unknown = [s for s in names if s not in CASES]
    if unknown:
        parser.error(f"unknown case(s) {', '.join(unknown)}; known: {', '.join(CASES)}")
    env = bs.environment()
    print("# cohorts benchmark" + (" (--quick: sizes reduced, timings not judged)" if args.quick else ""))
    for key, value in env.items():
        if key != "threadpools":
            print(f"  {key}: {value}")
    print(f"  repeats: best of {args.repeats}\n", flush=True)
    return bs.run_cases(names, args, env, spawn)


if __name__ == "__main__":
    sys.exit(main())
