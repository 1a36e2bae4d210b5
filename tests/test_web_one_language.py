"""One language per page, beyond what a walk over the GET pages sees: the messages shown after a
form (flashes, refusals), the docs page's title, punctuation, and what the page checks themselves
(tests/visible.py) find in the texts the issue saw."""

from __future__ import annotations

import ast
import html
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from evaluator.web.pages import FormErrors
from tests.pages import post
from tests.visible import chinese, english_words, half_width, inner_names, visible_text

ROOT = Path(__file__).resolve().parents[1]
CATALOG = ROOT / "evaluator" / "translations" / "zh" / "LC_MESSAGES" / "messages.po"


@pytest.mark.parametrize(
    "text",
    [
        "状态: submitted → recommended",
        "level: city",
        "passed: True",
        "session_id: 28",
        "['facility_gallery']",
        "submitted_at: 2026-12-06T18:07:19.982338+00:00",
        "indicators[0].children[0].children[0] 社区党组织建设",
        "社区党组织建设 · party_building",
        "submitted",
    ],
)
def test_the_page_checks_find_inner_names_the_issue_saw(text):
    assert inner_names(text) or english_words(text, ()), text


def test_the_page_checks_find_the_other_language_and_half_width_punctuation():
    assert english_words("评分已提交。Review submitted.", ())
    assert english_words("本批次已进入“open”阶段。", ())
    assert english_words("文件格式：PDF、XLSX；校验值 SHA-256", ("PDF", "XLSX", "SHA-256")) == []
    assert chinese("Units （户）") and chinese("Grade: 优秀")
    assert half_width("已提交: 2") and half_width("2025年度评审 (评分结束)")
    assert half_width("已提交：2（评分结束）") == []
    assert inner_names("None declared.") == [] and inner_names("Uploaded the file “方案.pdf”.") == []


def test_text_marked_as_the_other_language_is_not_the_pages():
    page = '<html lang="zh-CN"><body><p>评审</p><button lang="en">English</button>'
    page += '<p title="提示">是</p></body></html>'
    assert visible_text(page) == ["评审", "提示", "是"]


def test_every_flash_is_a_message_of_the_catalog():
    """``done(...)`` shows its message after the redirect: a literal is marked for the catalog
    (``N_``), so that a Chinese page never says "Review submitted."."""
    with CATALOG.open("rb") as f:
        zh = read_po(f, locale="zh")
    flashes = []
    for path in (ROOT / "evaluator").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "done" and node.args:
                options = (
                    [node.args[0].body, node.args[0].orelse]
                    if isinstance(node.args[0], ast.IfExp)
                    else [node.args[0]]
                )
                for option in options:  # a literal must be marked; a constant is marked where defined
                    assert not isinstance(option, ast.Constant), f"{path.name}:{node.lineno}: not marked"
                    if isinstance(option, ast.Call) and getattr(option.func, "id", None) == "N_":
                        flashes.append(option.args[0].value)
    assert len(flashes) > 20
    missing = [m for m in flashes if not (zh.get(m) and zh.get(m).string)]
    assert missing == []


def test_a_phase_is_named_by_its_label_in_the_flash(page_client, make_round):
    rnd = make_round(phase="draft")
    office = page_client("admin", language="zh")
    form = {"to": "open", "version": str(rnd.version), "confirm": "1", "reason": "通知已印发"}
    res = post(office, f"/office/rounds/{rnd.id}/advance", form)
    page = office.get(res.headers["Location"]).get_data(as_text=True)
    assert "本批次已进入“申报中”阶段。" in page and "“open”" not in page


def test_the_role_choices_speak_the_pages_language(page_client):
    page = page_client("admin", language="zh").get("/office/accounts/users/new").get_data(as_text=True)
    assert "评审专家" in page and "Expert reviewer" not in page and "County civil-affairs office" not in page


def test_an_empty_required_field_says_it_is_required(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh"
    token = client.get("/sign-in").get_data(as_text=True).split('name="csrf_token" value="')[1].split('"')[0]
    page = client.post("/sign-in", data={"csrf_token": token, "username": "", "password": ""}).get_data(
        as_text=True
    )
    assert page.count("此项必填。") == 2 and "长度须在" not in page and "缺少必填项" not in page


def test_a_refusal_is_said_once(app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        errors = FormErrors({"title": ["A round of this title exists."]})
        errors.message = "A round of this title exists."
        assert errors.summary() == "Some entries need correcting: see the messages beside the fields."
        errors.message = "This round cannot be changed now."
        assert errors.summary() == "This round cannot be changed now."


@pytest.mark.parametrize(
    ("language", "title"),
    [("zh", "接口文档 · 四川省城乡社区发展治理试点单位评审系统"), ("en", "API documentation · ")],
)
def test_the_docs_page_is_titled_in_the_readers_language(client, language, title):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    page = client.get("/api/v1/docs").get_data(as_text=True)
    assert f"<title>{title}" in html.unescape(page)


def test_a_round_in_a_chooser_is_followed_by_its_phase_in_full_width_parentheses(page_client, make_round):
    make_round(phase="review", title="2026年度测试批次")
    page = page_client("admin", language="zh").get("/office/applications").get_data(as_text=True)
    assert "2026年度测试批次（专家评审）" in page
