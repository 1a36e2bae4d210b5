"""The evidence materials of an application: what may be uploaded (size, types) stated first, the
upload per indicator and kind of material, the files with their SHA-256, download and delete
(while a draft), and the evidence checklist showing what is still missing.

The upload form works without JavaScript (a normal POST and a redirect); ``static/js/upload.js``
sends it with a progress bar and asks for JSON (``Accept: application/json``): the page to go to on
success, the refusal's message and field errors otherwise.
"""

from __future__ import annotations

from flask import current_app, jsonify, redirect, request, url_for

from evaluator.applications import display as forms
from evaluator.applications.models import Application, Material
from evaluator.errors import ServiceError
from evaluator.i18n import localise
from evaluator.materials import service
from evaluator.messages import N_, msg
from evaluator.rounds.service import round_criteria
from evaluator.web.blueprints import applicant as bp
from evaluator.web.downloads import material_response
from evaluator.web.pages import FormErrors, done, form_errors, get_or_404, page_user, render_form

CHOOSE_FILE = N_("Choose a file to upload.")


def wants_json() -> bool:
    """Whether the upload came from the script (which reads a JSON answer)."""
    return request.accept_mimetypes.best == "application/json"


def materials_page(app: Application, errors: FormErrors | None = None, chosen: dict | None = None):
    """The materials page (chosen: the indicator and kind picked on a refused upload)."""
    cs = round_criteria(app.round)
    leaves = [leaf for leaf in cs.leaves if leaf.evidence]
    return render_form(
        "materials/index.html",
        errors,
        application=app,
        rnd=app.round,
        cs=cs,
        materials=sorted(app.materials, key=lambda m: m.id),
        checklist=service.checklist(app),
        editable=forms.editable(app),
        leaves=leaves,
        catalogue=cs.materials,
        kinds=service.KINDS,
        limit_mb=int(current_app.config["MAX_UPLOAD_MB"]),
        nodes=cs.node_map,
        names={m.key: m for m in cs.materials},
        chosen=chosen or {},
    )


@bp.route("/applications/<int:application_id>/materials")
def materials(application_id: int):
    """The materials, the upload form and the evidence checklist."""
    app = get_or_404(Application, application_id)
    page_user("material.list", app)
    return materials_page(app)


@bp.route("/applications/<int:application_id>/materials", methods=["POST"])
def upload(application_id: int):
    """Upload one file as evidence for an indicator and kind of material."""
    app = get_or_404(Application, application_id)
    user = page_user("material.upload", app)
    chosen = {k: (request.form.get(k) or "").strip() or None for k in ("indicator_id", "material_key")}
    with form_errors() as errors:
        upload_file = request.files.get("file")
        if upload_file is None or not upload_file.filename:
            raise ServiceError(422, msg(CHOOSE_FILE), {"file": [msg(CHOOSE_FILE)]})
        material = service.upload(
            user,
            app,
            upload_file.stream,
            upload_file.filename,
            chosen["indicator_id"],
            chosen["material_key"],
        )
        done(N_("%(name)s has been uploaded."), name=material.filename)
        target = url_for("applicant.materials", application_id=app.id)
        if wants_json():
            return jsonify({"location": target}), 201
        return redirect(target, 303)
    if wants_json():
        return jsonify(
            {
                "message": errors.message,
                "errors": {k: [str(localise(m)) for m in v] for k, v in errors.items()},
            }
        ), 422
    return materials_page(app, errors, chosen)


@bp.route("/materials/<int:material_id>")
def material_download(material_id: int):
    """Download a material (the owning organisation and the office)."""
    material = get_or_404(Material, material_id)
    page_user("material.download", material)
    return material_response(material)


@bp.route("/materials/<int:material_id>/delete", methods=["POST"])
def material_delete(material_id: int):
    """Delete a material while its application is a draft of an open round."""
    material = get_or_404(Material, material_id)
    user = page_user("material.delete", material)
    app, filename = material.application, material.filename
    with form_errors() as errors:
        service.delete(user, material)
        done(N_("%(name)s has been deleted."), name=filename)
        return redirect(url_for("applicant.materials", application_id=app.id), 303)
    return materials_page(app, errors)
