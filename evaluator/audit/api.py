"""The audit log: read it (newest first, filtered, paginated) and verify its hash chain (admin)."""

from __future__ import annotations

from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, pre_load, validates_schema

from evaluator.accounts.policy import authorize
from evaluator.audit import service as audit
from evaluator.audit.service import verify_chain
from evaluator.i18n import localise
from evaluator.messages import N_, msg
from evaluator.validation import Pattern, QueryId, Text, Time, UtcDateTime
from evaluator.web.api import guard, page_of
from evaluator.web.parsing import Blueprint
from evaluator.web.security import signed_in_user

PREFIX = ""
blp = Blueprint("audit", __name__, description="The append-only, hash-chained audit log (admin).")

_PAGING = ("page", "page_size")


class AuditEventSchema(Schema):
    """One audit event as stored."""

    id = fields.Integer()
    at = UtcDateTime()
    actor_id = fields.Integer(allow_none=True, metadata={"description": "None for commands"})
    action = fields.String()
    object_type = fields.String()
    object_id = fields.String(allow_none=True)
    summary = fields.Dict()
    prev_hash = fields.String(metadata={"description": "hash of the event before (64 zeros first)"})
    hash = fields.String()


class AuditQuerySchema(Schema):
    """Filters of the audit list; an unknown parameter is refused, never silently ignored."""

    action = Text(min_length=1, max_length=80)
    object_type = Text(min_length=1, max_length=40)
    object_id = Text(min_length=1, max_length=80)
    actor_id = QueryId()
    since = Time(metadata={"description": "events at or after this time"})
    until = Time(metadata={"description": "events before this time"})

    @pre_load
    def _without_paging(self, data: Any, **kwargs) -> dict:
        # page and page_size belong to the pagination parser, which reads the same query string.
        return {key: data[key] for key in data if key not in _PAGING}


class VerifyQuerySchema(Schema):
    """An optional anchor: the head of an earlier verification, kept outside the database."""

    anchor_id = QueryId()
    anchor_hash = fields.String(
        validate=Pattern(r"^[0-9a-fA-F]{64}$", error=N_("Must be 64 hexadecimal digits."))
    )

    @validates_schema
    def _both_or_neither(self, data: dict, **kwargs) -> None:
        if ("anchor_id" in data) != ("anchor_hash" in data):
            missing = "anchor_hash" if "anchor_id" in data else "anchor_id"
            raise ValidationError(msg("anchor_id and anchor_hash go together."), missing)


class ChainReportSchema(Schema):
    """The outcome of walking the chain."""

    ok = fields.Boolean()
    events = fields.Integer(metadata={"description": "events read (up to the break, if any)"})
    broken_at = fields.Integer(allow_none=True, metadata={"description": "first event that fails"})
    reason = fields.Function(
        lambda report: localise(report.reason),
        allow_none=True,
        metadata={"type": "string", "description": "why the chain breaks there, in the reader's language"},
    )
    head_id = fields.Integer(allow_none=True, metadata={"description": "last event of an intact chain"})
    head_hash = fields.String(allow_none=True, metadata={"description": "its hash: keep it as an anchor"})


@blp.route("/audit", methods=["GET"])
@guard("audit.view")
@blp.arguments(AuditQuerySchema, location="query", unknown=RAISE)
@blp.response(200, AuditEventSchema(many=True))
@blp.paginate(page_size=50, max_page_size=500)
def list_events(args: dict, pagination_parameters):
    """Audit events, newest first, filtered by action, object, actor and time (admin)."""
    authorize(signed_in_user(), "audit.view")
    query = audit.events_query(**args)
    return page_of(query, pagination_parameters)


@blp.route("/audit/verify", methods=["GET"])
@guard("audit.verify")
@blp.arguments(VerifyQuerySchema, location="query", unknown=RAISE)
@blp.response(200, ChainReportSchema)
def verify(args: dict):
    """Walk the hash chain; report the first broken event and why, or the head when intact (admin)."""
    authorize(signed_in_user(), "audit.verify")
    anchor = (args["anchor_id"], args["anchor_hash"]) if "anchor_id" in args else None
    return verify_chain(anchor)
