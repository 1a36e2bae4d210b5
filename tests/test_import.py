"""Batch import of applications from XLSX/CSV and the template it is filled from."""

from __future__ import annotations

import csv
import io
import zipfile

import pandas as pd
import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from evaluator.accounts.models import Organisation
from evaluator.applications.models import Application
from evaluator.audit.models import AuditEvent
from evaluator.criteria import build_criteria
from evaluator.extensions import db
from evaluator.rounds.service import create_round

HEADERS = [
    "申报单位名称",
    "市（州）",
    "市（州）代码",
    "县（市、区）",
    "县（市、区）代码",
    "街道（乡镇）",
    "街道（乡镇）代码",
    "社区类型",
    "户数",
    "常住人口",
    "满意度",
    "重大事故",
    "基本公共服务",
]


def row(name, **over):
    """A valid row for a new community in Wuhou district, with the mini criteria's figures."""
    values = {
        "申报单位名称": name,
        "市（州）": "成都市",
        "市（州）代码": "510100",
        "县（市、区）": "武侯区",
        "县（市、区）代码": "510107",
        "街道（乡镇）": "玉林街道",
        "街道（乡镇）代码": "510107001",
        "社区类型": "城市",
        "户数": "2000",
        "常住人口": "6000",
        "满意度": "91.5",
        "重大事故": "否",
        "基本公共服务": "就业；养老",
    }
    values.update(over)
    return values


def csv_bytes(rows, headers=HEADERS, encoding="utf-8-sig"):
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=headers)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows, headers=HEADERS):
    buffer = io.BytesIO()
    pd.DataFrame(rows, columns=headers).to_excel(buffer, index=False, engine="openpyxl")
    return buffer.getvalue()


@pytest.fixture
def rnd(make_round):
    return make_round(title="2026年特色社区（测试）")


def counts():
    return tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (Application, Organisation, AuditEvent)
    )


def upload(client, rnd, headers, data, filename="apps.csv", **query):
    return client.post(
        f"/api/v1/rounds/{rnd.id}/applications/import",
        headers=headers,
        query_string=query,
        data={"file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def test_a_valid_csv_creates_submitted_applications(client, rnd, admin, make_org):
    existing = make_org(name="玉林社区")
    before = counts()
    data = csv_bytes(
        [
            row(
                "玉林社区",
                **{
                    "市（州）": "",
                    "市（州）代码": "",
                    "县（市、区）": "",
                    "县（市、区）代码": "",
                    "街道（乡镇）": "",
                    "街道（乡镇）代码": "",
                },
            ),
            row("芳草社区", 户数="9000"),
        ]
    )
    res = upload(client, rnd, admin, data)
    assert res.status_code == 201, res.json
    body = res.json
    assert body["applications"] == 2 and body["organisations_created"] == 1 and not body["dry_run"]
    assert [r["row"] for r in body["rows"]] == [2, 3]
    assert body["rows"][0]["organisation_id"] == existing.id and body["rows"][1]["new_organisation"]
    assert body["rows"][1]["warnings"][0]["code"] == "outside_norm"
    apps = db.session.scalars(select(Application).order_by(Application.id)).all()
    assert [a.status for a in apps] == ["submitted", "submitted"] and all(a.submitted_at for a in apps)
    assert apps[0].figures == {
        "category": "urban",
        "households": 2000,
        "residents": 6000,
        "satisfaction": 91.5,
        "incident": False,
        "services": ["employment", "elderly"],
    }
    new = db.session.scalars(select(Organisation).filter_by(name="芳草社区")).one()
    assert (new.kind, new.county_code, new.subdistrict_code) == ("community", "510107", "510107001")
    assert counts() == (before[0] + 2, before[1] + 1, before[2] + 3)
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()[-3:]
    assert actions == ["application.imported", "organisation.created", "application.imported"]


def test_a_valid_xlsx_is_imported_and_gb18030_csv_too(client, rnd, admin):
    res = upload(client, rnd, admin, xlsx_bytes([row("芳草社区")]), filename="whatever.bin")
    assert res.status_code == 201, res.json
    res = upload(client, rnd, admin, csv_bytes([row("桐梓林社区")], encoding="gb18030"))
    assert res.status_code == 201, res.json
    assert db.session.scalar(select(func.count()).select_from(Application)) == 2


def test_every_bad_cell_is_reported_and_nothing_is_written(client, rnd, admin, make_org, make_user):
    applied = make_org(name="已申报社区")
    _, headers = make_user("applicant", organisation=applied)
    assert client.post(f"/api/v1/rounds/{rnd.id}/applications", headers=headers, json={}).status_code == 201
    make_org(name="某区", kind="county", subdistrict=None, subdistrict_code=None)
    before = counts()
    rows = [
        row("甲社区", 户数="很多", 满意度="120"),
        row("乙社区", 社区类型="乡村", 重大事故="也许", 基本公共服务="就业；跳舞"),
        row("甲社区"),
        row("丙社区", **{"县（市、区）代码": "510200", "街道（乡镇）代码": "51010700"}),
        row("已申报社区"),
        row("", 户数="-3"),
        row("某区"),
        row("丁社区", 常住人口=""),
    ]
    for fmt in ("csv", "xlsx"):
        data = csv_bytes(rows) if fmt == "csv" else xlsx_bytes(rows)
        res = upload(client, rnd, admin, data, filename=f"x.{fmt}")
        assert res.status_code == 422, res.json
        problems = {(p["row"], p["column"]) for p in res.json["errors"]["rows"]}
        assert {
            (2, "户数"),
            (2, "满意度"),
            (3, "社区类型"),
            (3, "重大事故"),
            (3, "基本公共服务"),
            (7, "户数"),
            (9, "常住人口"),
        } <= problems, problems
        assert "nothing was imported" in res.json["message"]
        assert counts() == before
    # once the figures parse, the organisation problems are reported, all of them
    rows = [
        row("甲社区"),
        row("甲社区"),
        row("丙社区", **{"县（市、区）代码": "510200"}),
        row("戊社区", **{"街道（乡镇）代码": "51010700"}),
        row("已申报社区"),
        row(""),
        row("某区"),
        row("己社区", **{"市（州）代码": ""}),
    ]
    res = upload(client, rnd, admin, csv_bytes(rows))
    assert res.status_code == 422
    problems = {(p["row"], p["column"]) for p in res.json["errors"]["rows"]}
    assert problems == {
        (3, "申报单位名称"),  # twice in the file
        (4, "县（市、区）代码"),
        (4, "街道（乡镇）代码"),  # 510200 is a city's code
        (5, "街道（乡镇）代码"),  # 8 digits
        (6, "申报单位名称"),  # already applied
        (7, "申报单位名称"),  # no name
        (8, "申报单位名称"),
        (8, "街道（乡镇）"),
        (8, "街道（乡镇）代码"),  # a county
        (9, "市（州）代码"),
    }, problems  # a new organisation needs its region
    messages = " ".join(p["message"] for p in res.json["errors"]["rows"])
    assert "already on row 2" in messages and "already has an application" in messages
    assert counts() == before


def test_a_dry_run_reports_and_writes_nothing(client, rnd, admin):
    before = counts()
    res = upload(client, rnd, admin, csv_bytes([row("甲社区"), row("乙社区")]), dry_run="true")
    assert res.status_code == 200, res.json
    assert res.json["dry_run"] and res.json["applications"] == 2 and res.json["organisations_created"] == 2
    assert all(r["application_id"] is None for r in res.json["rows"])
    assert counts() == before
    form = client.post(
        f"/api/v1/rounds/{rnd.id}/applications/import",
        headers=admin,
        data={"file": (io.BytesIO(csv_bytes([row("甲社区")])), "a.csv"), "dry_run": "1"},
        content_type="multipart/form-data",
    )
    assert form.status_code == 200 and form.json["dry_run"] and counts() == before


def _zip(names):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name in names:
            zf.writestr(name, "x")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "empty"),
        (b"  \n\n", "empty"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "not a spreadsheet"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "not a spreadsheet"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, ".xls"),
        (_zip(["word/document.xml"]), "not an Excel workbook"),
        (b"PK\x03\x04garbage", "damaged"),
        ("申报单位名称\n".encode(), "no applicant rows"),
        ("这是一段话，不是表格。\n第二行".encode(), "申报单位名称"),
        (csv_bytes([row("甲社区", 颜色="红")], [*HEADERS, "颜色"]), "颜色"),
    ],
)
def test_files_that_are_not_usable_are_refused_clearly(client, rnd, admin, data, words):
    before = counts()
    res = upload(client, rnd, admin, data)
    assert res.status_code == 422, res.json
    assert words in res.json["message"] + str(res.json.get("errors")), res.json
    assert counts() == before


def test_the_file_field_is_required_and_roles_are_checked(client, rnd, admin, make_user):
    res = client.post(
        f"/api/v1/rounds/{rnd.id}/applications/import",
        headers=admin,
        data={},
        content_type="multipart/form-data",
    )
    assert res.status_code == 422 and "file" in res.json["errors"]["files"]
    _, applicant = make_user("applicant")
    _, reviewer = make_user("reviewer")
    data = csv_bytes([row("甲社区")])
    assert upload(client, rnd, applicant, data).status_code == 403
    assert upload(client, rnd, reviewer, data).status_code == 403
    assert upload(client, rnd, {}, data).status_code == 401
    template = f"/api/v1/rounds/{rnd.id}/applications/template"
    assert client.get(template, headers=applicant).status_code == 403
    assert client.get(template).status_code == 401


def test_import_needs_an_open_round(client, rnd, admin):
    rnd.phase = "review"
    db.session.commit()
    before = counts()
    res = upload(client, rnd, admin, csv_bytes([row("甲社区")]))
    assert res.status_code == 409 and counts() == before


def test_the_template_downloads_and_imports_once_a_row_is_filled(client, rnd, admin):
    res = client.get(f"/api/v1/rounds/{rnd.id}/applications/template", headers=admin)
    assert res.status_code == 200 and res.mimetype.endswith("spreadsheetml.sheet")
    assert "attachment" in res.headers["Content-Disposition"]
    wb = load_workbook(io.BytesIO(res.data))
    ws = wb["申报表"]
    headers = [c.value for c in ws[1]]
    assert headers[:7] == HEADERS[:7] and "社区类型" in headers and "满意度" in headers
    assert "户数" in headers and "主题" in headers
    assert ws.cell(row=2, column=1).value.startswith("【说明】")
    assert "必填" in ws.cell(row=2, column=headers.index("满意度") + 1).value
    assert "字段说明" in wb.sheetnames
    values = {**row("模板社区"), "主题": "邻里守望", "社区基金": 80000, "智慧平台": "是"}
    for j, header in enumerate(headers, start=1):
        if header in values:
            ws.cell(row=3, column=j, value=values[header])
    buffer = io.BytesIO()
    wb.save(buffer)
    res = upload(client, rnd, admin, buffer.getvalue(), filename="模板.xlsx")
    assert res.status_code == 201, res.json
    assert res.json["rows"][0]["row"] == 3  # the explanation row keeps its place
    app = db.session.get(Application, res.json["rows"][0]["application_id"])
    assert app.figures["theme"] == "邻里守望" and app.figures["fund"] == 80000
    assert app.figures["platform"] is True


def test_the_template_explanation_row_keeps_row_numbers(client, rnd, admin):
    res = client.get(
        f"/api/v1/rounds/{rnd.id}/applications/template", headers=admin, query_string={"format": "csv"}
    )
    assert res.status_code == 200 and res.data.startswith(b"\xef\xbb\xbf")
    lines = res.data.decode("utf-8-sig").splitlines()
    headers = next(csv.reader([lines[0]]))
    good = row("甲社区")
    bad = row("乙社区", 户数="2.5")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    writer.writerow(next(csv.reader([lines[1]])))
    for r in (good, bad):
        writer.writerow([r.get(h, "") for h in headers])
    res = upload(client, rnd, admin, out.getvalue().encode("utf-8"))
    assert res.status_code == 422
    assert [(p["row"], p["column"]) for p in res.json["errors"]["rows"]] == [(4, "户数")]


def test_repeated_headers_and_submission_times(client, rnd, admin):
    res = upload(client, rnd, admin, csv_bytes([row("甲社区")], [*HEADERS, "户数"]))
    assert res.status_code == 422
    twice = {"row": 1, "column": "户数", "message": "this column header appears twice"}
    assert twice in res.json["errors"]["rows"]
    headers = [*HEADERS, "提交时间"]
    rows = [row("甲社区", 提交时间="2026-03-01 09:30"), row("乙社区", 提交时间="2999-01-01")]
    res = upload(client, rnd, admin, csv_bytes(rows, headers))
    assert res.status_code == 422
    assert [(p["row"], p["column"]) for p in res.json["errors"]["rows"]] == [(3, "提交时间")]
    res = upload(client, rnd, admin, csv_bytes(rows[:1], headers))
    assert res.status_code == 201, res.json
    app = db.session.get(Application, res.json["rows"][0]["application_id"])
    assert app.submitted_at.replace(tzinfo=None).isoformat() == "2026-03-01T09:30:00"


def test_a_county_round_needs_no_street_columns(client, admin, mini_raw):
    mini_raw["zone_type"] = "community_governance_zone"
    county_round = create_round(None, "2026年实验区（测试）", build_criteria(mini_raw, "test"))
    county_round.phase = "open"
    db.session.commit()
    res = client.get(
        f"/api/v1/rounds/{county_round.id}/applications/template",
        headers=admin,
        query_string={"format": "csv"},
    )
    headers = next(csv.reader(res.data.decode("utf-8-sig").splitlines()))
    assert headers[:5] == HEADERS[:5] and "街道（乡镇）" not in headers
    county_headers = [h for h in HEADERS if "街道" not in h]
    data = csv_bytes(
        [{k: v for k, v in row("青羊区", **{"县（市、区）代码": "510105"}).items() if k in county_headers}],
        county_headers,
    )
    res = upload(client, county_round, admin, data)
    assert res.status_code == 201, res.json
    org = db.session.scalars(select(Organisation).filter_by(name="青羊区")).one()
    assert (org.kind, org.county_code, org.subdistrict_code) == ("county", "510105", None)
