"""Reviewer assignment on hand-made rounds: known optima, the rules, infeasible rounds and their reasons."""

from __future__ import annotations

import numpy as np
import pytest

from evaluator.assignment import (
    AssignmentProblem,
    ConflictRules,
    ProblemError,
    assign,
    conflict_matrices,
    region_key,
    validate_assignment,
)
from tests.in_process import run_script


def problem(apps, reviewers, sections=("A", "B"), **kw):
    """apps: (id, county, affiliations); reviewers: (id, region, affiliations, expertise)."""
    return AssignmentProblem(
        application_ids=[a[0] for a in apps],
        application_counties=[a[1] for a in apps],
        application_affiliations=[a[2] for a in apps],
        reviewer_ids=[r[0] for r in reviewers],
        reviewer_regions=[r[1] for r in reviewers],
        reviewer_affiliations=[r[2] for r in reviewers],
        reviewer_expertise=[r[3] for r in reviewers],
        sections=sections,
        **kw,
    )


def valid(p, result):
    return validate_assignment(
        p,
        result.application_ids,
        result.reviewer_ids,
        incomplete=[u.application_id for u in result.uncovered],
    )


def test_known_optimum_covers_both_sections_on_both_panels():
    p = problem(
        [("a1", "510104", {"org1"}), ("a2", "510105", {"org2"})],
        [
            ("r1", "510104001", {"u1"}, {"A"}),
            ("r2", "510301", {"u2"}, {"B"}),
            ("r3", "510302", {"u3"}, {"A"}),
            ("r4", "510303", {"u4"}, {"B"}),
        ],
        per_application=2,
        slack=0,
    )
    result = assign(p)
    panels = result.panels()
    assert result.status == "complete" and result.cap == 1 and valid(p, result) == []
    assert "r3" in panels["a1"] and "r1" in panels["a2"]  # r1 lives in a1's county
    assert result.coverage.tolist() == [1.0, 1.0] and result.overall_coverage == 1.0
    assert result.objective == 4 and result.loads.tolist() == [1, 1, 1, 1] and result.max_flow == 4


def test_the_flow_reroutes_what_a_greedy_pass_would_strand():
    # r1 is the best expert for everyone, but a2 and a3 can only take r1 or r2; cap 1.
    p = problem(
        [("a1", "510104", set()), ("a2", "510105", {"x"}), ("a3", "510106", {"x"})],
        [("r1", "510301", set(), {"A", "B"}), ("r2", "510302", set(), {"A"}), ("r3", "510303", {"x"}, {"B"})],
        per_application=1,
        max_load=1,
    )
    result = assign(p)
    assert result.status == "complete" and valid(p, result) == []
    assert result.panels()["a1"] == ["r3"]


def test_expertise_beats_an_arbitrary_panel():
    sections = ("S1", "S2", "S3")
    reviewers = [(f"g{i}", "510301", set(), set()) for i in range(6)]
    reviewers += [
        ("e1", "510302", set(), {"S1"}),
        ("e2", "510302", set(), {"S2"}),
        ("e3", "510302", set(), {"S3"}),
    ]
    p = problem(
        [("a1", "510104", set()), ("a2", "510105", set()), ("a3", "510106", set())],
        reviewers,
        sections=sections,
        per_application=3,
        max_load=2,
    )
    result = assign(p)
    # six expert slots (three experts × cap 2) for nine needed: at best 6 of 9 sections.
    assert result.objective == 6 and valid(p, result) == []
    assert result.coverable.tolist() == [3, 3, 3]


def test_region_rule_county_or_city_and_off():
    assert region_key("510104001002", "county") == "510104" and region_key("510104", "city") == "510100"
    apps = [("a1", "510104", set())]
    reviewers = [("r1", "510105001", set(), {"A"}), ("r2", "510301", set(), {"A"})]
    county = conflict_matrices(problem(apps, reviewers, per_application=1))
    city = conflict_matrices(
        problem(apps, reviewers, per_application=1, rules=ConflictRules(region_level="city"))
    )
    off = conflict_matrices(
        problem(apps, reviewers, per_application=1, rules=ConflictRules(same_region=False))
    )
    assert county.allowed.tolist() == [[True, True]]
    assert city.allowed.tolist() == [[False, True]]
    assert off.allowed.tolist() == [[True, True]]


def test_affiliation_and_declared_rules():
    apps = [("a1", "510104", {"Chengdu Univ", "org-a1"}), ("a2", "510105", {"org-a2"})]
    reviewers = [("r1", "510301", {"Chengdu Univ"}, set()), ("r2", "510302", {"bureau"}, set())]
    m = conflict_matrices(problem(apps, reviewers, per_application=1, conflicts=[("a2", "r2")]))
    assert m.allowed.tolist() == [[False, True], [True, False]]
    off = conflict_matrices(
        problem(
            apps,
            reviewers,
            per_application=1,
            conflicts=[("a2", "r2")],
            rules=ConflictRules(same_affiliation=False, declared=False),
        )
    )
    assert off.allowed.all()


def test_too_few_candidates_is_reported_with_the_rules_that_excluded_them():
    reviewers = [(f"r{i}", "510104001", set(), {"A"}) for i in range(4)]
    reviewers += [
        ("u1", "510301", {"org1"}, {"B"}),
        ("u2", "510302", set(), {"B"}),
        ("u3", "510303", set(), {"A"}),
    ]
    p = problem(
        [("a1", "510104", {"org1"}), ("a2", "510301", set())],
        reviewers,
        per_application=3,
        conflicts=[("a1", "u2")],
    )
    result = assign(p)
    assert result.status == "partial" and valid(p, result) == []
    (u,) = result.uncovered
    assert u.application_id == "a1" and u.candidates == 1
    assert u.reason == (
        "Only 1 reviewers have no conflict with this application and 3 are needed: of the "
        "roster's other 6, 4 are from the same county, 1 share an affiliation and 1 "
        "declared a conflict."
    )
    assert u.reason.template.startswith("Only %(candidates)s")
    assert len(result.panels()["a2"]) == 3


def test_total_capacity_shortage_leaves_the_fewest_applications_out():
    reviewers = [("r1", "510301", set(), {"A"}), ("r2", "510302", set(), {"B"})]
    p = problem([(f"a{i}", "510104", set()) for i in range(3)], reviewers, per_application=2, max_load=2)
    result = assign(p)
    assert len(result.uncovered) == 1 and result.n_pairs == 4 and valid(p, result) == []
    assert result.uncovered[0].reason == (
        "Not enough reviewer capacity: 4 assignments (2 reviewers × at "
        "most 2) for 6 needed (3 applications × 2)."
    )
    assert result.max_flow == 4


def test_a_local_bottleneck_is_explained():
    # a1 and a2 can only be reviewed by r1 and r2 (everyone else is from their county); cap 1.
    reviewers = [("r1", "510301", set(), {"A"}), ("r2", "510302", set(), {"B"})]
    reviewers += [(f"c{i}", "510104001", set(), {"A"}) for i in range(4)]
    apps = [("a1", "510104", set()), ("a2", "510104", set()), ("a3", "510301", set())]
    p = problem(apps, reviewers, per_application=2, max_load=1)
    result = assign(p)
    assert valid(p, result) == [] and len(result.uncovered) == 1
    assert result.uncovered[0].application_id in {"a1", "a2"}
    assert "needed at their maximum load of 1" in result.uncovered[0].reason


def test_no_reviewers_or_no_applications():
    empty = assign(problem([("a1", "510104", set())], [], per_application=1))
    assert empty.status == "infeasible" and empty.n_pairs == 0 and len(empty.uncovered) == 1
    none = assign(problem([], [("r1", "510301", set(), {"A"})], per_application=1))
    assert none.status == "complete" and none.n_pairs == 0 and none.loads.tolist() == [0]


def test_validate_reports_every_violation():
    reviewers = [("r1", "510104001", {"org1"}, {"A"}), ("r2", "510301", set(), {"B"})]
    p = problem(
        [("a1", "510104", {"org1"}), ("a2", "510301", set())],
        reviewers,
        per_application=2,
        max_load=1,
        conflicts=[("a1", "r1")],
    )
    violations = validate_assignment(p, ["a1", "a1", "a1", "zz"], ["r1", "r1", "r2", "r2"])
    text = "\n".join(violations)
    assert "same region" in text and "shares an affiliation" in text and "declared a conflict" in text
    assert "assigned twice" in text and "Unknown pair" in text
    assert "Reviewer r1 has" not in text and "Application a2 has 0 reviewers, 2 needed." in text
    over = validate_assignment(p, ["a2", "a2"], ["r1", "r2"], incomplete=["a1"], max_load=0)
    assert sum("more than the maximum 0" in v for v in over) == 2


def test_bad_inputs_are_refused_with_every_problem():
    with pytest.raises(ProblemError) as info:
        problem(
            [("a1", "5101", set()), ("a1", "510104", set())],
            [("r1", "510301", set(), {"A"})],
            per_application=0,
            conflicts=[("a9", "r1")],
        )
    text = "\n".join(info.value.errors)
    assert "application_ids are not unique" in text and "at least 6 digits" in text
    assert "at least 1" in text and "unknown ids" in text
    with pytest.raises(ValueError):
        ConflictRules(region_level="province")


def test_pairs_are_arrays_and_default_cap_uses_the_slack():
    p = problem(
        [(f"a{i}", "510104", set()) for i in range(7)],
        [(f"r{j}", "510301", set(), {"A", "B"}) for j in range(3)],
        per_application=2,
        slack=1,
    )
    result = assign(p)
    assert p.cap == 5 + 1 and isinstance(result.application_ids, np.ndarray)
    assert result.loads.sum() == 14 and result.loads.max() - result.loads.min() <= 1


def test_benchmark_script_runs_small():
    out = run_script("bench_assignment", "--applications", "300", "--reviewers", "30")
    assert out.returncode == 0, out.stderr[-2000:]
    assert "violations           0" in out.stdout and "status               complete" in out.stdout
