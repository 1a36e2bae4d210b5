"""The ``range`` method: full marks inside a normal range, falling linearly outside it.

A range may differ by category (the plan's scale norms of the four community categories), with
``by`` naming an enum field and ``norms`` giving each choice its band, or null for "no norm".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from marshmallow import Schema, ValidationError, fields, post_load, validate

from evaluator.criteria.model import Field
from evaluator.criteria.registry import Figures, Method, Problem, field_problems, fmt, register
from evaluator.messages import N_, msg

NUMERIC = ("int", "float")


def _nonneg(**kw: Any) -> fields.Float:
    return fields.Float(allow_nan=False, validate=validate.Range(min=0), **kw)


@dataclass(frozen=True)
class Band:
    """A normal range: full marks inside [lo, hi], falling linearly to 0 over below/above."""

    lo: float | None = None
    hi: float | None = None
    below: float = 0.0
    above: float = 0.0

    def share(self, x: np.ndarray) -> np.ndarray:
        """Share of full marks for each value (NaN stays NaN)."""
        out = np.ones_like(x, dtype=float)
        with np.errstate(invalid="ignore"):
            # Inside the band the ramps exceed 1 and the minimum keeps full marks.
            if self.lo is not None:
                if self.below > 0:
                    np.minimum(out, (x - (self.lo - self.below)) / self.below, out=out)
                else:
                    out[x < self.lo] = 0.0
            if self.hi is not None:
                if self.above > 0:
                    np.minimum(out, ((self.hi + self.above) - x) / self.above, out=out)
                else:
                    out[x > self.hi] = 0.0
            np.maximum(out, 0.0, out=out)
        out[np.isnan(x)] = np.nan
        return out

    def text(self) -> str:
        """The band as a short range, e.g. ``1,500–4,000``."""
        return f"{fmt(self.lo)}–{fmt(self.hi)}"


class BandSchema(Schema):
    """Parameters of one normal range."""

    lo = fields.Float(load_default=None, allow_nan=False)
    hi = fields.Float(load_default=None, allow_nan=False)
    below = _nonneg(load_default=0.0)
    above = _nonneg(load_default=0.0)

    @post_load
    def _make(self, data: dict[str, Any], **kw: Any) -> Band:
        return Band(**data)


class NormsField(fields.Field):
    """Category → band (or null); errors are keyed by category, as the file is written."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> dict:
        if not isinstance(value, dict):
            raise ValidationError(msg("Not a valid mapping of category to norm."))
        out, errors = {}, {}
        for key, band in value.items():
            if band is None:
                out[str(key)] = None
                continue
            try:
                out[str(key)] = BandSchema().load(band)
            except ValidationError as err:
                errors[str(key)] = err.messages
        if errors:
            raise ValidationError(errors)
        return out


class RangeSchema(Schema):
    """Parameters of ``range``: one band, or a band per category of an enum field."""

    field = fields.String(required=True)
    lo = fields.Float(load_default=None, allow_nan=False)
    hi = fields.Float(load_default=None, allow_nan=False)
    below = _nonneg(load_default=0.0)
    above = _nonneg(load_default=0.0)
    by = fields.String(load_default=None)
    norms = NormsField(load_default=None)

    @post_load
    def _make(self, d: dict[str, Any], **kw: Any) -> RangeParams:
        band = Band(d["lo"], d["hi"], d["below"], d["above"])
        return RangeParams(d["field"], band, d["by"], d["norms"])


@dataclass(frozen=True)
class RangeParams:
    """Loaded parameters of ``range``."""

    field: str
    band: Band
    by: str | None = None
    norms: Mapping[str, Band | None] | None = None


def _range_score(p: RangeParams, figures: Figures, points: float) -> np.ndarray:
    x = figures.number(p.field)
    if p.by is None:
        return p.band.share(x)
    codes = figures.codes(p.by)
    out = np.full(x.shape, np.nan)
    for i, choice in enumerate(figures.choices(p.by)):
        mask = codes == i
        band = (p.norms or {}).get(choice)
        out[mask] = 1.0 if band is None else band.share(x[mask])
    out[np.isnan(x)] = np.nan
    return out


def _range_check(p: RangeParams, declared: Mapping[str, Field], points: float) -> list[Problem]:
    problems = field_problems(declared, p.field, NUMERIC, "params.field")
    bands: list[tuple[str, Band]] = [("params", p.band)]
    if p.by is not None:
        problems += field_problems(declared, p.by, ("enum",), "params.by")
        by = declared.get(p.by)
        if p.norms is None:
            problems.append(("params.norms", msg("a norm per category is needed with 'by'")))
        elif by is not None and by.type == "enum":
            missing = [c for c in by.choice_values if c not in p.norms]
            unknown = [c for c in p.norms if c not in by.choice_values]
            if missing:
                problems.append(
                    ("params.norms", msg("no norm for categories: %(categories)s", categories=missing))
                )
            if unknown:
                problems.append(
                    ("params.norms", msg("unknown categories: %(categories)s", categories=unknown))
                )
        bands = [(f"params.norms.{k}", b) for k, b in (p.norms or {}).items() if b is not None]
    elif p.norms is not None:
        problems.append(("params.norms", msg("norms need 'by' (the category field)")))
    elif p.band.lo is None and p.band.hi is None:
        problems.append(("params", msg("a range needs lo, hi, or 'by' with norms")))
    for where, b in bands:
        if b.lo is not None and b.hi is not None and b.lo > b.hi:
            problems.append((where, msg("lo %(lo)s is above hi %(hi)s", lo=fmt(b.lo), hi=fmt(b.hi))))
    return problems


def _range_describe(p: RangeParams, values: Mapping[str, Any]) -> str:
    band: Band | None = p.band
    if p.by is not None:
        band = (p.norms or {}).get(values.get(p.by))
        if band is None:
            return f"{p.field} = {fmt(values.get(p.field))}; {values.get(p.by)}: no norm"
    return f"{p.field} = {fmt(values.get(p.field))}; norm {band.text()}"


register(
    Method(
        name="range",
        label=N_("Within a norm range"),
        schema=RangeSchema,
        score=_range_score,
        uses=lambda p: (p.field,) + ((p.by,) if p.by else ()),
        check=_range_check,
        describe=_range_describe,
    )
)
