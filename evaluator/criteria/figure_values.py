"""What one figure's value may be, by field type: the rule both ways of handing figures in share.

Figures arrive as JSON (the API, checked in ``applications/intake.py``) or as spreadsheet cells (the
import and the command line, read by ``scoring/cells.py`` and ``scoring/figures.py``). The two differ
only in how a value is spelled — a cell is text, so ``1e3`` spells a number and 是/否 a yes/no — and
otherwise apply the rules here:

- numbers are finite, within the field's ``min``/``max`` and never beyond :data:`MAX_MAGNITUDE`;
  an ``int`` field takes whole numbers only (``2.0`` is 2);
- a blank — nothing, an empty or whitespace-only text, an empty list of choices — is no figure:
  it is not stored, and a required field left blank is missing;
- a multi-choice figure is stored as its ticked choices, each once, in the form's order;
- a text figure has at most :data:`TEXT_MAX` characters.
"""

from __future__ import annotations

from typing import Any

from evaluator.criteria.model import Field
from evaluator.criteria.registry import fmt
from evaluator.messages import msg

MAX_MAGNITUDE = 1e12
"""The largest absolute value of any figure: no community, subdistrict or county comes near it."""
TEXT_MAX = 2000
"""The longest text figure, in characters."""
REQUIRED_MESSAGE = "Missing data for required field."


def bounds(f: Field) -> tuple[float, float]:
    """The smallest and largest value a numeric field accepts."""
    lo = -MAX_MAGNITUDE if f.min is None else max(float(f.min), -MAX_MAGNITUDE)
    hi = MAX_MAGNITUDE if f.max is None else min(float(f.max), MAX_MAGNITUDE)
    return lo, hi


def bounds_message(f: Field) -> str:
    """The refusal of a number outside :func:`bounds`, as a sentence."""
    lo, hi = bounds(f)
    return msg("Must be between %(min)s and %(max)s.", min=fmt(lo), max=fmt(hi))


def is_blank(value: Any) -> bool:
    """Whether a value is no figure at all: None, an empty or whitespace-only text, an empty list."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    return isinstance(value, list | tuple) and not value


def stored(f: Field, value: Any) -> Any:
    """A checked value as it is stored: None for a blank, choices in the form's order, each once."""
    if is_blank(value):
        return None
    if f.type == "multi":
        ticked = set(value)
        return [c for c in f.choice_values if c in ticked]
    return value
