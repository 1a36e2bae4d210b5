"""The applicant's self-assessment: the indicators calculated from the figures show their rule, the
figures they read and the points those earn (no score asked), the expert-scored ones ask for the
applicant's score, and a total adds both; the rule's words for every method, in both languages."""

from __future__ import annotations

import re

import pytest

from evaluator.applications.autoscore import auto_scores, auto_total, rule_text
from evaluator.applications.models import Application
from evaluator.criteria import load_criteria
from evaluator.extensions import db
from tests.browser.helpers import FC_FIGURES
from tests.pages import post, versioned
from tests.test_materials import PDF_BYTES
from tests.test_web_applicant import fc_round, start

CS = load_criteria("fc-2026")
LEAVES = {leaf.id: leaf for leaf in CS.leaves}


@pytest.fixture
def filled(page_client):
    """An applicant's draft with every figure of a complete featured-community application."""

    def make(language="en", figures=FC_FIGURES):
        rnd = fc_round()
        c = page_client("applicant", language=language)
        application = start(c, rnd)
        application.figures = dict(figures)
        db.session.commit()
        return c, application

    return make


def page_of(c, application) -> str:
    res = c.get(f"/applicant/applications/{application.id}/self-assessment")
    assert res.status_code == 200
    return res.get_data(as_text=True)


def test_calculated_indicators_show_the_rule_and_the_points_instead_of_a_score(app, filled):
    c, application = filled()
    page = page_of(c, application)
    # compound party coverage is 90 %: the step "80 % or more" earns 1 of its 2 points.
    block = re.search(r'id="auto-basic_compound_party_coverage">(.*?)</div>', page, re.S).group(1)
    assert "In steps by “Residential compounds with a party organisation”" in block
    assert "100 % or more: 2 points" in block and "80 % or more: 1 point" in block
    assert "90 %" in block and "Calculated from your figures: 1 of 2 points." in block
    assert 'name="self_assessment.basic_compound_party_coverage"' not in page
    for leaf in CS.auto_leaves:
        assert f'id="auto-{leaf.id}"' in page and f'name="self_assessment.{leaf.id}"' not in page
    for leaf in CS.expert_leaves:
        assert f'name="self_assessment.{leaf.id}"' in page


def test_a_missing_figure_is_named_and_earns_nothing_yet(app, filled):
    figures = {k: v for k, v in FC_FIGURES.items() if k != "compound_party_coverage"}
    c, application = filled(figures=figures)
    block = re.search(r'id="auto-basic_compound_party_coverage">(.*?)</div>', page_of(c, application), re.S)
    assert "Not calculated yet: fill in" in block.group(1) and "0 points until then" in block.group(1)


def test_the_total_adds_the_calculated_points_and_the_own_scores(app, filled):
    c, application = filled()
    calculated = auto_total(auto_scores(CS, FC_FIGURES))
    page = page_of(c, application)
    assert f'data-base="{calculated}"' in page
    shown = f"{round(calculated, 2):g}"
    assert f'<output id="total-points" data-base="{calculated}">{shown}</output>' in page
    url = f"/applicant/applications/{application.id}/self-assessment"
    res = post(c, url, versioned(application, {"self_assessment.basic_party_work": "3.5"}))
    assert res.status_code == 303
    page = page_of(c, application)
    assert (
        f">{round(calculated + 3.5, 2):g}</output>" in page and '<output id="own-points">3.5</output>' in page
    )
    # A refused score is kept in the form and not counted.
    res = post(
        c,
        url,
        versioned(
            application, {"self_assessment.basic_party_work": "9", "self_assessment.feature_ecology": "2"}
        ),
    )
    page = res.get_data(as_text=True)
    assert res.status_code == 422 and '<output id="own-points">2</output>' in page


def test_a_score_posted_for_a_calculated_indicator_is_not_stored(app, filled):
    c, application = filled()
    url = f"/applicant/applications/{application.id}/self-assessment"
    form = {"self_assessment.basic_party_work": "3", "self_assessment.basic_compound_party_coverage": "2"}
    assert post(c, url, versioned(application, form)).status_code == 303
    db.session.expire_all()
    assert db.session.get(Application, application.id).self_assessment == {"basic_party_work": 3.0}


def test_the_chinese_page_says_the_rule_in_chinese(app, filled):
    c, application = filled(language="zh")
    page = page_of(c, application)
    block = re.search(r'id="auto-basic_compound_party_coverage">(.*?)</div>', page, re.S).group(1)
    assert "按“小区（院落）党组织覆盖率”分档计分：达到 100 %：2 分；达到 80 %：1 分。" in block
    assert "根据填报数据计算：1 分（满分 2 分）。" in block
    assert "合计" in page
    assert not re.search(r"[A-Za-z]{4,}", re.sub(r"<[^>]+>", "", block))  # no English words


@pytest.mark.parametrize("language", ["en", "zh"])
def test_every_method_of_the_bundled_criteria_has_words(app, language):
    """Each automatic indicator of every bundled set gets a sentence without inner names."""
    from evaluator.criteria.catalog import list_criteria

    with app.test_request_context(headers={"Accept-Language": language}):
        for cs in list_criteria():
            set_id = cs.id
            fields = cs.field_map
            for leaf in cs.auto_leaves:
                text = rule_text(leaf, fields, {})
                assert text and not re.search(r"\b[a-z]+_[a-z_]+\b", text), (set_id, leaf.id, text)
                if language == "zh":
                    assert re.search(r"[\u4e00-\u9fff]", text), (set_id, leaf.id, text)


# ------------------------------------------------------------------------- the materials checklist


def test_a_file_counts_for_every_indicator_asking_for_its_kind(app, page_client):
    import io

    rnd = fc_round()
    c = page_client("applicant")
    application = start(c, rnd)
    url = f"/applicant/applications/{application.id}/materials"
    form = {
        "file": (io.BytesIO(PDF_BYTES), "特色方案.pdf"),
        "indicator_id": "feature_ecology",
        "material_key": "feature_plan",
    }
    assert post(c, url, form, content_type="multipart/form-data").status_code == 303
    page = c.get(url).get_data(as_text=True)
    assert "A file counts for every indicator that asks for its kind of material" in page
    asking = [leaf for leaf in CS.leaves if "feature_plan" in leaf.evidence]
    assert len(asking) > 1
    for leaf in asking:
        row = page.split(f'id="check-{leaf.id}-feature_plan"', 1)[1].split("</tr>", 1)[0]
        assert "Present" in row and "特色方案.pdf" in row, leaf.id
        assert ("uploaded for" in row) == (leaf.id != "feature_ecology"), leaf.id


def test_the_points_shown_are_those_the_results_compute(app):
    """The one-application table gives every automatic indicator the share the round's engine gives
    the same figures read from a spreadsheet (up to float rounding, relative to the points)."""
    import numpy as np
    import pandas as pd

    from evaluator.criteria.registry import get_method
    from evaluator.scoring.figures import read_figures

    other = {
        **FC_FIGURES,
        "category": "market_town",
        "compound_party_coverage": 100,
        "households_resident": 900,
        "basic_services": ["health"],
        "satisfaction_rate": 71,
        "community_fund": 0,
    }
    for figures in (FC_FIGURES, other):
        row = {"id": "1", **{k: ";".join(v) if isinstance(v, list) else v for k, v in figures.items()}}
        table = read_figures(CS, pd.DataFrame([row]))
        with app.test_request_context():
            shown = auto_scores(CS, figures)
        for leaf in CS.auto_leaves:
            share = get_method(leaf.method).score(leaf.params, table, leaf.points)[0]
            if np.isnan(share):
                assert shown[leaf.id].points is None and shown[leaf.id].missing, leaf.id
            else:
                assert abs(shown[leaf.id].points - share * leaf.points) <= 1e-9 * leaf.points, leaf.id
