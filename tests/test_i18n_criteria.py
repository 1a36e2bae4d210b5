"""One helper chooses the reader's language of a criteria text (``i18n.criteria_text``); lists,
points, the criteria's vocabularies and the names inside messages read in the reader's language."""

from __future__ import annotations

import copy

import pytest
from flask import g

from evaluator.criteria import build_criteria
from evaluator.formatting import label, show_points
from evaluator.i18n import criteria_text, join_list, localise
from evaluator.messages import Bilingual, msg, named


@pytest.fixture
def in_english(app):
    """A request context whose reader reads English (and one for Chinese, by setting g.language)."""
    with app.test_request_context("/"):
        g.language = "en"
        yield


def test_one_helper_chooses_the_readers_language(app, mini_raw, in_english):
    raw = copy.deepcopy(mini_raw)
    raw["fields"][4].update(unit="元", unit_en="yuan", help="上年度", help_en="Last year")
    cs = build_criteria(raw, "test")
    fund, size = cs.field_map["fund"], cs.node_map["size"]
    assert criteria_text(fund) == "Community fund" and criteria_text(fund, "unit") == "yuan"
    assert criteria_text(fund, "help") == "Last year" and criteria_text(size) == "Size"
    assert criteria_text(cs.grades[0]) == "Excellent" and criteria_text(cs.vetoes[0]) == "Falsified"
    assert criteria_text({"name": "方案", "name_en": "Plan"}) == "Plan"  # the services' dicts too
    assert criteria_text({"name": "方案", "name_en": ""}) == "方案"  # no English: the Chinese
    assert criteria_text(None) == "" and criteria_text(cs.field_map["households"], "unit") == ""
    g.language = "zh"
    assert criteria_text(fund) == "社区基金" and criteria_text(fund, "unit") == "元"
    assert criteria_text(cs.grades[0]) == "优秀"


def test_lists_points_and_named_values_read_in_the_readers_language(app, in_english):
    assert join_list(["a", "b", "c"]) == "a, b, c"
    assert show_points(1) == "1 point" and show_points(1.0) == "1 point"
    assert show_points(2) == "2 points" and show_points(0.5) == "0.5 points"
    assert show_points(3, bracketed=True) == " (3 points)"  # a remark after its word
    message = msg("Missing: %(names)s.", names=[Bilingual("户数", "Households"), Bilingual("人口", "People")])
    assert localise(message) == "Missing: Households, People."
    assert (
        label("method", "count_of") == "Count of items ticked"
        and label("field_type", "int") == "Whole number"
    )
    assert (
        label("allocation", "weight") == "Relative weight"
        and label("calibration", "zscore") == "Z-score calibration"
    )
    g.language = "zh"
    refresh_reader()
    assert join_list(["甲", "乙"]) == "甲、乙"
    assert show_points(1) == "1 分" and show_points(3, bracketed=True) == "（3 分）"
    assert localise(Bilingual("户数", "Households")) == "户数"
    assert label("method", "count_of") == "按项数计分" and label("field_type", "int") == "整数"


def refresh_reader():
    """Forget the reader the formatting functions cached for this request (its language changed)."""
    from flask import request
    from flask_babel import refresh

    request.environ.pop("evaluator.formatting.reader", None)
    refresh()


def test_named_reads_objects_and_mappings():
    assert (named({"label": "户数", "label_en": "Households"}).zh, named({"label": "户数"}).en) == (
        "户数",
        "户数",
    )
    text = named({"reason": "造假", "reason_en": "Falsified"})
    assert str(text) == "Falsified" and text.zh == "造假"
