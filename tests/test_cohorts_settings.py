"""Cohort settings as data (docs/cohorts.md, "Settings"): the bundled defaults, validation against the
criteria set with every problem named by its path, and the limits on a settings text or mapping."""

from __future__ import annotations

import contextlib
import copy
import json
from dataclasses import replace
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evaluator.cohorts import CohortError, build_settings, default_settings, load_settings_text
from evaluator.cohorts.defaults import default_source
from evaluator.criteria import list_criteria

DEFAULT_FEATURES = {
    "featured_community": ["category", "households", "residents", "density", "aged_share", "floating_share"],
    "subdistrict_service_zone": [
        "residents",
        "communities",
        "density",
        "floating_share",
        "aged_share",
        "children_share",
    ],
    "community_governance_zone": ["urbanisation", "residents", "communities", "density", "aged_share"],
}


def errors_of(raw: Any, criteria) -> dict[str, list[str]]:
    """The problems by path of a settings mapping that must not load."""
    with pytest.raises(CohortError) as info:
        build_settings(raw, criteria)
    assert info.value.errors
    return info.value.errors


def at(errors: dict[str, list[str]], path: str) -> str:
    """The messages at a path, joined (asserts the path is reported)."""
    assert path in errors, f"{path} not reported; got {errors}"
    return " | ".join(errors[path])


@pytest.fixture
def source(fc_criteria) -> dict[str, Any]:
    """The featured-community defaults as a plain mapping, to be broken by a test."""
    return copy.deepcopy(dict(default_settings(fc_criteria).source))


@pytest.mark.parametrize("criteria", list_criteria(), ids=lambda c: c.zone_type)
def test_the_bundled_defaults_fit_the_bundled_criteria_sets(criteria):
    settings = default_settings(criteria)
    assert [f.key for f in settings.features] == DEFAULT_FEATURES[criteria.zone_type]
    assert settings.omitted == ()
    assert settings.peers == 20 and settings.method == "kmeans" and not settings.k_fixed
    assert all(f.field.numeric or f.kind == "category" for f in settings.features)
    assert settings.criteria_id == criteria.id


def test_the_community_defaults_read_the_issue_s_features(fc_criteria):
    settings = default_settings(fc_criteria)
    category = settings.feature("category")
    assert category.kind == "category" and category.onehot and category.order[0] == "traditional_urban"
    assert settings.feature("residents").log and settings.feature("households").log
    density = settings.feature("density")
    assert density.kind == "ratio" and density.denominator.key == "area_km2" and density.log
    aged = settings.feature("aged_share")
    assert (aged.field.key, aged.denominator.key, aged.multiplier) == (
        "aged_60_plus",
        "residents_resident",
        100,
    )
    assert settings.order_by[:2] == ("residents", "households")


def test_a_default_feature_whose_figures_the_set_lacks_is_left_out_by_name(fc_criteria):
    leaner = replace(fc_criteria, fields=tuple(f for f in fc_criteria.fields if f.key != "area_km2"))
    settings = default_settings(leaner)
    assert settings.omitted == ("density",)
    assert "density" not in [f.key for f in settings.features]


def test_settings_round_trip_through_their_normalised_source(fc_criteria, source):
    settings = build_settings(source, fc_criteria)
    again = build_settings(json.loads(json.dumps(settings.source)), fc_criteria)
    assert again.sha256 == settings.sha256 and again.features == settings.features
    from_yaml = load_settings_text(yaml.safe_dump(source, allow_unicode=True), fc_criteria)
    from_json = load_settings_text(json.dumps(source, ensure_ascii=False), fc_criteria)
    assert from_yaml.sha256 == from_json.sha256 == settings.sha256


def test_any_numeric_figure_of_the_set_may_be_added(fc_criteria, source):
    source["features"].append({"key": "workers", "field": "community_workers", "weight": 0.5})
    settings = build_settings(source, fc_criteria)
    workers = settings.feature("workers")
    assert workers.label == "社区工作者" and workers.unit == "人" and workers.weight == 0.5
    assert settings.order_by[-1] == "workers"


@pytest.mark.parametrize(
    "feature, path, words",
    [
        ({"key": "x", "field": "nonexistent"}, "features[6].field", "not a figure of the criteria set"),
        ({"key": "x", "field": "smart_platform"}, "features[6].field", "is a bool figure, not a number"),
        ({"key": "x", "field": "basic_services"}, "features[6].field", "is a multi figure"),
        ({"key": "x", "field": "category"}, "features[6].field", "is a enum figure"),
        (
            {"key": "x", "kind": "ratio", "field": "party_members"},
            "features[6].denominator",
            "needs a denominator",
        ),
        (
            {"key": "x", "kind": "ratio", "field": "party_members", "denominator": "residents_resident"},
            "features[6].label",
            "needs its own label",
        ),
        (
            {"key": "x", "kind": "category", "field": "households_resident"},
            "features[6].field",
            "takes an enum",
        ),
        (
            {"key": "x", "field": "households_resident", "denominator": "area_km2"},
            "features[6].denominator",
            "no",
        ),
        ({"key": "x", "field": "households_resident", "encoding": "onehot"}, "features[6].encoding", "no"),
        (
            {
                "key": "x",
                "kind": "category",
                "field": "category",
                "encoding": "ordinal",
                "order": ["relocation"],
            },
            "features[6].order",
            "every choice",
        ),
        (
            {"key": "x", "kind": "category", "field": "category", "order": ["relocation"]},
            "features[6].order",
            "only an ordinal category",
        ),
        ({"key": "x", "field": "households_resident", "weight": 0}, "features[6].weight", "greater than 0"),
        ({"key": "x", "field": "households_resident", "bogus": 1}, "features[6].bogus", "Unknown field"),
        ({"key": "Bad key", "field": "households_resident"}, "features[6].key", ""),
        ({"key": "category", "field": "households_resident"}, "features[6].key", "appears twice"),
        (
            {
                "key": "x",
                "field": "households_resident",
                "profile": {"zh": "户数", "en": "{value} households"},
            },
            "features[6].profile.zh",
            "{value} exactly once",
        ),
        (
            {"key": "x", "field": "households_resident", "profile": {"zh": "{value} {x}", "en": "{value}"}},
            "features[6].profile.zh",
            "no other braces",
        ),
    ],
)
def test_a_bad_feature_is_refused_with_its_path(fc_criteria, source, feature, path, words):
    source["features"].append(feature)
    assert words in at(errors_of(source, fc_criteria), path)


def test_log_needs_a_figure_that_cannot_be_negative():
    # The subdistrict set's core-indicator baseline has no minimum: it may be negative.
    criteria = next(c for c in list_criteria() if c.zone_type == "subdistrict_service_zone")
    raw = copy.deepcopy(dict(default_settings(criteria).source))
    raw["features"].append({"key": "x", "field": "core_indicator_baseline", "log": True})
    assert "cannot be negative" in at(errors_of(raw, criteria), "features[6].field")


@pytest.mark.parametrize(
    "key, value, path, words",
    [
        ("k", {"min": 6, "max": 3}, "k.min", "above max"),
        ("k", 1, "k", "between 2 and 30"),
        ("k", {"min": 2, "max": 31}, "k.max", "less than or equal to 30"),
        ("k", "four", "k", "whole number"),
        ("method", "dbscan", "method", "Must be one of"),
        ("scaling", "minmax", "scaling", "Must be one of"),
        ("missing", "drop", "missing", "Must be one of"),
        ("seed", 1.5, "seed", "Not a valid integer"),
        ("seed", -1, "seed", "greater than or equal to 0"),
        ("min_cohort_size", 0, "min_cohort_size", "greater than or equal to 1"),
        ("peers", 101, "peers", "less than or equal to 100"),
        ("silhouette_sample", 100, "silhouette_sample", "greater than or equal to 500"),
        ("bootstrap", {"resamples": 1}, "bootstrap.resamples", "greater than or equal to 2"),
        ("bootstrap", {"threshold": 1.5}, "bootstrap.threshold", "less than or equal to 1"),
        ("order_by", ["category"], "order_by[0]", "one-hot category cannot order"),
        ("order_by", ["nothing"], "order_by[0]", "no feature 'nothing'"),
        ("order_by", ["residents", "residents"], "order_by[1]", "listed twice"),
        ("features", [], "features", "Length must be between 1 and 24"),
        ("unknown", 1, "unknown", "Unknown field"),
    ],
)
def test_a_bad_setting_is_refused_with_its_path(fc_criteria, source, key, value, path, words):
    source[key] = value
    assert words in at(errors_of(source, fc_criteria), path)


def test_every_problem_is_reported_at_once(fc_criteria, source):
    source["method"] = "dbscan"
    source["features"][1]["field"] = "smart_platform"
    source["features"][3]["denominator"] = "nowhere"
    source["bootstrap"] = {"threshold": 0}
    errors = errors_of(source, fc_criteria)
    assert {"method", "features[1].field", "features[3].denominator", "bootstrap.threshold"} <= set(errors)
    assert "'smart_platform' is a bool figure" in at(errors, "features[1].field")


def test_a_settings_text_is_refused_past_its_limits(fc_criteria, source):
    big = "# " + "x" * (64 * 1024) + "\n" + yaml.safe_dump(source)
    with pytest.raises(CohortError) as info:
        load_settings_text(big, fc_criteria)
    assert "larger than 64 KiB" in at(info.value.errors, "(file)")
    with pytest.raises(CohortError) as info:
        load_settings_text("a: &x 1\nb: *x\n", fc_criteria)
    assert "anchors (&name) are not allowed" in at(info.value.errors, "(file)")
    with pytest.raises(CohortError) as info:
        load_settings_text("a: 1\na: 2\n", fc_criteria)
    assert "appears twice" in " ".join(m for ms in info.value.errors.values() for m in ms)
    with pytest.raises(CohortError) as info:
        load_settings_text("features: [", fc_criteria)
    assert "not valid YAML" in " ".join(m for ms in info.value.errors.values() for m in ms)


def test_a_mapping_is_refused_past_its_depth_and_size(fc_criteria, source):
    deep: Any = 1
    for _ in range(9):
        deep = [deep]
    source["features"][0]["order"] = deep
    assert "deeper than 8 levels" in at(errors_of(source, fc_criteria), "(file)")
    wide = copy.deepcopy(dict(default_settings(fc_criteria).source))
    wide["order_by"] = ["residents"] * 2001
    assert "more than 2000 values" in at(errors_of(wide, fc_criteria), "(file)")
    many = copy.deepcopy(dict(default_settings(fc_criteria).source))
    many["features"] += [{"key": f"f{i}", "field": "party_members"} for i in range(19)]
    assert "Length must be between 1 and 24" in at(errors_of(many, fc_criteria), "features")
    assert "must be a mapping" in at(errors_of(["features"], fc_criteria), "(file)")


def test_a_default_file_is_validated_when_it_loads():
    raw = default_source("featured_community")
    assert raw["features"][0]["key"] == "category"
    with pytest.raises(CohortError) as info:
        default_source("no_such_zone")
    assert "no default cohort settings" in at(info.value.errors, "(file)")


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 40) | st.floats(allow_nan=True) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    path=st.lists(
        st.sampled_from(["features", 0, 1, 3, "k", "bootstrap", "field", "kind", "profile", "order"]),
        min_size=1,
        max_size=3,
    ),
    value=JSON,
)
def test_a_broken_mapping_gives_a_cohort_error_or_valid_settings(fc_criteria, source, path, value):
    raw = copy.deepcopy(source)
    node: Any = raw
    for step in path[:-1]:
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            break
    with contextlib.suppress(IndexError, TypeError):  # a step that led to a value: nothing to set
        node[path[-1]] = value
    try:
        built = build_settings(raw, fc_criteria)
    except CohortError as exc:
        assert exc.errors and all(isinstance(m, str) for ms in exc.errors.values() for m in ms)
    else:
        assert built.features and built.k_min <= built.k_max
