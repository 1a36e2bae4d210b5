"""One application as its region office sees it — figures, self-assessment, materials, the evidence
checklist and the offices' acts so far — with the forms of the office's acts: the county endorses,
returns or declines; the city records its check, returns or declines (it recommends on the ranking
page). Every act is the service's (``vetting.service``), as in the API."""

from __future__ import annotations

from flask import abort, redirect, request, url_for
from marshmallow import Schema, fields

from evaluator.applications.display import office_view
from evaluator.applications.models import Application, Material
from evaluator.errors import ServiceError
from evaluator.messages import N_, msg
from evaluator.vetting import service as vetting
from evaluator.vetting.quota import RANKABLE
from evaluator.web.blueprints import region as bp
from evaluator.web.downloads import material_response
from evaluator.web.pages import (
    FORM_NOT_VALID,
    FormErrors,
    done,
    form_errors,
    get_or_404,
    load_form,
    page_user,
    render_form,
)
from evaluator.workflow import RegionAct, RegionLevel

DONE = {
    RegionAct.ENDORSE: N_("The application was endorsed and passed on to the city office."),
    RegionAct.RETURN: N_("The application was returned to the applicant for correction."),
    RegionAct.DECLINE: N_("The application was declined."),
    RegionAct.CHECK: N_("Your check was recorded."),
}


ENDORSE_CONFIRM = N_("Tick the box to confirm the endorsement.")


class ActForm(Schema):
    """An act's form: a reason or note, the check's result, the confirmation of an endorsement."""

    reason = fields.String(load_default=None)
    note = fields.String(load_default=None)
    passed = fields.String(load_default=None)
    confirm = fields.String(load_default=None)


def check_confirmed(data: dict) -> None:
    """422 unless the endorsement's confirmation is ticked (asked by a dialog where scripts run)."""
    if data.get("confirm") not in ("1", "on", "yes"):
        raise ServiceError(422, msg(FORM_NOT_VALID), {"confirm": [msg(ENDORSE_CONFIRM)]})


def scoped_application(application_id: int) -> Application:
    """The application if it is in the office's scope; the 404 page otherwise (ids are not probed)."""
    actor = page_user("vetting.list")
    app = get_or_404(Application, application_id)
    if not vetting.in_scope(actor, app):
        abort(404)
    return app


def render_application(app: Application, errors: FormErrors | None = None, act: str | None = None):
    """The application's page, with an act's form errors (422) or without (200): the forms of the acts
    the office may take now (``vetting.allowed_acts``)."""
    actor = page_user("vetting.list")
    rankable = actor.region_level == RegionLevel.CITY and app.status in RANKABLE
    return render_form(
        "vetting/application.html",
        errors,
        **office_view(app),
        checks=vetting.checks_of(app),
        acts=vetting.allowed_acts(actor, app),
        level=actor.region_level,
        rankable=rankable,
        act=act,
        values=request.form if errors else {},
    )


@bp.route("/applications/<int:application_id>")
def application(application_id: int):
    """The check form: what the application says and brought, and what the offices did with it."""
    return render_application(scoped_application(application_id))


@bp.route("/applications/<int:application_id>/<act>", methods=["POST"])
def application_act(application_id: int, act: str):
    """Carry out an act (endorse, return, decline, check); its refusal is shown on the page."""
    actor = page_user("vetting.list")
    app = scoped_application(application_id)
    if act not in DONE or act not in vetting.ACTS.get(actor.region_level or "", ()):
        abort(404)  # the city recommends on its ranking page
    with form_errors() as errors:
        data = load_form(ActForm())
        if act == RegionAct.ENDORSE:
            check_confirmed(data)
            vetting.endorse(actor, app, data["note"])
        elif act == RegionAct.RETURN:
            vetting.return_application(actor, app, data["reason"])
        elif act == RegionAct.DECLINE:
            vetting.decline(actor, app, data["reason"])
        else:
            vetting.check(actor, app, data["passed"] == "1", data["note"])
        done(DONE[act])
        back = url_for("region.queue", round=app.round_id)
        return redirect(
            back if act != RegionAct.CHECK else url_for("region.application", application_id=app.id)
        )
    return render_application(app, errors, act)  # the refusal rolled back: the rows are read again


@bp.route("/materials/<int:material_id>")
def material_download(material_id: int):
    """Download a material of an application in the office's scope (the API's rule and response)."""
    page_user("vetting.list")
    material = get_or_404(Material, material_id)
    if not vetting.in_scope(page_user("vetting.list"), material.application):
        abort(404)
    page_user("material.download", material)
    return material_response(material, inline=request.args.get("inline") == "1")
