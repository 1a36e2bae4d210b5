"""Exports of the filtered application list: CSV and XLSX, Chinese headers, no live formulas."""

from __future__ import annotations

import csv
import io

import openpyxl
from hypothesis import given, settings
from hypothesis import strategies as st

from evaluator.applications.models import Application
from evaluator.extensions import db
from evaluator.spreadsheets.export import is_formula_like, neutralise, to_csv, to_xlsx

HEADER = ["序号", "单位名称", "所属市州", "区县", "街道", "状态", "提交时间", "社区类型", "户数", "常住人口"]


def _round_with(make_round, make_org, names_and_cities):
    rnd = make_round()
    for name, city_code in names_and_cities:
        org = make_org(name=name, city_code=city_code)
        db.session.add(
            Application(
                round_id=rnd.id,
                organisation_id=org.id,
                status="submitted",
                figures={"category": "urban", "households": 2000},
                self_assessment={},
                warnings=[],
            )
        )
    db.session.commit()
    return rnd


def test_api_export_csv_and_xlsx_equal_the_filtered_rows(client, admin, make_round, make_org, make_user):
    rnd = _round_with(
        make_round,
        make_org,
        [('=HYPERLINK("http://x","点我")', "510100"), ("+望江社区", "510100"), ("翠屏社区", "511500")],
    )
    url = f"/api/v1/rounds/{rnd.id}/applications/export"
    res = client.get(
        url, headers=admin, query_string={"format": "csv", "city_code": "510100", "sort": "name"}
    )
    assert res.status_code == 200 and res.mimetype == "text/csv"
    assert "filename*=UTF-8''" in res.headers["Content-Disposition"]
    data = res.get_data()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][:7] == HEADER[:7] and rows[0][7] == "社区类型" and rows[0][8].startswith("户数")
    assert [r[1] for r in rows[1:]] == ["'+望江社区", '\'=HYPERLINK("http://x","点我")']
    assert all(r[5] == "已提交" for r in rows[1:])

    res = client.get(url, headers=admin, query_string={"city_code": "510100", "sort": "name"})
    assert res.status_code == 200 and res.mimetype.endswith("spreadsheetml.sheet")
    ws = openpyxl.load_workbook(io.BytesIO(res.get_data())).active
    table = [[c.value for c in row] for row in ws.iter_rows()]
    assert table[0] == rows[0]
    assert [r[1] for r in table[1:]] == ["+望江社区", '=HYPERLINK("http://x","点我")']
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)
    assert ws.freeze_panes == "A2" and ws["A1"].font.b

    assert client.get(url, headers=admin, query_string={"sort": "nope"}).status_code == 422
    assert client.get(url, headers=admin, query_string={"format": "pdf"}).status_code == 422
    _, applicant = make_user("applicant")
    assert client.get(url, headers=applicant).status_code == 403
    assert client.get(url).status_code == 401


def test_page_export_uses_the_same_filters(page_client, make_round, make_org):
    rnd = _round_with(make_round, make_org, [("甲社区", "510100"), ("乙社区", "511500")])
    c = page_client("admin")
    res = c.get(
        "/office/applications/export", query_string={"round": rnd.id, "format": "csv", "city_code": "511500"}
    )
    assert res.status_code == 200
    rows = list(csv.reader(io.StringIO(res.get_data().decode("utf-8-sig"))))
    assert [r[1] for r in rows[1:]] == ["乙社区"]
    assert page_client("reviewer").get(f"/office/applications/export?round={rnd.id}").status_code == 403


@settings(deadline=None, max_examples=60)
@given(st.text(max_size=40))
def test_no_text_comes_out_as_a_formula(text):
    cell = neutralise(text)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        assert cell == "'" + text
    assert not (isinstance(cell, str) and cell[:1] in ("=", "+", "-", "@", "\t", "\r"))
    assert neutralise(-5) == -5
    ws = openpyxl.load_workbook(io.BytesIO(to_xlsx(["名称"], [[text]]))).active
    assert ws["A2"].data_type != "f"
    assert to_csv(["名称"], [[text]]).startswith(b"\xef\xbb\xbf")


def test_formula_triggers():
    for text in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "  =1", "＝1"):
        assert is_formula_like(text) and neutralise(text) == "'" + text
    for text in ("社区", "1-2", "a=b", ""):
        assert not is_formula_like(text) and neutralise(text) == text
