"""Marshmallow schemas for the structure of a criteria set file.

These schemas check shapes and types only; cross-references (declared fields, unique ids,
points that add up, AHP consistency) are checked by :mod:`evaluator.criteria.checks`.
"""

from __future__ import annotations

import math
import re
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from evaluator.messages import N_, msg
from evaluator.validation import Pattern
from evaluator.workflow import ZoneType

ZONE_TYPES = tuple(z.value for z in ZoneType)
FIELD_TYPES = ("int", "float", "bool", "enum", "multi", "text")
CHECK_KINDS = ("materials", "on_site", "survey", "data")
CONDITION_OPS = ("eq", "ne", "lt", "le", "gt", "ge", "in", "not_in")

ID_RE = r"^[a-z0-9][a-z0-9_-]*$"
KEY_RE = r"^[a-z][a-z0-9_]*$"


def finite_float(value: Any) -> float | None:
    """The value as a finite float, or None (NaN, infinity, too large, not a number)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


class Ratio(fields.Field):
    """A positive number written as a number or as a fraction string such as ``"1/3"``."""

    default_error_messages = {"invalid": N_("Not a number or a fraction such as 1/3.")}  # noqa: RUF012

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> float:
        if isinstance(value, str):
            match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(?:/\s*(\d+(?:\.\d+)?)\s*)?", value)
            if match:
                num, den = float(match[1]), float(match[2] or 1)
                number = num / den if den else None
                if number is not None and math.isfinite(number):
                    return number
            raise self.make_error("invalid")
        number = finite_float(value)
        if number is None:
            raise self.make_error("invalid")
        return number


class Scalar(fields.Field):
    """A condition value: a finite number, a boolean, a string, or a list of those."""

    default_error_messages = {  # noqa: RUF012
        "invalid": N_("Must be a finite number, a boolean, a string or a list of them.")
    }

    @staticmethod
    def _ok(v: Any) -> bool:
        return isinstance(v, bool | str) or finite_float(v) is not None

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if self._ok(value) or (isinstance(value, list) and all(self._ok(v) for v in value)):
            return value
        raise self.make_error("invalid")


def _name_fields(prefix: str = "name") -> dict[str, fields.Field]:
    return {
        prefix: fields.String(required=True, validate=validate.Length(min=1)),
        f"{prefix}_en": fields.String(required=True, validate=validate.Length(min=1)),
    }


class ChoiceSchema(Schema):
    """One choice of an enum or multi-choice field."""

    value = fields.String(required=True, validate=Pattern(KEY_RE))
    label = fields.String(required=True, validate=validate.Length(min=1))
    label_en = fields.String(required=True, validate=validate.Length(min=1))


class FieldSchema(Schema):
    """A figure on the application form."""

    key = fields.String(required=True, validate=Pattern(KEY_RE))
    label = fields.String(required=True, validate=validate.Length(min=1))
    label_en = fields.String(required=True, validate=validate.Length(min=1))
    type = fields.String(required=True, validate=validate.OneOf(FIELD_TYPES))
    unit = fields.String(load_default=None)
    unit_en = fields.String(load_default=None)
    min = fields.Float(load_default=None, allow_nan=False)
    max = fields.Float(load_default=None, allow_nan=False)
    required = fields.Boolean(load_default=False)
    choices = fields.List(fields.Nested(ChoiceSchema), load_default=None)
    help = fields.String(load_default=None)
    help_en = fields.String(load_default=None)
    at_least = fields.String(load_default=None, validate=Pattern(KEY_RE))


MaterialSchema = Schema.from_dict(
    {"key": fields.String(required=True, validate=Pattern(KEY_RE)), **_name_fields()},
    name="MaterialSchema",
)


class AHPSchema(Schema):
    """A pairwise comparison matrix and the random-index table to judge it by."""

    matrix = fields.List(fields.List(Ratio()), required=True, validate=validate.Length(min=1))
    ri_table = fields.String(load_default="saaty1980")


class IndicatorSchema(Schema):
    """A node of the indicator tree: a section, a group or a leaf."""

    id = fields.String(required=True, validate=Pattern(ID_RE))
    name = fields.String(required=True, validate=validate.Length(min=1))
    name_en = fields.String(required=True, validate=validate.Length(min=1))
    points = fields.Float(load_default=None, allow_nan=False, validate=validate.Range(min=0))
    weight = fields.Float(
        load_default=None, allow_nan=False, validate=validate.Range(min=0, min_inclusive=False)
    )
    ahp = fields.Nested(AHPSchema, load_default=None)
    children = fields.List(fields.Nested(lambda: IndicatorSchema()), load_default=None)
    method = fields.String(load_default=None)
    params = fields.Dict(keys=fields.String(), load_default=None)
    check = fields.List(fields.String(validate=validate.OneOf(CHECK_KINDS)), load_default=None)
    evidence = fields.List(fields.String(), load_default=list)
    guidance = fields.String(load_default=None)
    guidance_en = fields.String(load_default=None)


class ConditionSchema(Schema):
    """A test on one application figure."""

    field = fields.String(required=True)
    op = fields.String(required=True, validate=validate.OneOf(CONDITION_OPS))
    value = Scalar(required=True)


class VetoSchema(Schema):
    """A veto item (一票否决)."""

    id = fields.String(required=True, validate=Pattern(ID_RE))
    reason = fields.String(required=True, validate=validate.Length(min=1))
    reason_en = fields.String(required=True, validate=validate.Length(min=1))
    flag = fields.String(load_default=None, validate=Pattern(KEY_RE))
    min_flags = fields.Integer(load_default=1, validate=validate.Range(min=1))
    when = fields.Nested(ConditionSchema, load_default=None)


class BonusItemSchema(Schema):
    """A bonus item (加分项)."""

    id = fields.String(required=True, validate=Pattern(ID_RE))
    name = fields.String(required=True, validate=validate.Length(min=1))
    name_en = fields.String(required=True, validate=validate.Length(min=1))
    points = fields.Float(required=True, allow_nan=False, validate=validate.Range(min=0))
    when = fields.Nested(ConditionSchema, load_default=None)


class BonusSchema(Schema):
    """The bonus items and their cap."""

    cap = fields.Float(required=True, allow_nan=False, validate=validate.Range(min=0))
    items = fields.List(fields.Nested(BonusItemSchema), load_default=list)


class GradeSchema(Schema):
    """A grade band and its pass rule."""

    code = fields.String(required=True, validate=Pattern(KEY_RE))
    label = fields.String(required=True, validate=validate.Length(min=1))
    label_en = fields.String(required=True, validate=validate.Length(min=1))
    min_total = fields.Float(load_default=None, allow_nan=False)
    min_section_share = fields.Float(
        load_default=None, allow_nan=False, validate=validate.Range(min=0, max=1)
    )
    recognised = fields.Boolean(load_default=False)


class AggregationSchema(Schema):
    """How reviewers' scores are combined."""

    method = fields.String(
        load_default="trimmed_mean", validate=validate.OneOf(("trimmed_mean", "mean", "median"))
    )
    trim_from = fields.Integer(load_default=5, validate=validate.Range(min=3))
    min_reviews = fields.Integer(load_default=3, validate=validate.Range(min=1))
    calibration = fields.String(load_default="none", validate=validate.OneOf(("none", "zscore")))
    calibration_min_scores = fields.Integer(load_default=3, validate=validate.Range(min=2))
    partial_reviews = fields.String(load_default="error", validate=validate.OneOf(("error", "drop")))


class TopsisSchema(Schema):
    """TOPSIS options."""

    weights = fields.String(
        load_default="criteria", validate=validate.OneOf(("criteria", "entropy", "critic"))
    )
    normalization = fields.String(load_default="vector", validate=validate.OneOf(("vector", "minmax")))


class RankingSchema(Schema):
    """How applications are ranked."""

    method = fields.String(load_default="weighted_sum", validate=validate.OneOf(("weighted_sum", "topsis")))
    topsis = fields.Nested(TopsisSchema, load_default=lambda: TopsisSchema().load({}))
    tie_break = fields.List(fields.String(), load_default=None)


class CriteriaSetSchema(Schema):
    """A whole criteria set file."""

    id = fields.String(required=True, validate=Pattern(ID_RE))
    version = fields.String(required=True, validate=validate.Length(min=1))
    title = fields.String(required=True, validate=validate.Length(min=1))
    title_en = fields.String(required=True, validate=validate.Length(min=1))
    zone_type = fields.String(required=True, validate=validate.OneOf(ZONE_TYPES))
    scale = fields.Float(
        load_default=100.0, allow_nan=False, validate=validate.Range(min=0, min_inclusive=False)
    )
    description = fields.String(load_default=None)
    description_en = fields.String(load_default=None)
    fields_ = fields.List(
        fields.Nested(FieldSchema), data_key="fields", attribute="fields", load_default=list
    )
    materials = fields.List(fields.Nested(MaterialSchema), load_default=list)
    ahp = fields.Nested(AHPSchema, load_default=None)
    indicators = fields.List(fields.Nested(IndicatorSchema), required=True, validate=validate.Length(min=1))
    vetoes = fields.List(fields.Nested(VetoSchema), load_default=list)
    bonus = fields.Nested(BonusSchema, load_default=lambda: {"cap": 0.0, "items": []})
    grades = fields.List(fields.Nested(GradeSchema), required=True, validate=validate.Length(min=1))
    aggregation = fields.Nested(AggregationSchema, load_default=lambda: AggregationSchema().load({}))
    ranking = fields.Nested(RankingSchema, load_default=lambda: RankingSchema().load({}))


def flatten_errors(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """Turn marshmallow's nested error dict into ``{"indicators[2].children[0].points": [...]}``."""
    out: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            if key == "_schema":
                path = prefix
            elif isinstance(key, int):
                path = f"{prefix}[{key}]"
            else:
                path = f"{prefix}.{key}" if prefix else str(key)
            for p, msgs in flatten_errors(value, path).items():
                out.setdefault(p, []).extend(msgs)
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        out.setdefault(prefix or "(file)", []).extend(messages)
    elif isinstance(messages, list):
        for m in messages:
            for p, msgs in flatten_errors(m, prefix).items():
                out.setdefault(p, []).extend(msgs)
    else:
        out.setdefault(prefix or "(file)", []).append(str(messages))
    return out


def load_structure(raw: Any) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Load a raw mapping; return the data that loaded and the structural errors by path."""
    if not isinstance(raw, dict):
        return {}, {"(file)": [msg("A criteria set must be a mapping (YAML keys and values).")]}
    try:
        return CriteriaSetSchema().load(raw), {}
    except ValidationError as err:
        data = err.valid_data if isinstance(err.valid_data, dict) else {}
        return data, flatten_errors(err.messages)
