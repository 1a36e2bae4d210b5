"""Load a criteria set file, validate all of it, and build the :class:`CriteriaSet`."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Hashable, Mapping
from functools import lru_cache
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
from evaluator.messages import N_, Message, msg
from evaluator.validation import text_problem

DEFAULT_TIE_BREAK = ("total", "sections", "submitted_at", "id")
# Parsing limits of a criteria file; the bundled sets are about 33 KB, 10 levels deep, 2,300 nodes.
MAX_YAML_BYTES = 256 * 1024
MAX_YAML_DEPTH = 32
MAX_YAML_NODES = 20_000
_TOO_LARGE = msg(
    "larger than %(kib)s KiB (%(bytes)s bytes in UTF-8)", kib=MAX_YAML_BYTES // 1024, bytes=MAX_YAML_BYTES
)


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


class _Limits:
    """Depth and node count so far, and the ban on anchors and aliases, checked event by event."""

    def __init__(self) -> None:
        self.depth = 0
        self.nodes = 0

    def enter(self, event: yaml.NodeEvent) -> Message | None:
        """The limit a node (or alias) breaks, or None; a collection counts one level deeper."""
        line = event.start_mark.line + 1
        if isinstance(event, yaml.AliasEvent):
            return msg(
                "aliases (*name) are not allowed: *%(name)s at line %(line)s", name=event.anchor, line=line
            )
        if event.anchor is not None:
            return msg(
                "anchors (&name) are not allowed: &%(name)s at line %(line)s", name=event.anchor, line=line
            )
        self.nodes += 1
        if self.nodes > MAX_YAML_NODES:
            return msg(
                "more than %(max)s nodes (values, lists and mappings) at line %(line)s",
                max=MAX_YAML_NODES,
                line=line,
            )
        if isinstance(event, yaml.CollectionStartEvent):
            self.depth += 1
            if self.depth > MAX_YAML_DEPTH:
                return msg("deeper than %(max)s levels at line %(line)s", max=MAX_YAML_DEPTH, line=line)
        return None


class _LimitError(yaml.YAMLError):
    """A YAML text beyond one of the parsing limits."""


class _StrictLoader(yaml.SafeLoader):
    """A safe loader that checks the limits node by node and refuses a key written twice."""

    def __init__(self, stream: str):
        super().__init__(stream)
        self._limits = _Limits()

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        """Compose one node once it has passed the limits."""
        event = self.peek_event()
        problem = self._limits.enter(event)
        if problem:
            raise _LimitError(problem)
        try:
            return super().compose_node(parent, index)
        finally:
            self._limits.depth -= isinstance(event, yaml.CollectionStartEvent)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        """Build a mapping, refusing a key written twice."""
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, Hashable):
                raise yaml.constructor.ConstructorError(
                    None, None, msg("a mapping key must be a single value"), key_node.start_mark
                )
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    msg("key '%(key)s' appears twice in one mapping", key=str(key)),
                    key_node.start_mark,
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _fast_limit_check(text: str) -> Message | None:
    """The first limit the text breaks, found on libyaml's events (fast; nothing is built).

    A syntax error is left to the loader, which reports it with its line; the loader checks the
    limits again, so this is only the quick way to refuse a large hostile text.
    """
    parser = getattr(yaml, "CSafeLoader", None)
    if parser is None:
        return None
    limits = _Limits()
    try:
        for event in yaml.parse(text, Loader=parser):
            if isinstance(event, yaml.CollectionEndEvent):
                limits.depth -= 1
            elif isinstance(event, yaml.NodeEvent):
                problem = limits.enter(event)
                if problem:
                    return problem
    except (yaml.YAMLError, ValueError):  # e.g. a lone surrogate, which libyaml cannot encode
        return None
    return None


def parse_yaml(text: str, source: str = "criteria set") -> Any:
    """Parse YAML text within the limits; a syntax error or a limit is a :class:`CriteriaError`.

    The size is checked first, then depth, node count and the ban on anchors and aliases on the
    parser's events as the text is composed, so a hostile text is refused before anything is
    built from it.
    """
    if len(text) > MAX_YAML_BYTES or len(text.encode("utf-8", "surrogatepass")) > MAX_YAML_BYTES:
        raise CriteriaError({"(file)": [_TOO_LARGE]}, source)
    problem = _fast_limit_check(text)
    if problem:
        raise CriteriaError({"(file)": [problem]}, source)
    try:
        return yaml.load(text, Loader=_StrictLoader)  # _StrictLoader is a SafeLoader
    except _LimitError as exc:
        raise CriteriaError({"(file)": [exc.args[0]]}, source) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(file)"
        problem = getattr(exc, "problem", None) or str(exc)
        raise CriteriaError({where: [msg("not valid YAML: %(problem)s", problem=problem)]}, source) from None
    except (ValueError, TypeError, OverflowError, RecursionError) as exc:  # e.g. 5,000 digits
        raise CriteriaError(
            {"(file)": [msg("a value cannot be read: %(problem)s", problem=str(exc)[:200])]}, source
        ) from None


def load_criteria_file(path: str | Path) -> CriteriaSet:
    """Read, validate and build the criteria set in a YAML file (at most MAX_YAML_BYTES).

    The file is read every time; what is built from it is kept for its exact bytes (and path), so a
    changed file is loaded afresh and an unchanged one is not parsed again.
    """
    path = Path(path)
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_YAML_BYTES + 1)
    except OSError as exc:
        raise _unreadable(path, exc) from None
    if len(data) > MAX_YAML_BYTES:
        raise CriteriaError({"(file)": [_TOO_LARGE]}, str(path))
    return _build_file(str(path), data)


@lru_cache(maxsize=32)
def _build_file(path: str, data: bytes) -> CriteriaSet:
    """The set built from a file's bytes: keyed by content, so that the bundled sets, which every
    round page and every new round looks up by id, are parsed once per process (a set is frozen)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _unreadable(Path(path), exc) from None
    return build_criteria(parse_yaml(text, path), path)


def _unreadable(path: Path, exc: Exception) -> CriteriaError:
    return CriteriaError(
        {"(file)": [msg("cannot read %(path)s: %(problem)s", path=str(path), problem=str(exc))]},
        str(path),
    )


def build_criteria(raw: Any, source: str = "criteria set", require_english: bool = True) -> CriteriaSet:
    """Validate a raw mapping completely and build the set, or raise :class:`CriteriaError`.

    Every text the pages show must come with its English (``require_english``); only a round's
    frozen copy of a set, taken before the sets had to carry it, is built without that check (its
    English pages show the Chinese where the English is missing).
    """
    data, errors = load_structure(raw)
    if "(file)" in errors:
        raise CriteriaError(errors, source)
    _text_errors(raw, "", errors)
    if require_english:
        _english_errors(raw, "", errors)
    fields = _fields(data.get("fields") or [], errors)
    field_map = {f.key: f for f in fields}
    materials = _materials(data.get("materials") or [], errors)
    builder = TreeBuilder(field_map, {m.key for m in materials}, errors)
    scale = float(data.get("scale") or 100.0)
    sections, root_ahp = builder.build_level(
        [n for n in data.get("indicators") or [] if isinstance(n, Mapping)],
        scale,
        data.get("ahp"),
        "indicators",
        None,
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
        id=data["id"],
        version=data["version"],
        title=data["title"],
        title_en=data["title_en"],
        zone_type=data["zone_type"],
        scale=scale,
        description=data.get("description"),
        description_en=data.get("description_en"),
        fields=tuple(fields),
        materials=tuple(materials),
        indicators=tuple(sections),
        vetoes=tuple(vetoes),
        bonus_items=tuple(items),
        bonus_cap=float(bonus.get("cap", 0.0)),
        grades=tuple(grades),
        aggregation=aggregation,
        ranking=ranking,
        sha256=content_hash(raw),
        source=raw,
        root_ahp=root_ahp,
    )


# Free text that may run over several lines; every other text of a criteria set is a single line.
MULTILINE_KEYS = frozenset({"description", "description_en", "help", "help_en", "guidance", "guidance_en"})


def _text_errors(node: Any, path: str, errors: Errors, multiline: bool = False) -> None:
    """Every text and key of the set under the service's one text rule (no control characters)."""
    if isinstance(node, str):
        problem = text_problem(node, multiline)
        if problem:
            add_error(errors, path or "(file)", problem)
    elif isinstance(node, Mapping):
        for key, value in node.items():
            where = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and text_problem(key):
                add_error(errors, where, text_problem(key))
            _text_errors(value, where, errors, key in MULTILINE_KEYS)
    elif isinstance(node, list):
        for k, value in enumerate(node):
            _text_errors(value, f"{path}[{k}]", errors, multiline)


# Texts a page shows whose English twin (``unit_en`` …) is optional in the structure but required beside
# them; the names (name, label, title, reason) and their twins are required fields of the schema.
TWINNED_KEYS = ("unit", "help", "guidance", "description")


def _english_errors(node: Any, path: str, errors: Errors) -> None:
    """Every shown text of the set that has no English twin beside it, at the twin's path."""
    if isinstance(node, Mapping):
        for key in TWINNED_KEYS:
            value, twin = node.get(key), node.get(f"{key}_en")
            if isinstance(value, str) and value.strip() and not (isinstance(twin, str) and twin.strip()):
                add_error(
                    errors,
                    f"{path}.{key}_en" if path else f"{key}_en",
                    msg("the English is missing: give %(key)s_en beside %(key)s", key=key),
                )
        for key, value in node.items():
            if key != "params":  # a method's parameters are no text for people
                _english_errors(value, f"{path}.{key}" if path else str(key), errors)
    elif isinstance(node, list):
        for k, value in enumerate(node):
            _english_errors(value, f"{path}[{k}]", errors)


def _safe(cls: type, data: Mapping[str, Any]) -> Any:
    """Build a record, or None when the structure check already refused a part of it."""
    try:
        return cls(**data)
    except TypeError:
        return None


def _duplicate(errors: Errors, seen: dict[str, str], key: str, path: str, template: str) -> None:
    """Record a key seen before; ``template`` is the sentence, with ``%(key)s`` and ``%(other)s``."""
    if key in seen:
        add_error(errors, path, msg(template, key=key, other=seen[key]))
    else:
        seen[key] = path


def _fields(items: list[Mapping[str, Any]], errors: Errors) -> list[Field]:
    out, seen = [], {}
    for i, f in enumerate(items):
        path = f"fields[{i}]"
        if "key" not in f or "type" not in f:
            continue
        _duplicate(
            errors, seen, f["key"], f"{path}.key", N_("duplicate field key '%(key)s' (also at %(other)s)")
        )
        choices = tuple(c for c in (_safe(Choice, c) for c in f.get("choices") or []) if c)
        if f["type"] in ("enum", "multi"):
            if not choices:
                add_error(errors, f"{path}.choices", msg("a %(type)s field needs choices", type=f["type"]))
            values = [c.value for c in choices]
            if len(set(values)) != len(values):
                add_error(errors, f"{path}.choices", msg("choice values repeat"))
        elif f.get("choices"):
            add_error(errors, f"{path}.choices", msg("only enum and multi fields have choices"))
        if f["type"] not in ("int", "float"):
            for bound in ("min", "max"):
                if f.get(bound) is not None:
                    add_error(errors, f"{path}.{bound}", msg("only int and float fields have bounds"))
        elif f.get("min") is not None and f.get("max") is not None and f["min"] > f["max"]:
            add_error(
                errors,
                f"{path}.min",
                msg("min %(min)s is above max %(max)s", min=format(f["min"], "g"), max=format(f["max"], "g")),
            )
        out.append(_safe(Field, {**f, "choices": choices}))
    numbers = {f["key"] for f in items if f.get("type") in ("int", "float") and "key" in f}
    for i, f in enumerate(items):
        other = f.get("at_least")
        if other is not None and (f.get("key") not in numbers or other not in numbers or other == f["key"]):
            add_error(
                errors,
                f"fields[{i}].at_least",
                msg("at_least names another int or float field, from an int or float field"),
            )
    return [f for f in out if f is not None]


def _materials(items: list[Mapping[str, Any]], errors: Errors) -> list[Material]:
    out, seen = [], {}
    for i, m in enumerate(items):
        if "key" in m:
            _duplicate(
                errors,
                seen,
                m["key"],
                f"materials[{i}].key",
                N_("duplicate material key '%(key)s' (also at %(other)s)"),
            )
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
        add_error(errors, f"{path}.field", msg("field '%(key)s' is not declared in fields", key=key))
        return None
    values = value if isinstance(value, list) else [value]
    if (op in ("in", "not_in")) != isinstance(value, list):
        add_error(
            errors,
            f"{path}.value",
            msg("'%(op)s' takes a list", op=op)
            if op in ("in", "not_in")
            else msg("'%(op)s' takes a single value", op=op),
        )
        return None
    problem, where = None, f"{path}.value"
    if f.type == "multi":
        problem = msg("conditions cannot test a multi-choice field")
    elif f.type in ("int", "float"):
        if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
            problem = msg("field '%(key)s' is a number: compare it with numbers", key=key)
    elif f.type == "bool":
        if op not in ("eq", "ne") or not all(isinstance(v, bool) for v in values):
            problem = msg("field '%(key)s' is a boolean: use eq/ne with true or false", key=key)
            where = f"{path}.op"
    elif op in ("lt", "le", "gt", "ge"):
        problem = msg("field '%(key)s' is %(type)s: use eq, ne, in or not_in", key=key, type=f.type)
    elif not all(isinstance(v, str) for v in values):
        problem = msg("field '%(key)s' is %(type)s: compare it with text", key=key, type=f.type)
    elif f.type == "enum" and any(v not in f.choice_values for v in values):
        wrong = [str(v) for v in values if v not in f.choice_values]
        problem = msg(
            "not a choice of '%(key)s': %(wrong)s (choices: %(choices)s)",
            key=key,
            wrong=wrong,
            choices=list(f.choice_values),
        )
    if problem:
        add_error(errors, where, problem)
        return None
    return Condition(key, op, tuple(value) if isinstance(value, list) else value)


def _vetoes(items: list[Mapping[str, Any]], fields: Mapping[str, Field], errors: Errors) -> list[Veto]:
    out, seen = [], {}
    for i, v in enumerate(items):
        path = f"vetoes[{i}]"
        if "id" not in v:
            continue
        _duplicate(errors, seen, v["id"], f"{path}.id", N_("duplicate veto id '%(key)s' (also at %(other)s)"))
        when = None
        if (v.get("flag") is None) == (v.get("when") is None):
            add_error(errors, path, msg("a veto needs either 'flag' or 'when' (exactly one)"))
        elif v.get("when") is not None:
            when = check_condition(v["when"], fields, f"{path}.when", errors)
            f = fields.get(v["when"].get("field"))
            if f is not None and not f.required:
                add_error(
                    errors,
                    f"{path}.when.field",
                    msg("field '%(key)s' must be required: a missing figure must not pass a veto", key=f.key),
                )
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
        _duplicate(
            errors, seen, b["id"], f"{path}.id", N_("duplicate bonus id '%(key)s' (also at %(other)s)")
        )
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
        _duplicate(
            errors, seen, g["code"], f"{path}.code", N_("duplicate grade code '%(key)s' (also at %(other)s)")
        )
        grade = _safe(Grade, g)
        if grade is None:
            continue
        last = i == len(items) - 1
        if last and (grade.min_total is not None or grade.min_section_share is not None):
            add_error(errors, path, msg("the last grade has no conditions: it catches everything else"))
        if not last and grade.min_total is None and grade.min_section_share is None:
            add_error(errors, path, msg("only the last grade may have no conditions"))
        if grade.min_total is not None:
            if grade.min_total > previous:
                add_error(
                    errors,
                    f"{path}.min_total",
                    msg(
                        "%(min_total)s is above the previous band's %(previous)s",
                        min_total=format(grade.min_total, "g"),
                        previous=format(previous, "g"),
                    ),
                )
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
            add_error(errors, where, msg("'closeness' needs ranking method topsis"))
        elif key.startswith("section:"):
            if key[8:] not in section_ids:
                add_error(errors, where, msg("no level-1 section '%(id)s'", id=key[8:]))
        elif key not in plain:
            add_error(
                errors,
                where,
                msg(
                    "unknown key '%(key)s'; use one of %(keys)s or section:<id>", key=key, keys=sorted(plain)
                ),
            )
    return Ranking(
        method=method,
        topsis_weights=topsis.get("weights", "criteria"),
        topsis_normalization=topsis.get("normalization", "vector"),
        tie_break=tuple(chain),
    )
