"""The default cohort settings of each zone type, shipped as files in ``cohorts/defaults/``.

A default file is validated like any settings text when it is loaded. Its features are then matched
to the round's criteria set: a feature whose figures the set does not hold as numbers (or as an
enum, for a category) is left out and named in ``CohortSettings.omitted`` — never dropped silently.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from evaluator.cohorts.schema import MAX_TEXT_BYTES, CohortError, parse_settings_text
from evaluator.cohorts.settings import CohortSettings, build_settings
from evaluator.criteria.model import CriteriaSet
from evaluator.messages import msg

DEFAULTS_DIR = Path(__file__).resolve().parent / "defaults"


def defaults_path(zone_type: str) -> Path:
    """The default settings file of a zone type."""
    return DEFAULTS_DIR / f"{zone_type}.yaml"


def default_source(zone_type: str) -> Any:
    """The parsed default settings of a zone type (limits checked), before matching to a set."""
    path = defaults_path(zone_type)
    if not path.is_file():
        raise CohortError(
            {"(file)": [msg("no default cohort settings for zone type '%(zone)s'", zone=zone_type)]},
            str(path),
        )
    data = path.read_bytes()[: MAX_TEXT_BYTES + 1]
    return parse_settings_text(data.decode("utf-8"), str(path))


def _usable(feature: Any, criteria: CriteriaSet) -> bool:
    """Whether the set holds a default feature's figures in the type the feature needs."""
    if not isinstance(feature, dict):
        return True  # left to the validation, which names the problem
    fields = {f.key: f for f in criteria.fields}
    keys = [feature.get("field"), feature.get("denominator")]
    if feature.get("kind") == "category":
        f = fields.get(keys[0])
        return f is not None and f.type == "enum"
    return all(k is None or (k in fields and fields[k].numeric) for k in keys)


def default_settings(criteria: CriteriaSet) -> CohortSettings:
    """The default settings of the criteria set's zone type, matched to the set's figures."""
    raw = default_source(criteria.zone_type)
    features = raw.get("features") if isinstance(raw, dict) else None
    omitted: list[str] = []
    if isinstance(features, list):
        kept = [f for f in features if _usable(f, criteria)]
        omitted = [str(f.get("key")) for f in features if not _usable(f, criteria)]
        raw = {**raw, "features": kept}
        if isinstance(raw.get("order_by"), list):
            keys = {f.get("key") for f in kept if isinstance(f, dict)}
            raw["order_by"] = [k for k in raw["order_by"] if k in keys] or None
            if raw["order_by"] is None:
                del raw["order_by"]
    settings = build_settings(raw, criteria, str(defaults_path(criteria.zone_type)))
    return replace(settings, omitted=tuple(omitted))
