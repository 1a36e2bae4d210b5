"""Load a criteria set file, validate all of it, and build the :class:`CriteriaSet`."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from evaluator.criteria.model import (
    Aggregation,
    BonusItem,
    Choice,
    Condition,
    CriteriaSet,
    Field,
    Grade,
    Material,
    Ranking,
    Veto,
)
from evaluator.criteria.schema import CONDITION_OPS, load_structure
from evaluator.criteria.tree import Errors, TreeBuilder, add_error

DEFAULT_TIE_BREAK = ("total", "sections", "submitted_at", "id")


class CriteriaError(ValueError):
    """A criteria set that cannot be used; ``errors`` maps each path to its problems."""

    def __init__(self, errors: Errors, source: str = "criteria set"):
        self.errors = dict(sorted(errors.items()))
        self.source = source
        count = sum(len(v) for v in self.errors.values())
        lines = [f"{path}: {m}" for path, msgs in self.errors.items() for m in msgs]
        super().__init__(f"{source}: {count} problem(s)\n  " + "\n  ".join(lines))


def content_hash(raw: Mapping[str, Any]) -> str:
    """SHA-256 of the set's content in canonical JSON (key order and layout do not matter)."""
    canonical = json.dumps(raw, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class _StrictLoader(yaml.SafeLoader):
    """A safe loader that refuses a key written twice in one mapping."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key '{key}' appears twice in one mapping", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def parse_yaml(text: str, source: str = "criteria set") -> Any:
    """Parse YAML text, turning a syntax error into a :class:`CriteriaError` with its line."""
    try:
        return yaml.load(text, Loader=_StrictLoader)  # _StrictLoader is a SafeLoader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(file)"
        raise CriteriaError({where: [f"not valid YAML: {getattr(exc, 'problem', exc)}"]},
                            source) from None


def load_criteria_file(path: str | Path) -> CriteriaSet:
    """Read, validate and build the criteria set in a YAML file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CriteriaError({"(file)": [f"cannot read {path}: {exc}"]}, str(path)) from None
    return build_criteria(parse_yaml(text, str(path)), str(path))


def build_criteria(raw: Any, source: str = "criteria set") -> CriteriaSet:
    """Validate a raw mapping completely and build the set, or raise :class:`CriteriaError`."""
    data, errors = load_structure(raw)
    if "(file)" in errors:
        raise CriteriaError(errors, source)
    fields = _fields(data.get("fields") or [], errors)
    field_map = {f.key: f for f in fields}
    materials = _materials(data.get("materials") or [], errors)
    builder = TreeBuilder(field_map, {m.key for m in materials}, errors)
    scale = float(data.get("scale") or 100.0)
    sections, root_ahp = builder.build_level(
        [n for n in data.get("indicators") or [] if isinstance(n, Mapping)],
        scale, data.get("ahp"), "indicators", None,
    )
    vetoes = _vetoes(data.get("vetoes") or [], field_map, errors)
    bonus = data.get("bonus") or {}
    items = _bonus_items(bonus.get("items") or [], field_map, errors)
    grades = _grades(data.get("grades") or [], errors)
    section_ids = [s.id for s in sections]
    ranking = _ranking(data.get("ranking") or {}, section_ids, errors)
    aggregation = Aggregation(**(data.get("aggregation") or {}))
    if errors:
        raise CriteriaError(errors, source)
    return CriteriaSet(
        id=data["id"], version=data["version"], title=data["title"], title_en=data["title_en"],
        zone_type=data["zone_type"], scale=scale, description=data.get("description"),
        fields=tuple(fields), materials=tuple(materials), indicators=tuple(sections),
        vetoes=tuple(vetoes), bonus_items=tuple(items), bonus_cap=float(bonus.get("cap", 0.0)),
        grades=tuple(grades), aggregation=aggregation, ranking=ranking,
        sha256=content_hash(raw), source=raw, root_ahp=root_ahp,
    )


def _safe(cls: type, data: Mapping[str, Any]) -> Any:
    """Build a record, or None when the structure check already refused a part of it."""
    try:
        return cls(**data)
    except TypeError:
        return None


def _duplicate(errors: Errors, seen: dict[str, str], key: str, path: str, what: str) -> None:
    if key in seen:
        add_error(errors, path, f"duplicate {what} '{key}' (also at {seen[key]})")
    else:
        seen[key] = path


def _fields(items: list[Mapping[str, Any]], errors: Errors) -> list[Field]:
    out, seen = [], {}
    for i, f in enumerate(items):
        path = f"fields[{i}]"
        if "key" not in f or "type" not in f:
            continue
        _duplicate(errors, seen, f["key"], f"{path}.key", "field key")
        choices = tuple(c for c in (_safe(Choice, c) for c in f.get("choices") or []) if c)
        if f["type"] in ("enum", "multi"):
            if not choices:
                add_error(errors, f"{path}.choices", f"a {f['type']} field needs choices")
            values = [c.value for c in choices]
            if len(set(values)) != len(values):
                add_error(errors, f"{path}.choices", "choice values repeat")
        elif f.get("choices"):
            add_error(errors, f"{path}.choices", "only enum and multi fields have choices")
        if f["type"] not in ("int", "float"):
            for bound in ("min", "max"):
                if f.get(bound) is not None:
                    add_error(errors, f"{path}.{bound}", "only int and float fields have bounds")
        elif f.get("min") is not None and f.get("max") is not None and f["min"] > f["max"]:
            add_error(errors, f"{path}.min", f"min {f['min']:g} is above max {f['max']:g}")
        out.append(_safe(Field, {**f, "choices": choices}))
    return [f for f in out if f is not None]


def _materials(items: list[Mapping[str, Any]], errors: Errors) -> list[Material]:
    out, seen = [], {}
    for i, m in enumerate(items):
        if "key" in m:
            _duplicate(errors, seen, m["key"], f"materials[{i}].key", "material key")
            out.append(_safe(Material, m))
    return [m for m in out if m is not None]


def check_condition(
    cond: Mapping[str, Any], fields: Mapping[str, Field], path: str, errors: Errors
) -> Condition | None:
    """Check a condition against the declared fields; None if it cannot be used."""
    key, op, value = cond.get("field"), cond.get("op"), cond.get("value")
    if key is None or op not in CONDITION_OPS or "value" not in cond:
        return None  # the structure check has already reported what is wrong
    f = fields.get(key)
    if f is None:
        add_error(errors, f"{path}.field", f"field '{key}' is not declared in fields")
        return None
    values = value if isinstance(value, list) else [value]
    if (op in ("in", "not_in")) != isinstance(value, list):
        add_error(errors, f"{path}.value", f"'{op}' takes " + ("a list" if op in ("in", "not_in")
                                                               else "a single value"))
        return None
    problem = None
    if f.type == "multi":
        problem = "conditions cannot test a multi-choice field"
    elif f.type in ("int", "float"):
        if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
            problem = f"field '{key}' is a number: compare it with numbers"
    elif f.type == "bool":
        if op not in ("eq", "ne") or not all(isinstance(v, bool) for v in values):
            problem = f"field '{key}' is a boolean: use eq/ne with true or false"
    elif op in ("lt", "le", "gt", "ge"):
        problem = f"field '{key}' is {f.type}: use eq, ne, in or not_in"
    elif not all(isinstance(v, str) for v in values):
        problem = f"field '{key}' is {f.type}: compare it with text"
    elif f.type == "enum" and any(v not in f.choice_values for v in values):
        wrong = [str(v) for v in values if v not in f.choice_values]
        problem = f"not a choice of '{key}': {', '.join(wrong)} (choices: {', '.join(f.choice_values)})"
    if problem:
        add_error(errors, f"{path}.op" if "boolean" in problem else f"{path}.value", problem)
        return None
    return Condition(key, op, tuple(value) if isinstance(value, list) else value)


def _vetoes(items: list[Mapping[str, Any]], fields: Mapping[str, Field], errors: Errors) -> list[Veto]:
    out, seen = [], {}
    for i, v in enumerate(items):
        path = f"vetoes[{i}]"
        if "id" not in v:
            continue
        _duplicate(errors, seen, v["id"], f"{path}.id", "veto id")
        when = None
        if (v.get("flag") is None) == (v.get("when") is None):
            add_error(errors, path, "a veto needs either 'flag' or 'when' (exactly one)")
        elif v.get("when") is not None:
            when = check_condition(v["when"], fields, f"{path}.when", errors)
            f = fields.get(v["when"].get("field"))
            if f is not None and not f.required:
                add_error(errors, f"{path}.when.field",
                          f"field '{f.key}' must be required: a missing figure must not pass a veto")
        out.append(_safe(Veto, {**v, "when": when}))
    return [v for v in out if v is not None]


def _bonus_items(
    items: list[Mapping[str, Any]], fields: Mapping[str, Field], errors: Errors
) -> list[BonusItem]:
    out, seen = [], {}
    for i, b in enumerate(items):
        path = f"bonus.items[{i}]"
        if "id" not in b:
            continue
        _duplicate(errors, seen, b["id"], f"{path}.id", "bonus id")
        when = None
        if b.get("when") is not None:
            when = check_condition(b["when"], fields, f"{path}.when", errors)
        out.append(_safe(BonusItem, {**b, "when": when}))
    return [b for b in out if b is not None]


def _grades(items: list[Mapping[str, Any]], errors: Errors) -> list[Grade]:
    out, seen = [], {}
    previous = float("inf")
    for i, g in enumerate(items):
        path = f"grades[{i}]"
        if "code" not in g:
            continue
        _duplicate(errors, seen, g["code"], f"{path}.code", "grade code")
        grade = _safe(Grade, g)
        if grade is None:
            continue
        last = i == len(items) - 1
        if last and (grade.min_total is not None or grade.min_section_share is not None):
            add_error(errors, path, "the last grade has no conditions: it catches everything else")
        if not last and grade.min_total is None and grade.min_section_share is None:
            add_error(errors, path, "only the last grade may have no conditions")
        if grade.min_total is not None:
            if grade.min_total > previous:
                add_error(errors, f"{path}.min_total",
                          f"{grade.min_total:g} is above the previous band's {previous:g}")
            previous = grade.min_total
        out.append(grade)
    return out


def _ranking(data: Mapping[str, Any], section_ids: list[str], errors: Errors) -> Ranking:
    method = data.get("method", "weighted_sum")
    topsis = data.get("topsis") or {}
    chain = data.get("tie_break")
    if chain is None:
        chain = DEFAULT_TIE_BREAK if method != "topsis" else ("closeness", *DEFAULT_TIE_BREAK)
    plain = {"total", "sections", "base", "bonus", "submitted_at", "id", "closeness"}
    for i, key in enumerate(chain):
        where = f"ranking.tie_break[{i}]"
        if key == "closeness" and method != "topsis":
            add_error(errors, where, "'closeness' needs ranking method topsis")
        elif key.startswith("section:"):
            if key[8:] not in section_ids:
                add_error(errors, where, f"no level-1 section '{key[8:]}'")
        elif key not in plain:
            add_error(errors, where, f"unknown key '{key}'; use one of {', '.join(sorted(plain))} "
                      "or section:<id>")
    return Ranking(
        method=method,
        topsis_weights=topsis.get("weights", "criteria"),
        topsis_normalization=topsis.get("normalization", "vector"),
        tie_break=tuple(chain),
    )
