"""The shape of an application as the API shows it (also in the region offices' API)."""

from __future__ import annotations

from marshmallow import Schema, fields

from evaluator.accounts.schemas import OrganisationSchema
from evaluator.applications import intake
from evaluator.applications.models import Application
from evaluator.i18n import localise
from evaluator.rounds.service import round_criteria
from evaluator.validation import UtcDateTime

FIGURES_DOC = {
    "description": "Field key → value, as the round's criteria `fields` define them (int/float: "
    "a JSON number within min..max; bool: true/false; enum: a choice value; multi: a list of "
    "choice values; text). Partial while a draft; null removes a figure."
}
SCORES_DOC = {
    "description": "Indicator id → self-assessed score, 0..the indicator's points; null removes it."
}


class WarningSchema(Schema):
    """A figure that is legal but unusual: worth a second look, never a refusal."""

    field = fields.String()
    code = fields.String(metadata={"description": "outside_norm, ratio_above_100, ratio_zero_base, declined"})
    message = fields.String()


class ApplicationSchema(Schema):
    """An application as the API returns it."""

    id = fields.Integer()
    round_id = fields.Integer()
    organisation = fields.Nested(OrganisationSchema)
    status = fields.String(
        metadata={
            "description": "draft → submitted → endorsed → recommended → under_review; or withdrawn, "
            "declined, not_recommended (left at a region step when the round entered review)"
        }
    )
    figures = fields.Dict(metadata=FIGURES_DOC)
    self_assessment = fields.Dict(metadata=SCORES_DOC)
    warnings = fields.Method(
        "_warnings",
        metadata={
            "type": "array",
            "items": {"$ref": "#/components/schemas/Warning"},
            "description": "Figures that are legal but unusual, in the reader's language.",
        },
    )
    missing_required = fields.Method(
        "_missing",
        metadata={"description": "Required fields not filled in yet (submit refuses while any are missing)."},
    )
    bonus_claims = fields.List(
        fields.String(),
        metadata={
            "description": "Ids of the criteria's bonus items (those without a condition) "
            "the applicant claims."
        },
    )
    office_note = fields.String(
        allow_none=True,
        metadata={"description": "The region office's reason when it returned or declined the application."},
    )
    city_rank = fields.Integer(
        allow_none=True,
        metadata={"description": "The city office's rank of a recommended application (1 first)."},
    )
    submitted_at = UtcDateTime(allow_none=True)
    created_at = UtcDateTime()
    updated_at = UtcDateTime()

    def _missing(self, obj: Application) -> list[str]:
        return intake.missing_required(round_criteria(obj.round), obj.figures or {})

    def _warnings(self, obj: Application) -> list[dict]:
        # Made afresh from the figures (the stored copy is English text): cheap, and translatable.
        return localise(intake.intake_warnings(round_criteria(obj.round), obj.figures or {}))
