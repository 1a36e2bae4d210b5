"""Criteria texts on the pages: the round's criteria tree, the office's and the region office's page of
an application, and the applicant's materials and self-assessment speak the reader's language only,
and never show the service's inner names (indicator ids, id paths, material and field keys, the
criteria file's own words for methods, types and grades)."""

from __future__ import annotations

import html
import io
import re

import pytest
from werkzeug.datastructures import FileStorage

from evaluator.criteria import load_criteria
from evaluator.extensions import db
from evaluator.materials import service as materials
from tests.pages import post, versioned

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")  # a key or id: party_building, count_of
FILE_WORDS = {  # the criteria file's words, which are never a cell of a page
    *("expert", "threshold", "ratio", "count_of", "range", "boolean", "improvement"),
    *("points", "weight", "ahp", "int", "float", "enum", "bool", "multi", "text"),
    *("excellent", "recognisable", "qualified", "failed"),
}
HAN = re.compile(r"[\u4e00-\u9fff]")


def visible(page: str) -> str:
    """The text a reader sees in the page's main part (markup, scripts and attributes left out)."""
    main = page.split("<main", 1)[1].split("</main>", 1)[0]
    main = re.sub(r"<(script|style)\b.*?</\1>", " ", main, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", main))


def cells(page: str) -> set[str]:
    """The texts of every table cell of the page."""
    found = re.findall(r"<t[dh]\b[^>]*>(.*?)</t[dh]>", page, flags=re.S)
    return {" ".join(html.unescape(re.sub(r"<[^>]+>", " ", c)).split()) for c in found}


def without(text: str, *data: str) -> str:
    """The text with the given data (names of places, titles, file names) taken out."""
    for item in data:
        text = text.replace(item, "")
    return text


def no_inner_names(page: str, *also: str) -> None:
    text = visible(page)
    assert not SNAKE.findall(text), SNAKE.findall(text)[:10]
    assert "indicators[" not in text and "children[" not in text
    assert not cells(page) & FILE_WORDS, cells(page) & FILE_WORDS
    for word in also:
        assert word not in text, word


@pytest.fixture
def fc_application(app, make_round, make_org, make_user, monkeypatch, tmp_path):
    """A submitted application in an open fc-2026 round (武侯区) with a self-assessed score, a file
    for an indicator and its kind, and a file of a kind only; returns (application, owner)."""
    from evaluator.applications.models import Application

    monkeypatch.setitem(app.config, "MATERIALS_DIR", str(tmp_path / "materials"))
    rnd = make_round(criteria=load_criteria("fc-2026"), title="2026年省级特色社区")
    org = make_org(name="玉林北路社区")
    owner, _ = make_user("applicant", organisation=org)
    application = Application(
        round_id=rnd.id,
        organisation_id=org.id,
        status="draft",
        figures={"households_resident": 3200},
        self_assessment={"basic_party_work": 3.5},
    )
    db.session.add(application)
    db.session.flush()
    for name, indicator, kind in (
        ("党建材料.pdf", "basic_party_work", "party_building"),
        ("设施台账.pdf", None, "facility_register"),
    ):
        materials.upload(owner, application, FileStorage(io.BytesIO(PDF)).stream, name, indicator, kind)
    application.status = "submitted"
    db.session.commit()
    return application, owner


def test_the_criteria_tree_shows_labels_in_english(page_client, make_round):
    rnd = make_round(criteria=load_criteria("fc-2026"))
    page = page_client("admin").get(f"/office/rounds/{rnd.id}").get_data(as_text=True)
    for shown in (
        "Basic standards",  # a section
        "Community party organisation",  # an indicator
        "Scored by the expert reviewers",
        "Steps on a figure",
        "Count of items ticked",
        "Relative weight",
        "Whole number",
        "One choice",
        "Excellent",
        "5 points",
        "Criteria by which communities (villages) applying",  # the set's description
    ):
        assert shown in page, shown
    row = page.split('id="node-basic_party_work"', 1)[1].split("</tr>", 1)[0]
    assert "Scored by the expert reviewers" in row and "Relative weight" not in row  # fixed points
    row = page.split('id="node-part_volunteer_rate"', 1)[1].split("</tr>", 1)[0]
    assert "Ratio against a target" in row and "Relative weight" in row
    households = next(r for r in page.split("<tr>") if "Resident households" in r)
    assert "households" in households.split("Resident households", 1)[1]  # the unit
    no_inner_names(page, "basic_party_work", "households_resident")
    assert not HAN.search(without(visible(page), rnd.title))  # Chinese only in the round's title


def test_the_criteria_tree_shows_labels_in_chinese(page_client, make_round):
    rnd = make_round(criteria=load_criteria("fc-2026"))
    page = page_client("admin", language="zh").get(f"/office/rounds/{rnd.id}").get_data(as_text=True)
    for shown in ("基础达标", "社区党组织建设", "由评审专家评分", "按数值分档计分", "按项数计分", "相对权重"):
        assert shown in page, shown
    for shown in ("整数", "单选", "优秀", "5 分", "户"):
        assert shown in page, shown
    no_inner_names(page, "Basic standards", "Excellent", "households", "Whole number")


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_office_and_region_pages_name_indicators_and_materials(
    page_client, make_user, fc_application, language
):
    application, _ = fc_application
    office = page_client("admin", language=language)
    county, _ = make_user("county_office", home_region_code="510107")
    region = page_client(user=county, language=language)
    if language == "en":
        wanted = (
            "Community party organisation · Community and compound party organisations",
            "Service-facility title, floor plan and photos",
            "Community party organisation",
        )
    else:
        wanted = (
            "社区党组织建设 · 社区党组织及小区党组织设置材料",
            "综合服务设施产权（使用权）证明、平面图及功能分区照片",
        )
    for url in (f"/office/applications/{application.id}", f"/region/applications/{application.id}"):
        res = (office if url.startswith("/office") else region).get(url)
        page = res.get_data(as_text=True)
        assert res.status_code == 200, url
        for shown in wanted:
            assert shown in page, (url, shown)
        assessed = page.split('id="self-assessment"', 1)[1].split("</table>", 1)[0]
        assert ("Community party organisation" if language == "en" else "社区党组织建设") in assessed
        no_inner_names(page, "party_building", "facility_register", "— ·")
        if language == "en":  # Chinese only in the data: names of places, the round, the files
            org = application.organisation
            data = (application.round.title, org.name, org.city, org.county, org.subdistrict)
            assert not HAN.search(without(visible(page), *data, "党建材料.pdf", "设施台账.pdf"))


@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_refused_upload_names_the_indicator_and_materials_once(
    page_client, make_draft, make_user, language
):
    user, _ = make_user("applicant")
    _, application = make_draft(organisation=user.organisation)
    c = page_client(user=user, language=language)
    res = post(
        c,
        f"/applicant/applications/{application.id}/materials",
        {
            "file": (io.BytesIO(PDF), "照片.pdf"),
            "indicator_id": "feature_community_fund",
            "material_key": "photos_before_after",
        },
        content_type="multipart/form-data",
    )
    page = res.get_data(as_text=True)
    assert res.status_code == 422
    if language == "en":
        refusal = "The indicator 'Community fund' does not ask for 'Before-and-after photos of renewal'."
        asks = "This indicator asks for: Community fund, social enterprise and collective-economy accounts."
    else:
        refusal = "指标“社区基金”不要求提供“社区形态、生态改造前后对比照片”。"
        asks = "该指标要求提供：社区基金、社区社会企业及集体经济财务材料。"
    text = visible(page)
    assert text.count(refusal) == 1 and text.count(asks) == 1
    assert asks in page.split('id="material_key-errors"', 1)[1].split("</ul>", 1)[0]  # beside the field
    no_inner_names(page, "feature_community_fund", "photos_before_after", "economy_records")


@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_refused_self_assessment_names_the_indicator(page_client, make_draft, make_user, language):
    user, _ = make_user("applicant")
    _, application = make_draft(organisation=user.organisation)
    c = page_client(user=user, language=language)
    url = f"/applicant/applications/{application.id}/self-assessment"
    res = post(c, url, versioned(application, {"self_assessment.basic_party_work": "9"}))
    page = res.get_data(as_text=True)
    assert res.status_code == 422
    summary = page.split('id="form-problems"', 1)[1].split("</div>", 1)[0]
    name = "Community party organisation" if language == "en" else "社区党组织建设"
    assert ("The self-assessment has problems: " if language == "en" else "自评有误：") + name in summary
    no_inner_names(page, "basic_party_work")
    if language == "en":  # the guidance and the points read English too
        assert "The community party organisation's leading role" in visible(page) and "(4 points)" in page
        assert "（" not in visible(page)
    else:
        assert "社区党组织领导核心作用" in page and "（4 分）" in page
