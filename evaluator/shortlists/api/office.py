"""Shortlists for the office: draft from the results, adjust, publish, correct, decide objections,
publish the recognition list."""

from __future__ import annotations

from marshmallow import Schema, fields

from evaluator.accounts.policy import authorize
from evaluator.rounds.models import Round
from evaluator.shortlists import drafting, objections, present, publishing, service
from evaluator.shortlists.models import Objection, Shortlist
from evaluator.validation import UtcDateTime
from evaluator.web.api import etag_header, get_or_404, guard, if_match
from evaluator.web.parsing import Blueprint
from evaluator.web.security import signed_in_user

PREFIX = ""
blp = Blueprint("shortlists", __name__, description=__doc__)


class EntrySchema(Schema):
    """An application's line in a list: its cohort and place, whether it is in, and why."""

    application_id = fields.Integer()
    no = fields.Integer(allow_none=True, metadata={"description": "序号 on the list (listed lines only)"})
    organisation = fields.String()
    city = fields.String()
    city_code = fields.String()
    county = fields.String()
    cohort = fields.Integer()
    cohort_label = fields.String()
    cohort_rank = fields.Integer(allow_none=True)
    cohort_size = fields.Integer()
    rank = fields.Integer(allow_none=True, metadata={"description": "The overall rank in the results"})
    total = fields.Float(allow_none=True)
    grade = fields.String(allow_none=True)
    grade_label = fields.String(allow_none=True)
    status = fields.String(metadata={"description": "The result's status: ranked, vetoed or incomplete"})
    n_reviews = fields.Integer()
    selected = fields.Boolean()
    reason = fields.String()
    why = fields.List(fields.String(), metadata={"description": "Why it is in or out, in words"})
    note = fields.String(allow_none=True)
    tied = fields.Boolean()


class ShortlistFactsSchema(Schema):
    """A list's facts: a draft, or a published version with its frozen content's hash."""

    id = fields.Integer()
    round_id = fields.Integer()
    kind = fields.String(metadata={"description": "shortlist or recognition"})
    number = fields.Integer(metadata={"description": "The version"})
    state = fields.String(metadata={"description": "draft or published"})
    supersedes = fields.Integer(allow_none=True)
    superseded_by = fields.Integer(allow_none=True)
    correction_reason = fields.String(allow_none=True)
    results_snapshot_id = fields.Integer()
    results_sha256 = fields.String()
    criteria_sha256 = fields.String()
    rules = fields.Dict()
    notice_rule = fields.String()
    notice_days = fields.Integer()
    extra_holidays = fields.List(fields.String())
    extra_workdays = fields.List(fields.String())
    notice_starts = fields.Date(allow_none=True)
    notice_ends = fields.Date(allow_none=True)
    notice = fields.String(allow_none=True, metadata={"description": "before, open or closed"})
    sha256 = fields.String(allow_none=True)
    verified = fields.Boolean(
        allow_none=True, metadata={"description": "Whether the content still matches its hashes"}
    )
    tampered = fields.Boolean()
    created_at = UtcDateTime()
    published_at = UtcDateTime(allow_none=True)


class ShortlistSchema(ShortlistFactsSchema):
    """A list with every entry and why it is in or out."""

    entries = fields.List(fields.Nested(EntrySchema))


class ObjectionRecordSchema(Schema):
    """An objection as the office reads it."""

    id = fields.Integer()
    receipt = fields.String()
    shortlist_id = fields.Integer()
    shortlist_number = fields.Integer()
    round_id = fields.Integer()
    entry_no = fields.Integer(allow_none=True)
    name = fields.String()
    contact = fields.String()
    text = fields.String()
    state = fields.String()
    remedy = fields.String(allow_none=True)
    application_id = fields.Integer(allow_none=True)
    decision_reason = fields.String(allow_none=True)
    received_at = UtcDateTime()
    decided_at = UtcDateTime(allow_none=True)
    correction_id = fields.Integer(allow_none=True)
    evidence = fields.Boolean()
    evidence_name = fields.String(allow_none=True)
    evidence_size = fields.Integer(allow_none=True)


def _full(shortlist: Shortlist) -> dict:
    rnd = get_or_404(Round, shortlist.round_id, "round")
    return present.shortlist_info(shortlist) | {"entries": present.entry_lines(shortlist, rnd)}


@blp.route("/rounds/<int:round_id>/shortlists", methods=["POST"])
@guard("shortlist.manage")
@blp.arguments(drafting.DraftSchema)
@blp.response(201, ShortlistSchema)
def post_draft(data, round_id: int):
    """Draft the round's shortlist from its newest results: quotas per cohort, per city, a cap (admin)."""
    actor = authorize(signed_in_user(), "shortlist.manage")
    return _full(drafting.draft(actor, get_or_404(Round, round_id, "round"), data))


@blp.route("/rounds/<int:round_id>/shortlists", methods=["GET"])
@guard("shortlist.view")
@blp.response(200, ShortlistFactsSchema(many=True))
def list_shortlists(round_id: int):
    """Every list of the round, drafts and published versions (admin)."""
    authorize(signed_in_user(), "shortlist.view")
    rnd = get_or_404(Round, round_id, "round")
    return [present.shortlist_info(s) for s in service.versions(rnd.id)]


@blp.route("/shortlists/<int:shortlist_id>", methods=["GET"])
@guard("shortlist.view")
@blp.response(200, ShortlistSchema)
def get_shortlist(shortlist_id: int):
    """A list with every entry and why it is in or out (admin); its ETag for adjusting a draft."""
    authorize(signed_in_user(), "shortlist.view")
    shortlist = get_or_404(Shortlist, shortlist_id, "shortlist")
    return _full(shortlist), 200, etag_header(shortlist)


@blp.route("/shortlists/<int:shortlist_id>/adjustments", methods=["POST"])
@guard("shortlist.manage")
@blp.arguments(drafting.AdjustSchema)
@blp.response(200, ShortlistSchema)
def post_adjustment(data, shortlist_id: int):
    """Put an eligible application on a draft or take one off, with a reason (admin; If-Match)."""
    actor = authorize(signed_in_user(), "shortlist.manage")
    shortlist = get_or_404(Shortlist, shortlist_id, "shortlist")
    drafting.adjust(actor, shortlist, data, if_match())
    return _full(shortlist), 200, etag_header(shortlist)


@blp.route("/shortlists/<int:shortlist_id>/publish", methods=["POST"])
@guard("shortlist.manage")
@blp.response(200, ShortlistSchema)
def post_publish(shortlist_id: int):
    """Publish a draft: freeze it with its SHA-256, open the notice period, set the statuses (admin)."""
    actor = authorize(signed_in_user(), "shortlist.manage")
    shortlist = get_or_404(Shortlist, shortlist_id, "shortlist")
    return _full(publishing.publish(actor, shortlist, if_match()))


@blp.route("/shortlists/<int:shortlist_id>/corrections", methods=["POST"])
@guard("shortlist.manage")
@blp.arguments(drafting.CorrectionSchema)
@blp.response(201, ShortlistSchema)
def post_correction(data, shortlist_id: int):
    """Start a correction of the current shortlist: a draft that supersedes it once published (admin)."""
    actor = authorize(signed_in_user(), "shortlist.manage")
    shortlist = get_or_404(Shortlist, shortlist_id, "shortlist")
    return _full(publishing.correct(actor, shortlist, data["reason"]))


@blp.route("/rounds/<int:round_id>/objections", methods=["GET"])
@guard("shortlist.view")
@blp.response(200, ObjectionRecordSchema(many=True))
def list_objections(round_id: int):
    """The objections to the round's shortlists, the undecided first (admin)."""
    authorize(signed_in_user(), "shortlist.view")
    rnd = get_or_404(Round, round_id, "round")
    return [present.objection_info(o, office=True) for o in objections.of_round(rnd.id)]


@blp.route("/objections/<int:objection_id>/decision", methods=["POST"])
@guard("objection.decide")
@blp.arguments(objections.DecisionSchema)
@blp.response(200, ObjectionRecordSchema)
def post_decision(data, objection_id: int):
    """Uphold (the application removed or withheld, a correction published) or dismiss (admin)."""
    actor = authorize(signed_in_user(), "objection.decide")
    objection = get_or_404(Objection, objection_id, "objection")
    return present.objection_info(objections.decide(actor, objection, data), office=True)


@blp.route("/rounds/<int:round_id>/recognition", methods=["POST"])
@guard("recognition.publish")
@blp.response(201, ShortlistSchema)
def post_recognition(round_id: int):
    """After the notice, every objection decided: publish the recognition list, close the round (admin)."""
    actor = authorize(signed_in_user(), "recognition.publish")
    return _full(publishing.recognise(actor, get_or_404(Round, round_id, "round")))
