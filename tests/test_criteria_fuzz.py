"""Whatever a criteria file holds, loading it either succeeds or raises CriteriaError."""

from __future__ import annotations

import copy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evaluator.criteria import CriteriaError, build_criteria
from tests.conftest import MINI

ODD_VALUES = st.sampled_from(
    [
        None,
        0,
        1,
        -1,
        1e308,
        float("nan"),
        float("inf"),
        True,
        "",
        "x",
        "1/3",
        "1/0",
        [],
        {},
        [1, 2],
        [[1]],
        [{}],
        {"a": 1},
        {"id": "x"},
    ]
)


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _paths(value, (*prefix, i))


PATHS = [p for p in _paths(MINI) if p]


@settings(max_examples=300, deadline=None)
@given(edits=st.lists(st.tuples(st.sampled_from(PATHS), ODD_VALUES, st.booleans()), min_size=1, max_size=4))
@pytest.mark.slow
def test_any_mutation_loads_or_is_refused_with_paths(edits):
    raw = copy.deepcopy(MINI)
    for path, value, delete in edits:
        node = raw
        try:
            for key in path[:-1]:
                node = node[key]
            if delete and isinstance(node, dict):
                node.pop(path[-1], None)
            else:
                node[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue  # an earlier edit removed this path
    try:
        build_criteria(raw)
    except CriteriaError as exc:
        assert exc.errors
        assert all(isinstance(p, str) and msgs for p, msgs in exc.errors.items())
