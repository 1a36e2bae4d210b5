"""The office's page of one objection: who raised it and how to reach them, what it says, its
evidence, and the decision — upheld (the application removed or withheld by a correction published
at once) or dismissed, always with a reason."""

from __future__ import annotations

from types import SimpleNamespace

from flask import abort, redirect, request, url_for

from evaluator.messages import N_
from evaluator.rounds.models import Round
from evaluator.shortlists import objections, present, service
from evaluator.shortlists.models import Objection, Shortlist
from evaluator.web.blueprints import office as bp
from evaluator.web.downloads import material_response
from evaluator.web.pages import (
    FormErrors,
    done,
    form_errors,
    get_or_404,
    load_form,
    page_user,
    render_form,
    typed_number,
)
from evaluator.workflow import ObjectionState, Remedy


def _page(objection: Objection, errors: FormErrors | None = None, values: dict | None = None):
    listing = get_or_404(Shortlist, objection.shortlist_id)
    rnd = get_or_404(Round, listing.round_id)
    now = service.current(rnd.id)
    on_list = [line for line in present.entry_lines(now, rnd) if line["selected"]] if now else []
    named = objections.entry_of(objection)
    return render_form(
        "shortlists/objection_office.html",
        errors,
        rnd=rnd,
        listing=listing,
        objection=objection,
        info=present.objection_info(objection, office=True),
        named=named,
        unit=objections.unit_name(named) if named is not None else None,
        choices=[(str(line["application_id"]), f"{line['no']} · {line['organisation']}") for line in on_list],
        values=values or ({"application_id": str(named.application_id)} if named is not None else {}),
        ObjectionState=ObjectionState,
        Remedy=Remedy,
    )


@bp.route("/objections/<int:objection_id>", methods=["GET", "POST"])
def objection(objection_id: int):
    """One objection, and the office's decision on it."""
    page_user("shortlist.view")
    found = get_or_404(Objection, objection_id)
    if request.method == "GET":
        return _page(found)
    actor = page_user("objection.decide")
    values = {k: v for k, v in request.form.items() if k != "csrf_token"}
    with form_errors() as errors:
        raw = {k: values.get(k) or None for k in ("outcome", "remedy", "application_id", "reason")}
        if raw["application_id"]:
            raw["application_id"] = typed_number(raw["application_id"])
        if raw["outcome"] != ObjectionState.UPHELD:
            raw["remedy"] = raw["application_id"] = None
        data = load_form(objections.DecisionSchema(), {k: v for k, v in raw.items() if v is not None})
        objections.decide(actor, found, data)
        done(N_("The objection is decided."))
        return redirect(url_for("office.objection", objection_id=found.id), 303)
    return _page(get_or_404(Objection, objection_id), errors, values)


@bp.route("/objections/<int:objection_id>/evidence")
def objection_evidence(objection_id: int):
    """The objection's evidence file, as an attachment."""
    page_user("shortlist.view")
    found = get_or_404(Objection, objection_id)
    if found.evidence_sha256 is None:
        abort(404)
    stored = SimpleNamespace(
        id=found.id,
        sha256=found.evidence_sha256,
        content_type=found.evidence_type,
        size=found.evidence_size,
        filename=found.evidence_name,
    )
    return material_response(stored)
