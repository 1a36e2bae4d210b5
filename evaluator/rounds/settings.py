"""A round's review settings: the region steps and quotas, the panels, the conflict rules and the
limit on declared conflicts, blind mode and the disagreement spread — data on the round
(``Round.settings``), validated here.

``settings_of(round)`` gives the settings with every default filled in, as a frozen
:class:`ReviewSettings`; ``update_settings`` validates a change, stores it, and audits it with the
before and after. Settings change only before the review begins (draft or open).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, validate, validates_schema

from evaluator.accounts.models import User
from evaluator.audit import service as audit
from evaluator.core.locking import lock_round
from evaluator.core.versions import check_version
from evaluator.errors import ServiceError
from evaluator.extensions import db
from evaluator.messages import msg
from evaluator.rounds.models import Round
from evaluator.validation import Pattern
from evaluator.workflow import PHASE_LABELS, Phase, RegionLevel

MAX_PANEL = 25
MAX_DECLARED_CONFLICTS = 1000
MAX_CITY_QUOTAS = 300
CITY_CODE = Pattern(r"^\d{4}00$", error="A city code is 6 digits ending in 00.")


class StrictBoolean(fields.Boolean):
    """JSON true or false only: not 1, "yes" or "no" (a setting is never guessed from text)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class StrictFloat(fields.Float):
    """A JSON number only: not a boolean, not text."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> float | None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class QuotaSchema(Schema):
    """A city's quota: a number of applications, or a share of the city's applications."""

    class Meta:  # noqa: D106
        unknown = RAISE

    kind = fields.String(required=True, validate=validate.OneOf(("number", "share")))
    value = StrictFloat(required=True, allow_nan=False, validate=validate.Range(min=0, max=100000))

    @validates_schema
    def _share_at_most_one(self, data, **kwargs):
        if data.get("kind") == "share" and data.get("value", 0) > 1:
            raise ValidationError(msg("A share lies between 0 and 1."), "value")
        if data.get("kind") == "number" and float(data.get("value", 0)).is_integer() is False:
            raise ValidationError(msg("A number of applications is a whole number."), "value")


class ConflictRulesSchema(Schema):
    """Which conflict rules apply to the round's assignments."""

    class Meta:  # noqa: D106
        unknown = RAISE

    same_region = StrictBoolean()
    region_level = fields.String(validate=validate.OneOf([lv.value for lv in RegionLevel]))
    same_affiliation = StrictBoolean()
    declared = StrictBoolean()


class ReviewSettingsSchema(Schema):
    """The settings a round stores; every key is optional (a default applies)."""

    class Meta:  # noqa: D106
        unknown = RAISE

    county_step = StrictBoolean()
    city_step = StrictBoolean()
    quota = fields.Nested(QuotaSchema)
    city_quotas = fields.Dict(
        keys=fields.String(validate=CITY_CODE),
        values=fields.Nested(QuotaSchema),
        validate=validate.Length(max=MAX_CITY_QUOTAS),
    )
    reviewers_per_application = fields.Integer(strict=True, validate=validate.Range(min=1, max=MAX_PANEL))
    max_load = fields.Integer(strict=True, allow_none=True, validate=validate.Range(min=1, max=100000))
    conflicts = fields.Nested(ConflictRulesSchema)
    max_declared_conflicts = fields.Integer(
        strict=True, validate=validate.Range(min=0, max=MAX_DECLARED_CONFLICTS)
    )
    on_site_group = StrictBoolean()
    inspectors_per_application = fields.Integer(strict=True, validate=validate.Range(min=1, max=MAX_PANEL))
    blind = StrictBoolean()
    disagreement_spread = StrictFloat(allow_nan=False, validate=validate.Range(min=0, max=1))
    disagreement_mads = StrictFloat(allow_none=True, allow_nan=False, validate=validate.Range(min=0, max=10))


@dataclass(frozen=True)
class Quota:
    """A quota: ``number`` applications, or a ``share`` (0–1) of the city's applications."""

    kind: str = "share"
    value: float = 0.5

    def limit(self, applications: int) -> int:
        """How many of a city's ``applications`` it may recommend (a share rounds up)."""
        if self.kind == "number":
            return int(self.value)
        return math.ceil(round(self.value * applications, 9))


@dataclass(frozen=True)
class ConflictSettings:
    """The conflict rules (as ``evaluator.assignment.ConflictRules`` takes them)."""

    same_region: bool = True
    region_level: str = RegionLevel.COUNTY.value
    same_affiliation: bool = True
    declared: bool = True


@dataclass(frozen=True)
class ReviewSettings:
    """A round's review settings with every default filled in.

    ``county_step``/``city_step``: whether the county endorses and the city recommends before the
    province reviews (off: the step is skipped). ``quota`` is every city's quota unless
    ``city_quotas`` names the city. Reviewers disagree on an indicator when their highest and lowest
    scores differ by more than the round's usual spread (the median over the round's indicators
    and applications, as a share of the points) plus ``disagreement_mads`` robust deviations (MAD),
    and by more than ``disagreement_spread`` of its points in any case (None: that share alone;
    ``results.stats.disagreement_line``).
    ``max_declared_conflicts``: how many conflicts one reviewer, and one applicant organisation, may
    have pending or accepted in the round (refused ones do not count); the office decides each.
    """

    county_step: bool = True
    city_step: bool = True
    quota: Quota = field(default_factory=Quota)
    city_quotas: Mapping[str, Quota] = field(default_factory=dict)
    reviewers_per_application: int = 5
    max_load: int | None = None
    conflicts: ConflictSettings = field(default_factory=ConflictSettings)
    max_declared_conflicts: int = 5
    on_site_group: bool = False
    inspectors_per_application: int = 3
    blind: bool = False
    disagreement_spread: float = 0.3
    disagreement_mads: float | None = 3.0

    def quota_for(self, city_code: str) -> Quota:
        """The quota of one city."""
        return self.city_quotas.get(city_code, self.quota)

    def as_dict(self) -> dict[str, Any]:
        """Plain data (for the API, the audit and the results snapshot)."""
        return asdict(self)


def _build(data: Mapping[str, Any]) -> ReviewSettings:
    values = dict(data)
    if "quota" in values:
        values["quota"] = Quota(**values["quota"])
    if "city_quotas" in values:
        values["city_quotas"] = {k: Quota(**v) for k, v in values["city_quotas"].items()}
    if "conflicts" in values:
        values["conflicts"] = ConflictSettings(**{**asdict(ConflictSettings()), **values["conflicts"]})
    return ReviewSettings(**values)


_STORED = ReviewSettingsSchema(unknown=EXCLUDE)


def settings_of(rnd: Round) -> ReviewSettings:
    """The round's settings, defaults filled in (stored settings were validated when saved)."""
    stored = _STORED.load(rnd.settings or {})
    return _build(stored)


def validate_settings(data: Any) -> dict[str, Any]:
    """Checked settings, or a 422 naming every bad field."""
    if not isinstance(data, Mapping):
        raise ServiceError(422, msg("The settings are an object."), {"settings": [msg("Not an object.")]})
    try:
        return ReviewSettingsSchema().load(data)
    except ValidationError as exc:
        raise ServiceError(422, msg("The settings are not valid: see the fields."), exc.messages) from None


def update_settings(
    actor: User, rnd: Round, changes: Mapping[str, Any], expected: Collection[str] | None = None
) -> Round:
    """Merge ``changes`` into the round's stored settings (flushes, audits before and after).

    Only before the review begins; a stale If-Match is refused with 412.
    """
    checked = validate_settings(changes)
    fresh = lock_round(rnd.id)
    if fresh is None:
        raise ServiceError(404, msg("No round %(id)s.", id=rnd.id))
    check_version(fresh, expected, "round")
    if fresh.phase not in (Phase.DRAFT, Phase.OPEN):
        raise ServiceError(
            409,
            msg(
                "Round '%(title)s' is in phase '%(phase)s': its review settings can "
                "change only before the review begins.",
                title=fresh.title,
                phase=PHASE_LABELS[Phase(fresh.phase)],
            ),
        )
    before = settings_of(fresh).as_dict()
    stored = {**(fresh.settings or {}), **ReviewSettingsSchema().dump(checked)}
    fresh.settings = stored
    db.session.flush()
    after = settings_of(fresh).as_dict()
    changed = {k: {"before": before[k], "after": after[k]} for k in after if before[k] != after[k]}
    audit.record(actor, "round.settings_changed", "round", fresh.id, {"changed": changed})
    return fresh
