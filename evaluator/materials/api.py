"""Evidence materials: upload to a draft application, list, download, delete, evidence checklist."""

from __future__ import annotations

from marshmallow import RAISE, Schema, ValidationError, fields, pre_load, validates_schema
from sqlalchemy import select
from webargs.multidictproxy import MultiDictProxy
from werkzeug.datastructures import CombinedMultiDict, FileStorage

from evaluator.accounts.policy import authorize
from evaluator.applications.models import Application, Material
from evaluator.extensions import db
from evaluator.materials import service
from evaluator.messages import msg
from evaluator.validation import Text, UtcDateTime
from evaluator.web.api import get_or_404, guard, if_match
from evaluator.web.downloads import material_response
from evaluator.web.parsing import ApiParser, Blueprint
from evaluator.web.security import signed_in_user


class _MultipartParser(ApiParser):
    """Reads the ``files`` location from the whole multipart body: file parts and text parts."""

    def load_files(self, req, schema):
        """File and text parts together, so one schema documents and validates the upload."""
        self.check_multipart(req)
        return MultiDictProxy(CombinedMultiDict([req.files, req.form]), schema)


PREFIX = ""
blp = Blueprint("materials", __name__, description="Evidence materials and the evidence checklist.")
blp.ARGUMENTS_PARSER = _MultipartParser()  # this blueprint only


class UploadSchema(Schema):
    """A multipart upload: the file and what it is evidence for."""

    file = fields.Raw(
        required=True,
        metadata={
            "type": "string",
            "format": "binary",
            "description": "PDF, JPEG, PNG, DOCX or XLSX, decided by content; at most MAX_UPLOAD_MB.",
        },
    )
    indicator_id = Text(
        load_default=None,
        min_length=1,
        max_length=80,
        metadata={"description": "A leaf indicator of the round's criteria."},
    )
    material_key = Text(
        load_default=None,
        min_length=1,
        max_length=80,
        metadata={"description": "A key of the criteria's materials catalogue (one the indicator asks for)."},
    )

    @pre_load
    def _blank_is_absent(self, data, **kwargs):
        return {k: v for k, v in data.items() if not (isinstance(v, str) and not v.strip())}

    @validates_schema
    def _file_is_a_file(self, data, **kwargs):
        if not isinstance(data.get("file"), FileStorage):
            raise ValidationError(msg("Send the file as a multipart file part."), "file")


class MaterialSchema(Schema):
    """An uploaded material (its content is downloaded separately)."""

    id = fields.Integer()
    application_id = fields.Integer()
    filename = fields.String(metadata={"description": "Display name only; never a path."})
    content_type = fields.String(metadata={"description": "From the sniffed content."})
    size = fields.Integer()
    sha256 = fields.String()
    indicator_id = fields.String(allow_none=True)
    material_key = fields.String(allow_none=True)
    uploaded_by = fields.Integer()
    created_at = UtcDateTime()
    download_url = fields.Function(lambda m: f"/api/v1/materials/{m.id}")


class ChecklistFileSchema(Schema):
    """A file that provides a material."""

    id = fields.Integer()
    filename = fields.String()
    indicator_id = fields.String(allow_none=True)


class ChecklistItemSchema(Schema):
    """One kind of material an indicator asks for."""

    material_key = fields.String()
    name = fields.String()
    name_en = fields.String()
    present = fields.Boolean()
    files = fields.List(fields.Nested(ChecklistFileSchema))


class ChecklistIndicatorSchema(Schema):
    """A leaf indicator and the materials it asks for."""

    indicator_id = fields.String()
    name = fields.String()
    name_en = fields.String()
    section = fields.String()
    path = fields.String()
    complete = fields.Boolean()
    materials = fields.List(fields.Nested(ChecklistItemSchema))


class MissingItemSchema(Schema):
    """A required material nobody has uploaded yet."""

    indicator_id = fields.String()
    indicator_name = fields.String()
    material_key = fields.String()
    name = fields.String()
    name_en = fields.String()


class ChecklistSummarySchema(Schema):
    """Counts over the whole checklist."""

    indicators = fields.Integer()
    indicators_complete = fields.Integer()
    required = fields.Integer()
    present = fields.Integer()
    missing = fields.Integer()
    complete = fields.Boolean()
    missing_keys = fields.List(fields.String())
    missing_items = fields.List(fields.Nested(MissingItemSchema))


class ChecklistSchema(Schema):
    """The evidence checklist of an application."""

    application_id = fields.Integer()
    criteria_id = fields.String()
    criteria_version = fields.String()
    indicators = fields.List(fields.Nested(ChecklistIndicatorSchema))
    untagged_files = fields.List(fields.Nested(ChecklistFileSchema))
    summary = fields.Nested(ChecklistSummarySchema)


def _material(material_id: int) -> Material:
    return get_or_404(Material, material_id, "material")


@blp.route("/applications/<int:application_id>/materials", methods=["POST"])
@guard("material.upload", Application)
@blp.arguments(UploadSchema, location="files", unknown=RAISE)
@blp.response(201, MaterialSchema)
@blp.alt_response(409, response="DEFAULT_ERROR", description="Not a draft, or the round is not open")
@blp.alt_response(413, response="DEFAULT_ERROR", description="Larger than MAX_UPLOAD_MB")
def upload(body, application_id: int):
    """Upload a material to a draft application of an open round (the owning organisation).

    The type is decided by content (PDF, JPEG, PNG, DOCX, XLSX); other content is refused with 422,
    files above MAX_UPLOAD_MB with 413.
    """
    application = get_or_404(Application, application_id, "application")
    actor = authorize(signed_in_user(), "material.upload", application)
    upload_file = body["file"]
    material = service.upload(
        actor,
        application,
        upload_file.stream,
        upload_file.filename,
        body["indicator_id"],
        body["material_key"],
    )
    return material, 201, {"Location": f"/api/v1/materials/{material.id}"}


@blp.route("/applications/<int:application_id>/materials", methods=["GET"])
@guard("material.list", Application)
@blp.response(200, MaterialSchema(many=True))
def list_materials(application_id: int):
    """The application's materials, oldest first (the owning organisation and admins)."""
    application = get_or_404(Application, application_id, "application")
    authorize(signed_in_user(), "material.list", application)
    return db.session.scalars(
        select(Material).where(Material.application_id == application.id).order_by(Material.id)
    ).all()


@blp.route("/applications/<int:application_id>/evidence", methods=["GET"])
@guard("material.checklist", Application)
@blp.response(200, ChecklistSchema)
def evidence(application_id: int):
    """The evidence checklist: per leaf indicator, which required materials are present or missing."""
    application = get_or_404(Application, application_id, "application")
    authorize(signed_in_user(), "material.checklist", application)
    return service.checklist(application)


@blp.route("/materials/<int:material_id>", methods=["GET"])
@guard("material.download", Material)
@blp.response(200, description="The file, as an attachment with its sniffed Content-Type.")
@blp.doc(
    responses={
        "200": {
            "description": "The file, as an attachment.",
            "content": {
                kind.content_type: {"schema": {"type": "string", "format": "binary"}}
                for kind in service.KINDS
            },
        }
    }
)
def download(material_id: int):
    """Download a material (the owning organisation and admins)."""
    material = _material(material_id)
    authorize(signed_in_user(), "material.download", material)
    return material_response(material)


@blp.route("/materials/<int:material_id>", methods=["DELETE"])
@guard("material.delete", Material)
@blp.response(204)
def delete(material_id: int):
    """Delete a material while its application is a draft in an open round (the owning organisation)."""
    material = _material(material_id)
    actor = authorize(signed_in_user(), "material.delete", material)
    service.delete(actor, material, if_match())
    return None
