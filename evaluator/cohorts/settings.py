"""Cohort settings as data: validated against the round's criteria set and built into dataclasses.

Every problem of a settings mapping is reported at once, each with its path (``features[2].field``),
as for criteria sets; nothing half-valid is ever built.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from evaluator.cohorts.schema import CohortError, load_structure, parse_settings_text
from evaluator.criteria.model import CriteriaSet, Field
from evaluator.messages import msg

Errors = dict[str, list[str]]
_PLACEHOLDER = re.compile(r"\{[^{}]*\}|[{}]")


@dataclass(frozen=True)
class Feature:
    """One clustering feature, resolved against the criteria set's fields.

    ``kind`` is ``value`` (a figure), ``ratio`` (a figure ÷ another × ``multiplier``) or
    ``category`` (an enum figure, one-hot or ordinal). ``log`` takes ``log(1 + x)`` of a value or
    ratio before it is standardised.
    """

    key: str
    kind: str
    field: Field
    weight: float
    label: str
    label_en: str
    unit: str | None = None
    denominator: Field | None = None
    log: bool = False
    multiplier: float = 1.0
    encoding: str | None = None
    order: tuple[str, ...] = ()
    profile_zh: str | None = None
    profile_en: str | None = None

    @property
    def onehot(self) -> bool:
        """Whether the feature is a category spread over one column per choice."""
        return self.kind == "category" and self.encoding == "onehot"

    @property
    def figures(self) -> tuple[str, ...]:
        """The keys of the application figures the feature reads."""
        return (self.field.key,) + ((self.denominator.key,) if self.denominator else ())

    def choice_label(self, value: str, language: str) -> str:
        """The label of one of a category's choices in ``zh`` or ``en``."""
        choice = next(c for c in self.field.choices if c.value == value)
        return choice.label if language == "zh" else choice.label_en


@dataclass(frozen=True)
class CohortSettings:
    """Validated cohort settings; ``source`` is the normalised mapping (defaults filled in), which
    :func:`build_settings` accepts again, and ``sha256`` its canonical hash."""

    features: tuple[Feature, ...]
    method: str
    k_min: int
    k_max: int
    min_cohort_size: int
    seed: int
    scaling: str
    missing: str
    silhouette_sample: int
    resamples: int
    instability_threshold: float
    peers: int
    order_by: tuple[str, ...]
    criteria_id: str
    source: Mapping[str, Any] = field(repr=False, default_factory=dict)
    sha256: str = ""
    omitted: tuple[str, ...] = ()

    @property
    def k_fixed(self) -> bool:
        """Whether the number of cohorts is given rather than chosen by silhouette."""
        return self.k_min == self.k_max

    @property
    def figures(self) -> tuple[str, ...]:
        """Every figure the features read, sorted by key, each once."""
        return tuple(sorted({key for f in self.features for key in f.figures}))

    def feature(self, key: str) -> Feature:
        """A feature by its key."""
        return next(f for f in self.features if f.key == key)


def canonical_hash(data: Mapping[str, Any]) -> str:
    """SHA-256 of a mapping in canonical JSON (sorted keys, no spaces, UTF-8)."""
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def add_error(errors: Errors, path: str, message: str) -> None:
    """Record one problem at a path."""
    errors.setdefault(path, []).append(message)


def build_settings(raw: Any, criteria: CriteriaSet, source: str = "cohort settings") -> CohortSettings:
    """Validate a settings mapping completely against ``criteria`` and build it, or raise
    :class:`CohortError` with every problem by path."""
    data, errors = load_structure(raw)
    if "(file)" in errors:
        raise CohortError(errors, source)
    features = [
        resolve_feature(f, criteria, f"features[{i}]", errors)
        for i, f in enumerate(data.get("features") or [])
        if isinstance(f, Mapping)
        and "key" in f
        and "field" in f
        and f"features[{i}].kind" not in errors  # a refused kind: nothing more to say
    ]
    seen: dict[str, int] = {}
    for i, f in enumerate(data.get("features") or []):
        key = f.get("key") if isinstance(f, Mapping) else None
        if key in seen:
            add_error(
                errors,
                f"features[{i}].key",
                msg("feature '%(key)s' appears twice (also features[%(other)s])", key=key, other=seen[key]),
            )
        elif key:
            seen[key] = i
    built = [f for f in features if f is not None]
    order_by = _order_by(data.get("order_by"), built, set(seen), errors)
    k = data.get("k")
    k_min, k_max = (k, k) if isinstance(k, int) else ((k or {}).get("min", 2), (k or {}).get("max", 2))
    if k_min > k_max:
        add_error(errors, "k.min", msg("min %(min)s is above max %(max)s", min=k_min, max=k_max))
    if errors:
        raise CohortError(errors, source)
    bootstrap = data["bootstrap"]
    normalised = normalise(data)
    return CohortSettings(
        features=tuple(built),
        method=data["method"],
        k_min=k_min,
        k_max=k_max,
        min_cohort_size=data["min_cohort_size"],
        seed=data["seed"],
        scaling=data["scaling"],
        missing=data["missing"],
        silhouette_sample=data["silhouette_sample"],
        resamples=bootstrap["resamples"],
        instability_threshold=bootstrap["threshold"],
        peers=data["peers"],
        order_by=order_by,
        criteria_id=criteria.id,
        source=normalised,
        sha256=canonical_hash(normalised),
    )


def load_settings_text(text: str, criteria: CriteriaSet, source: str = "cohort settings") -> CohortSettings:
    """Parse a YAML or JSON settings text within the limits and build it against ``criteria``."""
    return build_settings(parse_settings_text(text, source), criteria, source)


def normalise(data: Mapping[str, Any]) -> dict[str, Any]:
    """The loaded mapping as plain JSON-able data, every default written out."""
    out = json.loads(json.dumps(data, ensure_ascii=False))
    if out.get("order_by") is None:
        out.pop("order_by", None)
    return out


def _numeric(criteria: CriteriaSet, key: str, path: str, errors: Errors) -> Field | None:
    """The numeric field ``key`` of the criteria set, or None after recording why not."""
    f = next((f for f in criteria.fields if f.key == key), None)
    if f is None:
        add_error(
            errors,
            path,
            msg("'%(key)s' is not a figure of the criteria set '%(set)s'", key=key, set=criteria.id),
        )
        return None
    if not f.numeric:
        add_error(
            errors,
            path,
            msg(
                "'%(key)s' is a %(type)s figure, not a number: a value or ratio feature takes an int "
                "or float figure (an enum figure makes a category feature)",
                key=key,
                type=f.type,
            ),
        )
        return None
    return f


def _no(spec: Mapping[str, Any], keys: tuple[str, ...], kind: str, path: str, errors: Errors) -> None:
    for key in keys:
        if spec.get(key) is not None:
            add_error(errors, f"{path}.{key}", msg("a %(kind)s feature has no '%(key)s'", kind=kind, key=key))


def resolve_feature(
    spec: Mapping[str, Any], criteria: CriteriaSet, path: str, errors: Errors
) -> Feature | None:
    """One feature checked against the criteria set's fields, or None after recording why not."""
    kind = spec.get("kind", "value")
    start = sum(len(v) for v in errors.values())
    if kind == "category":
        return _category(spec, criteria, path, errors)
    main = _numeric(criteria, spec["field"], f"{path}.field", errors)
    denominator = None
    if kind == "ratio":
        if spec.get("denominator") is None:
            add_error(errors, f"{path}.denominator", msg("a ratio feature needs a denominator figure"))
        else:
            denominator = _numeric(criteria, spec["denominator"], f"{path}.denominator", errors)
        for key in ("label", "label_en"):
            if spec.get(key) is None:
                add_error(errors, f"{path}.{key}", msg("a ratio feature needs its own label"))
    else:
        _no(spec, ("denominator", "multiplier"), kind, path, errors)
    _no(spec, ("encoding", "order"), kind, path, errors)
    if spec.get("log"):
        for f, where in ((main, "field"), (denominator, "denominator")):
            if f is not None and (f.min is None or f.min < 0):
                add_error(
                    errors,
                    f"{path}.{where}",
                    msg(
                        "log needs a figure that cannot be negative: '%(key)s' has no minimum of 0 "
                        "or more in the criteria set",
                        key=f.key,
                    ),
                )
    templates = _profile(spec.get("profile"), path, errors)
    if main is None or sum(len(v) for v in errors.values()) > start:
        return None
    return Feature(
        key=spec["key"],
        kind=kind,
        field=main,
        weight=float(spec.get("weight", 1.0)),
        label=spec.get("label") or main.label,
        label_en=spec.get("label_en") or main.label_en,
        unit=spec.get("unit") if kind == "ratio" else (spec.get("unit") or main.unit),
        denominator=denominator,
        log=bool(spec.get("log")),
        multiplier=float(spec.get("multiplier") or 1.0),
        profile_zh=templates[0],
        profile_en=templates[1],
    )


def _category(spec: Mapping[str, Any], criteria: CriteriaSet, path: str, errors: Errors) -> Feature | None:
    start = sum(len(v) for v in errors.values())
    f = next((f for f in criteria.fields if f.key == spec["field"]), None)
    if f is None:
        add_error(
            errors,
            f"{path}.field",
            msg(
                "'%(key)s' is not a figure of the criteria set '%(set)s'", key=spec["field"], set=criteria.id
            ),
        )
    elif f.type != "enum":
        add_error(
            errors,
            f"{path}.field",
            msg("a category feature takes an enum figure; '%(key)s' is %(type)s", key=f.key, type=f.type),
        )
    _no(spec, ("denominator", "multiplier", "unit"), "category", path, errors)
    if spec.get("log"):
        add_error(errors, f"{path}.log", msg("a category feature has no '%(key)s'", key="log"))
    encoding = spec.get("encoding") or "onehot"
    order = tuple(spec.get("order") or ())
    if order and encoding != "ordinal":
        add_error(errors, f"{path}.order", msg("only an ordinal category has an order"))
    if f is not None and f.type == "enum" and order and sorted(order) != sorted(f.choice_values):
        add_error(
            errors,
            f"{path}.order",
            msg(
                "the order must list every choice of '%(key)s' once: %(choices)s",
                key=f.key,
                choices=list(f.choice_values),
            ),
        )
    templates = _profile(spec.get("profile"), path, errors)
    if f is None or sum(len(v) for v in errors.values()) > start:
        return None
    return Feature(
        key=spec["key"],
        kind="category",
        field=f,
        weight=float(spec.get("weight", 1.0)),
        label=spec.get("label") or f.label,
        label_en=spec.get("label_en") or f.label_en,
        encoding=encoding,
        order=order or f.choice_values,
        profile_zh=templates[0],
        profile_en=templates[1],
    )


def _profile(spec: Mapping[str, Any] | None, path: str, errors: Errors) -> tuple[str | None, str | None]:
    """The profile texts, each holding ``{value}`` exactly once and no other brace."""
    if not spec or "zh" not in spec or "en" not in spec:
        return None, None
    ok = True
    for language in ("zh", "en"):
        found = _PLACEHOLDER.findall(spec[language])
        if found != ["{value}"]:
            add_error(
                errors,
                f"{path}.profile.{language}",
                msg("write {value} exactly once, where the figures go, and no other braces"),
            )
            ok = False
    return (spec["zh"], spec["en"]) if ok else (None, None)


def _order_by(
    keys: list[str] | None, features: list[Feature], declared: set[str], errors: Errors
) -> tuple[str, ...]:
    """The features that number the cohorts; by default every feature that is not one-hot, in order.
    A key of a feature refused for another reason (``declared`` but not built) is not reported again."""
    usable = [f.key for f in features if not f.onehot]
    if keys is None:
        return tuple(usable)
    known = {f.key: f for f in features}
    for i, key in enumerate(keys):
        where = f"order_by[{i}]"
        if key not in declared:
            add_error(errors, where, msg("no feature '%(key)s'", key=key))
        elif key not in known:
            continue
        elif known[key].onehot:
            add_error(errors, where, msg("a one-hot category cannot order the cohorts: '%(key)s'", key=key))
        elif key in keys[:i]:
            add_error(errors, where, msg("'%(key)s' is listed twice", key=key))
    rest = [k for k in usable if k not in keys]
    return (*keys, *rest)
