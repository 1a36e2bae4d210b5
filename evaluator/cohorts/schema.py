"""The structure of cohort settings (marshmallow) and the limits on a settings text or mapping.

These schemas check shapes, types and ranges only; whether a feature's figures are numeric fields of
the round's criteria set is checked by :mod:`evaluator.cohorts.settings`.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from evaluator.criteria.loader import CriteriaError, parse_yaml
from evaluator.criteria.schema import KEY_RE, flatten_errors
from evaluator.messages import N_, msg
from evaluator.validation import Pattern, Text

METHODS = ("kmeans", "ward", "minibatch")
KINDS = ("value", "ratio", "category")
ENCODINGS = ("onehot", "ordinal")
SCALINGS = ("robust", "z")
MISSING = ("impute", "available")

# Limits of a settings text or mapping: the bundled defaults are about 1.5 KB, 4 levels, under 80 values.
MAX_TEXT_BYTES = 64 * 1024
MAX_DEPTH = 8
MAX_NODES = 2_000
MAX_FEATURES = 24
MAX_K = 30
MAX_RESAMPLES = 200
MAX_PEERS = 100
MIN_SILHOUETTE_SAMPLE, MAX_SILHOUETTE_SAMPLE = 500, 10_000
MAX_MIN_COHORT_SIZE = 10_000
MAX_SEED = 2**32 - 1
MAX_WEIGHT = 100.0


class CohortError(ValueError):
    """Cohort settings (or a run) that cannot be used; ``errors`` maps each path to its problems."""

    def __init__(self, errors: dict[str, list[str]], source: str = "cohort settings"):
        self.errors = dict(sorted(errors.items()))
        self.source = source
        count = sum(len(v) for v in self.errors.values())
        lines = [f"{path}: {m}" for path, msgs in self.errors.items() for m in msgs]
        super().__init__(f"{source}: {count} problem(s)\n  " + "\n  ".join(lines))


class KSetting(fields.Field):
    """The number of cohorts: a whole number, or ``{min, max}`` to choose it by silhouette."""

    default_error_messages = {  # noqa: RUF012
        "invalid": N_("Must be a whole number, or a mapping of min and max."),
    }

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, dict):
            return KRangeSchema().load(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.make_error("invalid")
        if not 2 <= value <= MAX_K:
            raise ValidationError(msg("Must be between %(min)s and %(max)s.", min=2, max=MAX_K))
        return value

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        return value


class KRangeSchema(Schema):
    """A range of cohort counts to choose from."""

    min = fields.Integer(required=True, strict=True, validate=validate.Range(min=2, max=MAX_K))
    max = fields.Integer(required=True, strict=True, validate=validate.Range(min=2, max=MAX_K))


class ProfileSchema(Schema):
    """How a feature reads in a cohort's profile: a text per language with ``{value}`` once."""

    zh = Text(required=True, max_length=60, min_length=1)
    en = Text(required=True, max_length=100, min_length=1)


class FeatureSchema(Schema):
    """One feature: a figure (or a ratio of two, or a category) and its weight."""

    key = fields.String(required=True, validate=[Pattern(KEY_RE), validate.Length(max=40)])
    kind = fields.String(load_default="value", validate=validate.OneOf(KINDS))
    field = fields.String(required=True, validate=[Pattern(KEY_RE), validate.Length(max=64)])
    denominator = fields.String(load_default=None, validate=[Pattern(KEY_RE), validate.Length(max=64)])
    log = fields.Boolean(load_default=False)
    multiplier = fields.Float(
        load_default=None, allow_nan=False, validate=validate.Range(min=0, min_inclusive=False, max=1e6)
    )
    encoding = fields.String(load_default=None, validate=validate.OneOf(ENCODINGS))
    order = fields.List(fields.String(validate=validate.Length(max=64)), load_default=None)
    weight = fields.Float(
        load_default=1.0, allow_nan=False, validate=validate.Range(min=0, min_inclusive=False, max=MAX_WEIGHT)
    )
    label = Text(load_default=None, max_length=60, min_length=1)
    label_en = Text(load_default=None, max_length=100, min_length=1)
    unit = Text(load_default=None, max_length=20, min_length=1)
    profile = fields.Nested(ProfileSchema, load_default=None)


class BootstrapSchema(Schema):
    """The stability check: resamples and the share of companions an application must keep."""

    resamples = fields.Integer(
        load_default=50, strict=True, validate=validate.Range(min=2, max=MAX_RESAMPLES)
    )
    threshold = fields.Float(
        load_default=0.7, allow_nan=False, validate=validate.Range(min=0, max=1, min_inclusive=False)
    )


class SettingsSchema(Schema):
    """A whole cohort settings mapping."""

    features = fields.List(
        fields.Nested(FeatureSchema), required=True, validate=validate.Length(min=1, max=MAX_FEATURES)
    )
    method = fields.String(load_default="kmeans", validate=validate.OneOf(METHODS))
    k = KSetting(load_default=lambda: {"min": 2, "max": 8})
    min_cohort_size = fields.Integer(
        load_default=5, strict=True, validate=validate.Range(min=1, max=MAX_MIN_COHORT_SIZE)
    )
    seed = fields.Integer(load_default=0, strict=True, validate=validate.Range(min=0, max=MAX_SEED))
    scaling = fields.String(load_default="robust", validate=validate.OneOf(SCALINGS))
    missing = fields.String(load_default="impute", validate=validate.OneOf(MISSING))
    silhouette_sample = fields.Integer(
        load_default=3000,
        strict=True,
        validate=validate.Range(min=MIN_SILHOUETTE_SAMPLE, max=MAX_SILHOUETTE_SAMPLE),
    )
    bootstrap = fields.Nested(BootstrapSchema, load_default=lambda: BootstrapSchema().load({}))
    peers = fields.Integer(load_default=20, strict=True, validate=validate.Range(min=1, max=MAX_PEERS))
    order_by = fields.List(
        fields.String(validate=validate.Length(max=40)),
        load_default=None,
        validate=validate.Length(min=1, max=MAX_FEATURES),
    )


def structure_problem(raw: Any) -> str | None:
    """The first limit a mapping breaks (depth, number of values), or None; walked without recursion."""
    nodes = 0
    stack: list[tuple[Any, int]] = [(raw, 1)]
    while stack:
        node, depth = stack.pop()
        nodes += 1
        if nodes > MAX_NODES:
            return msg("more than %(max)s values, lists and mappings", max=MAX_NODES)
        if isinstance(node, dict | list):
            if depth > MAX_DEPTH:
                return msg("deeper than %(max)s levels", max=MAX_DEPTH)
            children = node.values() if isinstance(node, dict) else node
            stack.extend((child, depth + 1) for child in children)
    return None


def parse_settings_text(text: str, source: str = "cohort settings") -> Any:
    """Parse a YAML (or JSON) settings text within the limits; a problem is a :class:`CohortError`.

    The size is checked first; anchors, aliases and a key written twice are refused as in criteria
    files (:func:`evaluator.criteria.loader.parse_yaml`); depth and node count are then checked on
    what was read.
    """
    if len(text) > MAX_TEXT_BYTES or len(text.encode("utf-8", "surrogatepass")) > MAX_TEXT_BYTES:
        raise CohortError(
            {
                "(file)": [
                    msg(
                        "larger than %(kib)s KiB (%(bytes)s bytes in UTF-8)",
                        kib=MAX_TEXT_BYTES // 1024,
                        bytes=MAX_TEXT_BYTES,
                    )
                ]
            },
            source,
        )
    try:
        raw = parse_yaml(text, source)
    except CriteriaError as exc:
        raise CohortError(exc.errors, source) from None
    problem = structure_problem(raw)
    if problem:
        raise CohortError({"(file)": [problem]}, source)
    return raw


def load_structure(raw: Any) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Check a raw mapping's limits and structure; return what loaded and the problems by path."""
    if not isinstance(raw, dict):
        return {}, {"(file)": [msg("Cohort settings must be a mapping (keys and values).")]}
    problem = structure_problem(raw)
    if problem:
        return {}, {"(file)": [problem]}
    try:
        return SettingsSchema().load(raw), {}
    except ValidationError as err:
        data = err.valid_data if isinstance(err.valid_data, dict) else {}
        return data, flatten_errors(err.messages)
