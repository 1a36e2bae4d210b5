"""The scoring core's problems are messages that keep their template and values for translation."""

from __future__ import annotations

import pandas as pd
import pytest

from evaluator.criteria.ahp import AHPError, ahp, check_matrix
from evaluator.i18n import localise
from evaluator.messages import Message
from evaluator.scoring.engine import score_round
from evaluator.scoring.errors import InputError, format_problem

GOOD = dict(
    category="relocation",
    households=100,
    residents=10000,
    workers=18,
    fund=100000,
    platform=True,
    services="employment;elderly;health",
    online_rate=80,
    online_rate_prev=70,
    satisfaction=90,
    incident=False,
)


def _problems(cs, **figures):
    with pytest.raises(InputError) as info:
        score_round(cs, pd.DataFrame([{"id": "a", **GOOD, **figures}]))
    return {e["column"]: e for e in info.value.errors}


def test_bad_cells_keep_template_and_values(make_criteria):
    errors = _problems(make_criteria(), category="rural", services="bogus;nope", platform="maybe")
    enum = errors["category"]["message"]
    assert isinstance(enum, Message)
    assert enum.template == "'%(value)s' is not one of: %(choices)s"
    assert enum.params == {"value": "rural", "choices": ["urban", "relocation"]}
    multi = errors["services"]["message"]
    assert multi.template == "%(values)s are not one of: %(choices)s"
    assert multi == "'bogus', 'nope' are not one of: employment, elderly, health, culture"
    assert errors["platform"]["message"].params == {"value": "maybe"}


def test_a_problem_line_is_one_message_with_its_place(make_criteria):
    problem = _problems(make_criteria(), category="rural")["category"]
    line = format_problem(problem)
    assert line.template == "%(table)s, %(where)s: %(message)s"
    assert line == "applications, row 2, column category: 'rural' is not one of: urban, relocation"


def test_english_on_request(app, make_criteria):
    problem = _problems(make_criteria(), households=-5)["households"]
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert localise(format_problem(problem)) == (
            "applications, row 2, column households: -5 is below the minimum 0"
        )


def test_matrix_problems_are_messages():
    problems = check_matrix([[1, 2], [2, 1]])
    assert [p.template for p in problems] == [
        "not reciprocal at (%(i)s, %(j)s): a[%(i)s,%(j)s] * a[%(j)s,%(i)s] = %(a_ij)s * %(a_ji)s = "
        "%(product)s, expected 1"
    ]
    with pytest.raises(AHPError) as info:
        ahp([[1, 2], [1]])
    summary = info.value.args[0]
    assert summary.template == "invalid pairwise comparison matrix: %(problems)s"
    assert summary.params["problems"][0].params["rows"][0].params == {"row": 1, "count": 1}
