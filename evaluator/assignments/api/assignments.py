"""Reviewer assignment: automatic and manual, recusal, reviewers' expertise."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from evaluator.accounts.models import User
from evaluator.accounts.policy import authorize
from evaluator.applications.models import Application
from evaluator.assignments import manual, profile, service
from evaluator.assignments.models import Assignment
from evaluator.i18n import localise
from evaluator.rounds.models import Round
from evaluator.rounds.settings import MAX_PANEL
from evaluator.validation import MAX_ID, Id, QueryId, Text, UtcDateTime
from evaluator.web.api import get_or_404, guard, page_of
from evaluator.web.parsing import Blueprint
from evaluator.web.security import signed_in_user
from evaluator.workflow import AssignmentKind, AssignmentSource, AssignmentStatus

PREFIX = ""
blp = Blueprint("assignments", __name__, description=__doc__)

KINDS = [k.value for k in AssignmentKind]
STATUSES = [s.value for s in AssignmentStatus]


class AutoAssignSchema(Schema):
    """An automatic run: the seed and optional overrides of the round's settings."""

    seed = fields.Integer(
        load_default=0,
        strict=True,
        validate=validate.Range(min=0, max=MAX_ID),
        metadata={"description": "Breaks ties: the same seed on the same data gives the same assignment."},
    )
    reviewers_per_application = fields.Integer(
        load_default=None, strict=True, validate=validate.Range(min=1, max=MAX_PANEL)
    )
    max_load = fields.Integer(load_default=None, strict=True, validate=validate.Range(min=1, max=100000))
    kind = fields.String(load_default=AssignmentKind.MATERIALS.value, validate=validate.OneOf(KINDS))


class AssignmentSectionSchema(Schema):
    """One section: how many fully staffed applications have an expert of it, and the share."""

    section = fields.String()
    covered = fields.Integer()
    share = fields.Float()


class AssignmentCoverageSchema(Schema):
    """Coverage of the criteria's level-1 sections by the panels' experts."""

    overall = fields.Float()
    fully_covered = fields.Integer()
    per_section = fields.List(fields.Nested(AssignmentSectionSchema))


class AssignmentLoadsSchema(Schema):
    """Reviewers' loads (active assignments of the kind)."""

    min = fields.Integer()
    max = fields.Integer()
    mean = fields.Float()


class AssignmentUncoveredSchema(Schema):
    """An application whose panel could not be filled, and why."""

    application_id = fields.Integer()
    organisation = fields.String()
    missing = fields.Integer(metadata={"description": "reviewers it still lacked"})
    candidates = fields.Integer(metadata={"description": "reviewers without a conflict"})
    reason = fields.Function(lambda u: localise(u["reason"]))


class AutoAssignReportSchema(Schema):
    """What an automatic run did."""

    round_id = fields.Integer()
    kind = fields.String()
    seed = fields.Integer()
    per_application = fields.Integer()
    max_load = fields.Integer()
    pairs_made = fields.Integer()
    kept = fields.Integer(metadata={"description": "active assignments kept from before"})
    applications = fields.Integer()
    reviewers = fields.Integer()
    staffed = fields.Integer(metadata={"description": "applications with a full panel"})
    status = fields.String(metadata={"description": "complete, partial or infeasible"})
    loads = fields.Nested(AssignmentLoadsSchema)
    coverage = fields.Nested(AssignmentCoverageSchema)
    uncovered = fields.List(fields.Nested(AssignmentUncoveredSchema))
    solver_seconds = fields.Float()


def _override_reason(row: Assignment) -> str | None:
    # The office's words about the pair, and a sign that the pair breaks a rule (the reviewer's own
    # county, affiliation or declared conflict): never a reviewer's to read, blind round or not.
    user = signed_in_user()
    return row.override_reason if user is not None and user.is_admin else None


class AssignmentSchema(Schema):
    """One reviewer on one application's panel."""

    id = fields.Integer()
    round_id = fields.Integer()
    application_id = fields.Integer()
    reviewer_id = fields.Integer()
    reviewer_name = fields.Function(lambda a: a.reviewer.display_name)
    kind = fields.String()
    status = fields.String()
    source = fields.String(metadata={"description": " or ".join(AssignmentSource)})
    override_reason = fields.Function(
        _override_reason,
        allow_none=True,
        metadata={
            "type": "string",
            "description": "Why the office overrode the round's rules (the office only; null for a reviewer)",
        },
    )
    end_reason = fields.String(allow_none=True)
    created_at = UtcDateTime()
    updated_at = UtcDateTime()


class AssignmentListArgsSchema(Schema):
    """Filters of an assignment list."""

    reviewer_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))
    application_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))
    status = fields.String(validate=validate.OneOf(STATUSES))
    kind = fields.String(validate=validate.OneOf(KINDS))


class AssignmentMineArgsSchema(AssignmentListArgsSchema):
    """Filters of the assignment list across rounds; a reviewer always gets their own."""

    round_id = QueryId(metadata={"description": "only this round's (404 for a round that does not exist)"})
    mine = fields.Boolean(
        load_default=False,
        metadata={"description": "only the caller's own (active unless a status is given)"},
    )


class ManualAssignmentSchema(Schema):
    """A reviewer put on a panel by the office."""

    application_id = Id(required=True)
    reviewer_id = Id(required=True)
    kind = fields.String(load_default=AssignmentKind.MATERIALS.value, validate=validate.OneOf(KINDS))
    override_reason = Text(
        load_default=None,
        max_length=1000,
        metadata={
            "description": "Why the round's rules (conflicts, full panel, maximum load) are overridden."
        },
    )


class AssignmentReasonSchema(Schema):
    """Why."""

    reason = Text(required=True, min_length=1, max_length=1000)


class AssignmentReplacementSchema(Schema):
    """The assignment that replaces a recused one, as the recusing reviewer sees it: that someone
    took it over, never who (other reviewers' identities stay hidden from a reviewer)."""

    id = fields.Integer()
    round_id = fields.Integer()
    application_id = fields.Integer()
    kind = fields.String()
    status = fields.String()
    created_at = UtcDateTime()


class AssignmentRecusalSchema(Schema):
    """A recusal and its replacement (without the replacement's reviewer)."""

    assignment = fields.Nested(AssignmentSchema)
    replacement = fields.Nested(AssignmentReplacementSchema, allow_none=True)
    no_replacement_reason = fields.Function(lambda r: localise(r["no_replacement_reason"]), allow_none=True)


class ReviewerProfileSchema(Schema):
    """A reviewer's expertise (level-1 section ids) and affiliation."""

    id = fields.Integer(dump_only=True)
    display_name = fields.String(dump_only=True)
    expertise = fields.List(
        Text(min_length=1, max_length=100), validate=validate.Length(max=profile.MAX_EXPERTISE)
    )
    affiliation = Text(allow_none=True, max_length=200, metadata={"description": "the office only"})
    home_region_code = fields.String(dump_only=True)


def _assignment(assignment_id: int) -> Assignment:
    return get_or_404(Assignment, assignment_id, "assignment")


@blp.route("/rounds/<int:round_id>/assignments/auto", methods=["POST"])
@guard("assignment.auto")
@blp.arguments(AutoAssignSchema)
@blp.response(200, AutoAssignReportSchema)
def post_auto(body, round_id: int):
    """Fill every panel of the round's applications under review up to R (admin; review phase).

    Keeps the active assignments; deterministic for a seed; reports coverage and what could not be
    covered, and why."""
    actor = authorize(signed_in_user(), "assignment.auto")
    return service.auto_assign(
        actor,
        get_or_404(Round, round_id, "round"),
        seed=body["seed"],
        kind=body["kind"],
        per_application=body["reviewers_per_application"],
        max_load=body["max_load"],
    )


@blp.route("/rounds/<int:round_id>/assignments", methods=["GET"])
@guard("assignment.manage")
@blp.arguments(AssignmentListArgsSchema, location="query")
@blp.response(200, AssignmentSchema(many=True))
@blp.paginate()
def list_round(args, round_id: int, pagination_parameters):
    """The round's assignments, filtered (admin)."""
    authorize(signed_in_user(), "assignment.manage")
    rnd = get_or_404(Round, round_id, "round")
    return page_of(service.assignments_query(rnd, **args), pagination_parameters)


@blp.route("/rounds/<int:round_id>/assignments", methods=["POST"])
@guard("assignment.manage")
@blp.arguments(ManualAssignmentSchema)
@blp.response(201, AssignmentSchema)
def post_manual(body, round_id: int):
    """Put a reviewer on a panel (admin; review phase). A broken rule is refused (409) unless
    ``override_reason`` is given."""
    actor = authorize(signed_in_user(), "assignment.manage")
    rnd = get_or_404(Round, round_id, "round")
    app = get_or_404(Application, body["application_id"], "application")
    reviewer = get_or_404(User, body["reviewer_id"], "user")
    return manual.add(actor, rnd, app, reviewer, kind=body["kind"], override_reason=body["override_reason"])


@blp.route("/assignments", methods=["GET"])
@guard("assignment.list")
@blp.arguments(AssignmentMineArgsSchema, location="query")
@blp.response(200, AssignmentSchema(many=True))
@blp.paginate(page_size=50)
def list_all(args, pagination_parameters):
    """Assignments: a reviewer's own (active unless a status is given), of one round with
    ``round_id``; the office's: any. 50 a page unless ``page_size`` says otherwise (at most 100)."""
    actor = authorize(signed_in_user(), "assignment.list")
    mine = args.pop("mine")
    round_id = args.pop("round_id", None)
    rnd = None if round_id is None else get_or_404(Round, round_id, "round")
    if not actor.is_admin or mine:
        args["reviewer_id"] = actor.id
        args.setdefault("status", AssignmentStatus.ACTIVE.value)
    return page_of(service.assignments_query(rnd, **args), pagination_parameters)


@blp.route("/assignments/<int:assignment_id>", methods=["GET"])
@guard("review.view", Assignment)
@blp.response(200, AssignmentSchema)
def get_one(assignment_id: int):
    """One assignment (admin, or its reviewer)."""
    user = authorize(signed_in_user(), "assignment.list")
    row = _assignment(assignment_id)
    authorize(user, "review.view", row)
    return row


@blp.route("/assignments/<int:assignment_id>/remove", methods=["POST"])
@guard("assignment.manage")
@blp.arguments(AssignmentReasonSchema)
@blp.response(200, AssignmentSchema)
def post_remove(body, assignment_id: int):
    """Take a reviewer off a panel, with a reason (admin; review phase). Their review, even a submitted
    one, no longer counts in the results."""
    actor = authorize(signed_in_user(), "assignment.manage")
    return manual.remove(actor, _assignment(assignment_id), body["reason"])


@blp.route("/assignments/<int:assignment_id>/recuse", methods=["POST"])
@guard("assignment.recuse", Assignment)
@blp.arguments(AssignmentReasonSchema)
@blp.response(200, AssignmentRecusalSchema)
def post_recuse(body, assignment_id: int):
    """Recuse from one's own assignment, with a reason (its reviewer; review phase, before submitting);
    a replacement without a conflict and with the lowest load is assigned if there is one."""
    row = _assignment(assignment_id)
    actor = authorize(signed_in_user(), "assignment.recuse", row)
    return manual.recuse(actor, row, body["reason"])


@blp.route("/users/<int:user_id>/expertise", methods=["GET"])
@guard("reviewer.profile", User)
@blp.response(200, ReviewerProfileSchema)
def get_profile(user_id: int):
    """A reviewer's expertise and affiliation (the reviewer, or the office)."""
    user = get_or_404(User, user_id, "user")
    authorize(signed_in_user(), "reviewer.profile", user)
    return user


@blp.route("/users/<int:user_id>/expertise", methods=["PUT"])
@guard("reviewer.profile", User)
@blp.arguments(ReviewerProfileSchema)
@blp.response(200, ReviewerProfileSchema)
def put_profile(body, user_id: int):
    """Set a reviewer's expertise: level-1 section ids of the rounds' criteria (the reviewer, or the
    office); the affiliation is the office's to set."""
    user = get_or_404(User, user_id, "user")
    actor = authorize(signed_in_user(), "reviewer.profile", user)
    return profile.set_profile(actor, user, body.get("expertise"), affiliation=body.get("affiliation", ...))
