"""The encoded entry point: same results as score_round and the reference; every bad input reported."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evaluator.scoring.encoded import (
    EncodedApplications,
    EncodedClaims,
    EncodedReviews,
    flag_names,
    score_encoded,
)
from evaluator.scoring.engine import score_round
from evaluator.scoring.errors import MAX_REPORTED, InputError
from tests.in_process import run_script
from tests.reference import reference_round
from tests.test_engine_reference import close, random_round

ID_BASE = 1000  # four-digit ids: their text sorts like the numbers, as "A000"… did


def encode(cs, apps, scores, claims, rng):
    """A random round (tests.test_engine_reference) twice: encoded, and as tables with the same ids.

    Application "A007" becomes id 1007 (text "1007" in the tables), reviewer "R3" becomes 3. The
    figures' encodings vary with ``rng`` (booleans as int8 + mask, float with NaN or bool + mask;
    enums with -1 or a mask) so each accepted form is exercised.
    """
    n = len(apps)
    app_id = {a["id"]: ID_BASE + i for i, a in enumerate(apps)}
    columns, missing = {}, {}
    for f in cs.fields:
        values = [a.get(f.key) for a in apps]
        gone = np.array([v is None for v in values], dtype=bool)
        if f.type in ("int", "float"):
            columns[f.key] = np.array([np.nan if v is None else v for v in values], dtype=np.float64)
        elif f.type == "bool":
            form = rng.choice(["int8", "float", "bool"])
            if form == "float":
                columns[f.key] = np.array([np.nan if v is None else float(v) for v in values])
            else:
                dtype = np.int8 if form == "int8" else bool
                columns[f.key] = np.array([bool(v) for v in values], dtype=dtype)
                missing[f.key] = gone
        elif f.type == "enum":
            codes = np.array([-1 if v is None else f.choice_values.index(v) for v in values], dtype=np.int64)
            if rng.random() < 0.5:
                codes[gone] = int(rng.integers(0, len(f.choices)))  # masked: whatever is there is ignored
                missing[f.key] = gone
            columns[f.key] = codes
        elif f.type == "multi":
            ticks = np.zeros((n, len(f.choices)), dtype=bool)
            for i, v in enumerate(values):
                for item in v or ():
                    ticks[i, f.choice_values.index(item)] = True
            columns[f.key] = ticks
        else:
            columns[f.key] = np.array(values, dtype=object)
    stamps = np.array(
        [
            np.datetime64(a["submitted_at"].replace(" ", "T"))
            if a.get("submitted_at")
            else np.datetime64("NaT")
            for a in apps
        ],
        dtype="datetime64[ns]",
    )
    leaf_pos = {leaf.id: j for j, leaf in enumerate(cs.leaves)}
    flag_code = {name: k for k, name in enumerate(flag_names(cs))}
    reviews = EncodedReviews(
        app=np.array([app_id[s["application_id"]] for s in scores], dtype=np.int64),
        reviewer=np.array([int(s["reviewer_id"][1:]) for s in scores], dtype=np.int64),
        indicator=np.array([leaf_pos.get(s["indicator_id"], -1) for s in scores], dtype=np.int64),
        score=np.array([np.nan if s["score"] is None else s["score"] for s in scores], dtype=np.float64),
        flag=np.array([flag_code[s["flag"]] if s.get("flag") else -1 for s in scores], dtype=np.int64),
    )
    item = {b.id: k for k, b in enumerate(cs.bonus_items)}
    encoded_claims = EncodedClaims(
        app=np.array([app_id[a] for a, _ in claims], dtype=np.int64),
        item=np.array([item[b] for _, b in claims], dtype=np.int64),
    )
    encoded = EncodedApplications(
        ids=np.array(list(app_id.values()), dtype=np.int64),
        columns=columns,
        missing=missing,
        submitted_at=stamps,
    )

    text_apps = [{**a, "id": str(app_id[a["id"]])} for a in apps]
    text_scores = [
        {**s, "application_id": str(app_id[s["application_id"]]), "reviewer_id": s["reviewer_id"][1:]}
        for s in scores
    ]
    text_claims = [(str(app_id[a]), b) for a, b in claims]
    return (encoded, reviews, encoded_claims), (text_apps, text_scores, text_claims)


def tables(text_apps, text_scores, text_claims):
    return (
        pd.DataFrame(text_apps),
        pd.DataFrame(text_scores) if text_scores else None,
        pd.DataFrame(text_claims, columns=["application_id", "bonus_id"]),
    )


FLOATS = ("leaf_points", "raw_expert", "sections", "base", "bonus", "total", "percentile")
EXACT = ("missing_figure", "bonus_awarded", "vetoes", "vetoed", "complete", "n_reviews", "grade", "rank")


def assert_same(a, b) -> None:
    """Two RoundResults agree: arrays to 1e-9, tables, every explanation, the notes."""
    assert list(a.ids) == list(b.ids)
    for name in FLOATS:
        np.testing.assert_allclose(
            getattr(a, name), getattr(b, name), rtol=0, atol=1e-9, equal_nan=True, err_msg=name
        )
    for name in EXACT:
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    assert (a.closeness is None) == (b.closeness is None)
    if a.closeness is not None:
        np.testing.assert_allclose(a.closeness, b.closeness, rtol=0, atol=1e-9, equal_nan=True)
    pd.testing.assert_frame_equal(a.table(), b.table(), check_exact=False, rtol=0, atol=1e-9)
    for aid in a.ids:
        assert a.explain(aid) == b.explain(aid), aid
    assert sorted(map(str, a.notes)) == sorted(map(str, b.notes))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32 - 1),
    n_apps=st.integers(1, 15),
    n_reviewers=st.integers(0, 7),
    method=st.sampled_from(["trimmed_mean", "mean", "median"]),
    trim_from=st.integers(3, 6),
    min_reviews=st.integers(1, 4),
    calibration=st.sampled_from(["none", "zscore"]),
    partial=st.booleans(),
    partial_reviews=st.sampled_from(["drop", "error"]),
    ranking=st.sampled_from(
        [
            {"tie_break": ["total", "sections", "submitted_at", "id"]},
            {"tie_break": ["total", "section:quality", "bonus", "id"]},
            {"tie_break": ["base", "id"]},
            {"method": "topsis", "tie_break": ["closeness", "total", "id"]},
        ]
    ),
)
def test_encoded_equals_score_round_and_the_reference(
    make_criteria,
    seed,
    n_apps,
    n_reviewers,
    method,
    trim_from,
    min_reviews,
    calibration,
    partial,
    partial_reviews,
    ranking,
):
    cs = make_criteria(
        aggregation={
            "method": method,
            "trim_from": trim_from,
            "min_reviews": min_reviews,
            "calibration": calibration,
            "partial_reviews": partial_reviews,
        },
        ranking=ranking,
    )
    rng = np.random.default_rng(seed)
    apps, scores, claims = random_round(rng, n_apps, n_reviewers, partial, cs)
    encoded, text = encode(cs, apps, scores, claims, rng)
    try:
        expected = score_round(cs, *tables(*text))
    except InputError as exc:  # partial reviews refused: the same problems, the same words
        with pytest.raises(InputError) as caught:
            score_encoded(cs, *encoded)
        assert sorted(map(str, (e["message"] for e in caught.value.errors))) == sorted(
            map(str, (e["message"] for e in exc.errors))
        )
        return
    result = score_encoded(cs, *encoded)
    assert_same(result, expected)

    if partial_reviews == "drop" and ranking.get("method") != "topsis":  # the reference: weighted sums
        table = result.table()
        reference = reference_round(cs, text[0], text[1], set(text[2]))
        for aid, ref in reference.items():
            row = table.loc[aid]
            for leaf in cs.leaves:
                assert close(row[f"score.{leaf.id}"], ref["leaf_points"][leaf.id]), (aid, leaf.id)
            for sec in cs.indicators:
                assert close(row[f"section.{sec.id}"], ref["sections"][sec.id]), (aid, sec.id)
            for key in ("base", "bonus", "total"):
                assert close(row[key], ref[key]), (aid, key)
            assert bool(row["vetoed"]) == ref["vetoed"]
            assert (None if pd.isna(row["grade"]) else row["grade"]) == ref["grade"], aid
            assert int(row["n_reviews"]) == ref["n_reviews"]
            assert (None if pd.isna(row["rank"]) else int(row["rank"])) == ref["rank"], aid
            pct = None if pd.isna(row["percentile"]) else float(row["percentile"])
            assert close(pct, ref["percentile"])


# --------------------------------------------------------------------------- validation


@pytest.fixture
def cs(make_criteria):
    return make_criteria(
        aggregation={"method": "trimmed_mean", "trim_from": 5, "min_reviews": 1, "partial_reviews": "drop"}
    )  # a bad row leaves no partial review


@pytest.fixture
def good(cs):
    """A valid encoded round of 4 applications, 3 reviewers, no partial reviews."""
    rng = np.random.default_rng(7)
    apps, scores, claims = random_round(rng, 4, 3, False, cs)
    (apps_e, reviews_e, claims_e), _ = encode(cs, apps, scores, claims, rng)
    score_encoded(cs, apps_e, reviews_e, claims_e)  # valid as built
    return apps_e, reviews_e, claims_e


def problems(cs, apps, reviews=None, claims=None, **kwargs) -> list[dict]:
    with pytest.raises(InputError) as caught:
        score_encoded(cs, apps, reviews, claims, **kwargs)
    return caught.value.errors


def with_reviews(reviews: EncodedReviews, **arrays) -> EncodedReviews:
    fields = {k: getattr(reviews, k) for k in ("app", "reviewer", "indicator", "score", "flag")}
    fields.update(arrays)
    return EncodedReviews(**fields)


def with_column(apps: EncodedApplications, key: str, value, missing=None) -> EncodedApplications:
    columns = {**apps.columns, key: value}
    masks = dict(apps.missing) if missing is None else {**apps.missing, key: missing}
    return EncodedApplications(ids=apps.ids, columns=columns, missing=masks, submitted_at=apps.submitted_at)


def expert_row(cs, reviews: EncodedReviews) -> int:
    return int(np.flatnonzero(reviews.indicator >= 0)[0])


def test_scores_out_of_range_nan_and_infinite_are_reported_each_on_its_row(cs, good):
    apps, reviews, claims = good
    rows = np.flatnonzero(reviews.indicator >= 0)[:4]
    score = reviews.score.copy()
    leaf = cs.leaves[reviews.indicator[rows[0]]]
    score[rows] = [leaf.points + 1, -0.5, np.nan, np.inf]
    errors = problems(cs, apps, with_reviews(reviews, score=score), claims)
    by_row = {e["row"]: e for e in errors}
    assert sorted(by_row) == sorted(int(r) for r in rows)
    assert by_row[rows[0]]["message"] == (
        f"{leaf.points + 1:g} is outside 0–{leaf.points:g} for {cs.leaves[reviews.indicator[rows[0]]].id}"
    )
    assert "is outside 0–" in by_row[rows[1]]["message"]
    assert by_row[rows[2]]["message"] == "the score is empty"
    assert by_row[rows[3]]["message"] == "'inf' is not a finite number"
    assert all(e["table"] == "scores" and e["column"] == "score" for e in errors)
    assert by_row[rows[0]]["application_id"] == str(reviews.app[rows[0]])


def test_indicator_indexes_out_of_range_or_of_auto_leaves(cs, good):
    apps, reviews, claims = good
    i, j = np.flatnonzero(reviews.indicator >= 0)[:2]
    indicator = reviews.indicator.copy()
    indicator[i] = len(cs.leaves)  # one past the last leaf
    indicator[j] = 0  # 'size', scored from the figures
    errors = problems(cs, apps, with_reviews(reviews, indicator=indicator), claims)
    assert {(e["row"], e["column"], str(e["message"])) for e in errors} == {
        (i, "indicator_id", f"'{len(cs.leaves)}' is not an expert indicator of this criteria set"),
        (j, "indicator_id", "'size' is scored automatically from the figures"),
    }


def test_repeated_rows_are_reported_on_the_repeat(cs, good):
    apps, reviews, claims = good
    i = expert_row(cs, reviews)
    doubled = with_reviews(
        reviews,
        **{
            k: np.append(getattr(reviews, k), getattr(reviews, k)[i])
            for k in ("app", "reviewer", "indicator", "score", "flag")
        },
    )
    errors = problems(cs, apps, doubled, claims)
    leaf = cs.leaves[reviews.indicator[i]].id
    assert errors == [
        {
            "table": "scores",
            "row": reviews.app.size,
            "column": "indicator_id",
            "application_id": str(reviews.app[i]),
            "message": f"{reviews.reviewer[i]} scored {leaf} of {reviews.app[i]} more than once",
        }
    ]


def test_unknown_applications_reviewers_flags_and_empty_rows(cs, good):
    apps, reviews, claims = good
    rows = np.flatnonzero(reviews.indicator >= 0)[:3]
    app, flag, indicator, score = (
        reviews.app.copy(),
        reviews.flag.copy(),
        reviews.indicator.copy(),
        reviews.score.copy(),
    )
    app[rows[0]] = 99_999
    flag[rows[1]] = 5
    indicator[rows[2]], score[rows[2]], flag[rows[2]] = -1, np.nan, -1
    errors = problems(
        cs,
        apps,
        with_reviews(reviews, app=app, flag=flag, indicator=indicator, score=score),
        claims,
        reviewers=np.array([0, 1]),
    )
    messages = {(e["row"], str(e["message"])) for e in errors}
    assert (rows[0], "unknown application '99999'") in messages
    assert (rows[1], "unknown veto flag '5' (known: 0 = falsified_materials)") in messages
    assert (rows[2], "the row has neither a score nor a veto flag") in messages
    unknown_reviewer = [e for e in errors if e["column"] == "reviewer_id"]
    assert unknown_reviewer and {str(e["message"]) for e in unknown_reviewer} == {"unknown reviewer '2'"}
    assert len(unknown_reviewer) == int((reviews.reviewer == 2).sum())


def test_wrong_dtypes_and_shapes_are_named(cs, good):
    apps, reviews, claims = good
    bad = with_reviews(
        reviews,
        score=reviews.score.astype(str),
        indicator=reviews.indicator.astype(float),
        reviewer=reviews.reviewer[:-1],
    )
    errors = {e["column"]: str(e["message"]) for e in problems(cs, apps, bad, claims)}
    assert errors["score"].startswith("score must contain numbers, got dtype <U")
    assert errors["indicator_id"] == "Not a valid integer."
    m = reviews.app.size
    assert errors["reviewer_id"] == (
        f"reviewer_id is not a rectangular array of numbers (shape ({m - 1},); expected ({m},))"
    )

    n = apps.ids.size
    figure_errors = problems(
        cs,
        with_column(
            with_column(apps, "services", np.zeros((n, 3), dtype=bool)),
            "households",
            np.arange(n + 1, dtype=float),
        ),
    )
    assert {e["column"]: str(e["message"]) for e in figure_errors} == {
        "services": f"services is not a rectangular array of numbers (shape ({n}, 3); expected ({n}, 4))",
        "households": f"households is not a rectangular array of numbers (shape ({n + 1},); expected ({n},))",
    }
    ids_errors = problems(cs, EncodedApplications(ids=apps.ids.astype(float), columns=apps.columns))
    assert ids_errors == [{"table": "applications", "column": "id", "message": "Not a valid integer."}]
    claim_errors = problems(cs, apps, reviews, EncodedClaims(app=claims.app, item=claims.item.astype(float)))
    assert [str(e["message"]) for e in claim_errors] == ["Not a valid integer."]


def test_figures_are_checked_like_cells(cs, good):
    apps, reviews, claims = good
    n = apps.ids.size
    households = apps.columns["households"].copy()
    households[:3] = [np.nan, 2.5, -1]
    platform = np.array([2] + [0] * (n - 1), dtype=np.int8)
    category = np.array([7] + [0] * (n - 1), dtype=np.int64)
    fund = apps.columns["fund"].copy()
    fund[0] = np.inf
    ids = apps.ids.copy()
    ids[-1] = ids[0]
    columns = {
        **apps.columns,
        "households": households,
        "platform": platform,
        "category": category,
        "fund": fund,
        "no_such_field": np.zeros(n),
    }
    del columns["satisfaction"]
    bad = EncodedApplications(
        ids=ids, columns=columns, missing={"platform": np.zeros(n, dtype=bool)}, submitted_at=np.zeros(n)
    )
    errors = {(e.get("row"), e["column"], str(e["message"])) for e in problems(cs, bad, reviews, claims)}
    assert errors >= {
        (0, "households", "户数 is required"),
        (1, "households", "2.5 is not a whole number"),
        (2, "households", "-1 is below the minimum 0"),
        (0, "platform", "'2' is not yes/no (use true/false, 1/0 or 是/否)"),
        (0, "category", "'7' is not one of: urban, relocation"),
        (0, "fund", "infinite values are not allowed"),
        (n - 1, "id", f"id '{ids[0]}' appears more than once"),
        (None, "no_such_field", "this column matches no field of the round's form"),
        (None, "satisfaction", "required column 'satisfaction' (满意度) is missing"),
        (None, "submitted_at", "Not a valid datetime."),
    }, errors


def test_bonus_claims_and_partial_reviews(make_criteria, good):
    cs = make_criteria(aggregation={"method": "mean", "min_reviews": 1, "partial_reviews": "error"})
    apps, reviews, _ = good
    i = expert_row(cs, reviews)
    keep = np.arange(reviews.app.size) != i
    partial = with_reviews(
        reviews, **{k: getattr(reviews, k)[keep] for k in ("app", "reviewer", "indicator", "score", "flag")}
    )
    bad_claims = EncodedClaims(app=np.array([apps.ids[0], 5]), item=np.array([9, 0]))
    errors = problems(cs, apps, partial, bad_claims)
    leaf = cs.leaves[reviews.indicator[i]].id
    assert [str(e["message"]) for e in errors if e["table"] == "scores"] == [
        f"reviewer {reviews.reviewer[i]} scored 2 of 3 expert indicators of {reviews.app[i]}; missing: {leaf}"
    ]
    assert {(e["row"], str(e["message"])) for e in errors if e["table"] == "bonus claims"} == {
        (0, "unknown bonus item '9' (known: 0 = national, 1 = meeting)"),
        (1, "unknown application '5'"),
    }


def test_every_problem_of_every_input_at_once_and_the_cap(cs, good):
    apps, reviews, _ = good
    score = np.where(reviews.indicator >= 0, 99.0, np.nan)
    errors_of = problems(
        cs,
        with_column(apps, "households", np.full(apps.ids.size, 0.5)),
        with_reviews(reviews, score=score),
        EncodedClaims(app=np.array([1]), item=np.array([0])),
    )
    tables_seen = {e["table"] for e in errors_of}
    assert tables_seen == {"applications", "scores", "bonus claims"}
    assert sum(e["table"] == "scores" for e in errors_of) == int((reviews.indicator >= 0).sum())

    many = 1500
    big = EncodedReviews(
        app=np.full(many, apps.ids[0]),
        reviewer=np.arange(many),
        indicator=np.full(many, 4),
        score=np.full(many, -1.0),
    )
    with pytest.raises(InputError) as caught:
        score_encoded(cs, apps, big)
    assert len(caught.value.errors) == MAX_REPORTED
    assert caught.value.omitted == many - MAX_REPORTED
    assert f"{many} input problem(s)" in str(caught.value)


def test_flag_only_rows_veto_and_empty_inputs(cs, good):
    apps, _, _ = good
    a = int(apps.ids[1])
    flags = EncodedReviews(
        app=np.array([a, a, a]),
        reviewer=np.array([4, 5, 5]),
        indicator=np.array([-1, -1, -1]),
        score=np.full(3, np.nan),
        flag=np.array([0, 0, 0]),
    )
    result = score_encoded(cs, apps, flags)
    assert result.vetoed[1] and "材料造假" in result.table().loc[str(a), "veto_reasons"]
    empty = EncodedReviews(
        app=np.zeros(0, dtype=np.int64),
        reviewer=np.zeros(0, dtype=np.int64),
        indicator=np.zeros(0, dtype=np.int64),
        score=np.zeros(0),
    )
    assert score_encoded(cs, apps, empty).n_reviews.sum() == 0
    assert score_encoded(cs, apps).table().index.tolist() == [str(i) for i in apps.ids]


def test_the_caller_keeps_its_arrays(cs, good):
    apps, reviews, claims = good
    before = {k: v.copy() for k, v in apps.columns.items()}
    result = score_encoded(cs, apps, reviews, claims)
    reviews.score[:] = 0.0
    apps.columns["households"][:] = 0.0
    assert result.reviews.score.max() > 0
    assert np.array_equal(result.figures.number("households"), before["households"], equal_nan=True)


def test_quick_benchmark_runs_and_agrees(tmp_path):
    out = tmp_path / "bench.json"
    run = run_script("bench_encoded", "--quick", "--repeats", "1", "--json", str(out))
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["max_abs_diff_vs_score_round"] == 0.0
    assert report["max_abs_diff_vs_reference"] <= 1e-9 and report["mismatches_vs_reference"] == 0
    assert math.isfinite(report["speedup_encoded"])
