"""Comparable cohorts and similar peers: applications' figures in, explained groups out.

A pure engine (numpy, pandas, scikit-learn; no Flask, no database). The settings are data, validated
against the round's criteria set (:func:`build_settings`, :func:`default_settings`). docs/cohorts.md
describes it all.
"""

from evaluator.cohorts.defaults import default_settings
from evaluator.cohorts.schema import CohortError
from evaluator.cohorts.settings import CohortSettings, Feature, build_settings, load_settings_text

__all__ = [
    "CohortError",
    "CohortSettings",
    "Feature",
    "build_settings",
    "default_settings",
    "load_settings_text",
]
