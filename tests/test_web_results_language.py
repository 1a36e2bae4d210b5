"""The scoring's words on the results pages and the assignment report: statuses, calibration, the radar
chart's legend, section, grade and indicator names and scoring methods in the reader's language,
with one label source for the pages and the export; sections by name in the coverage table."""

from __future__ import annotations

import csv
import io

from tests.pages import post
from tests.test_web_criteria_language import HAN, cells, no_inner_names, visible, without

STATUSES_EN = ("Ranked", "Vetoed", "Incomplete")


def computed(page_client, make_scored_round):
    """A scored round (the mini criteria: sections 基础/Basics and 质量/Quality) with its results
    computed; returns (round, applications)."""
    sr = make_scored_round(n_apps=6, short=(3,))
    assert post(page_client("admin"), f"/office/rounds/{sr.rnd.id}/results/compute").status_code == 303
    return sr


def test_the_chinese_results_pages_speak_chinese(page_client, make_scored_round):
    sr = computed(page_client, make_scored_round)
    office = page_client("admin", language="zh")
    base = f"/office/rounds/{sr.rnd.id}/results"
    table = office.get(base).get_data(as_text=True)
    text = visible(table)
    assert "参与排名" in cells(table) and "评审未完成" in cells(table)
    for word in (*STATUSES_EN, "none", "zscore", "Round median"):
        assert word not in text, word
    assert "不校准（对照：标准分校准）" in text  # the calibration and the one it is compared with
    assert {"基础", "质量"} <= cells(table)  # the sections' names as column heads
    export = office.get(f"{base}/export?format=csv").get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(export)))
    status_column = rows[0].index("状态")
    assert {r[status_column] for r in rows[1:]} <= cells(table)  # one label source for both
    detail = office.get(f"{base}/applications/{sr.apps[0].id}").get_data(as_text=True)
    radar = detail.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert "本批次中位数" in radar and "Round median" not in radar and "基础" in radar
    assert "Sections as a share" not in radar  # its title too
    assert "由评审专家评分" in cells(detail) and "按比率与目标值计分" in cells(detail)
    no_inner_names(detail, "plan_quality", "has_platform", "services_offered")
    disagreements = office.get(f"{base}/disagreements").get_data(as_text=True)
    no_inner_names(disagreements, "plan_quality", "onsite", "novelty")


def test_the_english_results_pages_speak_english(page_client, make_scored_round):
    sr = computed(page_client, make_scored_round)
    office = page_client("admin")
    base = f"/office/rounds/{sr.rnd.id}/results"
    table = office.get(base).get_data(as_text=True)
    assert {"Basics", "Quality", "Ranked"} <= cells(table)
    assert "No calibration (compared with: Z-score calibration)" in visible(table)
    data = [sr.rnd.title, *(a.organisation.name for a in sr.apps)]
    data += [place for a in sr.apps for place in (a.organisation.city, a.organisation.county)]
    assert not HAN.search(without(visible(table), *data))
    detail = office.get(f"{base}/applications/{sr.apps[0].id}").get_data(as_text=True)
    radar = detail.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert "Round median" in radar and "Basics" in radar and "基础" not in radar
    assert {"Scored by the expert reviewers", "Plan", "Basics"} <= cells(detail)
    no_inner_names(detail, "plan_quality", "has_platform")
    assert not HAN.search(without(visible(detail), *data))


def test_the_coverage_table_names_the_sections(page_client, review_round, make_reviewer):
    rnd, _ = review_round(4, settings={"reviewers_per_application": 2})
    for region in ("510302", "510603", "511102", "510104", "510107"):
        make_reviewer(region=region, expertise=["basics", "quality"])
    for language, names in (("en", {"Basics", "Quality"}), ("zh", {"基础", "质量"})):
        office = page_client("admin", language=language)
        res = post(office, f"/office/rounds/{rnd.id}/assignments/auto", {"seed": "3"})
        report = res.get_data(as_text=True).split('id="auto-report"', 1)[1].split("</section>", 1)[0]
        assert res.status_code == 200 and names <= cells(report)
        assert not cells(report) & {"basics", "quality"}
