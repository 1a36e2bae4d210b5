"""The public verification of a dossier, in Chinese first: its key facts by its code, whether it
still stands (revoked or superseded, with the reason), and whether an uploaded PDF is byte-identical
to the issued one. Rate-limited; a code that does not exist is only "not found"."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for

from evaluator.dossiers import service
from evaluator.dossiers.vocab import DOSSIER_STATE_LABELS
from evaluator.errors import ServiceError
from evaluator.extensions import limiter
from evaluator.messages import N_, msg
from evaluator.web.blueprints import public as bp
from evaluator.web.pages import FormErrors, form_errors, page_user, render_form

VERIFY_LIMIT = "30 per minute"
CHOOSE_FILE = N_("Choose a file to upload.")


@bp.route("/verify", methods=["GET"])
@limiter.limit(VERIFY_LIMIT, key_func=lambda: request.remote_addr or "", scope="verify")
def verify_form():
    """A form to type a verification code."""
    page_user("dossier.verify")
    code = request.args.get("code")
    if code:
        normal = service.normalised_code(code)
        return redirect(url_for("public.verify", code=normal or "-"), 303)
    return render_template("dossiers/verify_form.html")


@bp.route("/verify/<code>", methods=["GET", "POST"])
@limiter.limit(VERIFY_LIMIT, key_func=lambda: request.remote_addr or "", scope="verify")
def verify(code: str):
    """A dossier's key facts and state by its code; a POSTed PDF compared with the issued one."""
    page_user("dossier.verify")
    d = service.by_code(code)
    if d is None:
        return render_template("dossiers/verify.html", d=None), 404
    compared, errors = None, FormErrors()
    if request.method == "POST":
        with form_errors() as errors:
            upload = request.files.get("file")
            if upload is None or not upload.filename:
                raise ServiceError(422, msg(CHOOSE_FILE), {"file": [msg(CHOOSE_FILE)]})
            compared = service.compare(d, upload.stream)
    return render_form(
        "dossiers/verify.html",
        errors,
        d=d,
        facts=service.public_facts(d),
        compared=compared,
        state_label=DOSSIER_STATE_LABELS[d.state],
    )
