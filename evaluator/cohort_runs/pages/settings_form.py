"""The office's form for the settings of the next cohorts: how many cohorts (a range to choose from,
or one number), the smallest cohort, the clustering method, the scaling, what a missing figure does
and each feature's weight. Everything else (the features themselves, the seed, the stability check)
stays as the round's settings have it; the API takes a whole settings mapping (docs/cohorts.md).

The form's fields are checked here for what a person types; the whole settings are then checked by
the engine as any run's are, and its refusals are shown beside the field they concern.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from typing import Any

from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates_schema

from evaluator.cohorts.schema import MAX_K, MAX_MIN_COHORT_SIZE, MAX_WEIGHT, METHODS, MISSING, SCALINGS
from evaluator.cohorts.settings import CohortSettings
from evaluator.errors import ServiceError
from evaluator.messages import N_, msg
from evaluator.web.pages import load_form

WEIGHT = "weight.{key}"
"""The form field of a feature's weight (its key from the settings)."""
K_ORDER = N_("The largest number of cohorts cannot be below the smallest.")
WEIGHT_RANGE = N_("A weight is a number above 0 and at most %(max)s.")
_FEATURE_PATH = re.compile(r"settings\.features\[(\d+)\]\.weight$")
_PATHS = {
    "settings.k": "k_min",
    "settings.k.min": "k_min",
    "settings.k.max": "k_max",
    "settings.min_cohort_size": "min_cohort_size",
    "settings.method": "method",
    "settings.scaling": "scaling",
    "settings.missing": "missing",
    "replace_moves": "settings_replace_moves",
}


class SettingsForm(Schema):
    """The form's fields other than the weights."""

    k_min = fields.Integer(required=True, strict=False, validate=validate.Range(min=2, max=MAX_K))
    k_max = fields.Integer(required=True, strict=False, validate=validate.Range(min=2, max=MAX_K))
    min_cohort_size = fields.Integer(
        required=True, strict=False, validate=validate.Range(min=1, max=MAX_MIN_COHORT_SIZE)
    )
    method = fields.String(required=True, validate=validate.OneOf(METHODS))
    scaling = fields.String(required=True, validate=validate.OneOf(SCALINGS))
    missing = fields.String(required=True, validate=validate.OneOf(MISSING))

    @pre_load
    def _blank_is_missing(self, data: Mapping[str, Any], **kwargs: Any) -> dict[str, Any]:
        """An empty input is a value not given; weights are read on their own."""
        return {
            k: v for k, v in data.items() if k in self.fields and not (isinstance(v, str) and v.strip() == "")
        }

    @validates_schema(skip_on_field_errors=False)
    def _ordered(self, data: dict[str, Any], **kwargs: Any) -> None:
        if "k_min" in data and "k_max" in data and data["k_max"] < data["k_min"]:
            raise ValidationError(msg(K_ORDER), "k_max")


def form_values(settings: CohortSettings) -> dict[str, Any]:
    """The form filled in with the settings the next run would use."""
    values: dict[str, Any] = {
        "k_min": settings.k_min,
        "k_max": settings.k_max,
        "min_cohort_size": settings.min_cohort_size,
        "method": settings.method,
        "scaling": settings.scaling,
        "missing": settings.missing,
    }
    for f in settings.source["features"]:
        values[WEIGHT.format(key=f["key"])] = f"{f.get('weight', 1.0):g}"
    return values


def _weight(text: Any) -> float | None:
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return value if 0 < value <= MAX_WEIGHT else None


def posted_settings(current: CohortSettings, form: Mapping[str, Any]) -> dict[str, Any]:
    """The settings mapping the posted form asks for: the current settings with the form's values;
    a ServiceError(422) naming each field that cannot be read."""
    errors: dict[str, list[str]] = {}
    try:
        data = load_form(SettingsForm(), form)
    except ServiceError as exc:
        data, errors = {}, dict(exc.errors or {})
    raw = copy.deepcopy(current.source)
    for feature in raw["features"]:
        name = WEIGHT.format(key=feature["key"])
        weight = _weight(form.get(name))
        if weight is None:
            errors[name] = [msg(WEIGHT_RANGE, max=f"{MAX_WEIGHT:g}")]
        else:
            feature["weight"] = weight
    if errors:
        raise ServiceError(422, msg("The cohort settings are not valid: see the problems."), errors)
    low, high = data["k_min"], data["k_max"]
    raw["k"] = low if low == high else {"min": low, "max": high}
    raw.update({k: data[k] for k in ("min_cohort_size", "method", "scaling", "missing")})
    return raw


def form_errors_of(exc: ServiceError, current: CohortSettings) -> ServiceError:
    """The engine's refusal of the settings with each problem under the form field it concerns
    (a problem of no field of the form stays under its own path, shown above the form)."""
    keys = [f["key"] for f in current.source["features"]]
    moved: dict[str, Any] = {}
    for path, problems in (exc.errors or {}).items():
        found = _FEATURE_PATH.match(path)
        if found and int(found.group(1)) < len(keys):
            name = WEIGHT.format(key=keys[int(found.group(1))])
        else:
            name = _PATHS.get(path, path)
        moved.setdefault(name, []).extend(problems if isinstance(problems, list) else [problems])
    return ServiceError(exc.status, exc.message, moved)
