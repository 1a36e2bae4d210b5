"""Results exports: Chinese headers in the customary layout, both formats, no live formula."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from tests.test_results_api import all_lines, compute

EVIL = '=HYPERLINK("http://example.com/x","点我")'


def export(client, headers, rnd, **query):
    return client.get(f"/api/v1/rounds/{rnd.id}/results/export", headers=headers, query_string=query)


def csv_rows(response):
    data = response.get_data()
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM, for Excel
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_summary_layout_both_formats(client, admin, make_scored_round):
    sr = make_scored_round(
        n_apps=6, names=[EVIL, "+cmd|' /C calc'!A0", "@SUM(1)", "-2+3", "\t=1", "普通社区"]
    )
    compute(client, admin, sr.rnd)
    sections = [s.name for s in sr.criteria.indicators]
    expected = [
        "序号",
        "单位名称",
        "所属市州",
        "区县",
        *sections,
        "总分",
        "未校准总分",
        "等次",
        "排名",
        "状态",
        "评审数",
        "意见分歧",
    ]
    response = export(client, admin, sr.rnd, format="csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    rows = csv_rows(response)
    assert rows[0] == expected
    assert len(rows) == 7
    names = {r[1] for r in rows[1:]}
    assert "'" + EVIL in names and "'@SUM(1)" in names and "'-2+3" in names and "'\t=1" in names
    assert not any(cell[:1] in "=+-@\t\r" for r in rows[1:] for cell in r if cell)
    assert [r[0] for r in rows[1:]] == [str(k) for k in range(1, 7)]

    response = export(client, admin, sr.rnd, format="xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0] == expected
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f"  # never a formula
    assert EVIL in [v[1] for v in values[1:]]
    ranked = [v for v in values[1:] if v[expected.index("状态")] == "参与排名"]
    assert [v[expected.index("排名")] for v in ranked] == list(range(1, len(ranked) + 1))


def test_scores_detail_names_every_reviewer_and_indicator(client, admin, make_scored_round):
    sr = make_scored_round(n_apps=4, per_app=3)
    compute(client, admin, sr.rnd)
    rows = csv_rows(export(client, admin, sr.rnd, format="csv", detail="scores"))
    assert rows[0] == [
        "序号",
        "单位名称",
        "所属市州",
        "区县",
        "评审专家",
        "评审类型",
        "指标编号",
        "指标名称",
        "所属一级指标",
        "满分",
        "评分",
    ]
    scored = [s for s in sr.ref_scores if s["indicator_id"]]
    assert len(rows) - 1 == len(scored)  # drafts and recused reviews are not exported
    reviewers = {u.display_name for u in sr.reviewers}
    assert {r[4] for r in rows[1:]} <= reviewers
    assert {r[6] for r in rows[1:]} == {leaf.id for leaf in sr.criteria.expert_leaves}
    book = load_workbook(io.BytesIO(export(client, admin, sr.rnd, detail="scores").get_data()))
    assert book.active.title == "评分明细" and book.active.max_row == len(rows)


def test_export_before_compute_and_bad_arguments(client, admin, make_scored_round):
    sr = make_scored_round(n_apps=2)
    assert export(client, admin, sr.rnd).status_code == 404
    compute(client, admin, sr.rnd)
    assert export(client, admin, sr.rnd, format="pdf").status_code == 422
    assert export(client, admin, sr.rnd, detail="everything").status_code == 422


def test_people_read_points_rounded_half_up_to_two_decimals(client, admin, make_scored_round):
    """The export rounds what the API gives in full: 2 decimals, half up (四舍五入), once."""
    from evaluator.results.service import shown

    assert [shown(x) for x in (2.675, 8.025, 85.12499999999999, 85.125, 0.005, 89.99999999999999)] == [
        2.68,
        8.03,
        85.13,
        85.13,
        0.01,
        90.0,
    ]
    assert shown(12.5, 0) == 13 and shown(None) is None and shown(float("nan")) is None
    sr = make_scored_round(n_apps=6, calibration="zscore")
    compute(client, admin, sr.rnd)
    lines = all_lines(client, admin, sr.rnd)
    rows = csv_rows(export(client, admin, sr.rnd, format="csv"))
    header = rows[0]
    total, raw = header.index("总分"), header.index("未校准总分")
    unrounded = 0
    for line, row in zip(lines, rows[1:], strict=True):
        for cell, value in ((row[total], line["total"]), (row[raw], line["raw_total"])):
            if value is None:
                assert cell == ""
                continue
            assert float(cell) == shown(value) and len(cell.partition(".")[2]) <= 2
            unrounded += value != shown(value)
    assert unrounded  # the figures had more decimals than people read
