"""Declared conflicts of interest.

A reviewer declares a conflict with an organisation, named as they know it (never an application:
nothing a reviewer reads ties a blind application to its organisation); an applicant declares one
with a reviewer of the roster. A declaration binds the assignment only once the office accepts it;
each round caps the pending and accepted declarations of a reviewer, and of an applicant
organisation (``max_declared_conflicts`` in its settings). A declarer reads only their own
declarations; the office reads every one, with the registered organisation it concerns.
"""

from __future__ import annotations

from typing import Any

from flask import request
from marshmallow import Schema, fields, validate

from evaluator.accounts.models import User
from evaluator.accounts.policy import authorize
from evaluator.accounts.service import find_user
from evaluator.assignments import declarations, declared
from evaluator.assignments.models import ConflictDeclaration
from evaluator.errors import ServiceError
from evaluator.messages import msg
from evaluator.rounds.models import Round
from evaluator.validation import Id, Text, UtcDateTime
from evaluator.web.api import etag_header, get_or_404, guard, if_match, page_of
from evaluator.web.parsing import Blueprint
from evaluator.web.security import signed_in_user
from evaluator.workflow import ConflictSide, ConflictStatus, Role

PREFIX = ""
blp = Blueprint("conflicts", __name__, description=__doc__)

STATUSES = [s.value for s in ConflictStatus]
SIDES = [s.value for s in ConflictSide]


class ConflictDeclareSchema(Schema):
    """A declaration: a reviewer names the organisation, an applicant the reviewer."""

    organisation = Text(
        max_length=200,
        metadata={"description": "A reviewer: the organisation's name, as you know it."},
    )
    reviewer_id = Id(metadata={"description": "An applicant: a reviewer of the round's roster."})
    reason = Text(required=True, min_length=1, max_length=1000, multiline=True)


class ConflictDecisionSchema(Schema):
    """The office's decision on a declaration."""

    decision = fields.String(
        required=True, validate=validate.OneOf([ConflictStatus.ACCEPTED.value, ConflictStatus.REFUSED.value])
    )
    reason = Text(required=True, min_length=1, max_length=1000, multiline=True)
    organisation_id = Id(
        load_default=None,
        metadata={
            "description": "The registered organisation a reviewer's declaration means (needed to "
            "accept one whose name matched none)."
        },
    )


class ConflictListArgsSchema(Schema):
    """Filters of a round's declarations (``side``: the office only)."""

    status = fields.String(validate=validate.OneOf(STATUSES))
    side = fields.String(validate=validate.OneOf(SIDES))


class ConflictCandidateSchema(Schema):
    """A registered organisation whose name comes close to the declared one."""

    id = fields.Integer()
    name = fields.String()


class ConflictSchema(Schema):
    """A declared conflict. The fields marked *office* are given to the office only."""

    id = fields.Integer()
    round_id = fields.Integer()
    side = fields.String(metadata={"description": " or ".join(SIDES)})
    organisation_name = fields.String(metadata={"description": "the organisation as declared"})
    reviewer_id = fields.Integer()
    reviewer_name = fields.String()
    reviewer_affiliation = fields.String(allow_none=True)
    reason = fields.String()
    status = fields.String(metadata={"description": " | ".join(STATUSES)})
    decision_reason = fields.String(allow_none=True)
    decided_at = UtcDateTime(allow_none=True)
    created_at = UtcDateTime()
    version = fields.Integer(metadata={"description": 'the ETag is "v<version>"'})
    organisation_id = fields.Integer(allow_none=True, metadata={"description": "office"})
    organisation = fields.String(allow_none=True, metadata={"description": "office: the registered name"})
    application_id = fields.Integer(
        allow_none=True, metadata={"description": "office: the organisation's application in the round"}
    )
    active_assignment = fields.Boolean(
        metadata={"description": "office: the reviewer holds an active assignment of that application"}
    )
    candidates = fields.List(fields.Nested(ConflictCandidateSchema), metadata={"description": "office"})
    declared_by = fields.Integer(metadata={"description": "office"})
    decided_by = fields.Integer(allow_none=True, metadata={"description": "office"})


class RosterReviewerSchema(Schema):
    """A reviewer as an applicant sees them: a name and an affiliation, nothing of their panels."""

    id = fields.Integer()
    display_name = fields.String()
    affiliation = fields.String(allow_none=True)


def view(actor: User, row: ConflictDeclaration) -> dict[str, Any]:
    """A declaration as the caller may read it (the office: with what it concerns)."""
    data = {
        "id": row.id,
        "round_id": row.round_id,
        "side": row.side,
        "organisation_name": row.organisation_name,
        "reviewer_id": row.reviewer_id,
        "reviewer_name": row.reviewer.display_name,
        "reviewer_affiliation": row.reviewer.affiliation,
        "reason": row.reason,
        "status": row.status,
        "decision_reason": row.decision_reason,
        "decided_at": row.decided_at,
        "created_at": row.created_at,
        "version": row.version,
    }
    if actor.is_admin:
        facts = declared.office_facts(row)
        data.update(
            organisation_id=row.organisation_id,
            organisation=facts["organisation"],
            application_id=facts["application_id"],
            active_assignment=facts["active_assignment"],
            candidates=[{"id": i, "name": n} for i, n in facts["candidates"]],
            declared_by=row.declared_by,
            decided_by=row.decided_by,
        )
    return data


def _visible(actor: User, declaration_id: int) -> ConflictDeclaration:
    """A declaration the caller may read: the office any, a declarer their own (another's: 404)."""
    row = get_or_404(ConflictDeclaration, declaration_id, "conflict declaration")
    if not actor.is_admin and not declared.is_declarer_of(actor, row):
        # As for an id that does not exist (``get_or_404``'s answer), word for word.
        raise ServiceError(404, msg("Nothing with the id %(id)s was found.", id=declaration_id))
    return row


@blp.route("/rounds/<int:round_id>/conflicts", methods=["POST"])
@guard("conflict.declare")
@blp.arguments(ConflictDeclareSchema)
@blp.response(201, ConflictSchema)
@blp.alt_response(
    409, response="DEFAULT_ERROR", description="The round's limit reached, or not open or in review"
)
def post_conflict(body, round_id: int):
    """Declare a conflict of interest for a round (open or in review): a reviewer names an
    organisation (``organisation``), an applicant a reviewer of the roster (``reviewer_id``).

    Pending until the office decides; declared twice, the first stays. Refused (409) past the
    round's ``max_declared_conflicts`` pending or accepted declarations."""
    actor = authorize(signed_in_user(), "conflict.declare")
    rnd = get_or_404(Round, round_id, "round")
    if actor.role == Role.REVIEWER:
        if "reviewer_id" in body:
            raise ServiceError(
                422, msg("A reviewer names the organisation."), {"reviewer_id": [msg("not for a reviewer")]}
            )
        row = declarations.declare_by_reviewer(actor, rnd, body.get("organisation"), body["reason"])
    else:
        if "organisation" in body:
            raise ServiceError(
                422, msg("An applicant names the reviewer."), {"organisation": [msg("not for an applicant")]}
            )
        if "reviewer_id" not in body:
            raise ServiceError(
                422, msg("Choose a reviewer of the roster."), {"reviewer_id": [msg("required")]}
            )
        row = declarations.declare_by_applicant(actor, rnd, find_user(body["reviewer_id"]), body["reason"])
    return view(actor, row), 201, etag_header(row)


@blp.route("/rounds/<int:round_id>/conflicts", methods=["GET"])
@guard("conflict.list")
@blp.arguments(ConflictListArgsSchema, location="query")
@blp.response(200, ConflictSchema(many=True))
@blp.paginate()
def list_conflicts(args, round_id: int, pagination_parameters):
    """The round's declarations: the office's, all of them (pending first); a reviewer's or an
    applicant's, their own."""
    actor = authorize(signed_in_user(), "conflict.list")
    rnd = get_or_404(Round, round_id, "round")
    if actor.is_admin:
        query = declared.round_query(rnd, args.get("status"), args.get("side"))
    else:
        query = declared.own_query(actor, rnd)
        if args.get("status"):
            query = query.where(ConflictDeclaration.status == args["status"])
    return [view(actor, row) for row in page_of(query, pagination_parameters)]


@blp.route("/conflicts/<int:declaration_id>", methods=["GET"])
@guard("conflict.list")
@blp.response(200, ConflictSchema)
def get_conflict(declaration_id: int):
    """One declaration (the office, or its declarer), with its ETag."""
    actor = authorize(signed_in_user(), "conflict.list")
    row = _visible(actor, declaration_id)
    return view(actor, row), 200, etag_header(row)


@blp.route("/conflicts/<int:declaration_id>/decision", methods=["POST"])
@guard("conflict.decide")
@blp.arguments(ConflictDecisionSchema)
@blp.response(200, ConflictSchema)
@blp.alt_response(409, response="DEFAULT_ERROR", description="The round is not open or in review")
@blp.alt_response(412, response="DEFAULT_ERROR", description="A stale If-Match: decided meanwhile")
@blp.alt_response(428, response="DEFAULT_ERROR", description="No If-Match header")
def post_decision(body, declaration_id: int):
    """Accept or refuse a declaration, with a reason (the office; it may decide again later).

    Send ``If-Match`` with the ETag read, so that two decisions at once never overwrite each other
    (the second gets 412). Accepting a reviewer's declaration whose name matched no registered
    organisation needs ``organisation_id``."""
    actor = authorize(signed_in_user(), "conflict.decide")
    row = get_or_404(ConflictDeclaration, declaration_id, "conflict declaration")
    if "If-Match" not in request.headers:
        raise ServiceError(
            428,
            msg(
                "Send If-Match with the ETag of the declaration you read, so that no decision is overwritten."
            ),
            {"If-Match": [msg("missing")]},
        )
    row = declarations.decide(
        actor, row, body["decision"], body["reason"], if_match(), organisation_id=body["organisation_id"]
    )
    return view(actor, row), 200, etag_header(row)


@blp.route("/rounds/<int:round_id>/conflicts/reviewers", methods=["GET"])
@guard("conflict.roster")
@blp.response(200, RosterReviewerSchema(many=True))
def get_roster(round_id: int):
    """The reviewers an applicant may declare a conflict with: the round's whole roster (name and
    affiliation only; never who is on which panel), while their organisation applies in the round."""
    actor = authorize(signed_in_user(), "conflict.roster")
    return declared.roster_for(actor, get_or_404(Round, round_id, "round"))
