"""One rule for figures: the JSON path (the API) and the table path (the import) accept and refuse the
same values, and store the same value when they accept.

A value is given to the JSON path as JSON carries it and to the table path as a spreadsheet cell
spells it (a cell is text: ``1e3`` and `` 12 `` spell numbers, 是/否/true/1 spell yes/no, a choice's
label spells the choice). Every field of the bundled criteria sets and of tests/data/mini.yaml is
tried, one field varied at a time against an otherwise valid row.
"""

from __future__ import annotations

import copy
import math
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evaluator.applications import intake
from evaluator.applications.importer import Plan, table_figures
from evaluator.criteria import build_criteria, load_criteria
from evaluator.criteria.model import CriteriaSet, Field
from evaluator.spreadsheets import cell_text
from tests.conftest import MINI

ROOT = Path(__file__).resolve().parent.parent
TRUE_SPELLINGS = ("true", "TRUE", "True", "1", "是", "yes", " 是 ", "√", "1.0")
FALSE_SPELLINGS = ("false", "FALSE", "0", "否", "no", " 否 ", "×", "0.0")


def probes() -> dict[str, dict[str, Any]]:
    """One field definition per distinct kind of field (type, bounds, required, choices) in the
    bundled criteria sets and the test set, by a readable name."""
    sets = [load_criteria(ref, ROOT / "criteria") for ref in ("cgz-2026", "ssz-2026", "fc-2026")]
    found: dict[tuple, tuple[str, dict[str, Any]]] = {}
    for source in [MINI, *(cs.source for cs in sets)]:
        for spec in source["fields"]:
            signature = (
                spec["type"],
                spec.get("min"),
                spec.get("max"),
                bool(spec.get("required")),
                repr(spec.get("choices")),
            )
            # alone in its probe set: no relation to the set's other fields (``at_least``)
            alone = {k: v for k, v in spec.items() if k != "at_least"}
            found.setdefault(signature, (f"{source['id']}.{spec['key']}", alone))
    return dict(found.values())


PROBES = probes()


@cache
def probe_set(name: str) -> CriteriaSet:
    """A criteria set whose one field, ``probe``, is defined like the named field (one field keeps
    each example fast; the checks are per field)."""
    raw = {
        key: copy.deepcopy(MINI[key])
        for key in (
            "id",
            "version",
            "title",
            "title_en",
            "zone_type",
            "scale",
            "materials",
            "grades",
            "aggregation",
        )
    }
    raw["fields"] = [{**PROBES[name], "key": "probe"}]
    raw["indicators"] = [
        {
            "id": "judged",
            "name": "评价",
            "name_en": "Judged",
            "points": 100,
            "method": "expert",
            "check": ["materials"],
        }
    ]
    return build_criteria(raw, name)


def base_value(f: Field) -> Any:
    """A valid JSON value for a field."""
    if f.type in ("int", "float"):
        x = f.min if f.min is not None else 0
        return int(x) if f.type == "int" else float(x)
    return {
        "bool": False,
        "enum": f.choice_values[0] if f.choices else None,
        "multi": [f.choice_values[0]] if f.choices else [],
        "text": "说明",
    }[f.type]


def json_path(cs: CriteriaSet, value: Any) -> tuple[bool, Any]:
    """(accepted, stored value or None) of the probe through the API's check of a whole form."""
    figures = {f.key: base_value(f) for f in cs.fields} | {"probe": value}
    clean, errors = intake.figures_errors(cs, figures, partial=False)
    assert set(errors) <= {"probe"}, errors
    return not errors, clean.get("probe")


def table_path(cs: CriteriaSet, cell: str) -> tuple[bool, Any]:
    """(accepted, stored value or None) of the probe through the import, in an otherwise valid row."""
    row = {f.key: cell_of(base_value(f)) for f in cs.fields} | {"probe": cell}
    plan = Plan()
    out = table_figures(cs, pd.DataFrame([row], dtype=str), [2], {}, plan)
    assert {p["column"] for p in plan.problems} <= {"probe"}, plan.problems
    return not plan.problems, (out[0]["figures"].get("probe") if out else None)


def cell_of(value: Any) -> str:
    """How a spreadsheet cell holds a JSON value, as the one spreadsheet reader gives it back."""
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    if isinstance(value, float | int) and not isinstance(value, bool):
        return cell_text(float(value)) if isinstance(value, float) else str(value)
    return cell_text(value)


def numbers(f: Field) -> st.SearchStrategy[tuple[Any, str]]:
    """(JSON value, cell) pairs for numeric fields: in and out of bounds, whole or not, huge, NaN/inf."""
    edges = [x for x in (f.min, f.max) if x is not None]
    near = (
        st.sampled_from(edges).flatmap(
            lambda e: st.sampled_from([e, e - 1, e + 1, e - 0.5, e + 0.5, e - 1e-9])
        )
        if edges
        else st.nothing()
    )
    floats = st.one_of(
        st.floats(allow_nan=True, allow_infinity=True),
        st.floats(-1e13, 1e13),
        near,
        st.sampled_from([0.0, 2.0, 1e12, 1e12 + 1, -1e12, 1e15, 1e300, 12.5, -0.0]),
    )
    ints = st.one_of(
        st.integers(-(10**13), 10**13),
        st.integers(min_value=-(10**40), max_value=10**40),
        st.sampled_from([0, 1, 10**12, 10**12 + 1]),
    )
    plain = st.one_of(floats.map(lambda x: (x, cell_of(x))), ints.map(lambda x: (x, str(x))))
    spelled = st.one_of(
        ints.filter(lambda x: abs(x) < 10**15).map(lambda x: (x, f" {x} ")),
        st.integers(-1000, 1000).map(lambda x: (x * 1000, f"{x}e3")),
        st.floats(-1e6, 1e6).map(lambda x: (x, repr(x))),
    )
    nan = st.sampled_from([(math.nan, "nan"), (math.nan, "NaN"), (math.inf, "inf"), (-math.inf, "-inf")])
    return st.one_of(plain, spelled, nan)


def values(f: Field) -> st.SearchStrategy[tuple[Any, str]]:
    """(JSON value, the cell that spells it) for one field."""
    junk = st.sampled_from([("abc", "abc"), (None, ""), ("未知", "未知")])
    if f.type in ("int", "float"):
        return st.one_of(numbers(f), junk, st.sampled_from([(True, "true"), ("1e3x", "1e3x")]))
    if f.type == "bool":
        return st.one_of(
            st.sampled_from(TRUE_SPELLINGS).map(lambda s: (True, s)),
            st.sampled_from(FALSE_SPELLINGS).map(lambda s: (False, s)),
            junk,
            st.sampled_from([("maybe", "maybe"), ("2", "2")]),
        )
    choice_spellings = [
        (c.value, s) for c in f.choices for s in (c.value, c.label, c.label_en.lower(), f" {c.value} ")
    ]
    if f.type == "enum":
        return st.one_of(
            st.sampled_from(choice_spellings), junk, st.sampled_from([("xyz", "xyz"), ("other", "other")])
        )
    if f.type == "multi":
        items = st.lists(st.sampled_from([*choice_spellings, ("xyz", "xyz")]), max_size=6)
        return st.one_of(
            items.map(lambda pairs: ([v for v, _ in pairs], ";".join(s for _, s in pairs))),
            st.sampled_from([(None, ""), ([], "")]),
        )
    return st.one_of(
        st.text(max_size=30).map(lambda s: (s, s)),
        junk,
        st.sampled_from([("", ""), ("   ", "   ")]),
        st.sampled_from(
            [
                ("1e3", "1e3"),
                (" 12 ", " 12 "),
                ("x" * 2001, "x" * 2001),
                ("a\x00b", "a\x00b"),
                ("一\n二", "一\n二"),
            ]
        ),
    )


def same(a: Any, b: Any) -> bool:
    """Stored values equal, a float and an equal int alike in value but not in type."""
    if type(a) is not type(b):
        return False
    return a == b


@pytest.mark.parametrize("name", PROBES)
@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_json_and_table_agree(name, data):
    cs = probe_set(name)
    value, cell = data.draw(values(cs.field_map["probe"]), label="value, cell")
    by_json, by_table = json_path(cs, value), table_path(cs, cell)
    assert by_json[0] == by_table[0], (value, cell, by_json, by_table)
    if by_json[0]:
        assert same(by_json[1], by_table[1]), (value, cell, by_json, by_table)


@pytest.mark.parametrize(
    "name, value, cell, stored",
    [
        ("mini.services", ["health", "employment", "health"], "卫生;就业;health", ["employment", "health"]),
        ("mini.services", [], "", None),
        ("mini.theme", "   ", "   ", None),
        ("mini.theme", "", "", None),
    ],
)
def test_blanks_and_choices_are_stored_alike(name, value, cell, stored):
    cs = probe_set(name)
    assert json_path(cs, value) == table_path(cs, cell) == (True, stored)


@pytest.mark.parametrize("name", ["mini.category", "mini.households", "mini.incident"])
@pytest.mark.parametrize("value, cell", [(None, ""), ("", "")])
def test_a_blank_required_figure_is_missing_on_both_paths(name, value, cell):
    cs = probe_set(name)
    if value == "" and cs.field_map["probe"].type != "enum":
        value = None  # JSON has no empty number or yes/no
    assert json_path(cs, value)[0] is table_path(cs, cell)[0] is False
