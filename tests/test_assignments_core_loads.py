"""The core's ``reviewer_loads``: loads held from earlier runs count against the cap, exactly."""

from __future__ import annotations

import numpy as np
import pytest

from evaluator.assignment import AssignmentProblem, ProblemError, assign, validate_assignment


def problem(loads, cap=3, n=4, m=4, per=2):
    return AssignmentProblem(
        application_ids=list(range(n)),
        application_counties=["510104"] * n,
        application_affiliations=[set()] * n,
        reviewer_ids=[f"r{j}" for j in range(m)],
        reviewer_regions=["510302"] * m,
        reviewer_affiliations=[set()] * m,
        reviewer_expertise=[{"S1"}] * m,
        sections=["S1"],
        per_application=per,
        max_load=cap,
        reviewer_loads=loads,
    )


def test_held_loads_count_against_the_cap():
    p = problem([4, 0, 1, 2], cap=4)
    result = assign(p)
    assert result.status == "complete" and result.n_pairs == 8
    assert result.loads.sum() == 15 and result.loads.max() <= 4  # the loads include the held ones
    assert "r0" not in result.reviewer_ids.tolist()
    assert validate_assignment(p, result.application_ids, result.reviewer_ids) == []


def test_capacity_short_because_of_held_loads():
    result = assign(problem([3, 3, 3, 2], n=2))
    assert result.status == "infeasible"
    assert "Not enough reviewer capacity" in result.uncovered[0].reason


def test_default_cap_counts_held_loads():
    p = AssignmentProblem(
        application_ids=[1, 2],
        application_counties=["510104"] * 2,
        application_affiliations=[set(), set()],
        reviewer_ids=["a", "b"],
        reviewer_regions=["510302"] * 2,
        reviewer_affiliations=[set(), set()],
        reviewer_expertise=[set(), set()],
        sections=["S1"],
        per_application=1,
        reviewer_loads=[4, 0],
    )
    assert p.cap == 4  # ceil((2 + 4) / 2) + 1
    assert np.array_equal(p.initial_loads(), [4, 0])


def test_bad_loads_are_refused():
    with pytest.raises(ProblemError):
        problem([1, 2])
    with pytest.raises(ProblemError):
        problem([1, -1, 0, 0])
