"""What a review may hold, checked against the assignment's scope: the input schema, the checks of
each entry (a score, a comment, a veto, a bonus verification) and the completeness a submission needs.

Two ways of checking: whole (``validate_review``: any problem refuses the review, 422 naming each
field) and entry by entry (``check_review(..., partial=True)``: the valid entries are kept, the
others are set aside with their problems, for a draft's partial save). A review whose shape is wrong
— not an object, an unknown key, a field of the wrong type or too many entries, a status that is
neither draft nor submitted — is refused either way.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from evaluator.errors import ServiceError
from evaluator.messages import N_, msg
from evaluator.validation import Text
from evaluator.workflow import ReviewStatus

if TYPE_CHECKING:
    from evaluator.reviews.service import Scope

MAX_COMMENT = 2000
MAX_OVERALL = 5000
MAX_REASON = 1000
NOT_VALID = N_("The review is not valid: see the fields.")
ENTRIES = ("scores", "comments", "bonus_verified")  # mappings checked entry by entry


class _Score(fields.Float):
    """A score: a JSON number (not a boolean, not text), finite."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> float | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValidationError(msg("A score is a number."))
        if not math.isfinite(value):
            raise ValidationError(msg("A score is a finite number."))
        return float(value)


class _Verified(fields.Boolean):
    """A verification: JSON true or false, nothing else (not 1, not "yes")."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise ValidationError(msg("Not true or false."))
        return value


class ReviewVetoInSchema(Schema):
    """A veto flag the reviewer raises, with the reason for it."""

    class Meta:  # noqa: D106
        unknown = RAISE

    flag = fields.String(required=True, validate=validate.Length(max=80))
    # A blank reason is refused by the scope check, in words ("give the reason"), not as a length.
    reason = Text(required=True, max_length=MAX_REASON, multiline=True)


class ReviewInputSchema(Schema):
    """The whole review as a client sends it (what is left out is empty)."""

    class Meta:  # noqa: D106
        unknown = RAISE

    scores = fields.Dict(
        keys=fields.String(validate=validate.Length(max=80)),
        values=_Score(allow_none=True),
        load_default=dict,
        validate=validate.Length(max=2000),
    )
    comments = fields.Dict(
        keys=fields.String(validate=validate.Length(max=80)),
        values=Text(max_length=MAX_OVERALL, multiline=True),
        load_default=dict,
        validate=validate.Length(max=2000),
    )
    vetoes = fields.List(
        fields.Nested(ReviewVetoInSchema), load_default=list, validate=validate.Length(max=50)
    )
    bonus_verified = fields.Dict(
        keys=fields.String(validate=validate.Length(max=80)),
        values=_Verified(),
        load_default=dict,
        validate=validate.Length(max=200),
    )
    status = fields.String(
        load_default=ReviewStatus.DRAFT.value, validate=validate.OneOf([s.value for s in ReviewStatus])
    )


_INPUT = ReviewInputSchema()  # loading keeps no state in the schema: one serves every request


def validate_review(data: Any, scope: Scope) -> dict[str, Any]:
    """The review checked against the schema and the assignment's scope; a 422 naming each field."""
    return check_review(data, scope, partial=False)[0]


def check_review(data: Any, scope: Scope, partial: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    """The review checked against the schema and the assignment's scope: (the checked review, the
    entries set aside with their problems). Whole (``partial`` false) any problem is a 422 naming
    each field; entry by entry, each bad score, comment, veto or bonus verification is left out of
    the checked review and named among the entries set aside, as the error envelope names fields."""
    if not isinstance(data, Mapping):
        raise ServiceError(422, msg("The review is an object."), {"_schema": [msg("Not an object.")]})
    sent = data.get("vetoes")
    kept = list(range(len(sent))) if isinstance(sent, list) else []  # the sent position of each veto
    try:
        checked = _INPUT.load(data)
        rejected: dict[str, Any] = {}
    except ValidationError as exc:
        rejected = _by_key(exc.messages)
        if not _entries_only(rejected, data):
            raise ServiceError(422, msg(NOT_VALID), rejected) from None
        dropped = {_index(k, len(kept)) for k in rejected.get("vetoes", {})}
        kept = [i for i in kept if i not in dropped]
        try:
            checked = _INPUT.load(_without(data, rejected))
        except ValidationError as again:  # not expected: the entries named were the only problems
            raise ServiceError(422, msg(NOT_VALID), _by_key(again.messages)) from None
    # The entries refused by the schema are left out; the others are checked against the scope
    # too, so that a refusal names every problem at once.
    problems = _scope_problems(checked, scope)
    if problems:
        checked = _without(checked, problems)
        if "vetoes" in problems:  # named by the position the client sent them in
            problems["vetoes"] = {str(kept[int(k)]): v for k, v in problems["vetoes"].items()}
        for name, entries in problems.items():
            rejected.setdefault(name, {}).update(entries)
    if rejected and not partial:
        raise ServiceError(422, msg(NOT_VALID), rejected)
    return checked, rejected


def _scope_problems(checked: dict[str, Any], scope: Scope) -> dict[str, Any]:
    """The entries that do not fit the assignment: ids outside its scope, scores out of bounds, long
    comments, unknown, repeated or unexplained veto flags, bonus items not claimed."""
    errors: dict[str, Any] = {}
    bounds = {leaf.id: leaf.points for leaf in scope.leaves}
    for key, value in checked["scores"].items():
        if key not in bounds:
            errors.setdefault("scores", {})[key] = [msg("Not an indicator this assignment scores.")]
        elif value is not None and not 0 <= value <= score_ceiling(bounds[key]):
            errors.setdefault("scores", {})[key] = [
                msg(
                    "A score lies between %(min)s and %(max)s.",
                    min=0,
                    max=format(shown_points(bounds[key]), "g"),
                )
            ]
        elif value is not None and value > bounds[key]:
            checked["scores"][key] = bounds[key]  # the maximum as shown: full marks
    for key, text in checked["comments"].items():
        if key != "" and key not in bounds:
            errors.setdefault("comments", {})[key] = [msg("Not an indicator this assignment scores.")]
        elif key != "" and len(text) > MAX_COMMENT:
            errors.setdefault("comments", {})[key] = [
                msg("This text has %(min)s to %(max)s characters.", min=0, max=MAX_COMMENT)
            ]
    seen = set()
    for i, veto in enumerate(checked["vetoes"]):
        if veto["flag"] not in scope.flags:
            errors.setdefault("vetoes", {})[str(i)] = {"flag": [msg("Not a veto flag of these criteria.")]}
        elif veto["flag"] in seen:
            errors.setdefault("vetoes", {})[str(i)] = {"flag": [msg("This flag is raised twice.")]}
        elif not veto["reason"].strip():
            errors.setdefault("vetoes", {})[str(i)] = {"reason": [msg("Give the reason for the veto.")]}
        seen.add(veto["flag"])
    for key in checked["bonus_verified"]:
        if key not in scope.claimed:
            errors.setdefault("bonus_verified", {})[key] = [
                msg("The application does not claim this bonus item.")
            ]
    return errors


def shown_points(points: float) -> float:
    """An indicator's points as the scoring sheet shows them: 2 decimals, rounded half up (points
    weighed by AHP are rarely decimals: 22.857142857142858 shows as 22.86)."""
    return float(Decimal(format(points, ".10g")).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def score_ceiling(points: float) -> float:
    """The highest score a reviewer may type: the points, or the points as shown where that is more.
    A score between the two is full marks and is stored as the points, so that the maximum a
    reviewer reads is a score the service takes and the engine never sees a score above the points."""
    return max(points, shown_points(points))


def _entries_only(errors: Mapping[str, Any], data: Mapping[str, Any]) -> bool:
    """Whether every problem is one entry's: a key of a mapping or an item of the vetoes, as sent."""
    for name, found in errors.items():
        if not isinstance(found, Mapping):
            return False
        sent = data.get(name)
        if name in ENTRIES:
            if not isinstance(sent, Mapping) or not all(k in sent for k in found):
                return False
        elif name == "vetoes":
            if not isinstance(sent, list) or not all(_index(k, len(sent)) is not None for k in found):
                return False
        else:
            return False
    return True


def _index(key: Any, size: int) -> int | None:
    """A list position as marshmallow or the scope check names it (an int, or its text)."""
    text = str(key)
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 9 and int(text) < size else None


def _without(data: Mapping[str, Any], errors: Mapping[str, Any]) -> dict[str, Any]:
    """``data`` without the entries named in ``errors`` (a shallow copy: ``data`` is kept)."""
    out = dict(data)
    for name, found in errors.items():
        if name in ENTRIES:
            out[name] = {k: v for k, v in data[name].items() if k not in found}
        elif name == "vetoes":
            dropped = {_index(k, len(data[name])) for k in found}
            out[name] = [v for i, v in enumerate(data[name]) if i not in dropped]
    return out


def _by_key(errors: Any) -> Any:
    """Schema errors with a mapping's per-entry problems under the entry's key (marshmallow puts
    them under "key" and "value"), and the vetoes' items under their position as text."""
    if not isinstance(errors, dict):
        return errors
    out: dict[str, Any] = {}
    for name, value in errors.items():
        if name in ENTRIES and isinstance(value, dict):
            out[name] = {
                k: (v.get("value") or v.get("key") or v) if isinstance(v, dict) else v
                for k, v in value.items()
            }
        elif name == "vetoes" and isinstance(value, dict):
            out[name] = {str(k): v for k, v in value.items()}
        else:
            out[name] = value
    return out


def check_complete(checked: dict[str, Any], scope: Scope) -> None:
    """422 unless every indicator of the scope is scored and every claimed bonus item verified."""
    errors: dict[str, Any] = {}
    for leaf in scope.leaves:
        if checked["scores"].get(leaf.id) is None:
            errors.setdefault("scores", {})[leaf.id] = [msg("Score this indicator before submitting.")]
    for item in scope.claimed:
        if item not in checked["bonus_verified"]:
            errors.setdefault("bonus_verified", {})[item] = [
                msg("Verify this claimed bonus item before submitting.")
            ]
    if errors:
        raise ServiceError(422, msg("The review cannot be submitted yet: see the fields."), errors)
