#!/usr/bin/env python
"""Benchmark of reviewer assignment on a seeded Sichuan-like round.

    python scripts/bench_assignment.py [--applications 5000] [--reviewers 300] [--per 5] [--seed 2026]
                                       [--region-level county|city] [--json PATH]

The round: applications spread over 21 cities × ~8 counties (real Sichuan city prefixes), each
affiliated with its own organisation and its county's civil-affairs bureau, one in ten with a
university partner; reviewers from 12 universities (home regions in the cities that have them) and
from county bureaus (home region = their county); 0.2 % of pairs declared conflicts; 7 level-1
sections, each reviewer expert in 1–3. All conflict rules on. Target on the 2-core benchmark machine:
build + solve ≤ 10 s for 5,000 applications × 5 reviewers over 300 reviewers.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from evaluator.assignment import (  # noqa: E402
    AssignmentProblem,
    ConflictRules,
    assign,
    validate_assignment,
)

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
SECTIONS = ("S1", "S2", "S3", "S4", "S5", "S6", "S7")
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


def counties(rng: np.random.Generator) -> list[str]:
    """About 8 county codes per city (city prefix + 04, 05, …)."""
    out = []
    for city in CITIES:
        for k in range(int(rng.integers(6, 11))):
            out.append(f"{city}{k + 4:02d}")
    return out


def make_round(applications: int, reviewers: int, per: int, seed: int, level: str) -> dict:
    """The problem's inputs as plain lists (what the service would read from its tables)."""
    rng = np.random.default_rng(seed)
    county_list = counties(rng)
    weight = rng.gamma(2.0, 1.0, len(county_list))
    app_county = rng.choice(county_list, size=applications, p=weight / weight.sum())
    app_aff = []
    for i, c in enumerate(app_county):
        keys = {f"org-{i}", f"bureau-{c}"}
        if rng.random() < 0.1:
            keys.add(f"univ-{int(rng.integers(len(UNIVERSITY_CITIES)))}")
        app_aff.append(keys)
    rev_region, rev_aff = [], []
    for _ in range(reviewers):
        if rng.random() < 0.6:
            u = int(rng.integers(len(UNIVERSITY_CITIES)))
            city = UNIVERSITY_CITIES[u]
            seats = [c for c in county_list if c.startswith(city)]
            rev_region.append(str(rng.choice(seats)) + "001")
            rev_aff.append({f"univ-{u}"})
        else:
            c = str(rng.choice(county_list))
            rev_region.append(c + "001")
            rev_aff.append({f"bureau-{c}"})
    expertise = [
        set(rng.choice(SECTIONS, size=int(rng.integers(1, 4)), replace=False).tolist())
        for _ in range(reviewers)
    ]
    app_ids = [f"app-{i:05d}" for i in range(applications)]
    rev_ids = [f"rev-{j:03d}" for j in range(reviewers)]
    pairs = rng.random((applications, reviewers)) < 0.002
    conflicts = [(app_ids[a], rev_ids[r]) for a, r in zip(*np.nonzero(pairs), strict=True)]
    return dict(
        application_ids=app_ids,
        application_counties=app_county.tolist(),
        application_affiliations=app_aff,
        reviewer_ids=rev_ids,
        reviewer_regions=rev_region,
        reviewer_affiliations=rev_aff,
        reviewer_expertise=expertise,
        sections=SECTIONS,
        conflicts=conflicts,
        per_application=per,
        rules=ConflictRules(region_level=level),
        seed=seed,
    )


def main(argv: list[str] | None = None) -> None:
    """Generate the round, solve it, validate the result and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applications", type=int, default=5000)
    parser.add_argument("--reviewers", type=int, default=300)
    parser.add_argument("--per", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--region-level", choices=("county", "city"), default="county")
    parser.add_argument("--json", default="")
    args = parser.parse_args(argv)

    t0 = time.perf_counter()
    inputs = make_round(args.applications, args.reviewers, args.per, args.seed, args.region_level)
    t1 = time.perf_counter()
    problem = AssignmentProblem(**inputs)
    t2 = time.perf_counter()
    result = assign(problem)
    t3 = time.perf_counter()
    violations = validate_assignment(
        problem,
        result.application_ids,
        result.reviewer_ids,
        incomplete=[u.application_id for u in result.uncovered],
    )
    t4 = time.perf_counter()
    loads = result.loads
    figures = {
        "applications": args.applications,
        "reviewers": args.reviewers,
        "per_application": args.per,
        "declared_conflicts": len(inputs["conflicts"]),
        "cap": result.cap,
        "generate_s": round(t1 - t0, 3),
        "build_s": round(t2 - t1, 3),
        "solve_s": round(t3 - t2, 3),
        "total_s": round(t3 - t1, 3),
        "validate_s": round(t4 - t3, 3),
        "phases_s": {k: round(v, 3) for k, v in result.timings.items()},
        "status": result.status,
        "solver_status": result.solver_status,
        "pairs": result.n_pairs,
        "uncovered": len(result.uncovered),
        "overall_coverage": round(result.overall_coverage, 4),
        "fully_covered": result.fully_covered,
        "max_load": int(loads.max()),
        "min_load": int(loads.min()),
        "violations": len(violations),
    }
    for key, value in figures.items():
        print(f"{key:20} {value}")
    verdict = "OK" if figures["total_s"] <= 10 and not violations else "MISSED"
    print(f"{'target':20} build + solve <= 10 s, no violations: {verdict}")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
