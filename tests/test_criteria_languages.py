"""Criteria sets in two languages: the bundled sets carry English for every text a page shows, and
the loader refuses a set whose shown texts lack it, naming each path (docs/criteria-format.md,
"Two languages"); a round's copy frozen before still builds."""

from __future__ import annotations

import copy

import pytest

from evaluator.criteria import CriteriaError, build_criteria, list_criteria
from tests.conftest import find_node

TWINNED = ("unit", "help", "guidance", "description")
NAMES = ("label", "name", "title", "reason")


def walk(node, path=""):
    """Every mapping of a raw set with its path."""
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from walk(value, f"{path}.{key}" if path else key)
    elif isinstance(node, list):
        for k, value in enumerate(node):
            yield from walk(value, f"{path}[{k}]")


def refusals(raw) -> dict[str, list[str]]:
    with pytest.raises(CriteriaError) as refused:
        build_criteria(raw, "test")
    return refused.value.errors


def test_the_bundled_sets_carry_english_for_every_shown_text():
    for cs in list_criteria():
        for path, mapping in walk(cs.source):
            for key in (*TWINNED, *NAMES):
                if isinstance(mapping.get(key), str) and mapping[key].strip():
                    assert str(mapping.get(f"{key}_en") or "").strip(), f"{cs.id} {path}.{key}_en"
        units = {f.unit: f.unit_en for f in cs.fields if f.unit}
        assert units["人"] == "people" and units["%"] == "%", cs.id
        assert all(leaf.guidance_en for leaf in cs.leaves if leaf.guidance), cs.id
        assert cs.description_en, cs.id


@pytest.mark.parametrize(
    ("where", "key", "path"),
    [
        (lambda raw: raw["fields"][4], "unit", "fields[4].unit_en"),
        (lambda raw: raw["fields"][1], "help", "fields[1].help_en"),
        (
            lambda raw: find_node(raw, "plan_quality"),
            "guidance",
            "indicators[1].children[0].children[0].guidance_en",
        ),
        (lambda raw: raw, "description", "description_en"),
    ],
    ids=["unit", "help", "guidance", "description"],
)
def test_a_shown_text_without_its_english_is_refused_at_its_path(mini_raw, where, key, path):
    raw = copy.deepcopy(mini_raw)
    where(raw).pop(f"{key}_en", None)
    where(raw)[key] = "中文"
    errors = refusals(raw)
    assert errors == {path: [f"the English is missing: give {key}_en beside {key}"]}
    for blank in ("", "   "):  # an empty twin is no English
        where(raw)[f"{key}_en"] = blank
        assert path in refusals(raw)
    where(raw)[f"{key}_en"] = "English"
    build_criteria(raw, "test")  # with its English the set loads


def test_every_missing_english_is_reported_at_once_names_included(mini_raw):
    raw = copy.deepcopy(mini_raw)
    raw["fields"][0]["unit"] = "类"
    del raw["grades"][0]["label_en"]
    del find_node(raw, "size")["name_en"]
    del raw["vetoes"][0]["reason_en"]
    del raw["materials"][1]["name_en"]
    errors = refusals(raw)
    assert {path for path in errors if path.endswith("_en")} == {
        "fields[0].unit_en",
        "grades[0].label_en",
        "indicators[0].children[0].name_en",
        "vetoes[0].reason_en",
        "materials[1].name_en",
    }


def test_a_rounds_frozen_copy_without_the_english_still_builds(mini_raw):
    raw = copy.deepcopy(mini_raw)
    find_node(raw, "size")["guidance"] = "按常住户数计"
    with pytest.raises(CriteriaError):
        build_criteria(raw, "test")
    cs = build_criteria(raw, "frozen", require_english=False)
    assert cs.node_map["size"].guidance == "按常住户数计" and cs.node_map["size"].guidance_en is None


def test_a_round_frozen_without_the_english_still_shows_its_pages(page_client, make_round):
    from evaluator.extensions import db

    rnd = make_round()
    content = copy.deepcopy(rnd.criteria_content)
    fund = next(f for f in content["fields"] if f["key"] == "fund")
    del fund["unit_en"]  # as the sets were frozen before every shown text needed its English
    rnd.criteria_content, rnd.criteria_sha256 = content, "0" * 63 + "1"
    db.session.commit()
    res = page_client("admin").get(f"/office/rounds/{rnd.id}")
    row = res.get_data(as_text=True).split("Community fund", 1)[1].split("</tr>", 1)[0]
    assert res.status_code == 200 and "元" in row  # the Chinese stands in for the missing English
