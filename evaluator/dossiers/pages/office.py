"""The office's dossier pages: a round's recognised applications with their dossiers, a batch
started and followed with a live progress bar (done / total / failed, each failure's reason, the
failed ones tried again), the batch's ZIP, and a dossier revoked or superseded with a reason."""

from __future__ import annotations

from flask import Response, jsonify, redirect, render_template, request, url_for

from evaluator.dossiers import jobs, service
from evaluator.dossiers.models import Dossier, DossierJob
from evaluator.dossiers.vocab import DOSSIER_STATE_LABELS, ITEM_STATE_LABELS, JOB_STATE_LABELS
from evaluator.errors import ServiceError
from evaluator.messages import N_
from evaluator.rounds.models import Round
from evaluator.web.blueprints import office as bp
from evaluator.web.downloads import content_disposition, material_response
from evaluator.web.pages import done, form_errors, get_or_404, load_form, page_user, render_form

LABELS = {"dossier": DOSSIER_STATE_LABELS, "job": JOB_STATE_LABELS, "item": ITEM_STATE_LABELS}


@bp.route("/rounds/<int:round_id>/dossiers")
def dossiers(round_id: int):
    """The round's recognised applications, each with its dossiers, and the round's batches."""
    page_user("dossier.manage")
    rnd = get_or_404(Round, round_id)
    return render_template(
        "dossiers/round.html",
        rnd=rnd,
        rows=service.round_overview(rnd),
        batches=jobs.jobs_of(rnd),
        labels=LABELS,
    )


@bp.route("/rounds/<int:round_id>/dossiers", methods=["POST"])
def dossiers_start(round_id: int):
    """Start a batch of the round's dossiers and follow it."""
    user = page_user("dossier.manage")
    rnd = get_or_404(Round, round_id)
    with form_errors() as errors:
        job = jobs.start(user, rnd)
        return redirect(url_for("office.dossier_job", job_id=job.id), 303)
    return render_form(
        "dossiers/round.html",
        errors,
        rnd=rnd,
        rows=service.round_overview(rnd),
        batches=jobs.jobs_of(rnd),
        labels=LABELS,
    )


@bp.route("/dossier-jobs/<int:job_id>")
def dossier_job(job_id: int):
    """A batch's progress; ``?format=json`` gives the figures to the progress script."""
    page_user("dossier.manage")
    job = get_or_404(DossierJob, job_id)
    status = jobs.status(job)
    if request.args.get("format") == "json":
        return jsonify({k: status[k] for k in ("state", "total", "done", "failed", "pending")})
    rnd = get_or_404(Round, job.round_id)
    names = service.organisation_names([e["application_id"] for e in status["errors"]])
    return render_template("dossiers/job.html", job=job, status=status, rnd=rnd, names=names, labels=LABELS)


@bp.route("/dossier-jobs/<int:job_id>/retry", methods=["POST"])
def dossier_job_retry(job_id: int):
    """Render the batch's failed dossiers again."""
    user = page_user("dossier.manage")
    job = get_or_404(DossierJob, job_id)
    try:
        jobs.retry(user, job)
        done(N_("The failed dossiers are being rendered again."))
    except ServiceError as exc:
        if exc.status != 409:
            raise
    return redirect(url_for("office.dossier_job", job_id=job.id), 303)


@bp.route("/dossier-jobs/<int:job_id>/zip")
def dossier_job_zip(job_id: int):
    """The batch's dossiers as one ZIP."""
    page_user("dossier.manage")
    job = get_or_404(DossierJob, job_id)
    response = Response(jobs.zip_of(job), mimetype="application/zip", direct_passthrough=True)
    response.headers["Content-Disposition"] = content_disposition(f"dossiers-{job.id}.zip", "dossiers.zip")
    return response


@bp.route("/dossiers/<int:dossier_id>/pdf")
def dossier_pdf(dossier_id: int):
    """A dossier as issued."""
    page_user("dossier.manage")
    return material_response(service.download_of(get_or_404(Dossier, dossier_id)))


@bp.route("/dossiers/<int:dossier_id>/change", methods=["GET", "POST"])
def dossier_change(dossier_id: int):
    """Revoke a valid dossier or replace it by a corrected one, with a reason."""
    user = page_user("dossier.manage")
    d = get_or_404(Dossier, dossier_id)
    if request.method == "GET":
        return render_form("dossiers/change.html", d=d, values={}, labels=LABELS)
    values = {"reason": request.form.get("reason", ""), "action": request.form.get("action", "")}
    with form_errors() as errors:
        data = load_form(service.ChangeSchema(), values)
        if data["action"] == "revoke":
            service.revoke(user, d, data)
            done(N_("The dossier %(number)s has been revoked."), number=d.number)
        else:
            new = service.supersede(user, d, data)
            done(N_("The dossier %(number)s has been replaced by %(new)s."), number=d.number, new=new.number)
        return redirect(url_for("office.dossiers", round_id=d.round_id), 303)
    return render_form("dossiers/change.html", errors, d=d, values=values, labels=LABELS)
