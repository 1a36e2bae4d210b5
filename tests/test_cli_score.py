"""The ``score`` and ``demo`` commands, end to end through files."""

from __future__ import annotations

import pandas as pd
import pytest

from evaluator.criteria import list_criteria
from evaluator.demo.round import demo_round
from evaluator.scoring.engine import score_round

MINI = "tests/data/mini.yaml"


def write_round(tmp_path, suffix: str):
    cs = next(c for c in list_criteria() if c.id == "fc-2026")
    demo = demo_round(cs, applicants=12, seed=7)
    paths = {}
    for name, frame in (("apps", demo.applications), ("scores", demo.scores), ("claims", demo.claims)):
        path = tmp_path / f"{name}{suffix}"
        if suffix == ".csv":
            frame.to_csv(path, index=False)
        else:
            frame.to_excel(path, index=False)
        paths[name] = path
    return cs, demo, paths


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_score_command_writes_the_engine_results(runner, tmp_path, suffix):
    cs, demo, paths = write_round(tmp_path, suffix)
    out = tmp_path / f"results{suffix}"
    res = runner.invoke(
        args=[
            "score",
            "--criteria",
            "fc-2026",
            "--applications",
            str(paths["apps"]),
            "--scores",
            str(paths["scores"]),
            "--bonus",
            str(paths["claims"]),
            "--output",
            str(out),
        ]
    )
    assert res.exit_code == 0, res.output
    assert "12 applications" in res.output
    if suffix == ".csv":
        written = pd.read_csv(out, index_col="application_id")
    else:
        written = pd.read_excel(out, sheet_name="results", index_col="application_id")
        with pd.ExcelFile(out) as book:
            assert book.sheet_names == ["results", "contributions", "notes"]
    expected = score_round(cs, demo.applications, demo.scores, demo.claims).table()
    assert list(written.index) == list(expected.index)
    assert (written["total"] - expected["total"]).abs().max() < 1e-9
    assert written["rank"].fillna(0).astype(int).tolist() == expected["rank"].fillna(0).astype(int).tolist()


def test_score_command_with_sensitivity(runner, tmp_path):
    _, _, paths = write_round(tmp_path, ".csv")
    out = tmp_path / "results.xlsx"
    res = runner.invoke(
        args=[
            "score",
            "--criteria",
            "fc-2026",
            "--applications",
            str(paths["apps"]),
            "--scores",
            str(paths["scores"]),
            "--output",
            str(out),
            "--sensitivity",
            "50",
            "--top-k",
            "3",
        ]
    )
    assert res.exit_code == 0, res.output
    sens = pd.read_excel(out, sheet_name="sensitivity", index_col="application_id")
    assert sens["p_top_k"].between(0, 1).all()
    assert (sens["rank_min"] <= sens["rank"]).all() and (sens["rank"] <= sens["rank_max"]).all()


def test_score_command_reports_bad_rows_and_writes_nothing(runner, tmp_path):
    apps = pd.DataFrame(
        {
            "id": ["A1", "A2"],
            "category": ["urban", "village"],
            "households": [3000, -4],
            "residents": [9000, 3000],
            "satisfaction": [90, 91],
            "incident": ["否", "maybe"],
        }
    )
    apps.to_csv(tmp_path / "apps.csv", index=False)
    out = tmp_path / "results.csv"
    res = runner.invoke(
        args=["score", "--criteria", MINI, "--applications", str(tmp_path / "apps.csv"), "--output", str(out)]
    )
    assert res.exit_code == 1
    assert "row 3, column category: 'village' is not one of: urban, relocation" in res.output
    assert "row 3, column households: -4 is below the minimum 0" in res.output
    assert "row 3, column incident: 'maybe' is not yes/no" in res.output
    assert not out.exists()


def test_score_command_refuses_unknown_file_types(runner, tmp_path):
    (tmp_path / "apps.txt").write_text("id\nA1\n", encoding="utf-8")
    res = runner.invoke(
        args=[
            "score",
            "--criteria",
            MINI,
            "--applications",
            str(tmp_path / "apps.txt"),
            "--output",
            str(tmp_path / "r.csv"),
        ]
    )
    assert res.exit_code == 1
    assert "use a .csv or .xlsx file" in res.output


def test_chinese_headers_are_accepted(runner, tmp_path):
    cs, demo, _ = write_round(tmp_path, ".csv")
    labels = {f.key: f.label for f in cs.fields}
    apps = demo.applications.rename(columns=labels).rename(columns={"id": "编号"})
    scores = demo.scores.rename(
        columns={
            "application_id": "申报编号",
            "reviewer_id": "专家",
            "indicator_id": "指标",
            "score": "得分",
            "flag": "否决标记",
        }
    )
    apps.to_excel(tmp_path / "申报.xlsx", index=False)
    scores.to_csv(tmp_path / "评分.csv", index=False)
    res = runner.invoke(
        args=[
            "score",
            "--criteria",
            "fc-2026",
            "--applications",
            str(tmp_path / "申报.xlsx"),
            "--scores",
            str(tmp_path / "评分.csv"),
            "--output",
            str(tmp_path / "结果.csv"),
        ]
    )
    assert res.exit_code == 0, res.output
    written = pd.read_csv(tmp_path / "结果.csv", index_col="application_id")
    expected = score_round(cs, demo.applications, demo.scores).table()
    assert (written["total"] - expected["total"]).abs().max() < 1e-9


def test_demo_score_prints_every_zone_type(runner):
    res = runner.invoke(args=["demo", "score", "--top", "3"])
    assert res.exit_code == 0, res.output
    for cs in list_criteria():
        assert cs.title in res.output
    assert res.output.count("一票否决（") >= 3
    assert "暂不计入" in res.output


def test_demo_round_is_seeded_and_consistent():
    for cs in list_criteria():
        a = demo_round(cs, applicants=30, seed=1)
        b = demo_round(cs, applicants=30, seed=1)
        pd.testing.assert_frame_equal(a.applications, b.applications)
        pd.testing.assert_frame_equal(a.scores, b.scores)
        apps = a.applications
        assert apps["id"].is_unique and apps["name"].is_unique
        assert (apps["disputes_resolved"] <= apps["disputes_received"]).all()
        assert apps["county_code"].str.fullmatch(r"51\d{4}").all()
        result = score_round(cs, apps, a.scores, a.claims)
        statuses = set(result.table()["status"])
        assert statuses == {"ranked", "vetoed", "incomplete"}
