"""Criteria texts in a real browser, in Chinese and in English: the applicant's materials page (a
refused upload names the indicator and the materials, once, by their names), the office's page of
the application and the county's check page (self-assessment, materials and evidence by name, no id
paths or keys), and the round's criteria tree (methods, types, how points are shared and grades by
their labels). Screenshots of each, in both languages at 1280 and 390 px."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from evaluator.applications.models import Application
from evaluator.extensions import db
from tests.browser.helpers import (
    FC_FIGURES,
    PDF_BYTES,
    application_of,
    open_round,
    screenshot,
    sign_out,
    signed_in,
    switch_language,
)

pytestmark = pytest.mark.browser

SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")  # a key or id: party_building, count_of
HAN = re.compile(r"[\u4e00-\u9fff]")
REFUSED = {
    "zh": (
        "指标“社区基金”不要求提供“社区形态、生态改造前后对比照片”。",
        "该指标要求提供：社区基金、社区社会企业及集体经济财务材料。",
    ),
    "en": (
        "The indicator 'Community fund' does not ask for 'Before-and-after photos of renewal'.",
        "This indicator asks for: Community fund, social enterprise and collective-economy accounts.",
    ),
}
MATERIALS = {
    "zh": (
        "社区党组织建设 · 社区党组织及小区党组织设置材料",
        "综合服务设施产权（使用权）证明、平面图及功能分区照片",
    ),
    "en": (
        "Community party organisation · Community and compound party organisations",
        "Service-facility title, floor plan and photos",
    ),
}
TREE = {
    "zh": ("基础达标", "由评审专家评分", "按数值分档计分", "相对权重", "整数", "户", "优秀"),
    "en": (
        "Basic standards",
        "Scored by the expert reviewers",
        "Steps on a figure",
        "Relative weight",
        "Whole number",
        "households",
        "Excellent",
    ),
}


def upload(page: Page, path, indicator: str, kind: str, navigates: bool = True):
    """Send the upload form (the page's script answers in JSON), for an indicator and kind."""
    page.select_option("#f-indicator_id", indicator)
    page.select_option("#f-material_key", kind)
    page.set_input_files("#f-file", str(path))
    button = page.locator("#upload-form button[type=submit]")
    if navigates:
        with page.expect_navigation():
            button.click()
    else:
        with page.expect_response(lambda r: r.request.method == "POST" and "/materials" in r.url) as sent:
            button.click()
        assert sent.value.status == 422


def no_inner_names(text: str) -> None:
    assert not SNAKE.findall(text), SNAKE.findall(text)[:10]
    assert "indicators[" not in text and "children[" not in text


def test_criteria_texts_in_both_languages(page, make_account, tmp_path):
    round_id = open_round("2026年度省级特色社区（语言）")
    applicant = make_account("applicant")
    app_id = application_of(applicant, round_id, FC_FIGURES)
    row = db.session.get(Application, app_id)
    row.self_assessment = {"basic_party_work": 3.5, "feature_community_fund": 2}
    db.session.commit()
    db.session.close()
    pdf = tmp_path / "党组织设置材料.pdf"
    pdf.write_bytes(PDF_BYTES)
    page.watch.allow(r"/materials answered 422$")  # the refusals the script reads and shows
    page.watch.allow(r"/materials: Failed to load resource: .* status of 422")

    # The applicant's materials: two files go up, then a kind the indicator does not ask for.
    signed_in(page, applicant)
    page.goto(f"/applicant/applications/{app_id}/materials")
    upload(page, pdf, "basic_party_work", "party_building")
    upload(page, pdf, "", "facility_register")
    for language in ("zh", "en"):
        switch_language(page, language)
        upload(page, pdf, "feature_community_fund", "photos_before_after", navigates=False)
        said = page.locator("#upload-form .upload-message")
        expect(said).to_contain_text(REFUSED[language][0])
        # The summary says it once; what the indicator asks for is said once, beside the field.
        text, whole = said.inner_text(), page.locator("main").inner_text()
        assert text.count(REFUSED[language][0]) == 1 and whole.count(REFUSED[language][0]) == 1, whole
        assert whole.count(REFUSED[language][1]) == 1, whole
        no_inner_names(page.locator("main").inner_text())
        screenshot(page, "criteria-language-materials", full_page=True)
    switch_language(page, "zh")
    sign_out(page)

    row = db.session.get(Application, app_id)
    row.status = "submitted"  # as the applicant's submission leaves it, for the county's check
    db.session.commit()
    db.session.close()
    county = make_account("county_office", home_region_code="510107", display_name="武侯区民政局")
    office = make_account("admin")
    for account, url, name in (
        (office, f"/office/applications/{app_id}", "criteria-language-office-application"),
        (county, f"/region/applications/{app_id}", "criteria-language-region-application"),
        (office, f"/office/rounds/{round_id}", "criteria-language-criteria-tree"),
    ):
        signed_in(page, account)
        page.goto(url)
        for language in ("zh", "en"):
            switch_language(page, language)
            main = page.locator("main").inner_text()
            no_inner_names(main)
            for shown in TREE[language] if "rounds" in url else MATERIALS[language]:
                assert shown in main, (url, shown)
            if "rounds" not in url:
                assessed = page.locator("#self-assessment").inner_text()
                assert ("社区党组织建设" if language == "zh" else "Community party organisation") in assessed
            screenshot(page, name, full_page=True)
        switch_language(page, "zh")
        sign_out(page)
