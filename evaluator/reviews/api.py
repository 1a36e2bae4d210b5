"""Expert reviews: scores per indicator, comments, veto flags with reasons and bonus verification.

A reviewer reads and writes only the reviews of their own assignments; the office may read any.
``PUT`` replaces the whole review and needs ``If-Match`` with the ETag the client read (``"v0"``
before the first save); a stale ETag is refused with 412 Precondition Failed and nothing is changed.
"""

from __future__ import annotations

from typing import Any

from flask import request
from marshmallow import RAISE, Schema, fields

from evaluator.accounts.policy import authorize
from evaluator.applications.models import Material
from evaluator.assignments.models import Assignment
from evaluator.core.versions import version_of
from evaluator.errors import ServiceError
from evaluator.i18n import localise
from evaluator.materials import service as materials_service
from evaluator.messages import msg
from evaluator.reviews import service
from evaluator.reviews import sheet as reviews_sheet
from evaluator.reviews.checks import ReviewInputSchema
from evaluator.reviews.models import Review
from evaluator.validation import UtcDateTime
from evaluator.web.api import etag_header, get_or_404, guard, if_match
from evaluator.web.downloads import material_response
from evaluator.web.parsing import Blueprint, json_body
from evaluator.web.security import signed_in_user

PREFIX = ""
blp = Blueprint("reviews", __name__, description=__doc__)


class ReviewVetoSchema(Schema):
    """A raised veto flag and its reason."""

    flag = fields.String()
    reason = fields.String()


class ReviewProgressSchema(Schema):
    """How far the review has got."""

    scored = fields.Integer()
    total = fields.Integer()


class ReviewSchema(Schema):
    """A review as the API returns it (``version`` 0 and status not_started before the first save)."""

    assignment_id = fields.Integer()
    review_id = fields.Integer(allow_none=True)
    version = fields.Integer()
    status = fields.String(metadata={"description": "not_started | draft | submitted"})
    scores = fields.Dict(
        keys=fields.String(),
        values=fields.Float(),
        metadata={"description": "Indicator id → score (indicators not scored are left out)."},
    )
    comments = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        metadata={"description": 'Indicator id → comment; "" → the overall comment.'},
    )
    vetoes = fields.List(fields.Nested(ReviewVetoSchema))
    bonus_verified = fields.Dict(keys=fields.String(), values=fields.Boolean())
    submitted_at = UtcDateTime(allow_none=True)
    updated_at = UtcDateTime(allow_none=True)
    progress = fields.Nested(ReviewProgressSchema)
    not_saved = fields.Dict(
        keys=fields.String(),
        values=fields.Raw(),
        metadata={
            "description": "With ``partial=true``: the entries not saved, each with its problems, named as "
            'a 422 names them (``{"scores": {"plan_quality": ["…"]}, "vetoes": {"0": {"reason": ["…"]}}}``); '
            "empty when everything was saved."
        },
    )


class SaveArgsSchema(Schema):
    """How a save treats invalid entries."""

    class Meta:  # noqa: D106
        unknown = RAISE

    partial = fields.Boolean(
        load_default=False,
        metadata={
            "description": "true: save a draft entry by entry — the valid scores, comments, vetoes and "
            "bonus verifications are saved, each invalid one keeps its stored value and is named in "
            "``not_saved`` (200). Without it any invalid entry refuses the whole review (422)."
        },
    )


class SheetApplicantSchema(Schema):
    """The applicant as the reader may see it (blind mode: a neutral name and the city only)."""

    name = fields.String()
    blind = fields.Boolean()
    kind = fields.String()
    city = fields.String(allow_none=True)
    city_code = fields.String(allow_none=True)
    county = fields.String(allow_none=True)
    county_code = fields.String(allow_none=True)
    subdistrict = fields.String(allow_none=True)


class SheetFigureSchema(Schema):
    """One figure of the application with its label."""

    key = fields.String()
    label = fields.String()
    label_en = fields.String()
    unit = fields.String(allow_none=True)
    type = fields.String()
    value = fields.Raw(allow_none=True)


class SheetBonusClaimSchema(Schema):
    """A bonus item the application claims."""

    id = fields.String()
    name = fields.String()
    name_en = fields.String()
    points = fields.Float()


class SheetApplicationSchema(Schema):
    """The application on the scoring sheet."""

    id = fields.Integer()
    status = fields.String()
    applicant = fields.Nested(SheetApplicantSchema)
    figures = fields.List(fields.Nested(SheetFigureSchema))
    bonus_claims = fields.List(fields.Nested(SheetBonusClaimSchema))


class SheetMaterialSchema(Schema):
    """A material (named neutrally in blind mode)."""

    id = fields.Integer()
    name = fields.String()
    content_type = fields.String()
    size = fields.Integer()
    material_key = fields.String(allow_none=True)
    indicator_id = fields.String(allow_none=True)
    inline = fields.Boolean(metadata={"description": "PDF or image: shown inline on the scoring page."})
    download_url = fields.String()


class SheetEvidenceSchema(Schema):
    """A kind of material an indicator asks for."""

    key = fields.String()
    name = fields.String()
    name_en = fields.String()


class SheetIndicatorSchema(Schema):
    """An expert indicator of the assignment's scope."""

    id = fields.String()
    name = fields.String()
    name_en = fields.String()
    path = fields.String()
    section = fields.String()
    section_name = fields.String()
    section_name_en = fields.String()
    guidance = fields.String(allow_none=True)
    check = fields.List(fields.String(), metadata={"description": "How it is checked: materials, on_site, …"})
    evidence = fields.List(fields.Nested(SheetEvidenceSchema))
    min = fields.Float()
    points = fields.Float(metadata={"description": "The highest score."})


class SheetVetoFlagSchema(Schema):
    """A veto flag reviewers may raise."""

    flag = fields.String()
    reason = fields.String()
    reason_en = fields.String()


class SheetRoundSchema(Schema):
    """The assignment's round."""

    id = fields.Integer()
    title = fields.String()
    phase = fields.String()
    review_deadline = UtcDateTime(allow_none=True)


class SheetSchema(Schema):
    """What the reviewer needs to score an assignment."""

    assignment_id = fields.Integer()
    kind = fields.String()
    status = fields.String()
    round = fields.Nested(SheetRoundSchema)
    application = fields.Nested(SheetApplicationSchema)
    materials = fields.List(fields.Nested(SheetMaterialSchema))
    indicators = fields.List(fields.Nested(SheetIndicatorSchema))
    veto_flags = fields.List(fields.Nested(SheetVetoFlagSchema))
    blind = fields.Boolean()


def review_data(
    assignment: Assignment,
    review: Review | None,
    scope: service.Scope | None = None,
    not_saved: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The review as the API shows it (``scope``: the assignment's, when known already;
    ``not_saved``: the entries a partial save set aside, with their problems)."""
    scope = scope or service.scope_of(assignment)
    scored, total = service.progress(review, scope)
    return {
        "assignment_id": assignment.id,
        "review_id": None if review is None else review.id,
        "version": version_of(review),
        "status": "not_started" if review is None else review.status,
        "scores": service.scores_by_id(review, scope.criteria),
        "comments": {} if review is None else review.comments or {},
        "vetoes": [] if review is None else review.vetoes or [],
        "bonus_verified": {} if review is None else review.bonus_verified or {},
        "submitted_at": None if review is None else review.submitted_at,
        "updated_at": None if review is None else review.updated_at,
        "progress": {"scored": scored, "total": total},
        "not_saved": localise(not_saved or {}),
    }


@blp.route("/assignments/<int:assignment_id>/review", methods=["GET"])
@guard("review.view", Assignment)
@blp.response(200, ReviewSchema)
def get_review(assignment_id: int):
    """The review of an assignment (its reviewer; the office may read any), with its ETag."""
    assignment = get_or_404(Assignment, assignment_id, "assignment")
    authorize(signed_in_user(), "review.view", assignment)
    review = service.review_of(assignment)
    return review_data(assignment, review), 200, etag_header(review)


@blp.route("/assignments/<int:assignment_id>/review", methods=["PUT"])
@guard("review.save", Assignment)
@blp.arguments(SaveArgsSchema, location="query", as_kwargs=True)
@blp.doc(requestBody={"required": True, "content": {"application/json": {"schema": ReviewInputSchema}}})
@blp.response(200, ReviewSchema)
@blp.alt_response(
    409, response="DEFAULT_ERROR", description="The round not in review, or the assignment not active"
)
@blp.alt_response(
    412,
    response="DEFAULT_ERROR",
    description="A stale If-Match: the review was saved since it was read (nothing changed)",
)
@blp.alt_response(428, response="DEFAULT_ERROR", description="No If-Match header")
def put_review(assignment_id: int, partial: bool = False):
    """Replace the review of one's own assignment (while the round is in review).

    ``scores``: indicator id → number within 0..points (null or left out: not scored); only the
    indicators of the assignment's scope. ``comments``: indicator id or "" (overall) → text.
    ``vetoes``: [{flag, reason}]. ``bonus_verified``: claimed bonus item id → true/false.
    ``status``: draft, or submitted (every indicator scored, every claimed item verified).
    Send ``If-Match`` with the ETag read (``"v0"`` before the first save); ``*`` overwrites any.
    With ``?partial=true`` a draft is saved entry by entry: what is valid is saved, the rest is
    named in ``not_saved`` (a submission, a malformed body and a stale version are refused whole).
    """
    assignment = get_or_404(Assignment, assignment_id, "assignment")
    actor = authorize(signed_in_user(), "review.save", assignment)
    if "If-Match" not in request.headers:
        raise ServiceError(
            428,
            msg(
                'Send If-Match with the ETag of the review you read ("v0" before '
                "the first save), so that no other save is overwritten."
            ),
            {"If-Match": [msg("missing")]},
        )
    if partial:
        review, scope, not_saved = service.save_review_partial(actor, assignment, json_body(), if_match())
        return review_data(assignment, review, scope, not_saved), 200, etag_header(review)
    review, scope = service.save_review_scoped(actor, assignment, json_body(), if_match())
    return review_data(assignment, review, scope), 200, etag_header(review)


@blp.route("/assignments/<int:assignment_id>/sheet", methods=["GET"])
@guard("review.view", Assignment)
@blp.response(200, SheetSchema)
def get_sheet(assignment_id: int):
    """The scoring sheet: the application's figures (blind-aware), its materials, the indicators of
    the assignment's scope with guidance, how they are checked, the evidence asked and bounds."""
    assignment = get_or_404(Assignment, assignment_id, "assignment")
    actor = authorize(signed_in_user(), "review.view", assignment)
    return reviews_sheet.sheet(actor, assignment)


@blp.route("/assignments/<int:assignment_id>/materials/<int:material_id>", methods=["GET"])
@guard("review.view", Assignment)
@blp.response(200, description="The file, as an attachment, named as the reviewer may see it.")
@blp.doc(
    responses={
        "200": {
            "description": "The file, as an attachment.",
            "content": {
                kind.content_type: {"schema": {"type": "string", "format": "binary"}}
                for kind in materials_service.KINDS
            },
        }
    }
)
def get_material(assignment_id: int, material_id: int):
    """A material of the assignment's application, for its reviewer (in a blind round too: the
    file is named by its kind and number, as on the sheet, never by its uploaded name)."""
    assignment = get_or_404(Assignment, assignment_id, "assignment")
    actor = authorize(signed_in_user(), "review.view", assignment)
    material = get_or_404(Material, material_id, "material")
    if material.application_id != assignment.application_id:
        raise ServiceError(404, msg("No material %(id)s.", id=material_id))
    authorize(actor, "material.inline", material)
    names = {
        m["id"]: m["name"]
        for m in reviews_sheet.materials_of(actor, assignment.application, service.scope_of(assignment))
    }
    return material_response(material, filename=names.get(material.id))
