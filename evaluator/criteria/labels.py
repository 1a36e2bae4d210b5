"""What people read for the words of a criteria file: the types of the form's figures, how a parent's
points are shared among its children, how reviewers' scores are calibrated, and the indicator methods
(named by the registry). English, marked for the catalogs; ``formatting.label`` shows them in the
reader's language, so a page never shows the file's own words (``int``, ``weight``, ``zscore``)."""

from __future__ import annotations

from evaluator.criteria.registry import method_labels
from evaluator.messages import N_

FIELD_TYPE_LABELS = {
    "int": N_("Whole number"),
    "float": N_("Number"),
    "bool": N_("Yes or no"),
    "enum": N_("One choice"),
    "multi": N_("Several choices"),
    "text": N_("Text"),
}
ALLOCATION_LABELS = {
    "points": N_("Fixed points"),
    "weight": N_("Relative weight"),
    "ahp": N_("AHP weight"),
}
CALIBRATION_LABELS = {
    "none": N_("No calibration"),
    "zscore": N_("Z-score calibration"),
}


def vocabularies() -> dict[str, dict[str, str]]:
    """The criteria's vocabularies by name, each value with its label (methods as registered)."""
    return {
        "method": method_labels(),
        "field_type": FIELD_TYPE_LABELS,
        "allocation": ALLOCATION_LABELS,
        "calibration": CALIBRATION_LABELS,
    }
