"""Criteria sets as data: the bundled sets, effective points, and complete validation.

The contract is ``docs/criteria-format.md``: a file is validated completely when it loads, every
problem is reported at once with its path, and nothing but :class:`CriteriaError` comes out of a
bad file.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from evaluator.criteria import (
    CriteriaError,
    CriteriaSet,
    build_criteria,
    list_criteria,
    load_criteria_file,
)
from evaluator.criteria.loader import parse_yaml
from evaluator.criteria.registry import known_methods
from evaluator.criteria.schema import ZONE_TYPES
from tests.conftest import find_node

MINI = Path(__file__).parent / "data" / "mini.yaml"
BUILT_IN_METHODS = ["boolean", "count_of", "expert", "improvement", "range", "ratio", "threshold"]
SAATY_RI = {3: 0.58, 4: 0.90, 5: 1.12, 6: 1.24, 7: 1.32}
SAATY_RI3 = SAATY_RI[3]
ALONSO_RI3 = 0.5245
INCONSISTENT = [[1, 9, "1/9"], ["1/9", 1, 9], [9, "1/9", 1]]


# --------------------------------------------------------------------------- helpers


def errors_of(raw: Any) -> dict[str, list[str]]:
    """The errors by path of a raw mapping that must not load."""
    with pytest.raises(CriteriaError) as info:
        build_criteria(raw, "test")
    assert info.value.errors, "a CriteriaError must name at least one problem"
    return info.value.errors


def messages(errors: dict[str, list[str]], path: str) -> str:
    """All messages at a path, joined (asserts the path is reported)."""
    assert path in errors, f"{path} not reported; got {sorted(errors)}"
    return " | ".join(errors[path])


def reference_cr(matrix: list[list[Any]], ri: float) -> tuple[float, float]:
    """(lambda_max, CR) of a pairwise matrix, computed independently of the service."""
    a = np.array([[float(Fraction(str(v))) for v in row] for row in matrix])
    lam = float(np.max(np.linalg.eigvals(a).real))
    n = a.shape[0]
    return lam, (lam - n) / (n - 1) / ri


def reordered(obj: Any) -> Any:
    """A deep copy with every mapping's keys in reverse order."""
    if isinstance(obj, dict):
        return {k: reordered(obj[k]) for k in reversed(list(obj))}
    if isinstance(obj, list):
        return [reordered(v) for v in obj]
    return obj


# --------------------------------------------------------------------------- bundled sets


@pytest.fixture(scope="module")
def bundled() -> list[CriteriaSet]:
    return list_criteria()


def test_bundled_sets_load_one_per_zone_type(bundled):
    assert len(bundled) == 3
    assert sorted(cs.zone_type for cs in bundled) == sorted(ZONE_TYPES)
    ids = [cs.id for cs in bundled]
    assert len(set(ids)) == len(ids)
    assert sorted(ids) == ["cgz-2026", "fc-2026", "ssz-2026"]
    for cs in bundled:
        assert len(cs.sha256) == 64
        assert cs.expert_leaves and cs.auto_leaves


def test_bundled_leaves_add_up_to_the_scale(bundled):
    for cs in bundled:
        assert cs.scale == 100
        assert sum(leaf.points for leaf in cs.leaves) == pytest.approx(100, abs=1e-9), cs.id
        assert sum(s.points for s in cs.indicators) == pytest.approx(cs.scale, abs=1e-9), cs.id


def test_bundled_every_section_adds_up(bundled):
    for cs in bundled:
        for parent in cs.walk():
            if parent.is_leaf:
                continue
            total = sum(child.points for child in parent.children)
            assert total == pytest.approx(parent.points, abs=1e-9), f"{cs.id}:{parent.id}"
            shares = sum(child.share_of_parent for child in parent.children)
            assert shares == pytest.approx(1.0, abs=1e-12), f"{cs.id}:{parent.id}"


def test_bundled_ids_unique_and_leaves_well_formed(bundled):
    methods = set(known_methods())
    for cs in bundled:
        nodes = list(cs.walk())
        assert len({n.id for n in nodes}) == len(nodes), cs.id
        assert len(cs.node_map) == len(nodes)
        keys = [f.key for f in cs.fields]
        assert len(set(keys)) == len(keys), cs.id
        materials = {m.key for m in cs.materials}
        for leaf in cs.leaves:
            assert leaf.method in methods, leaf.id
            assert leaf.check, leaf.id
            assert set(leaf.evidence) <= materials, leaf.id
        for n in nodes:
            if n.ahp is not None:
                assert n.ahp.cr <= 0.10, n.id


def test_bundled_ssz_uses_ahp_consistently(bundled):
    (ssz,) = [cs for cs in bundled if cs.id == "ssz-2026"]
    ahp_nodes = [n for n in ssz.walk() if n.ahp is not None]
    assert ahp_nodes
    for parent in ahp_nodes:
        assert parent.ahp.ri_table == "saaty1980"
        lam, cr = reference_cr([list(r) for r in parent.ahp.matrix], SAATY_RI[len(parent.children)])
        assert parent.ahp.lambda_max == pytest.approx(lam, abs=1e-9)
        assert parent.ahp.cr == pytest.approx(max(cr, 0.0), abs=1e-9)
        for child, w in zip(parent.children, parent.ahp.weights, strict=True):
            assert child.allocation == "ahp"
            assert child.points == pytest.approx(parent.points * w, abs=1e-12)


# --------------------------------------------------------------------------- effective points


def test_points_mode_on_mini(make_criteria):
    cs = make_criteria()
    assert [s.points for s in cs.indicators] == [40, 60]
    assert [s.share_of_parent for s in cs.indicators] == [0.4, 0.6]
    for leaf_id in ("size", "staffing", "funding", "services_offered"):
        leaf = cs.node_map[leaf_id]
        assert leaf.points == 10
        assert leaf.allocation == "points"
        assert leaf.share_of_parent == 0.25
        assert leaf.section == "basics" and leaf.parent == "basics" and leaf.level == 2
    assert cs.node_map["judged"].points == 40
    assert cs.node_map["digital"].points == 20
    assert cs.node_map["judged"].path == "indicators[1].children[0]"


def test_weight_mode_on_mini(make_criteria):
    cs = make_criteria()
    platform, online = cs.node_map["has_platform"], cs.node_map["online"]
    assert platform.points == pytest.approx(5, abs=1e-12)
    assert online.points == pytest.approx(15, abs=1e-12)
    assert (platform.allocation, online.allocation) == ("weight", "weight")
    assert platform.share_of_parent == pytest.approx(0.25)
    assert online.share_of_parent == pytest.approx(0.75)
    assert platform.level == 3 and platform.section == "quality"


def test_ahp_mode_on_mini(make_criteria):
    cs = make_criteria()
    judged = cs.node_map["judged"]
    info = judged.ahp
    assert info is not None
    assert info.weights == pytest.approx((4 / 7, 2 / 7, 1 / 7), abs=1e-12)
    assert info.lambda_max == pytest.approx(3.0, abs=1e-12)
    assert info.ci == pytest.approx(0.0, abs=1e-12)
    assert info.cr == pytest.approx(0.0, abs=1e-12)
    assert info.ri_table == "saaty1980"
    assert info.matrix == ((1.0, 2.0, 4.0), (0.5, 1.0, 2.0), (0.25, 0.5, 1.0))
    expected = {"plan_quality": 160 / 7, "onsite": 80 / 7, "novelty": 40 / 7}
    for child in judged.children:
        assert child.allocation == "ahp"
        assert child.points == pytest.approx(expected[child.id], abs=1e-12)
    assert sum(c.points for c in judged.children) == pytest.approx(40, abs=1e-12)
    assert cs.root_ahp is None


def test_ahp_alonso_lamata_table_and_an_imperfect_matrix(mini_raw):
    matrix = [[1, 3, 5], ["1/3", 1, 3], ["1/5", "1/3", 1]]
    find_node(mini_raw, "judged")["ahp"] = {"matrix": matrix, "ri_table": "alonso_lamata2006"}
    info = build_criteria(mini_raw).node_map["judged"].ahp
    lam, cr = reference_cr(matrix, ALONSO_RI3)
    assert info.ri_table == "alonso_lamata2006"
    assert info.lambda_max == pytest.approx(lam, abs=1e-9)
    assert info.cr == pytest.approx(cr, abs=1e-9)
    assert 0 < info.cr <= 0.10
    assert info.weights[0] > info.weights[1] > info.weights[2]


def test_top_level_ahp_shares_the_scale_among_sections(mini_raw):
    mini_raw["ahp"] = {"matrix": [[1, "2/3"], ["3/2", 1]]}
    for section in mini_raw["indicators"]:
        section.pop("points")
    cs = build_criteria(mini_raw)
    assert [s.points for s in cs.indicators] == pytest.approx([40, 60], abs=1e-9)
    assert [s.allocation for s in cs.indicators] == ["ahp", "ahp"]
    assert cs.root_ahp is not None and cs.root_ahp.cr == 0
    assert cs.node_map["size"].points == 10


# --------------------------------------------------------------------------- all at once


def test_every_problem_of_a_file_is_reported_at_once(mini_raw):
    raw = mini_raw
    find_node(raw, "size")["points"] = 12  # basics: 42 ≠ 40
    find_node(raw, "quality")["points"] = 50  # sections: 90 ≠ 100
    find_node(raw, "judged")["points"] = 30  # (keeps quality adding up)
    find_node(raw, "judged")["colour"] = "red"  # unknown key
    find_node(raw, "staffing")["method"] = "magic"  # unknown method
    find_node(raw, "onsite")["id"] = "staffing"  # duplicate id
    find_node(raw, "funding")["params"]["field"] = "nope"  # undeclared field
    find_node(raw, "services_offered")["params"]["field"] = "households"  # wrong type
    find_node(raw, "plan_quality")["evidence"] = ["plan", "video"]  # undeclared material
    find_node(raw, "online")["params"]["level_weight"] = 0.5  # weights add to 1.1
    raw["fields"][7].update(min=50, max=10)  # min above max
    raw["vetoes"][2]["when"]["field"] = "fund"  # veto on optional field
    raw["vetoes"][0]["when"] = {"field": "incident", "op": "eq", "value": True}  # flag and when
    raw["grades"][3]["min_total"] = 10  # last band has a condition
    raw["ranking"] = {"tie_break": ["total", "colour"]}  # unknown tie-break key
    raw["bonus"]["items"][1]["when"] = {"field": "category", "op": "eq", "value": "rural"}

    errors = errors_of(raw)
    expected = {
        "indicators[0].points": "add up to 42, not 40",
        "scale": "add up to 90, not 100",
        "indicators[1].children[0].colour": "Unknown field.",
        "indicators[1].children[0].children[1].id": "also at indicators[0].children[1]",
        "indicators[0].children[1].method": "unknown method 'magic'",
        "indicators[0].children[2].params.field": "field 'nope' is not declared",
        "indicators[0].children[3].params.field": "field 'households' is int; this needs multi",
        "indicators[1].children[0].children[0].evidence[1]": "material 'video' is not declared",
        "indicators[1].children[1].children[1].params": "level_weight + gain_weight = 1.1, not 1",
        "fields[7].min": "min 50 is above max 10",
        "vetoes[2].when.field": "field 'fund' must be required",
        "vetoes[0]": "either 'flag' or 'when'",
        "grades[3]": "the last grade has no conditions",
        "ranking.tie_break[1]": "unknown key 'colour'",
        "bonus.items[1].when.value": "not a choice of 'category'",
    }
    for path, fragment in expected.items():
        assert fragment in messages(errors, path), path
    assert len(errors) == len(expected), sorted(set(errors) - set(expected))


def test_criteria_error_message_lists_every_path(mini_raw):
    find_node(mini_raw, "size")["points"] = 12
    find_node(mini_raw, "staffing")["method"] = "magic"
    with pytest.raises(CriteriaError) as info:
        build_criteria(mini_raw, "my-file.yaml")
    text = str(info.value)
    assert text.startswith("my-file.yaml: 2 problem(s)")
    assert "indicators[0].points: children's points add up to 42, not 40" in text
    assert "indicators[0].children[1].method: unknown method 'magic'" in text
    assert info.value.source == "my-file.yaml"
    assert isinstance(info.value, ValueError)


# --------------------------------------------------------------------------- each kind


Mutation = Callable[[dict[str, Any]], Any]


def _set(node_id: str, **values: Any) -> Mutation:
    return lambda raw: find_node(raw, node_id).update(values)


def _params(node_id: str, **values: Any) -> Mutation:
    return lambda raw: find_node(raw, node_id)["params"].update(values)


def _pop(node_id: str, key: str) -> Mutation:
    return lambda raw: find_node(raw, node_id).pop(key)


def _matrix(matrix: Any) -> Mutation:
    return lambda raw: find_node(raw, "judged")["ahp"].update(matrix=matrix)


def _bonus_when(**cond: Any) -> Mutation:
    return lambda raw: raw["bonus"]["items"][1].update(when=cond)


def _veto_when(i: int, **cond: Any) -> Mutation:
    return lambda raw: raw["vetoes"][i]["when"].update(cond)


def _add_field(**spec: Any) -> Mutation:
    return lambda raw: raw["fields"].append({"label": "新", "label_en": "New", **spec})


def _both(*mutations: Mutation) -> Mutation:
    def run(raw: dict[str, Any]) -> None:
        for m in mutations:
            m(raw)

    return run


KNOWN = "known: " + ", ".join(BUILT_IN_METHODS)
SIZE, STAFF, FUND, SERV = (f"indicators[0].children[{i}]" for i in range(4))
JUDGED, DIGITAL = "indicators[1].children[0]", "indicators[1].children[1]"
PLATFORM, ONLINE = f"{DIGITAL}.children[0]", f"{DIGITAL}.children[1]"

CASES = [
    # points that do not add up
    ("children_points", _set("size", points=12), "indicators[0].points", "add up to 42, not 40"),
    ("sections_vs_scale", lambda r: r.update(scale=120), "scale", "add up to 100, not 120"),
    ("section_points", _set("quality", points=50), "indicators[1].points", "add up to 60, not 50"),
    ("negative_points", _set("size", points=-1), f"{SIZE}.points", "greater than or equal to 0"),
    ("zero_weight", _set("has_platform", weight=0), f"{PLATFORM}.weight", "greater than 0"),
    # mixing allocation modes
    ("points_and_weight_on_one_child", _set("has_platform", points=5), f"{DIGITAL}.children", "not a mix"),
    (
        "points_among_weights",
        _both(_pop("has_platform", "weight"), _set("has_platform", points=5)),
        f"{DIGITAL}.children",
        "not a mix",
    ),
    ("points_under_ahp", _set("plan_quality", points=5), f"{JUDGED}.children", "neither points nor weight"),
    (
        "root_ahp_with_points",
        lambda r: r.update(ahp={"matrix": [[1, 1], [1, 1]]}),
        "indicators",
        "neither points nor weight",
    ),
    # ids, methods, unknown keys
    (
        "duplicate_id",
        _set("onsite", id="size"),
        f"{JUDGED}.children[1].id",
        "duplicate id 'size' (also at indicators[0].children[0])",
    ),
    ("bad_id", _set("size", id="Size!"), f"{SIZE}.id", "does not match"),
    (
        "unknown_method",
        _set("staffing", method="magic"),
        f"{STAFF}.method",
        f"unknown method 'magic'; {KNOWN}",
    ),
    ("leaf_without_method", _pop("size", "method"), f"{SIZE}.method", "a leaf needs a method"),
    ("leaf_without_check", _pop("size", "check"), f"{SIZE}.check", "say how it is checked"),
    ("bad_check_kind", _set("size", check=["phone"]), f"{SIZE}.check[0]", "Must be one of"),
    ("section_with_method", _set("basics", method="expert"), "indicators[0].method", "not scored itself"),
    (
        "expert_with_params",
        _set("novelty", params={"x": 1}),
        f"{JUDGED}.children[2].params",
        "takes no params",
    ),
    ("unknown_node_key", _set("judged", colour="red"), f"{JUDGED}.colour", "Unknown field."),
    (
        "unknown_leaf_key",
        _set("plan_quality", colour="red"),
        f"{JUDGED}.children[0].colour",
        "Unknown field.",
    ),
    ("unknown_top_key", lambda r: r.update(colour="red"), "colour", "Unknown field."),
    ("unknown_param_key", _params("funding", colour="red"), f"{FUND}.params.colour", "Unknown field."),
    (
        "unknown_field_key",
        lambda r: r["fields"][1].update(colour="red"),
        "fields[1].colour",
        "Unknown field.",
    ),
    ("missing_required_key", lambda r: r.pop("title"), "title", "Missing data"),
    ("bad_zone_type", lambda r: r.update(zone_type="village"), "zone_type", "Must be one of"),
    # fields used by methods
    (
        "undeclared_field",
        _params("funding", field="nope"),
        f"{FUND}.params.field",
        "field 'nope' is not declared in fields",
    ),
    ("undeclared_previous", _params("online", previous="nope"), f"{ONLINE}.params.previous", "not declared"),
    (
        "ratio_bool",
        _params("staffing", numerator="platform"),
        f"{STAFF}.params.numerator",
        "field 'platform' is bool; this needs one of: int, float",
    ),
    (
        "boolean_float",
        _params("has_platform", field="online_rate"),
        f"{PLATFORM}.params.field",
        "field 'online_rate' is float; this needs bool",
    ),
    (
        "count_of_int",
        _params("services_offered", field="households"),
        f"{SERV}.params.field",
        "field 'households' is int; this needs multi",
    ),
    (
        "range_text",
        _params("size", field="theme"),
        f"{SIZE}.params.field",
        "field 'theme' is text; this needs one of: int, float",
    ),
    ("range_by_not_enum", _params("size", by="theme"), f"{SIZE}.params.by", "this needs enum"),
    ("missing_param", _pop("staffing", "params"), f"{STAFF}.params.numerator", "Missing data"),
    # AHP
    ("ahp_not_square", _matrix([[1, 2], ["1/2", 1], [1, 1]]), f"{JUDGED}.ahp.matrix", "square"),
    (
        "ahp_ragged",
        _matrix([[1, 2, 4], ["1/2", 1], ["1/4", "1/2", 1]]),
        f"{JUDGED}.ahp.matrix",
        "row 1 has 2 value(s)",
    ),
    (
        "ahp_not_positive",
        _matrix([[1, 2, 4], ["1/2", 1, -2], ["1/4", "1/2", 1]]),
        f"{JUDGED}.ahp.matrix",
        "value at (1, 2) must be strictly positive",
    ),
    (
        "ahp_zero",
        _matrix([[1, 2, 4], ["1/2", 1, 0], ["1/4", "1/2", 1]]),
        f"{JUDGED}.ahp.matrix",
        "strictly positive",
    ),
    (
        "ahp_not_reciprocal",
        _matrix([[1, 2, 4], ["1/2", 1, 2], ["1/4", 1, 1]]),
        f"{JUDGED}.ahp.matrix",
        "not reciprocal at (1, 2)",
    ),
    (
        "ahp_bad_diagonal",
        _matrix([[2, 2, 4], ["1/2", 1, 2], ["1/4", "1/2", 1]]),
        f"{JUDGED}.ahp.matrix",
        "diagonal value at (0, 0) must be 1",
    ),
    (
        "ahp_wrong_order",
        _matrix([[1, 2], ["1/2", 1]]),
        f"{JUDGED}.ahp.matrix",
        "matrix has 2 rows but the node has 3 children",
    ),
    (
        "ahp_unknown_table",
        lambda r: find_node(r, "judged")["ahp"].update(ri_table="x"),
        f"{JUDGED}.ahp.ri_table",
        "unknown random-index table 'x'",
    ),
    ("ahp_on_a_leaf", _set("size", ahp={"matrix": [[1]]}), f"{SIZE}.ahp", "needs children to weight"),
    # vetoes and conditions
    (
        "veto_optional_field",
        _veto_when(2, field="fund"),
        "vetoes[2].when.field",
        "field 'fund' must be required",
    ),
    (
        "veto_flag_and_when",
        lambda r: r["vetoes"][0].update(when={"field": "incident", "op": "eq", "value": True}),
        "vetoes[0]",
        "exactly one",
    ),
    ("veto_neither", lambda r: r["vetoes"][1].pop("when"), "vetoes[1]", "exactly one"),
    (
        "veto_undeclared_field",
        _veto_when(1, field="nope"),
        "vetoes[1].when.field",
        "field 'nope' is not declared",
    ),
    (
        "veto_duplicate_id",
        lambda r: r["vetoes"].append(dict(r["vetoes"][0])),
        "vetoes[3].id",
        "duplicate veto id 'falsified' (also at vetoes[0].id)",
    ),
    (
        "cond_enum_not_a_choice",
        _bonus_when(field="category", op="eq", value="rural"),
        "bonus.items[1].when.value",
        "not a choice of 'category': rural",
    ),
    (
        "cond_in_enum_not_a_choice",
        _bonus_when(field="category", op="in", value=["rural"]),
        "bonus.items[1].when.value",
        "not a choice of 'category'",
    ),
    (
        "cond_lt_on_bool",
        _veto_when(1, op="lt"),
        "vetoes[1].when.op",
        "field 'incident' is a boolean: use eq/ne",
    ),
    ("cond_bool_with_number", _veto_when(1, value=1), "vetoes[1].when.op", "is a boolean"),
    (
        "cond_in_without_list",
        _bonus_when(field="category", op="in", value="urban"),
        "bonus.items[1].when.value",
        "'in' takes a list",
    ),
    (
        "cond_not_in_without_list",
        _bonus_when(field="category", op="not_in", value="urban"),
        "bonus.items[1].when.value",
        "'not_in' takes a list",
    ),
    (
        "cond_eq_with_list",
        _veto_when(2, op="eq", value=[70]),
        "vetoes[2].when.value",
        "'eq' takes a single value",
    ),
    (
        "cond_number_with_string",
        _veto_when(2, value="70"),
        "vetoes[2].when.value",
        "is a number: compare it with numbers",
    ),
    (
        "cond_order_on_enum",
        _bonus_when(field="category", op="gt", value="urban"),
        "bonus.items[1].when.value",
        "use eq, ne, in or not_in",
    ),
    (
        "cond_on_multi",
        _bonus_when(field="services", op="eq", value="elderly"),
        "bonus.items[1].when.value",
        "cannot test a multi-choice field",
    ),
    ("cond_unknown_op", _veto_when(2, op="below"), "vetoes[2].when.op", "Must be one of"),
    ("cond_nan_value", _veto_when(2, value=float("nan")), "vetoes[2].when.value", "Must be a finite number"),
    (
        "bonus_undeclared_field",
        _bonus_when(field="nope", op="eq", value=1),
        "bonus.items[1].when.field",
        "not declared",
    ),
    # materials
    (
        "undeclared_material",
        _set("funding", evidence=["plan", "video"]),
        f"{FUND}.evidence[1]",
        "material 'video' is not declared in materials",
    ),
    (
        "duplicate_material",
        lambda r: r["materials"].append(dict(r["materials"][0])),
        "materials[2].key",
        "duplicate material key 'plan' (also at materials[0].key)",
    ),
    # grades
    (
        "last_grade_with_min_total",
        lambda r: r["grades"][3].update(min_total=10),
        "grades[3]",
        "the last grade has no conditions",
    ),
    (
        "last_grade_with_share",
        lambda r: r["grades"][3].update(min_section_share=0.1),
        "grades[3]",
        "the last grade has no conditions",
    ),
    (
        "middle_grade_without_conditions",
        lambda r: r["grades"][2].pop("min_total"),
        "grades[2]",
        "only the last grade may have no conditions",
    ),
    (
        "min_total_rising",
        lambda r: r["grades"][1].update(min_total=95),
        "grades[1].min_total",
        "95 is above the previous band's 90",
    ),
    (
        "duplicate_grade",
        lambda r: r["grades"][1].update(code="excellent"),
        "grades[1].code",
        "duplicate grade code 'excellent'",
    ),
    # ranking
    (
        "tie_break_unknown",
        lambda r: r.update(ranking={"tie_break": ["total", "colour"]}),
        "ranking.tie_break[1]",
        "unknown key 'colour'; use one of",
    ),
    (
        "tie_break_closeness",
        lambda r: r.update(ranking={"tie_break": ["closeness"]}),
        "ranking.tie_break[0]",
        "'closeness' needs ranking method topsis",
    ),
    (
        "tie_break_section",
        lambda r: r.update(ranking={"tie_break": ["section:nope"]}),
        "ranking.tie_break[0]",
        "no level-1 section 'nope'",
    ),
    ("ranking_method", lambda r: r.update(ranking={"method": "electre"}), "ranking.method", "Must be one of"),
    # method parameters
    (
        "range_norm_missing",
        lambda r: find_node(r, "size")["params"]["norms"].pop("relocation"),
        f"{SIZE}.params.norms",
        "no norm for categories: relocation",
    ),
    (
        "range_norm_unknown",
        lambda r: find_node(r, "size")["params"]["norms"].update(rural=None),
        f"{SIZE}.params.norms",
        "unknown categories: rural",
    ),
    (
        "range_norms_without_by",
        lambda r: find_node(r, "size")["params"].pop("by"),
        f"{SIZE}.params.norms",
        "norms need 'by'",
    ),
    (
        "range_by_without_norms",
        lambda r: find_node(r, "size")["params"].pop("norms"),
        f"{SIZE}.params.norms",
        "a norm per category is needed",
    ),
    (
        "range_lo_above_hi",
        _params("size", by=None, norms=None, lo=10, hi=5),
        f"{SIZE}.params",
        "lo 10 is above hi 5",
    ),
    (
        "range_norm_lo_above_hi",
        lambda r: find_node(r, "size")["params"]["norms"]["urban"].update(lo=5000),
        f"{SIZE}.params.norms.urban",
        "lo 5,000 is above hi 4,000",
    ),
    (
        "threshold_step_points",
        lambda r: find_node(r, "funding")["params"]["steps"][1].update(points=12),
        f"{FUND}.params.steps[1].points",
        "12 points exceed the indicator's 10",
    ),
    (
        "threshold_min_and_max",
        _params("funding", steps=[{"min": 1, "points": 1}, {"max": 5, "points": 2}]),
        f"{FUND}.params.steps",
        "every step needs 'min', or every step 'max'",
    ),
    (
        "threshold_no_steps",
        _params("funding", steps=[]),
        f"{FUND}.params.steps",
        "Shorter than minimum length 1",
    ),
    ("ratio_target_zero", _params("staffing", target=0), f"{STAFF}.params.target", "greater than 0"),
    (
        "improvement_weights",
        _params("online", level_weight=0.5),
        f"{ONLINE}.params",
        "level_weight + gain_weight = 1.1, not 1",
    ),
    (
        "count_of_unknown_choice",
        _params("services_offered", of=["elderly", "x"], full_at=None),
        f"{SERV}.params.of",
        "not choices of 'services': x",
    ),
    (
        "count_of_full_at_above_of",
        _params("services_offered", of=["elderly", "health"]),
        f"{SERV}.params.full_at",
        "3 is more than the 2 counted",
    ),
    # fields
    (
        "enum_without_choices",
        _add_field(key="kind", type="enum"),
        "fields[13].choices",
        "a enum field needs choices",
    ),
    (
        "multi_without_choices",
        _add_field(key="kinds", type="multi", choices=[]),
        "fields[13].choices",
        "needs choices",
    ),
    (
        "choices_repeat",
        lambda r: r["fields"][0]["choices"].append(dict(r["fields"][0]["choices"][0])),
        "fields[0].choices",
        "choice values repeat",
    ),
    (
        "choices_on_int",
        _add_field(key="n", type="int", choices=[{"value": "a", "label": "a", "label_en": "a"}]),
        "fields[13].choices",
        "only enum and multi fields have choices",
    ),
    (
        "bounds_on_bool",
        _add_field(key="b", type="bool", min=0),
        "fields[13].min",
        "only int and float fields have bounds",
    ),
    (
        "min_above_max",
        lambda r: r["fields"][7].update(min=50, max=10),
        "fields[7].min",
        "min 50 is above max 10",
    ),
    (
        "duplicate_field_key",
        lambda r: r["fields"].append(dict(r["fields"][1])),
        "fields[13].key",
        "duplicate field key 'households' (also at fields[1].key)",
    ),
    ("bad_field_type", _add_field(key="d", type="date"), "fields[13].type", "Must be one of"),
    ("bad_field_key", _add_field(key="Bad Key", type="int"), "fields[13].key", "does not match"),
    # aggregation
    (
        "aggregation_method",
        lambda r: r.update(aggregation={"method": "max"}),
        "aggregation.method",
        "Must be one of",
    ),
    (
        "trim_from_small",
        lambda r: r.update(aggregation={"trim_from": 2}),
        "aggregation.trim_from",
        "greater than or equal to 3",
    ),
]


@pytest.mark.parametrize(("mutate", "path", "fragment"), [pytest.param(*c[1:], id=c[0]) for c in CASES])
def test_each_problem_kind_is_reported_at_its_path(mini_raw, mutate, path, fragment):
    build_criteria(copy.deepcopy(mini_raw))  # the unmodified set is valid
    mutate(mini_raw)
    errors = errors_of(mini_raw)
    assert fragment in messages(errors, path)


def test_consistency_ratio_above_limit_is_refused_with_its_value(mini_raw):
    find_node(mini_raw, "judged")["ahp"]["matrix"] = INCONSISTENT
    errors = errors_of(mini_raw)
    lam, cr = reference_cr(INCONSISTENT, SAATY_RI3)
    assert cr > 0.10
    text = messages(errors, f"{JUDGED}.ahp.matrix")
    assert f"CR = {cr:.3f}" in text
    assert "exceeds 0.10" in text
    assert f"λmax = {lam:.4f}" in text
    assert list(errors) == [f"{JUDGED}.ahp.matrix"]


def test_consistency_ratio_uses_the_chosen_ri_table(mini_raw):
    # CR 0.093 with Saaty's RI (0.58) passes; with Alonso & Lamata's (0.5245) it is 0.103.
    matrix = [[1, 2, 3], ["1/2", 1, 4], ["1/3", "1/4", 1]]
    _, cr_saaty = reference_cr(matrix, SAATY_RI3)
    _, cr_alonso = reference_cr(matrix, ALONSO_RI3)
    assert cr_saaty <= 0.10 < cr_alonso
    find_node(mini_raw, "judged")["ahp"] = {"matrix": matrix}
    accepted = build_criteria(copy.deepcopy(mini_raw)).node_map["judged"].ahp
    assert accepted.cr == pytest.approx(cr_saaty, abs=1e-9)
    find_node(mini_raw, "judged")["ahp"]["ri_table"] = "alonso_lamata2006"
    text = messages(errors_of(mini_raw), f"{JUDGED}.ahp.matrix")
    assert f"CR = {cr_alonso:.3f}" in text


# --------------------------------------------------------------------------- files and YAML


def test_yaml_syntax_error_names_the_line():
    text = 'id: mini\nversion: "1"\ntitle: a: b\n'
    with pytest.raises(CriteriaError) as info:
        parse_yaml(text, "x.yaml")
    (where,) = info.value.errors
    assert where.startswith("line 3, column")
    assert "not valid YAML" in info.value.errors[where][0]
    assert info.value.source == "x.yaml"


def test_yaml_syntax_error_in_a_file_names_the_line(tmp_path):
    lines = MINI.read_text(encoding="utf-8").splitlines()
    target = next(i for i, line in enumerate(lines) if line.startswith("title_en:"))
    lines[target] = "title_en: Test: criteria"
    path = tmp_path / "broken.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(CriteriaError) as info:
        load_criteria_file(path)
    (where,) = info.value.errors
    assert where.startswith(f"line {target + 1}, column"), where
    assert "mapping values are not allowed here" in info.value.errors[where][0]
    assert str(path) in str(info.value)


@pytest.mark.parametrize(
    "text",
    ["- a\n- b\n", "just text\n", "42\n", "", "# only a comment\n"],
    ids=["list", "string", "number", "empty", "comment"],
)
def test_non_mapping_yaml_is_a_criteria_error(tmp_path, text):
    path = tmp_path / "set.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CriteriaError) as info:
        load_criteria_file(path)
    assert "must be a mapping" in messages(info.value.errors, "(file)")


def test_unreadable_files_are_criteria_errors(tmp_path):
    missing = tmp_path / "missing.yaml"
    with pytest.raises(CriteriaError) as info:
        load_criteria_file(missing)
    assert "cannot read" in messages(info.value.errors, "(file)")

    folder = tmp_path / "folder.yaml"
    folder.mkdir()
    with pytest.raises(CriteriaError) as info:
        load_criteria_file(folder)
    assert "cannot read" in messages(info.value.errors, "(file)")

    latin = tmp_path / "latin1.yaml"
    latin.write_bytes("title: caf\xe9\n".encode("latin-1"))
    with pytest.raises(CriteriaError) as info:
        load_criteria_file(latin)
    assert "cannot read" in messages(info.value.errors, "(file)")


@pytest.mark.parametrize(
    ("raw", "path"),
    [
        ({"indicators": 5}, "indicators"),
        ({"indicators": [5]}, "indicators[0]"),
        ({"fields": [5], "grades": "x"}, "fields[0]"),
        ({"vetoes": [{"id": "v", "reason": "r", "reason_en": "r", "when": 5}]}, "vetoes[0].when"),
        ({"bonus": 5}, "bonus"),
        ({"ahp": {"matrix": 5}}, "ahp.matrix"),
        ({"ranking": {"tie_break": [5]}}, "ranking.tie_break[0]"),
    ],
    ids=[
        "indicators_scalar",
        "indicator_scalar",
        "field_scalar",
        "when_scalar",
        "bonus_scalar",
        "matrix_scalar",
        "tie_break_number",
    ],
)
def test_garbage_values_never_raise_another_exception(mini_raw, raw, path):
    mini_raw.update(raw)
    errors = errors_of(mini_raw)
    assert path in errors


# --------------------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    ("mutate", "path"),
    [
        (_set("size", points=float("nan")), f"{SIZE}.points"),
        (_set("size", points=float("inf")), f"{SIZE}.points"),
        (_set("basics", points=float("-inf")), "indicators[0].points"),
        (lambda r: r.update(scale=float("nan")), "scale"),
        (lambda r: r.update(scale=float("inf")), "scale"),
        (_set("online", weight=float("inf")), f"{ONLINE}.weight"),
        (_set("online", weight=float("nan")), f"{ONLINE}.weight"),
        (lambda r: r["bonus"]["items"][0].update(points=float("nan")), "bonus.items[0].points"),
        (lambda r: r["bonus"].update(cap=float("inf")), "bonus.cap"),
    ],
    ids=[
        "leaf_nan",
        "leaf_inf",
        "section_minus_inf",
        "scale_nan",
        "scale_inf",
        "weight_inf",
        "weight_nan",
        "bonus_nan",
        "cap_inf",
    ],
)
def test_nan_and_infinity_are_rejected(mini_raw, mutate, path):
    mutate(mini_raw)
    assert "Special numeric values" in messages(errors_of(mini_raw), path)


def test_nan_and_infinity_from_yaml_text_are_rejected():
    text = MINI.read_text(encoding="utf-8").replace("points: 40", "points: .nan", 1)
    assert ".nan" in text
    with pytest.raises(CriteriaError) as info:
        build_criteria(parse_yaml(text))
    assert "Special numeric values" in messages(info.value.errors, "indicators[0].points")
    text = MINI.read_text(encoding="utf-8").replace("scale: 100", "scale: .inf", 1)
    with pytest.raises(CriteriaError) as info:
        build_criteria(parse_yaml(text))
    assert "Special numeric values" in messages(info.value.errors, "scale")


@pytest.mark.parametrize(
    ("cell", "value"),
    [("1/2", 0.5), (" 1 / 2 ", 0.5), ("0.5", 0.5), ("2/4", 0.5), ("4 /8", 0.5), (0.5, 0.5)],
)
def test_fraction_strings_are_accepted_in_ahp_matrices(mini_raw, cell, value):
    find_node(mini_raw, "judged")["ahp"]["matrix"][1][0] = cell
    info = build_criteria(mini_raw).node_map["judged"].ahp
    assert info.matrix[1][0] == pytest.approx(value, abs=1e-15)
    assert info.weights == pytest.approx((4 / 7, 2 / 7, 1 / 7), abs=1e-12)


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        (c, "Not a number or a fraction such as 1/3.")
        for c in ["1/0", "0/0", "abc", "", "-1/2", "1/3/4", "1//3", "1e3", True, [1], {"a": 1}]
    ]
    + [(None, "Field may not be null.")],
)
def test_bad_matrix_cells_are_rejected(mini_raw, cell, message):
    find_node(mini_raw, "judged")["ahp"]["matrix"][1][0] = cell
    errors = errors_of(mini_raw)
    assert message in messages(errors, f"{JUDGED}.ahp.matrix[1][0]")


@pytest.mark.parametrize("cell", [float("nan"), float("inf")])
def test_non_finite_numbers_in_matrices_are_rejected_at_their_cell(mini_raw, cell):
    find_node(mini_raw, "judged")["ahp"]["matrix"][1][0] = cell
    errors = errors_of(mini_raw)
    assert messages(errors, f"{JUDGED}.ahp.matrix[1][0]") == "Not a number or a fraction such as 1/3."
    assert f"{JUDGED}.ahp.matrix" not in errors  # no second report for the same cell


def test_negative_numbers_in_matrices_are_rejected(mini_raw):
    find_node(mini_raw, "judged")["ahp"]["matrix"][1][0] = -0.5
    text = messages(errors_of(mini_raw), f"{JUDGED}.ahp.matrix")
    assert "value at (1, 0)" in text


# --------------------------------------------------------------------------- content hash


def test_content_hash_ignores_key_order(mini_raw):
    shuffled = reordered(mini_raw)
    assert list(shuffled) != list(mini_raw)
    assert list(shuffled["indicators"][0]) != list(mini_raw["indicators"][0])
    a, b = build_criteria(mini_raw), build_criteria(shuffled)
    assert len(a.sha256) == 64 and int(a.sha256, 16) >= 0
    assert a.sha256 == b.sha256


def test_content_hash_ignores_yaml_layout(tmp_path, mini_raw):
    path = tmp_path / "block.yaml"
    path.write_text(
        yaml.safe_dump(mini_raw, allow_unicode=True, default_flow_style=False, sort_keys=True),
        encoding="utf-8",
    )
    assert load_criteria_file(path).sha256 == load_criteria_file(MINI).sha256


def test_content_hash_changes_with_a_point_value(mini_raw):
    before = build_criteria(copy.deepcopy(mini_raw)).sha256
    find_node(mini_raw, "size")["points"] = 12
    find_node(mini_raw, "staffing")["points"] = 8
    changed = build_criteria(mini_raw)
    assert changed.node_map["size"].points == 12
    assert changed.sha256 != before


def test_content_hash_changes_with_a_weight_or_matrix_value(mini_raw):
    before = build_criteria(copy.deepcopy(mini_raw)).sha256
    find_node(mini_raw, "online")["weight"] = 4
    after_weight = build_criteria(copy.deepcopy(mini_raw)).sha256
    find_node(mini_raw, "judged")["ahp"]["matrix"] = [[1, 1, 1], [1, 1, 1], [1, 1, 1]]
    after_matrix = build_criteria(mini_raw).sha256
    assert len({before, after_weight, after_matrix}) == 3


# --------------------------------------------------------------------------- CLI


def test_cli_validate_valid_file(runner):
    result = runner.invoke(args=["criteria", "validate", str(MINI)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"✓ {MINI}: mini 1 测试指标")
    assert "2 sections, 9 indicators (3 expert)" in result.output
    assert build_criteria(yaml.safe_load(MINI.read_text(encoding="utf-8"))).sha256[:12] in (result.output)


def test_cli_validate_broken_file_lists_every_path(runner, tmp_path, mini_raw):
    find_node(mini_raw, "size")["points"] = 12
    find_node(mini_raw, "staffing")["method"] = "magic"
    find_node(mini_raw, "judged")["ahp"]["matrix"] = INCONSISTENT
    mini_raw["vetoes"][2]["when"]["field"] = "fund"
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(mini_raw, allow_unicode=True), encoding="utf-8")
    result = runner.invoke(args=["criteria", "validate", str(MINI), str(path)])
    assert result.exit_code == 1
    assert f"✓ {MINI}" in result.output
    assert f"✗ {path}: 4 problem(s)" in result.output
    _, cr = reference_cr(INCONSISTENT, SAATY_RI3)
    for expected in (
        "indicators[0].points: children's points add up to 42, not 40",
        "indicators[0].children[1].method: unknown method 'magic'",
        f"indicators[1].children[0].ahp.matrix: consistency ratio CR = {cr:.3f}",
        "vetoes[2].when.field: field 'fund' must be required",
    ):
        assert expected in result.output


def test_cli_validate_syntax_error_and_missing_file(runner, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\ntitle: a: b\n", encoding="utf-8")
    result = runner.invoke(args=["criteria", "validate", str(bad), str(tmp_path / "none.yaml")])
    assert result.exit_code == 1
    assert "line 2, column" in result.output
    assert "none.yaml: 1 problem(s)" in result.output
    assert "cannot read" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_cli_show_prints_the_tree_with_effective_points(runner, bundled):
    (cs,) = [c for c in bundled if c.id == "fc-2026"]
    result = runner.invoke(args=["criteria", "show", "fc-2026"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith(f"{cs.title} ({cs.title_en}) — fc-2026 {cs.version}")
    assert "scale 100" in lines[0]
    for n in cs.walk():
        prefix = "  " * (n.level - 1) + f"{n.id} "
        hits = [line for line in lines if line.startswith(prefix)]
        assert len(hits) == 1, n.id
        assert f"{n.points:.3f}" in hits[0], (n.id, hits[0])
        assert f"{n.points / cs.scale:.2%}" in hits[0]
        assert n.allocation in hits[0]
        if n.is_leaf:
            assert f"{n.method} [{'/'.join(n.check)}]" in hits[0]
    weighted = [n for n in cs.walk() if n.allocation == "weight"]
    assert weighted, "fc-2026 shares some points by relative weight"
    assert "part_volunteer_rate" in {n.id for n in weighted}
    assert cs.node_map["part_volunteer_rate"].points == pytest.approx(3.5)
    assert any(line.startswith("grades: ") for line in lines)


def test_cli_show_prints_the_ahp_line_with_cr(runner, bundled):
    (cs,) = [c for c in bundled if c.id == "ssz-2026"]
    result = runner.invoke(args=["criteria", "show", "ssz-2026"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    ahp_nodes = [n for n in cs.walk() if n.ahp is not None]
    assert ahp_nodes
    for n in ahp_nodes:
        at = next(i for i, line in enumerate(lines) if line.startswith("  " * (n.level - 1) + n.id))
        ahp_line = lines[at + 1]
        assert "AHP weights [" in ahp_line
        assert f"CR={n.ahp.cr:.4f}" in ahp_line
        assert f"λmax={n.ahp.lambda_max:.4f}" in ahp_line
        assert ", ".join(f"{w:.4f}" for w in n.ahp.weights) in ahp_line
        assert f"({n.ahp.ri_table})" in ahp_line
        assert n.ahp.cr <= 0.10


def test_cli_show_unknown_set_names_the_known_ones(runner):
    result = runner.invoke(args=["criteria", "show", "nope"])
    assert result.exit_code != 0
    assert "no criteria set 'nope'" in result.output
    for known in ("cgz-2026", "fc-2026", "ssz-2026"):
        assert known in result.output


def test_cli_show_accepts_a_file_path(runner):
    result = runner.invoke(args=["criteria", "show", str(MINI)])
    assert result.exit_code == 0, result.output
    assert "mini 1" in result.output
    assert "AHP weights [0.5714, 0.2857, 0.1429]" in result.output
    assert "CR=0.0000" in result.output


def test_cli_list_lists_the_three_ids(runner):
    result = runner.invoke(args=["criteria", "list"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert [line.split()[0] for line in lines] == ["cgz-2026", "fc-2026", "ssz-2026"]
    for line, zone in zip(
        lines, ("community_governance_zone", "featured_community", "subdistrict_service_zone"), strict=True
    ):
        assert zone in line


def test_path_inside_a_norm_names_the_norm_not_marshmallows_value_key(mini_raw):
    """An error inside ``norms: {urban: {...}}`` is at ``params.norms.urban.<key>``.

    Not ``params.norms.urban.value.<key>``: marshmallow's ``Dict`` field reports value errors
    under a ``value`` level that is no key of the file.
    """
    norms = find_node(mini_raw, "size")["params"]["norms"]
    norms["urban"]["colour"] = "red"
    norms["urban"]["below"] = -1
    errors = errors_of(mini_raw)
    assert f"{SIZE}.params.norms.urban.colour" in errors, sorted(errors)
    assert f"{SIZE}.params.norms.urban.below" in errors, sorted(errors)


# --------------------------------------------------------------------------- defects found
# The tests below describe behaviour the contract asks for and the code does not yet give.


@pytest.mark.parametrize(
    ("cell", "value"),
    [("1.5/3", 0.5), ("0.5/1", 0.5), (10**400, None)],
    ids=["decimal_fraction", "decimal_numerator", "huge_integer"],
)
def test_matrix_cells_never_escape_as_another_exception(mini_raw, cell, value):
    """A matrix cell either loads or is a CriteriaError at its path; nothing else comes out.

    ``Ratio`` (schema.py) accepts decimals on both sides of the slash by its regex, then calls
    ``Fraction("1.5/3")``, which raises ``ValueError`` (only ``ZeroDivisionError`` is caught);
    ``float(10**400)`` raises ``OverflowError``. Both escape from ``build_criteria``.
    """
    find_node(mini_raw, "judged")["ahp"]["matrix"][1][0] = cell
    try:
        cs = build_criteria(mini_raw)
    except CriteriaError as exc:
        assert value is None, exc.errors
        assert any(path.startswith(f"{JUDGED}.ahp.matrix") for path in exc.errors), exc.errors
    else:
        assert value is not None
        assert cs.node_map["judged"].ahp.matrix[1][0] == pytest.approx(value)


def test_nan_inside_a_condition_list_is_rejected_like_a_single_nan(mini_raw):
    """``value: .nan`` is refused (Scalar); ``value: [.nan]`` must be too (it never matches)."""
    mini_raw["vetoes"][2]["when"] = {"field": "satisfaction", "op": "not_in", "value": [math.nan]}
    errors = errors_of(mini_raw)
    assert any(path.startswith("vetoes[2].when.value") for path in errors), errors


def test_count_of_full_at_above_the_number_of_choices_is_refused(mini_raw):
    """``full_at`` larger than what can be counted makes full marks unreachable.

    It is refused when ``of`` is given ("3 is more than the 2 counted"); without ``of`` every
    choice is counted, and a ``full_at`` above the field's 4 choices must be refused likewise.
    """
    find_node(mini_raw, "services_offered")["params"]["full_at"] = 5
    errors = errors_of(mini_raw)
    assert f"{SERV}.params.full_at" in errors


@pytest.mark.parametrize(
    ("broken", "real_path", "false_claim"),
    [
        (
            lambda r: _matrix([[1, 2, 4], ["1/0", 1, 2], ["1/4", "1/2", 1]])(r) or r,
            f"{JUDGED}.ahp.matrix[1][0]",
            "row 1 has 2 value(s)",
        ),
        (lambda r: _set("size", points=float("nan"))(r) or r, f"{SIZE}.points", "not a mix"),
        (lambda r: ["not", "a", "mapping"], "(file)", "add up to 0"),
    ],
    ids=["bad_matrix_cell", "nan_points", "non_mapping_file"],
)
def test_a_refused_value_causes_no_false_second_error(mini_raw, broken, real_path, false_claim):
    """A value the structure check refuses is reported once, not again as a false problem.

    The tree checks run on marshmallow's partial ``valid_data``, where the refused value is
    simply absent: a 3x3 matrix becomes "row 1 has 2 value(s)", a leaf with NaN points makes its
    siblings "a mix", and a file that is not a mapping has indicators that "add up to 0".
    """
    errors = errors_of(broken(mini_raw))
    assert real_path in errors
    false = [f"{p}: {m}" for p, ms in errors.items() for m in ms if false_claim in m]
    assert not false, false
