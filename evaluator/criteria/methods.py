"""The built-in indicator methods: expert, threshold, ratio, boolean, count_of, improvement.

``range`` (normal ranges and per-category norms) lives in :mod:`evaluator.criteria.norms`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from marshmallow import Schema, ValidationError, fields, post_load, validate

from evaluator.criteria.model import Field
from evaluator.criteria.registry import (
    Figures,
    Method,
    Problem,
    field_problems,
    fmt,
    register,
)
from evaluator.messages import N_, msg

NUMERIC = ("int", "float")
NUMERIC_OR_BOOL = ("int", "float", "bool")


def _nonneg(**kw: Any) -> fields.Float:
    return fields.Float(allow_nan=False, validate=validate.Range(min=0), **kw)


def _positive(**kw: Any) -> fields.Float:
    return fields.Float(allow_nan=False, validate=validate.Range(min=0, min_inclusive=False), **kw)


register(
    Method(
        name="expert",
        label=N_("Scored by the expert reviewers"),
        schema=None,
        score=lambda p, figures, points: np.array([]),
        uses=lambda p: (),
        check=lambda p, declared, points: [],
        describe=lambda p, values: "专家评分 expert score",
    )
)


# --- threshold --------------------------------------------------------------------------------


class StepSchema(Schema):
    """One step of ``threshold``: reaching ``min`` (or staying under ``max``) earns ``points``."""

    min = fields.Float(load_default=None, allow_nan=False)
    max = fields.Float(load_default=None, allow_nan=False)
    points = _nonneg(required=True)


@dataclass(frozen=True)
class ThresholdParams:
    """Loaded parameters of ``threshold``."""

    field: str
    steps: tuple[tuple[float, float], ...]  # (bound, points)
    lower_is_better: bool


class ThresholdSchema(Schema):
    """Parameters of ``threshold``."""

    field = fields.String(required=True)
    steps = fields.List(fields.Nested(StepSchema), required=True, validate=validate.Length(min=1))

    @post_load
    def _make(self, d: dict[str, Any], **kw: Any) -> ThresholdParams | dict[str, Any]:
        kinds = {
            ("min" if s["min"] is not None else "") + ("max" if s["max"] is not None else "")
            for s in d["steps"]
        }
        if kinds not in ({"min"}, {"max"}):
            raise ValidationError(msg("every step needs 'min', or every step 'max' (not both)"), "steps")
        lower = kinds == {"max"}
        steps = tuple((s["max"] if lower else s["min"], s["points"]) for s in d["steps"])
        return ThresholdParams(d["field"], steps, lower)


def _threshold_score(p: ThresholdParams, figures: Figures, points: float) -> np.ndarray:
    x = figures.number(p.field)
    got = np.zeros_like(x)
    with np.errstate(invalid="ignore"):
        for bound, pts in p.steps:
            reached = x <= bound if p.lower_is_better else x >= bound
            got = np.where(reached, np.maximum(got, pts), got)
    share = got / points if points > 0 else got * 0.0
    return np.where(np.isnan(x), np.nan, share)


def _threshold_check(p: ThresholdParams, declared: Mapping[str, Field], points: float) -> list[Problem]:
    problems = field_problems(declared, p.field, NUMERIC_OR_BOOL, "params.field")
    for i, (_, pts) in enumerate(p.steps):
        if pts > points + 1e-9:
            problems.append(
                (
                    f"params.steps[{i}].points",
                    msg("%(points)s points exceed the indicator's %(max)s", points=fmt(pts), max=fmt(points)),
                )
            )
    return problems


def _threshold_describe(p: ThresholdParams, values: Mapping[str, Any]) -> str:
    sign = "≤" if p.lower_is_better else "≥"
    steps = ", ".join(f"{sign}{fmt(b)}→{fmt(pts)}" for b, pts in p.steps)
    return f"{p.field} = {fmt(values.get(p.field))}; steps {steps}"


register(
    Method(
        name="threshold",
        label=N_("Steps on a figure"),
        schema=ThresholdSchema,
        score=_threshold_score,
        uses=lambda p: (p.field,),
        check=_threshold_check,
        describe=_threshold_describe,
    )
)


# --- ratio ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RatioParams:
    """Loaded parameters of ``ratio``."""

    numerator: str
    denominator: str
    per: float
    target: float


class RatioSchema(Schema):
    """Parameters of ``ratio``: numerator ÷ denominator × per, scored against target."""

    numerator = fields.String(required=True)
    denominator = fields.String(required=True)
    per = _positive(load_default=1.0)
    target = _positive(required=True)

    @post_load
    def _make(self, d: dict[str, Any], **kw: Any) -> RatioParams:
        return RatioParams(**d)


def ratio_value(p: RatioParams, num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """The ratio for each application; 0 where the denominator is not positive."""
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(den > 0, num / den * p.per, 0.0)
    return np.where(np.isnan(num) | np.isnan(den), np.nan, value)


def _ratio_score(p: RatioParams, figures: Figures, points: float) -> np.ndarray:
    value = ratio_value(p, figures.number(p.numerator), figures.number(p.denominator))
    return np.clip(value / p.target, 0.0, 1.0)


def _ratio_describe(p: RatioParams, values: Mapping[str, Any]) -> str:
    num, den = values.get(p.numerator), values.get(p.denominator)
    value = ratio_value(
        p,
        np.array([np.nan if num is None else num], dtype=float),
        np.array([np.nan if den is None else den], dtype=float),
    )[0]
    per = f" per {fmt(p.per)}" if p.per != 1 else ""
    return f"{p.numerator}/{p.denominator} = {fmt(float(value))}{per}; target {fmt(p.target)}"


register(
    Method(
        name="ratio",
        label=N_("Ratio against a target"),
        schema=RatioSchema,
        score=_ratio_score,
        uses=lambda p: (p.numerator, p.denominator),
        check=lambda p, declared, points: (
            field_problems(declared, p.numerator, NUMERIC, "params.numerator")
            + field_problems(declared, p.denominator, NUMERIC, "params.denominator")
        ),
        describe=_ratio_describe,
    )
)


# --- boolean ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class BooleanParams:
    """Loaded parameters of ``boolean``."""

    field: str
    invert: bool = False


class BooleanSchema(Schema):
    """Parameters of ``boolean``."""

    field = fields.String(required=True)
    invert = fields.Boolean(load_default=False)

    @post_load
    def _make(self, d: dict[str, Any], **kw: Any) -> BooleanParams:
        return BooleanParams(**d)


def _boolean_score(p: BooleanParams, figures: Figures, points: float) -> np.ndarray:
    x = figures.number(p.field)
    with np.errstate(invalid="ignore"):
        share = (x < 0.5) if p.invert else (x >= 0.5)
    return np.where(np.isnan(x), np.nan, share.astype(float))


register(
    Method(
        name="boolean",
        label=N_("Yes or no"),
        schema=BooleanSchema,
        score=_boolean_score,
        uses=lambda p: (p.field,),
        check=lambda p, declared, points: field_problems(declared, p.field, ("bool",), "params.field"),
        describe=lambda p, values: (
            f"{p.field} = {fmt(values.get(p.field))}" + ("; full marks when false" if p.invert else "")
        ),
    )
)


# --- count_of ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CountOfParams:
    """Loaded parameters of ``count_of``."""

    field: str
    of: tuple[str, ...] | None
    full_at: int | None


class CountOfSchema(Schema):
    """Parameters of ``count_of``: how many of a list of choices are ticked."""

    field = fields.String(required=True)
    of = fields.List(fields.String(), load_default=None, validate=validate.Length(min=1))
    full_at = fields.Integer(load_default=None, validate=validate.Range(min=1))

    @post_load
    def _make(self, d: dict[str, Any], **kw: Any) -> CountOfParams:
        return CountOfParams(d["field"], None if d["of"] is None else tuple(d["of"]), d["full_at"])


def _counted(p: CountOfParams, choices: tuple[str, ...]) -> tuple[list[int], int]:
    of = p.of or choices
    idx = [choices.index(c) for c in of if c in choices]
    return idx, p.full_at or len(of)


def _count_of_score(p: CountOfParams, figures: Figures, points: float) -> np.ndarray:
    idx, full_at = _counted(p, figures.choices(p.field))
    count = figures.ticks(p.field)[:, idx].sum(axis=1)
    share = np.minimum(count / full_at, 1.0)
    return np.where(figures.missing(p.field), np.nan, share)


def _count_of_check(p: CountOfParams, declared: Mapping[str, Field], points: float) -> list[Problem]:
    problems = field_problems(declared, p.field, ("multi",), "params.field")
    f = declared.get(p.field)
    if f is None or f.type != "multi":
        return problems
    counted = p.of or f.choice_values
    if p.of:
        unknown = [c for c in p.of if c not in f.choice_values]
        if unknown:
            problems.append(
                ("params.of", msg("not choices of '%(key)s': %(values)s", key=p.field, values=unknown))
            )
        repeated = sorted({c for c in p.of if p.of.count(c) > 1})
        if repeated:
            problems.append(("params.of", msg("listed more than once: %(values)s", values=repeated)))
    if p.full_at is not None and p.full_at > len(counted):
        problems.append(
            (
                "params.full_at",
                msg(
                    "%(full_at)s is more than the %(counted)s counted: full marks could never be reached",
                    full_at=p.full_at,
                    counted=len(counted),
                ),
            )
        )
    return problems


def _count_of_describe(p: CountOfParams, values: Mapping[str, Any]) -> str:
    ticked = values.get(p.field) or []
    counted = [c for c in ticked if p.of is None or c in p.of]
    target = p.full_at or (len(p.of) if p.of else "all")
    return f"{p.field}: {len(counted)} ticked ({', '.join(counted) or '—'}); full marks at {target}"


register(
    Method(
        name="count_of",
        label=N_("Count of items ticked"),
        schema=CountOfSchema,
        score=_count_of_score,
        uses=lambda p: (p.field,),
        check=_count_of_check,
        describe=_count_of_describe,
    )
)


# --- improvement ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImprovementParams:
    """Loaded parameters of ``improvement``."""

    current: str
    previous: str
    level_target: float
    gain_target: float
    level_weight: float = 0.4
    gain_weight: float = 0.6


class ImprovementSchema(Schema):
    """Parameters of ``improvement``: current level and year-on-year gain, weighted."""

    current = fields.String(required=True)
    previous = fields.String(required=True)
    level_target = _positive(required=True)
    gain_target = _positive(required=True)
    level_weight = fields.Float(load_default=0.4, validate=validate.Range(min=0, max=1))
    gain_weight = fields.Float(load_default=0.6, validate=validate.Range(min=0, max=1))

    @post_load
    def _make(self, d: dict[str, Any], **kw: Any) -> ImprovementParams:
        return ImprovementParams(**d)


def _improvement_score(p: ImprovementParams, figures: Figures, points: float) -> np.ndarray:
    cur, prev = figures.number(p.current), figures.number(p.previous)
    level = np.clip(cur / p.level_target, 0.0, 1.0)
    gain = np.clip((cur - prev) / p.gain_target, 0.0, 1.0)
    return p.level_weight * level + p.gain_weight * gain


def _improvement_check(p: ImprovementParams, declared: Mapping[str, Field], points: float) -> list[Problem]:
    problems = field_problems(declared, p.current, NUMERIC, "params.current")
    problems += field_problems(declared, p.previous, NUMERIC, "params.previous")
    if abs(p.level_weight + p.gain_weight - 1.0) > 1e-9:
        problems.append(
            (
                "params",
                msg(
                    "level_weight + gain_weight = %(sum)s, not 1",
                    sum=format(p.level_weight + p.gain_weight, "g"),
                ),
            )
        )
    return problems


register(
    Method(
        name="improvement",
        label=N_("Level and improvement"),
        schema=ImprovementSchema,
        score=_improvement_score,
        uses=lambda p: (p.current, p.previous),
        check=_improvement_check,
        describe=lambda p, v: (
            f"{p.current} = {fmt(v.get(p.current))} (target {fmt(p.level_target)}), "
            f"previous {fmt(v.get(p.previous))} (gain target {fmt(p.gain_target)}); "
            f"weights {p.level_weight:g}/{p.gain_weight:g}"
        ),
    )
)
