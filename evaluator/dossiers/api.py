"""Dossiers: issue and download an application's dossier, revoke or supersede one, render a round's
dossiers as a batch and follow it, download the batch as a ZIP."""

from __future__ import annotations

from flask import Response
from marshmallow import Schema, fields

from evaluator.accounts.policy import authorize
from evaluator.applications.models import Application
from evaluator.dossiers import jobs, service
from evaluator.dossiers.models import Dossier, DossierJob
from evaluator.errors import ServiceError
from evaluator.messages import msg
from evaluator.rounds.models import Round
from evaluator.validation import UtcDateTime
from evaluator.web.api import get_or_404, guard
from evaluator.web.downloads import content_disposition, material_response
from evaluator.web.parsing import Blueprint
from evaluator.web.security import signed_in_user

PREFIX = ""
blp = Blueprint(
    "dossiers",
    __name__,
    description="Dossiers: issue, download, revoke or supersede a recognised unit's signed dossier; "
    "render a round's dossiers as a batch.",
)
PDF = "application/pdf"
BINARY = {"schema": {"type": "string", "format": "binary"}}


class DossierSchema(Schema):
    """An issued dossier: its number, verification code, hashes and whether it still stands."""

    id = fields.Integer()
    application_id = fields.Integer()
    round_id = fields.Integer()
    number = fields.String(metadata={"description": "The certificate number printed on the dossier"})
    code = fields.String(metadata={"description": "The verification code (/verify/{code})"})
    data_sha256 = fields.String(metadata={"description": "SHA-256 of the canonical result data attached"})
    pdf_sha256 = fields.String(metadata={"description": "SHA-256 of the issued PDF, byte for byte"})
    pdf_size = fields.Integer()
    state = fields.String(metadata={"description": "issued, revoked or superseded"})
    reason = fields.String(allow_none=True)
    superseded_by = fields.Integer(allow_none=True)
    issued_at = UtcDateTime()
    changed_at = UtcDateTime(allow_none=True)


class JobErrorSchema(Schema):
    """One failed item of a batch."""

    application_id = fields.Integer()
    error = fields.String()
    attempts = fields.Integer()


class JobSchema(Schema):
    """A batch: done (issued or already valid) / total / failed, and each failure's reason."""

    id = fields.Integer()
    round_id = fields.Integer()
    state = fields.String(metadata={"description": "queued, running or finished"})
    total = fields.Integer()
    done = fields.Integer()
    issued = fields.Integer()
    skipped = fields.Integer()
    failed = fields.Integer()
    pending = fields.Integer()
    created_at = UtcDateTime()
    finished_at = UtcDateTime(allow_none=True)
    errors = fields.List(fields.Nested(JobErrorSchema))


def _pdf(d: Dossier) -> Response:
    return material_response(service.download_of(d))


@blp.route("/applications/<int:application_id>/dossier", methods=["POST"])
@guard("dossier.issue")
@blp.response(201, DossierSchema)
def post_dossier(application_id: int):
    """Issue the application's dossier from its round's newest results (admin; recognised only)."""
    actor = authorize(signed_in_user(), "dossier.issue")
    return service.issue(actor, get_or_404(Application, application_id, "application"))


@blp.route("/applications/<int:application_id>/dossier", methods=["GET"])
@guard("dossier.download", Application)
@blp.response(200, content_type=PDF, description="The valid dossier (PDF)")
@blp.doc(responses={"200": {"description": "The valid dossier (PDF)", "content": {PDF: BINARY}}})
def get_dossier(application_id: int):
    """The application's valid dossier as issued, byte for byte (admin, or its applicant)."""
    app = get_or_404(Application, application_id, "application")
    authorize(signed_in_user(), "dossier.download", app)
    d = service.standing(app.id)
    if d is None:
        raise ServiceError(404, msg("Application %(id)s has no valid dossier.", id=app.id))
    return _pdf(d)


@blp.route("/dossiers/<int:dossier_id>", methods=["GET"])
@guard("dossier.manage")
@blp.response(200, DossierSchema)
def get_dossier_info(dossier_id: int):
    """A dossier's number, code, hashes and state (admin)."""
    authorize(signed_in_user(), "dossier.manage")
    return get_or_404(Dossier, dossier_id, "dossier")


@blp.route("/dossiers/<int:dossier_id>.pdf", methods=["GET"])
@guard("dossier.manage")
@blp.response(200, content_type=PDF, description="The dossier (PDF)")
@blp.doc(responses={"200": {"description": "The dossier (PDF)", "content": {PDF: BINARY}}})
def get_dossier_pdf(dossier_id: int):
    """Any dossier as issued, valid or not (admin)."""
    authorize(signed_in_user(), "dossier.manage")
    return _pdf(get_or_404(Dossier, dossier_id, "dossier"))


@blp.route("/dossiers/<int:dossier_id>/revoke", methods=["POST"])
@guard("dossier.manage")
@blp.arguments(service.DossierReasonSchema)
@blp.response(200, DossierSchema)
def post_revoke(data, dossier_id: int):
    """Revoke a valid dossier (the recognition withdrawn), with a reason; /verify says so (admin)."""
    actor = authorize(signed_in_user(), "dossier.manage")
    return service.revoke(actor, get_or_404(Dossier, dossier_id, "dossier"), data)


@blp.route("/dossiers/<int:dossier_id>/supersede", methods=["POST"])
@guard("dossier.manage")
@blp.arguments(service.DossierReasonSchema)
@blp.response(201, DossierSchema)
def post_supersede(data, dossier_id: int):
    """Issue a corrected dossier from the newest results in place of a valid one, with a reason;
    returns the new dossier (admin)."""
    actor = authorize(signed_in_user(), "dossier.manage")
    return service.supersede(actor, get_or_404(Dossier, dossier_id, "dossier"), data)


@blp.route("/rounds/<int:round_id>/dossiers", methods=["POST"])
@guard("dossier.manage")
@blp.response(202, JobSchema)
def post_batch(round_id: int):
    """Render every recognised application's dossier of the round as a batch (admin); those with a
    valid dossier are skipped. Follow it at GET /jobs/{id}."""
    actor = authorize(signed_in_user(), "dossier.manage")
    return jobs.status(jobs.start(actor, get_or_404(Round, round_id, "round")))


@blp.route("/jobs/<int:job_id>", methods=["GET"])
@guard("dossier.manage")
@blp.response(200, JobSchema)
def get_job(job_id: int):
    """A batch's progress: done / total / failed, with each failure's reason (admin)."""
    authorize(signed_in_user(), "dossier.manage")
    return jobs.status(get_or_404(DossierJob, job_id, "job"))


@blp.route("/jobs/<int:job_id>/retry", methods=["POST"])
@guard("dossier.manage")
@blp.response(202, JobSchema)
def post_retry(job_id: int):
    """Render a batch's failed items again, and any left waiting (admin)."""
    actor = authorize(signed_in_user(), "dossier.manage")
    return jobs.status(jobs.retry(actor, get_or_404(DossierJob, job_id, "job")))


@blp.route("/jobs/<int:job_id>/zip", methods=["GET"])
@guard("dossier.manage")
@blp.response(200, content_type="application/zip", description="The batch's dossiers (ZIP)")
@blp.doc(
    responses={"200": {"description": "The batch's dossiers (ZIP)", "content": {"application/zip": BINARY}}}
)
def get_zip(job_id: int):
    """The batch's dossiers as one ZIP (admin)."""
    authorize(signed_in_user(), "dossier.manage")
    job = get_or_404(DossierJob, job_id, "job")
    return zip_response(job)


def zip_response(job: DossierJob) -> Response:
    """The batch's ZIP as a download."""
    stream = jobs.zip_of(job)
    response = Response(stream, mimetype="application/zip", direct_passthrough=True)
    response.headers["Content-Disposition"] = content_disposition(f"dossiers-{job.id}.zip", "dossiers.zip")
    return response
