"""Criteria files are parsed with limits: size, depth, node count, no anchors or aliases."""

from __future__ import annotations

from pathlib import Path

import pytest

from evaluator.criteria import CriteriaError, list_criteria
from evaluator.criteria import loader as criteria_loader
from evaluator.criteria.catalog import BUNDLED_DIR, criteria_files
from evaluator.criteria.loader import (
    MAX_YAML_BYTES,
    MAX_YAML_DEPTH,
    MAX_YAML_NODES,
    load_criteria_file,
    parse_yaml,
)

MINI = Path(__file__).parent / "data" / "mini.yaml"


def billion_laughs() -> str:
    """Nine levels of nine aliases each: 9**9 (387 million) strings once expanded."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def problems(text: str) -> str:
    with pytest.raises(CriteriaError) as info:
        parse_yaml(text, "draft")
    return " ".join(m for messages in info.value.errors.values() for m in messages)


@pytest.fixture(params=["libyaml events", "pure-Python loader"])
def either_path(request, monkeypatch):
    """Run a test through the fast event check and again through the loader's own checks alone."""
    if request.param == "pure-Python loader":
        monkeypatch.setattr(criteria_loader, "_fast_limit_check", lambda text: None)
    return request.param


def test_the_billion_laughs_file_is_refused_before_it_expands(either_path):
    bomb = billion_laughs()
    assert len(bomb.encode()) < 700
    assert "anchors (&name) are not allowed: &a at line 1" in problems(bomb)


def test_aliases_are_refused_by_name_and_line(either_path):
    assert "aliases (*name) are not allowed: *x at line 2" in problems("id: x\ntitle: *x\n")


def test_nesting_deeper_than_the_limit_is_refused_with_its_line(either_path):
    text = "a:\n" + "".join("  " * i + "- \n" for i in range(MAX_YAML_DEPTH + 5))
    assert f"deeper than {MAX_YAML_DEPTH} levels at line {MAX_YAML_DEPTH + 1}" in problems(text)
    flow = "a: " + "[" * 50_000 + "]" * 50_000
    assert "deep" in problems(flow)


def test_too_many_nodes_and_too_many_bytes_are_refused(either_path):
    many = "[" + ",".join(["1"] * (MAX_YAML_NODES + 10)) + "]"
    assert len(many.encode()) < MAX_YAML_BYTES
    assert f"more than {MAX_YAML_NODES} nodes" in problems(many)
    big = "description: '" + "年" * (MAX_YAML_BYTES // 3) + "'\n"  # few characters, many bytes
    assert len(big) < MAX_YAML_BYTES < len(big.encode())
    assert "larger than 256 KiB" in problems(big)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("x: " + "9" * 5000, "cannot be read"),
        ("? [a, b]\n: 1\n", "a mapping key must be a single value"),
        ("a: '\ud800'", "not valid YAML"),
        ("a: 1\na: 2\n", "appears twice"),
    ],
)
def test_values_python_cannot_build_are_criteria_errors_not_crashes(text, words):
    assert words in problems(text)


def test_a_criteria_file_too_large_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "huge.yaml"
    path.write_bytes(b"# " + b"x" * MAX_YAML_BYTES + b"\n")
    with pytest.raises(CriteriaError) as info:
        load_criteria_file(path)
    assert "larger than 256 KiB" in str(info.value)


def test_the_bundled_sets_use_no_anchors_and_stay_within_the_limits():
    files = criteria_files(BUNDLED_DIR)
    assert len(files) == 3
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert "&" not in "".join(line.split("#")[0] for line in text.splitlines() if ": &" in line)
        assert criteria_loader._fast_limit_check(text) is None
    assert len(list_criteria(BUNDLED_DIR)) == 3


def test_the_validate_endpoint_refuses_the_bomb_as_an_invalid_draft(client, make_user):
    _, admin = make_user("admin")
    res = client.post(
        "/api/v1/criteria/validate",
        headers={**admin, "Accept-Language": "en"},
        json={"yaml": billion_laughs()},
    )
    assert res.status_code == 200, res.json
    assert res.json["valid"] is False
    assert "anchors (&name) are not allowed" in res.json["errors"]["(file)"][0]
    good = client.post(
        "/api/v1/criteria/validate", headers=admin, json={"yaml": MINI.read_text(encoding="utf-8")}
    )
    assert good.json["valid"] is True and good.json["id"] == "mini"


def test_the_validate_endpoint_caps_the_text_length(client, make_user):
    _, admin = make_user("admin")
    res = client.post("/api/v1/criteria/validate", headers=admin, json={"yaml": "#" * (MAX_YAML_BYTES + 1)})
    assert res.status_code == 422 and "yaml" in res.json["errors"]["json"]


def test_a_criteria_set_is_shown_by_id_never_by_path(client, make_user, tmp_path, monkeypatch):
    _, user = make_user("applicant")
    (tmp_path / "mine.yaml").write_text(MINI.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert client.get("/api/v1/criteria/mine.yaml", headers=user).status_code == 404
    res = client.get("/api/v1/criteria/fc-2026", headers=user)
    assert res.status_code == 200
    assert {"id", "sha256", "fields", "tree", "source"} <= set(res.json)
    assert res.json["fields"] and res.json["tree"][0]["level"] == 1


def test_the_openapi_document_describes_the_criteria_responses(client):
    doc = client.get("/api/v1/openapi.json").json
    schemas = doc["components"]["schemas"]
    for path, method in (
        ("/api/v1/criteria", "get"),
        ("/api/v1/criteria/{set_id}", "get"),
        ("/api/v1/criteria/validate", "post"),
    ):
        content = doc["paths"][path][method]["responses"]["200"]["content"]["application/json"]
        assert "schema" in content, path
    assert "valid" in schemas["ValidationResult"]["properties"]
    assert "tree" in schemas["CriteriaDetail"]["properties"]
    validate = schemas["Validate"]["properties"]["yaml"]
    assert validate["maxLength"] == MAX_YAML_BYTES


def test_control_characters_anywhere_in_a_set_are_refused_at_their_path(mini_raw):
    from tests.conftest import find_node

    mini_raw["title"] = "\x1b[31m测试标准"
    mini_raw["fields"][0]["label"] = "社区\x07类型"
    find_node(mini_raw, mini_raw["indicators"][0]["id"])["name"] = "指标\x00"
    mini_raw["description"] = "第一行\n第二行\t说明"  # free text may run over lines
    with pytest.raises(CriteriaError) as caught:
        criteria_loader.build_criteria(mini_raw, "test")
    errors = caught.value.errors
    assert "U+001B" in " ".join(errors["title"])
    assert "U+0007" in " ".join(errors["fields[0].label"])
    assert "U+0000" in " ".join(errors["indicators[0].name"])
    assert "description" not in errors


def test_a_round_from_an_uploaded_set_with_a_control_character_is_refused(client, admin):
    import yaml

    raw = yaml.safe_load(MINI.read_text(encoding="utf-8"))
    raw["id"], raw["fields"][0]["label"] = "mini-ctrl", "社区\x07类型"
    res = client.post(
        "/api/v1/rounds",
        headers=admin,
        json={"title": "控制字符测试", "criteria_yaml": yaml.safe_dump(raw, allow_unicode=True)},
    )
    assert res.status_code == 422, res.json
    assert "U+0007" in str(res.json)
