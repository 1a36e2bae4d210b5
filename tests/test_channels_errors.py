"""Error answers by channel (JSON envelope for the API, an HTML page elsewhere), and their size cap."""

from __future__ import annotations

import json
import re

from flask_babel import refresh
from werkzeug.exceptions import MethodNotAllowed

from evaluator.errors import cap_errors
from evaluator.web.headers import PAGE_CSP


def assert_html_page(res, code: int, chinese: bool = True):
    """An error page in the pages' layout: Chinese unless the reader asked for English, no inline
    script or style, the pages' CSP."""
    assert res.status_code == code
    assert res.content_type == "text/html; charset=utf-8"
    html = res.get_data(as_text=True)
    assert f'<html lang="{"zh-CN" if chinese else "en"}">' in html
    heading = re.search(r"<h1>(.*?)</h1>", html).group(1)
    assert heading.startswith(str(code))
    assert bool(re.search(r"[\u4e00-\u9fff]", heading)) == chinese
    assert re.findall(r"<script(?![^>]*\bsrc=)", html) == [] and "<style" not in html and "style=" not in html
    assert res.headers["Content-Security-Policy"] == PAGE_CSP
    return html


def test_a_page_path_gets_an_html_404(app, client):
    html = assert_html_page(client.get("/no/such/page"), 404, chinese=False)
    assert "Page not found" in html
    html = assert_html_page(app.test_client().get("/no/such/page"), 404)
    assert "页面不存在" in html


def test_an_api_path_gets_the_json_envelope(client):
    res = client.get("/api/v1/no-such-thing")
    assert res.status_code == 404 and res.mimetype == "application/json"
    assert res.json == {"code": 404, "status": "Not Found"}
    res = client.delete("/api/v1/organisations")
    assert res.status_code == 405 and res.mimetype == "application/json" and "Allow" in res.headers


def test_a_page_gets_an_html_405_with_allow(app):
    with app.test_request_context("/some/page", method="POST"):
        res = app.make_response(app.handle_user_exception(MethodNotAllowed(valid_methods=["GET"])))
    assert_html_page(res, 405)
    assert res.headers["Allow"] == "GET"


def test_a_page_gets_an_html_500_without_the_exception_text(app):
    with app.test_request_context("/some/page"):
        res = app.make_response(app.handle_user_exception(RuntimeError("secret internals")))
    html = assert_html_page(res, 500)
    assert "secret internals" not in html and "服务器内部错误" in html
    with app.test_request_context("/api/v1/rounds", headers={"Accept-Language": "en"}):
        refresh()  # the language chosen for the page above is cached in the shared app context
        res = app.make_response(app.handle_user_exception(RuntimeError("secret internals")))
    assert res.status_code == 500 and res.json["message"].startswith("An unexpected error")
    assert "secret internals" not in res.get_data(as_text=True)


def test_an_error_naming_many_unknown_fields_is_capped(client, make_user):
    _, admin = make_user("admin")
    body = {
        "name": "社区",
        "kind": "community",
        "city": "成都市",
        "city_code": "510100",
        "county": "武侯区",
        "county_code": "510107",
    }
    body.update({f"unknown_{k:06d}": 1 for k in range(20_000)})
    body["x" * 5000] = 1
    res = client.post("/api/v1/organisations", headers=admin, json=body)
    assert res.status_code == 422
    assert len(res.data) < 20_000  # uncapped, it is over a megabyte
    fields = res.json["errors"]["json"]
    assert len(fields) == 101  # 100 entries and the note
    assert fields["_omitted"] == ["19901 more entries were left out."]
    assert all(len(key) <= 501 for key in fields)


def test_cap_errors_keeps_the_shape_and_counts_what_it_leaves_out():
    errors = {"json": {"a" * 50: ["m" * 50] * 7, "b": {"c": ["x"]}, "d": ["y"], "e": ["z"]}}
    capped = cap_errors(errors, max_entries=3, max_chars=10)
    assert capped == {
        "json": {
            "a" * 10 + "…": ["m" * 10 + "…"] * 3 + ["4 more entries were left out."],
            "b": {"c": ["x"]},
            "d": ["y"],
            "_omitted": ["1 more entries were left out."],
        }
    }
    assert cap_errors(errors, max_entries=100, max_chars=100) == errors
    assert json.dumps(cap_errors({"k": 5, "n": None}, 1, 1)) == (
        '{"k": 5, "_omitted": ["1 more entries were left out."]}'
    )
