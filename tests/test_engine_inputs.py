"""Bad input tables: every problem is an InputError naming table, row, column and/or application.

Rows are numbered as in a spreadsheet whose header is row 1, so the first data row is row 2.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from evaluator.scoring import engine
from evaluator.scoring.engine import score_round
from evaluator.scoring.errors import MAX_REPORTED, InputError

EXPERTS = ("plan_quality", "onsite", "novelty")
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


@pytest.fixture
def cs(make_criteria):
    return make_criteria()


def app(app_id, **figures):
    """One application row: valid figures unless overridden (None = blank cell)."""
    return {"id": app_id, **GOOD, **figures}


def marks(app_id, reviewer, score=5.0):
    """One reviewer's complete score rows for one application."""
    return [
        {"application_id": app_id, "reviewer_id": reviewer, "indicator_id": i, "score": score}
        for i in EXPERTS
    ]


def panel(*app_ids):
    """Three reviewers scoring every given application completely."""
    return [row for a in app_ids for r in ("R1", "R2", "R3") for row in marks(a, r)]


def frame(rows):
    return None if rows is None else pd.DataFrame(rows)


def problems(cs, apps, scores=None, claims=None, **kw):
    """The problems of a round that must be refused."""
    apps = apps if isinstance(apps, pd.DataFrame) else pd.DataFrame(apps)
    with pytest.raises(InputError) as info:
        score_round(cs, apps, frame(scores), frame(claims), **kw)
    return info.value.errors


def where(errors):
    """(table, row, column) of each problem, for exact comparisons."""
    return sorted((e["table"], e.get("row") or 0, e.get("column")) for e in errors)


def one(errors, **keys):
    """The single problem matching ``keys`` (``message`` matches as a substring)."""
    text = keys.pop("message", "")
    hits = [e for e in errors if text in e["message"] and all(e.get(k) == v for k, v in keys.items())]
    assert len(hits) == 1, (keys, text, errors)
    return hits[0]


# --- applications -------------------------------------------------------------------------------


def test_no_id_column(cs):
    errors = problems(cs, pd.DataFrame([app("a")]).drop(columns="id"))
    assert errors == [
        {"table": "applications", "column": "id", "message": "the applications table needs an 'id' column"}
    ]


def test_blank_and_duplicate_ids(cs):
    errors = problems(cs, [app("a"), app(""), app(None), app(" a "), app("b")])
    assert where(errors) == [("applications", r, "id") for r in (3, 4, 5)]
    one(errors, row=3, message="needs an id")
    one(errors, row=4, message="needs an id")
    one(errors, row=5, message="id 'a' appears more than once")


def test_required_field_missing_as_column_and_as_blank_cell(cs):
    apps = pd.DataFrame([app("a"), app("b", residents=None), app("c", residents="  ")])
    errors = problems(cs, apps.drop(columns="households"))
    whole = one(errors, column="households", message="required column 'households' (户数) is missing")
    assert whole.get("row") is None
    one(errors, row=3, column="residents", message="常住人口 is required")
    one(errors, row=4, column="residents", message="常住人口 is required")
    assert {e["row"] for e in errors if e["column"] == "households" and e.get("row")} == {2, 3, 4}


BAD_NUMBERS = [
    ("households", "many", "'many' is not a number"),
    ("households", 2.5, "2.5 is not a whole number"),
    ("households", "2.5", "2.5 is not a whole number"),
    ("households", math.inf, "infinite"),
    ("households", "inf", "infinite"),
    ("fund", "-inf", "infinite"),
    ("workers", -1, "-1 is below the minimum 0"),
    ("online_rate", 100.5, "100.5 is above the maximum 100"),
    ("satisfaction", "高", "'高' is not a number"),
]


def test_every_bad_number_is_reported_with_row_and_column(cs):
    apps = [app(f"a{k}", **{key: value}) for k, (key, value, _) in enumerate(BAD_NUMBERS)]
    errors = problems(cs, apps)
    assert where(errors) == sorted(("applications", k + 2, key) for k, (key, _, _) in enumerate(BAD_NUMBERS))
    for k, (key, _, text) in enumerate(BAD_NUMBERS):
        one(errors, row=k + 2, column=key, message=text)


def test_nan_looking_strings_are_errors_but_real_nan_is_blank(cs):
    # The text "nan" is a value, not a blank cell: wherever a figure is parsed it is refused.
    apps = [
        app("a", households="nan"),
        app("b", category="nan"),
        app("c", platform="nan"),
        app("d", services="nan"),
        app("e", satisfaction="NaN"),
        app("f", theme="nan"),
    ]
    errors = problems(cs, apps)
    assert where(errors) == [
        ("applications", 2, "households"),
        ("applications", 3, "category"),
        ("applications", 4, "platform"),
        ("applications", 5, "services"),
        ("applications", 6, "satisfaction"),
    ]
    # A real NaN is a blank cell: required → "is required"; optional → a missing figure.
    one(problems(cs, [app("a", households=math.nan)]), row=2, column="households", message="is required")
    table = score_round(cs, pd.DataFrame([app("a", workers=math.nan, theme="nan")])).table()
    assert table.loc["a", "missing_figures"] == "workers"
    assert table.loc["a", "score.staffing"] == 0


def test_bad_bool_enum_multi_and_date(cs):
    apps = [
        app("a", platform="maybe"),
        app("b", category="rural"),
        app("c", services="employment;bogus"),
        app("d", submitted_at="yesterday"),
    ]
    errors = problems(cs, apps)
    assert where(errors) == [
        ("applications", 2, "platform"),
        ("applications", 3, "category"),
        ("applications", 4, "services"),
        ("applications", 5, "submitted_at"),
    ]
    one(errors, row=2, message="'maybe' is not yes/no")
    one(errors, row=3, message="'rural' is not one of: urban, relocation")
    one(errors, row=4, message="'bogus' is not one of: employment, elderly, health, culture")
    one(errors, row=5, message="'yesterday' is not a date and time")


def test_labels_and_separators_are_accepted(cs):
    apps = pd.DataFrame(
        [
            app("a", category="城市", households=500, services="就业、养老", platform="是"),
            app("b", services="employment;elderly", platform="否"),
            app("c", services=["employment", "elderly"], platform="yes"),
            app("d", services="Employment，养老", platform="0"),
        ]
    ).rename(
        columns={
            "households": "户数",
            "satisfaction": "满意度（satisfaction）",
            "category": "社区类型 (category)",
        }
    )
    table = score_round(cs, apps).table()
    # 城市 is urban: 500 households is 1000 below the norm's 1500 → 0; relocation has no norm → 10.
    assert table["score.size"].tolist() == [0, 10, 10, 10]
    assert table["score.services_offered"].tolist() == pytest.approx([20 / 3] * 4)
    assert table["score.has_platform"].tolist() == [5, 0, 5, 0]


def test_bool_column_of_ones_and_zeros_with_a_blank(cs):
    # pandas stores [1, 0, None] as float64: the cells read "1.0"/"0.0" and must still be yes/no
    # (a spreadsheet column of 1/0 with one blank cell).
    table = score_round(
        cs, pd.DataFrame([app("a", platform=1), app("b", platform=0), app("c", platform=None)])
    ).table()
    assert table["score.has_platform"].tolist() == [5, 0, 0]
    assert table.loc["c", "missing_figures"] == "platform"


# --- scores -------------------------------------------------------------------------------------


def test_score_table_missing_columns(cs):
    scores = pd.DataFrame(panel("a")).drop(columns=["reviewer_id", "score"])
    errors = problems(cs, [app("a")], scores)
    assert len(errors) == 1
    assert errors[0]["table"] == "scores"
    assert "reviewer_id" in errors[0]["message"] and "score" in errors[0]["message"]


def test_every_bad_score_row_is_reported(cs):
    pq, on, _ = (leaf.points for leaf in cs.expert_leaves)
    good = [
        *panel("a", "b"),
        {"application_id": "b", "reviewer_id": "R5", "indicator_id": "novelty", "score": 3},
    ]  # rows 2–20; R5's other two rows are bad
    bad = [  # (row, column, message part)
        (
            {"application_id": "zz", "reviewer_id": "R1", "indicator_id": "onsite", "score": 1},
            "application_id",
            "unknown application 'zz'",
        ),
        (
            {"application_id": "a", "reviewer_id": " ", "indicator_id": "onsite", "score": 1},
            "reviewer_id",
            "needs a reviewer",
        ),
        (
            {"application_id": "a", "reviewer_id": "R9", "indicator_id": "onsite", "score": 1},
            "reviewer_id",
            "unknown reviewer 'R9'",
        ),
        (
            {"application_id": "a", "reviewer_id": "R1", "indicator_id": "size", "score": 1},
            "indicator_id",
            "'size' is scored automatically",
        ),
        (
            {"application_id": "a", "reviewer_id": "R1", "indicator_id": "beauty", "score": 1},
            "indicator_id",
            "'beauty' is not an expert indicator",
        ),
        (
            {"application_id": "b", "reviewer_id": "R4", "indicator_id": "plan_quality", "score": math.nan},
            "score",
            "the score is empty",
        ),
        (
            {"application_id": "b", "reviewer_id": "R4", "indicator_id": "onsite", "score": "abc"},
            "score",
            "'abc' is not a finite number",
        ),
        (
            {"application_id": "b", "reviewer_id": "R4", "indicator_id": "novelty", "score": math.inf},
            "score",
            "is not a finite number",
        ),
        (
            {"application_id": "b", "reviewer_id": "R5", "indicator_id": "plan_quality", "score": -1},
            "score",
            f"-1 is outside 0–{pq:g} for plan_quality",
        ),
        (
            {"application_id": "b", "reviewer_id": "R5", "indicator_id": "onsite", "score": 12},
            "score",
            f"12 is outside 0–{on:g} for onsite",
        ),
        (
            {"application_id": "a", "reviewer_id": "R2", "indicator_id": "novelty", "score": 1},
            "indicator_id",
            "R2 scored novelty of a more than once",
        ),
        (
            {"application_id": "a", "reviewer_id": "R1", "flag": "bribery"},
            "flag",
            "unknown veto flag 'bribery'",
        ),
        ({"application_id": "a", "reviewer_id": "R1"}, "score", "neither a score nor a veto flag"),
    ]
    errors = problems(
        cs, [app("a"), app("b")], good + [r for r, _, _ in bad], reviewers=["R1", "R2", "R3", "R4", "R5"]
    )
    expected = [("scores", len(good) + 2 + k, column) for k, (_, column, _) in enumerate(bad)]
    assert where(errors) == sorted(expected)
    for (_, row, column), (_, _, text) in zip(expected, bad, strict=True):
        one(errors, row=row, column=column, message=text)


def test_partial_review_is_refused_naming_reviewer_application_and_indicators(cs):
    scores = panel("a", "b") + marks("b", "R4")[:1]
    error = one(problems(cs, [app("a"), app("b")], scores), table="scores")
    assert error["application_id"] == "b"
    assert error["message"].startswith("reviewer R4 scored 1 of 3 expert indicators of b")
    assert "missing: onsite, novelty" in error["message"]


def test_partial_review_is_dropped_when_the_set_says_so(make_criteria):
    cs = make_criteria(aggregation={"method": "mean", "min_reviews": 3, "partial_reviews": "drop"})
    scores = [
        *panel("a", "b"),
        {"application_id": "a", "reviewer_id": "R4", "indicator_id": "plan_quality", "score": 20},
    ]
    result = score_round(cs, pd.DataFrame([app("a"), app("b")]), pd.DataFrame(scores))
    table = result.table()
    assert table["n_reviews"].tolist() == [3, 3]
    assert table.loc["a", "score.plan_quality"] == 5  # R4's 20 is not in the mean
    assert len(result.notes) == 1
    assert "R4" in result.notes[0] and " a;" in result.notes[0] and "dropped" in result.notes[0]


def test_partial_review_is_reported_with_the_other_problems(cs):
    # A table with one unknown flag and one partial review reports both.
    scores = (
        panel("a", "b")
        + marks("b", "R4")[:1]
        + [{"application_id": "a", "reviewer_id": "R1", "flag": "bribery"}]
    )
    errors = problems(cs, [app("a"), app("b")], scores)
    one(errors, column="flag", message="unknown veto flag")
    one(errors, application_id="b", message="reviewer R4 scored 1 of 3")


def test_problems_in_every_table_are_reported_together(cs):
    # score_round lists the problems of every table, not only the first bad one.
    scores = [*panel("a"), {"application_id": "a", "reviewer_id": "R1", "indicator_id": "size", "score": 1}]
    claims = [{"application_id": "a", "bonus_id": "nope"}]
    errors = problems(cs, [app("a", households=-1)], scores, claims)
    assert {e["table"] for e in errors} == {"applications", "scores", "bonus claims"}


# --- bonus claims -------------------------------------------------------------------------------


def test_claims_missing_column(cs):
    errors = problems(cs, [app("a")], panel("a"), [{"application_id": "a"}])
    assert errors == [{"table": "bonus claims", "column": "bonus_id", "message": "missing column bonus_id"}]


def test_claims_unknown_application_and_bonus(cs):
    claims = [
        {"application_id": "a", "bonus_id": "meeting"},
        {"application_id": "zz", "bonus_id": "meeting"},
        {"application_id": "a", "bonus_id": "nope"},
    ]
    errors = problems(cs, [app("a")], panel("a"), claims)
    assert where(errors) == [("bonus claims", 3, "application_id"), ("bonus claims", 4, "bonus_id")]
    one(errors, row=3, message="unknown application 'zz'")
    one(errors, row=4, message="unknown bonus item 'nope' (known: national, meeting)")


# --- limits and atomicity -----------------------------------------------------------------------


def test_more_than_the_limit_keeps_the_first_and_counts_the_rest(cs):
    n = MAX_REPORTED + 100
    with pytest.raises(InputError) as info:
        score_round(cs, pd.DataFrame([app(f"a{i}", households=-1) for i in range(n)]))
    error = info.value
    assert len(error.errors) == MAX_REPORTED == 1000
    assert error.omitted == 100
    assert [e["row"] for e in error.errors] == list(range(2, MAX_REPORTED + 2))
    assert str(error).startswith(f"{n} input problem(s)")
    assert str(error).endswith(f"… and {n - 20} more")


def test_nothing_is_computed_before_every_table_is_checked(cs, monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("scoring started before the input was checked")

    monkeypatch.setattr(engine, "get_method", forbidden)
    monkeypatch.setattr(engine, "expert_scores", forbidden)
    monkeypatch.setattr(engine, "RoundResult", forbidden)
    errors = problems(cs, [app("a")], panel("a"), [{"application_id": "a", "bonus_id": "nope"}])
    assert where(errors) == [("bonus claims", 2, "bonus_id")]
