"""Control characters in stored text, safe download headers, and repeated multipart parts.

One shared rule refuses C0 control characters, DEL and lone surrogates in every stored text with a
422 naming the field; tab and line breaks only in free multi-line text (text figures).
"""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict
from werkzeug.http import parse_options_header

from evaluator.applications.models import Application
from evaluator.criteria import build_criteria
from evaluator.extensions import db
from evaluator.rounds.service import create_round
from evaluator.validation import text_problem
from evaluator.web.downloads import content_disposition

PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 10 10]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
ORG = {
    "name": "玉林社区",
    "kind": "county",
    "city": "成都市",
    "city_code": "510100",
    "county": "武侯区",
    "county_code": "510107",
}
USER = {
    "username": "expert.wang",
    "password": "a long enough password",
    "display_name": "王专家",
    "role": "reviewer",
}
BAD = ["\x00", "\x08", "\x1b", "\x7f", "\x0b", "\x0c", "\x85", "\u2028", "\u202e"]


def counts() -> dict[str, int]:
    return {t.name: db.session.scalar(select(func.count()).select_from(t)) for t in db.metadata.sorted_tables}


@pytest.fixture
def rnd(make_round):
    return make_round()


def refused_field(res, location: str = "json") -> dict:
    assert res.status_code == 422, res.get_data(as_text=True)[:300]
    return res.json["errors"][location]


@pytest.mark.parametrize("char", [*BAD, "\t", "\n", "\r"])
@pytest.mark.parametrize(
    "path, body, field",
    [
        ("/api/v1/rounds", {"title": "2026年测试批次", "criteria_id": "fc-2026"}, "title"),
        ("/api/v1/organisations", ORG, "name"),
        ("/api/v1/organisations", ORG, "city"),
        ("/api/v1/users", USER, "username"),
        ("/api/v1/users", USER, "display_name"),
        ("/api/v1/users", {**USER, "affiliation": "四川大学"}, "affiliation"),
    ],
)
def test_single_line_texts_refuse_control_characters(client, admin, path, body, field, char):
    before = counts()
    value = body[field]
    res = client.post(path, headers=admin, json={**body, field: value[:2] + char + value[2:]})
    errors = refused_field(res)
    assert list(errors) == [field]
    assert errors[field] == [
        f"Must not contain the control character U+{ord(char):04X} "
        "(single-line text: no tabs or line breaks)."
    ]
    assert counts() == before


def test_sign_in_refuses_control_characters_in_the_username(client):
    res = client.post("/api/v1/auth/token", json={"username": "admin\x08", "password": "x"})
    assert list(refused_field(res)) == ["username"]


@pytest.mark.parametrize("char", BAD)
def test_text_figures_refuse_control_characters(client, make_user, rnd, char):
    _, applicant = make_user("applicant")
    before = counts()
    res = client.post(
        f"/api/v1/rounds/{rnd.id}/applications",
        headers=applicant,
        json={"figures": {"theme": f"社区{char}营造"}},
    )
    assert res.status_code == 422
    assert res.json["errors"] == {
        "figures": {
            "theme": [
                f"Must not contain the control character U+{ord(char):04X}; "
                "only tab and line breaks are allowed."
            ]
        }
    }
    assert counts() == before


def test_text_figures_keep_tabs_and_line_breaks(client, make_user, rnd):
    _, applicant = make_user("applicant")
    theme = "一、社区营造\r\n二、邻里互助\t（试点）\n"
    res = client.post(
        f"/api/v1/rounds/{rnd.id}/applications", headers=applicant, json={"figures": {"theme": theme}}
    )
    assert res.status_code == 201, res.json
    assert db.session.get(Application, res.json["id"]).figures["theme"] == theme


def test_the_rule_itself():
    assert text_problem("玉林社区 2026") is None
    assert text_problem("a\tb", multiline=True) is None
    assert text_problem("a\tb") is not None
    assert "U+D800" in text_problem("a\ud800")
    assert "U+007F" in text_problem("a\x7f", multiline=True)


# --------------------------------------------------------------------------- materials and multipart


@pytest.fixture
def draft(app, rnd, make_org, make_user):
    org = make_org()
    _, owner = make_user("applicant", organisation=org)
    application = Application(round_id=rnd.id, organisation_id=org.id, status="draft", figures={})
    db.session.add(application)
    db.session.commit()
    return f"/api/v1/applications/{application.id}/materials", owner


@pytest.mark.parametrize(
    "field, value", [("indicator_id", "plan\x00"), ("indicator_id", "plan\nx"), ("material_key", "pl\x08an")]
)
def test_material_ids_refuse_control_characters(client, draft, field, value):
    url, owner = draft
    before = counts()
    res = client.post(
        url,
        headers=owner,
        content_type="multipart/form-data",
        data={"file": (io.BytesIO(PDF), "方案.pdf"), field: value},
    )
    assert list(refused_field(res, "files")) == [field]
    assert counts() == before


def test_two_file_parts_are_refused_for_a_material(client, draft):
    url, owner = draft
    before = counts()
    data = MultiDict([("file", (io.BytesIO(PDF), "a.pdf")), ("file", (io.BytesIO(PDF), "b.pdf"))])
    res = client.post(url, headers=owner, content_type="multipart/form-data", data=data)
    assert refused_field(res, "files") == {"file": ["Send one part named 'file'; this request has 2."]}
    assert counts() == before


def test_a_repeated_text_part_is_refused_for_a_material(client, draft):
    url, owner = draft
    data = MultiDict(
        [("file", (io.BytesIO(PDF), "a.pdf")), ("indicator_id", "plan_quality"), ("indicator_id", "funding")]
    )
    res = client.post(url, headers=owner, content_type="multipart/form-data", data=data)
    assert list(refused_field(res, "files")) == ["indicator_id"]


def test_a_material_upload_sent_as_json_is_a_415(client, draft):
    url, owner = draft
    res = client.post(url, headers=owner, json={"file": "JVBERi0="})
    assert res.status_code == 415 and res.json["errors"] == {"files": ["Expected multipart/form-data."]}


def test_two_file_parts_are_refused_for_an_import(client, admin, rnd):
    before = counts()
    data = MultiDict(
        [("file", (io.BytesIO(b"a,b\n1,2\n"), "a.csv")), ("file", (io.BytesIO(b"a,b\n1,2\n"), "b.csv"))]
    )
    res = client.post(
        f"/api/v1/rounds/{rnd.id}/applications/import",
        headers=admin,
        content_type="multipart/form-data",
        data=data,
    )
    assert refused_field(res, "files") == {"file": ["Send one part named 'file'; this request has 2."]}
    assert counts() == before


# --------------------------------------------------------------------------- download headers


@pytest.mark.parametrize("title", ["2026\x07年测试批次", "a\x01b\x1bc", "批次\r\nX-Injected: 1", '"; x=\\"y'])
def test_a_template_downloads_whatever_its_stored_title(client, admin, mini_raw, title):
    rnd = create_round(None, title, build_criteria(mini_raw, "test"))  # stored before the rule existed
    db.session.commit()
    for fmt in ("xlsx", "csv"):
        res = client.get(
            f"/api/v1/rounds/{rnd.id}/applications/template", headers=admin, query_string={"format": fmt}
        )
        assert res.status_code == 200, res.get_data(as_text=True)[:300]
        header = res.headers["Content-Disposition"]
        assert header.isascii() and header.isprintable() and "X-Injected" not in res.headers
        kind, options = parse_options_header(header)
        assert kind == "attachment" and options["filename"].endswith(f".{fmt}")
        assert f'filename="round-{rnd.id}-template.{fmt}";' in header  # the ASCII fallback
        assert "filename*=UTF-8''" in header  # the Chinese name, percent-encoded
        assert res.content_type == (
            "text/csv; charset=utf-8"
            if fmt == "csv"
            else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )


@pytest.mark.parametrize(
    "name, expected",
    [
        ("floor plan.png", 'attachment; filename="floor plan.png"'),
        ("社区.pdf", "attachment; filename=\"m-1.pdf\"; filename*=UTF-8''%E7%A4%BE%E5%8C%BA.pdf"),
        ('a"b\\c.pdf', "attachment; filename=\"m-1.pdf\"; filename*=UTF-8''a%22b_c.pdf"),
        ("a%41.pdf", "attachment; filename=\"m-1.pdf\"; filename*=UTF-8''a%2541.pdf"),
        ("bad\x00\r\nname.pdf", 'attachment; filename="badname.pdf"'),
        ("\x00\x01", 'attachment; filename="m-1"'),
        (
            "report_2026.年报",
            "attachment; filename=\"report_2026\"; filename*=UTF-8''report_2026.%E5%B9%B4%E6%8A%A5",
        ),
    ],
)
def test_content_disposition_is_always_a_safe_header(name, expected):
    assert content_disposition(name, "m-1") == expected


def test_imported_organisation_names_follow_the_same_rule(client, admin, rnd):
    headers = [
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
    ]
    cells = [
        "甲\x08社区",
        "成都市",
        "510100",
        "武侯区",
        "510107",
        "玉林\x1b街道",
        "510107001",
        "城市",
        "2000",
        "6000",
        "91.5",
        "否",
    ]
    data = (",".join(headers) + "\n" + ",".join(cells) + "\n").encode("utf-8")
    before = counts()
    res = client.post(
        f"/api/v1/rounds/{rnd.id}/applications/import",
        headers=admin,
        content_type="multipart/form-data",
        data={"file": (io.BytesIO(data), "a.csv")},
    )
    assert res.status_code == 422, res.json
    text = str(res.json)
    assert "U+0008" in text and "U+001B" in text
    assert counts() == before


def test_a_criteria_label_that_looks_like_a_formula_stays_text_in_the_template(client, admin, mini_raw):
    import io

    from openpyxl import load_workbook

    mini_raw["fields"][0]["label"] = '=HYPERLINK("http://example.invalid","点击")'
    rnd = create_round(None, "公式测试", build_criteria(mini_raw, "test"))
    db.session.commit()
    res = client.get(f"/api/v1/rounds/{rnd.id}/applications/template", headers=admin)
    assert res.status_code == 200
    book = load_workbook(io.BytesIO(res.data))
    cells = [
        c
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for c in row
        if isinstance(c.value, str) and c.value.startswith("=")
    ]
    assert cells and all(c.data_type == "s" for c in cells)
