"""Published shortlists and recognition lists as open data, for everybody (no sign-in): the list as
JSON, CSV or XLSX with its notice period, hash and how to object; objections during the notice
period, answered with a receipt code; an objection's state by its code.

Nothing unpublished is answered: a draft's id is answered as missing. A list is served with a
strong ETag; a conditional request for the same version gets 304.
"""

from __future__ import annotations

import json

from flask import Response, request, url_for
from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates_schema
from webargs.multidictproxy import MultiDictProxy
from werkzeug.datastructures import CombinedMultiDict, FileStorage

from evaluator.accounts.policy import authorize
from evaluator.errors import ServiceError
from evaluator.extensions import db
from evaluator.i18n import localise
from evaluator.messages import msg
from evaluator.shortlists import objections, present, reading
from evaluator.shortlists.models import Shortlist
from evaluator.spreadsheets.export import XLSX
from evaluator.validation import UtcDateTime
from evaluator.web.caching import cache_headers, not_modified
from evaluator.web.downloads import export_response
from evaluator.web.objection_limits import per_address, per_shortlist
from evaluator.web.parsing import ApiParser, Blueprint
from evaluator.web.security import signed_in_user

PREFIX = "/public"
blp = Blueprint("public_shortlists", __name__, description=__doc__)


class _MultipartParser(ApiParser):
    """Reads the ``files`` location from the whole multipart body: file parts and text parts."""

    def load_files(self, req, schema):
        """File and text parts together, so one schema documents and validates the objection."""
        self.check_multipart(req)
        return MultiDictProxy(CombinedMultiDict([req.files, req.form]), schema)


blp.ARGUMENTS_PARSER = _MultipartParser()


class FormatSchema(Schema):
    """The format of the open data."""

    format = fields.String(load_default="json", validate=validate.OneOf(("json", "csv", "xlsx")))


class PublicShortlistSchema(Schema):
    """A published list as open data."""

    id = fields.Integer()
    sha256 = fields.String(metadata={"description": "SHA-256 of the canonical JSON text of ``content``"})
    verified = fields.Boolean(metadata={"description": "Whether the content still matches its hash"})
    superseded_by = fields.Integer(allow_none=True, metadata={"description": "The id of the newer version"})
    notice = fields.String(allow_none=True, metadata={"description": "before, open or closed"})
    how_to_object = fields.String(allow_none=True)
    objections_url = fields.String(allow_none=True)
    content = fields.Dict(metadata={"description": "The frozen list (docs/shortlists.md)"})


class ObjectionUploadSchema(objections.ObjectionSchema):
    """An objection as a multipart form: the fields, and an optional evidence file."""

    class Meta:  # noqa: D106
        unknown = "exclude"

    file = fields.Raw(
        load_default=None,
        metadata={
            "type": "string",
            "format": "binary",
            "description": "Evidence: PDF, JPEG, PNG, DOCX or XLSX",
        },
    )

    @pre_load
    def _blank_is_absent(self, data, **kwargs):
        return {k: v for k, v in data.items() if not (isinstance(v, str) and not v.strip())}

    @validates_schema
    def _file_is_a_file(self, data, **kwargs):
        given = data.get("file")
        if given is not None and not isinstance(given, FileStorage):
            raise ValidationError(msg("Send the file as a multipart file part."), "file")


class ReceiptSchema(Schema):
    """An objection's receipt and state, as its sender reads it (never the contact)."""

    receipt = fields.String()
    shortlist_id = fields.Integer()
    shortlist_number = fields.Integer()
    entry_no = fields.Integer(allow_none=True)
    state = fields.String(metadata={"description": "received, upheld or dismissed"})
    remedy = fields.String(allow_none=True, metadata={"description": "remove or re_review, when upheld"})
    decision_reason = fields.String(allow_none=True)
    received_at = UtcDateTime()
    decided_at = UtcDateTime(allow_none=True)
    correction_id = fields.Integer(allow_none=True, metadata={"description": "The version it led to"})
    status_url = fields.String()


def _head_or_404(shortlist_id: int) -> reading.Head:
    found = reading.head(shortlist_id)
    if found is None:
        raise ServiceError(404, msg("No published list %(id)s.", id=shortlist_id))
    return found


def _how_to_object(head: reading.Head) -> tuple[str | None, str | None]:
    if head.kind != "shortlist" or head.notice != "open" or head.superseded_by:
        return None, None
    url = url_for("public_shortlists.post_objection", shortlist_id=head.id, _external=True)
    said = msg(
        "During the notice period (until %(ends)s) anyone may object in writing: send your name, how "
        "to reach you and your reasons, with evidence if you have it, to %(url)s (a form on the list's "
        "page does the same). You get a receipt code to follow the objection.",
        ends=head.notice_ends.isoformat(),
        url=url,
    )
    return str(localise(said)), url


@blp.route("/shortlists/<int:shortlist_id>", methods=["GET"])
@blp.arguments(FormatSchema, location="query")
@blp.response(200, PublicShortlistSchema)
@blp.doc(
    responses={
        "304": {"description": "Not modified: the If-None-Match names the current version"},
        "200": {
            "description": "The list (JSON; CSV or XLSX with ?format=)",
            "content": {
                "application/json": {"schema": PublicShortlistSchema},
                XLSX: {"schema": {"type": "string", "format": "binary"}},
                "text/csv": {"schema": {"type": "string"}},
            },
        },
    }
)
def get_public(args, shortlist_id: int):
    """A published list as open data, no sign-in (ETag; a conditional request gets 304)."""
    authorize(signed_in_user(), "shortlist.public")
    head = _head_or_404(shortlist_id)
    fmt = args["format"]
    tag = head.tag(fmt, request.accept_languages.best_match(("zh", "en"), default="zh"))
    vary = "Accept-Language"
    unchanged = not_modified(tag, False, vary)
    if unchanged is not None:
        return unchanged
    served = reading.served(head)
    how, url = _how_to_object(head)
    if fmt != "json":
        response = export_response(reading.export(served, fmt, url))
    else:
        body = {
            "id": head.id,
            "sha256": served.check.stored,
            "verified": not served.tampered,
            "superseded_by": head.superseded_by[0] if head.superseded_by else None,
            "notice": head.notice,
            "how_to_object": how,
            "objections_url": url,
            "content": served.data,
        }
        text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
        response = Response(text, mimetype="application/json")
    if served.tampered:
        response.headers["Cache-Control"] = "no-store"
        return response
    return cache_headers(response, tag, False, vary)


@blp.route("/shortlists/<int:shortlist_id>/objections", methods=["POST"])
@per_address
@per_shortlist
@blp.arguments(ObjectionUploadSchema, location="files")
@blp.response(201, ReceiptSchema)
def post_objection(data, shortlist_id: int):
    """Object to a shortlist during its notice period (multipart; rate-limited per address and per
    shortlist): the answer is a receipt code."""
    authorize(signed_in_user(), "objection.submit")
    _head_or_404(shortlist_id)
    shortlist = db.session.get(Shortlist, shortlist_id)
    upload = data.pop("file", None)
    objection = objections.submit(
        shortlist, data, upload.stream if upload is not None else None, upload.filename if upload else None
    )
    return _receipt(objection)


def _receipt(objection) -> dict:
    info = present.objection_info(objection, office=False)
    return info | {
        "status_url": url_for("public_shortlists.get_receipt", code=objection.receipt, _external=True)
    }


@blp.route("/objections/<code>", methods=["GET"])
@blp.response(200, ReceiptSchema)
def get_receipt(code: str):
    """An objection's state and outcome by its receipt code (never the sender's contact)."""
    authorize(signed_in_user(), "objection.status")
    found = objections.by_receipt(code) if len(code) < 40 else None
    if found is None:
        raise ServiceError(404, msg("No objection has the receipt code %(code)s.", code=code[:40]))
    return _receipt(found)
