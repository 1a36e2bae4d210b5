"""Criteria sets as data: load, validate (marshmallow), derive weights, name indicator methods."""

from evaluator.criteria import methods, norms  # noqa: F401 (the built-in methods register themselves)
from evaluator.criteria.catalog import criteria_dir, list_criteria, load_criteria
from evaluator.criteria.loader import CriteriaError, build_criteria, load_criteria_file
from evaluator.criteria.model import CriteriaSet, Field, Indicator

__all__ = [
    "CriteriaError",
    "CriteriaSet",
    "Field",
    "Indicator",
    "build_criteria",
    "criteria_dir",
    "list_criteria",
    "load_criteria",
    "load_criteria_file",
]
