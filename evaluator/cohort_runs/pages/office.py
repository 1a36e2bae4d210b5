"""The office's cohort pages: a round's cohorts (profiles, sizes, quality in words, the scatter, every
application's place, forming them again) and one application's place (why it is there, its peers,
moving it to another cohort with a reason)."""

from __future__ import annotations

import math

from flask import abort, redirect, request, url_for
from flask_babel import gettext
from marshmallow import fields, pre_load

from evaluator.applications.models import Application
from evaluator.cohort_runs import peers as cohort_peers
from evaluator.cohort_runs import service
from evaluator.cohort_runs.pages import settings_form
from evaluator.cohort_runs.pages.scatter import Axis, Point, scatter_chart, style
from evaluator.cohort_runs.records import feature_record
from evaluator.errors import ServiceError
from evaluator.formatting import parenthesised
from evaluator.i18n import criteria_text, language, localise
from evaluator.messages import N_, msg
from evaluator.rounds.models import Round
from evaluator.validation import Id
from evaluator.web.blueprints import office as bp
from evaluator.web.pages import (
    FormErrors,
    done,
    form_errors,
    get_or_404,
    load_form,
    page_number,
    page_user,
    posted_version,
    render_form,
)

PAGE_SIZE = 100
CONFIRM_REQUIRED = N_("Tick the box to confirm the move.")
METHODS = {
    "kmeans": N_("k-means (the best of four seeded starts)"),
    "ward": N_("agglomerative clustering by Ward's criterion"),
    "minibatch": N_("mini-batch k-means (for large rounds)"),
}
SCALINGS = {
    "robust": N_("robust: the median and the interquartile range"),
    "z": N_("standard scores: the mean and the standard deviation"),
}
MISSING = {
    "impute": N_("a missing figure is replaced by the median and flagged"),
    "available": N_("an application is placed by the figures it has"),
}


class MoveForm(service.MoveInput):
    """The move form: the cohort, the reason, the confirmation and the versions read."""

    confirm = fields.Boolean(
        required=True,
        truthy={"1", "on", "yes"},
        falsy=set(),
        error_messages={"required": CONFIRM_REQUIRED, "invalid": CONFIRM_REQUIRED},
    )
    version = Id(required=True, strict=False)

    @pre_load
    def _blank_is_missing(self, data: dict, **kwargs: object) -> dict:
        """An empty input is a value not given."""
        return {k: v for k, v in data.items() if not (isinstance(v, str) and v.strip() == "")}


def profile(item) -> str:
    """A cohort's profile in the reader's language."""
    return item.profile_zh if language() == "zh" else item.profile_en


def quality_words(quality: dict) -> str:
    """What the silhouette says about the cohorts, in words."""
    s = quality.get("silhouette")
    if s is None:
        return str(localise(msg("The silhouette could not be measured (a single cohort).")))
    if s >= 0.5:
        verdict = msg("The cohorts are clearly apart: most applications lie much nearer their own cohort.")
    elif s >= 0.25:
        verdict = msg("The cohorts overlap somewhat: many applications lie between two cohorts.")
    else:
        verdict = msg("The cohorts are weakly separated: read the profiles before relying on them.")
    return str(localise(verdict))


def _axes(found) -> tuple[list[tuple[str, str]], str, str]:
    """The features a scatter may be drawn on (numeric ones), and the chosen pair ('' = components)."""
    numeric = [(f["key"], criteria_text(f)) for f in found.features if f["kind"] != "category"]
    keys = {k for k, _ in numeric}
    x, y = request.args.get("x", ""), request.args.get("y", "")
    if x not in keys or y not in keys or x == y:
        x = y = ""
    return numeric, x, y


def chart(found, cohorts, members, names: dict[int, str], x: str, y: str):
    """The scatter of the run's applications on the features ``x`` and ``y``, or on the first two
    principal components when none are chosen."""
    by_key = {f["key"]: f for f in found.features}
    points = []
    if x and y:
        fx, fy = by_key[x], by_key[y]
        for m in members:
            vx, vy = m.values.get(x), m.values.get(y)
            if m.current is None or vx is None or vy is None:
                continue
            px = math.log1p(vx) if fx["log"] else vx
            py = math.log1p(vy) if fy["log"] else vy
            points.append(Point(m.current, px, py, names.get(m.application_id, "")))

        def title(f) -> str:
            unit = criteria_text(f, "unit") if f.get("unit") else ""
            return f"{criteria_text(f)}{parenthesised(unit)}" if unit else criteria_text(f)

        x_axis, y_axis = Axis(title(fx), log=fx["log"]), Axis(title(fy), log=fy["log"])
    else:
        for m in members:
            if m.current is not None and m.pc1 is not None:
                points.append(Point(m.current, m.pc1, m.pc2, names.get(m.application_id, "")))
        x_axis = Axis(str(localise(msg("First principal component"))), plain=True)
        y_axis = Axis(str(localise(msg("Second principal component"))), plain=True)
    legend = [
        (c.number, str(localise(msg("Cohort %(n)s: %(profile)s", n=c.number, profile=profile(c)))))
        for c in cohorts
    ]
    return scatter_chart(
        points,
        x_axis,
        y_axis,
        legend,
        str(localise(msg("The applications coloured by cohort"))),
        str(
            localise(
                msg(
                    "%(n)s applications on %(x)s and %(y)s; each cohort has its own colour and marker.",
                    n=len(points),
                    x=x_axis.title,
                    y=y_axis.title,
                )
            )
        ),
    )


def _settings_context(rnd: Round, posted: dict | None) -> dict:
    """The settings form: its values (as posted, else the settings the next run would use) and the
    features it weighs; nothing when the round's settings cannot be read."""
    try:
        current = service.round_settings(rnd)
    except ServiceError:
        return {}
    return {
        "settings_values": posted if posted is not None else settings_form.form_values(current),
        "settings_features": [feature_record(f) for f in current.features],
        "settings_posted": posted is not None,
        "method_choices": [(k, gettext(v)) for k, v in METHODS.items()],
        "scaling_choices": [(k, gettext(v)) for k, v in SCALINGS.items()],
        "missing_choices": [(k, gettext(v)) for k, v in MISSING.items()],
    }


def _cohorts_page(rnd: Round, errors: FormErrors | None = None, posted: dict | None = None):
    found = service.latest(rnd.id)
    context: dict = {"rnd": rnd, "run": found, "can_run": rnd.phase in service.RUN_PHASES}
    if context["can_run"]:
        context |= _settings_context(rnd, posted)
    if found is not None:
        cohorts = service.cohorts_of(found)
        members = service.members_of(found)
        names = service.organisation_names(found)
        numeric, x, y = _axes(found)
        page = page_number()
        pages = max(1, math.ceil(len(members) / PAGE_SIZE))
        page = min(page, pages)
        now = {c.number: 0 for c in cohorts}
        for m in members:
            if m.current in now:
                now[m.current] += 1
        context |= {
            "cohorts": cohorts,
            "now": now,
            "members": members[(page - 1) * PAGE_SIZE : page * PAGE_SIZE],
            "total": len(members),
            "page": page,
            "pages": pages,
            "names": names,
            "features": {f["key"]: f for f in found.features},
            "numeric": numeric,
            "x": x,
            "y": y,
            "chart": chart(found, cohorts, members, names, x, y),
            "verdict": quality_words(found.quality),
            "moves": service.moves_of(found),
            "method": METHODS.get(found.settings.get("method"), ""),
            "scaling": SCALINGS.get(found.settings.get("scaling"), ""),
            "missing": MISSING.get(found.settings.get("missing"), ""),
            "style": style,
        }
    return render_form("cohort_runs/cohorts.html", errors, **context)


@bp.route("/rounds/<int:round_id>/cohorts")
def cohorts(round_id: int):
    """The round's newest cohorts: profiles, sizes, quality, the scatter and every application."""
    page_user("cohorts.view")  # before the lookup: ids are not probed
    return _cohorts_page(get_or_404(Round, round_id))


@bp.route("/rounds/<int:round_id>/cohorts", methods=["POST"])
def cohorts_run(round_id: int):
    """Form the round's cohorts again with its settings, then show them."""
    actor = page_user("cohorts.run")
    rnd = get_or_404(Round, round_id)
    with form_errors() as errors:
        found = service.run(actor, rnd, replace_moves=request.form.get("replace_moves") == "1")
        done(N_("Cohorts formed: %(k)s cohorts of %(n)s applications."), k=found.k, n=found.applications)
        return redirect(url_for("office.cohorts", round_id=rnd.id), 303)
    return _cohorts_page(get_or_404(Round, round_id), errors)


@bp.route("/rounds/<int:round_id>/cohorts/settings", methods=["POST"])
def cohorts_settings(round_id: int):
    """Form the round's cohorts with the settings changed on the page (they become the round's for
    the runs after), then show them."""
    actor = page_user("cohorts.run")
    rnd = get_or_404(Round, round_id)
    posted = {k: v for k, v in request.form.items() if k != "csrf_token"}
    with form_errors() as errors:
        current = service.round_settings(rnd)
        raw = settings_form.posted_settings(current, request.form)
        try:
            replace = request.form.get("settings_replace_moves") == "1"
            found = service.run(actor, rnd, raw, replace_moves=replace)
        except ServiceError as exc:
            raise settings_form.form_errors_of(exc, current) from None
        done(N_("Cohorts formed: %(k)s cohorts of %(n)s applications."), k=found.k, n=found.applications)
        return redirect(url_for("office.cohorts", round_id=rnd.id), 303)
    return _cohorts_page(get_or_404(Round, round_id), errors, posted)


def _member_page(rnd: Round, app: Application, errors: FormErrors | None = None, values: dict | None = None):
    found = service.latest_or_404(rnd)
    member = service.member_of(found, app.id)
    if member is None:
        abort(404)
    cohorts = service.cohorts_of(found)
    features = {f["key"]: f for f in found.features}
    return render_form(
        "cohort_runs/member.html",
        errors,
        rnd=rnd,
        app=app,
        run=found,
        member=member,
        cohorts=cohorts,
        by_number={c.number: c for c in cohorts},
        features=features,
        peers=cohort_peers.peers_of(app, page_user("cohorts.view")),
        values=values or {},
        can_move=rnd.phase in service.RUN_PHASES,
        moves=[m for m in service.moves_of(found) if m.application_id == app.id],
    )


@bp.route("/rounds/<int:round_id>/cohorts/applications/<int:application_id>")
def cohort_member(round_id: int, application_id: int):
    """One application's place: distances, the features that place it, its peers, the move form."""
    page_user("cohorts.view")  # before the lookup: ids are not probed
    rnd = get_or_404(Round, round_id)
    app = get_or_404(Application, application_id)
    if app.round_id != rnd.id:
        abort(404)
    return _member_page(rnd, app)


@bp.route("/rounds/<int:round_id>/cohorts/applications/<int:application_id>/move", methods=["POST"])
def cohort_move(round_id: int, application_id: int):
    """Move the application to another cohort, with a reason and a confirmation."""
    actor = page_user("cohorts.move")
    rnd = get_or_404(Round, round_id)
    app = get_or_404(Application, application_id)
    if app.round_id != rnd.id:
        abort(404)
    with form_errors() as errors:
        data = load_form(MoveForm())
        service.move(actor, app, data, posted_version())
        done(N_("Moved to cohort %(n)s."), n=data["cohort"])
        return redirect(url_for("office.cohort_member", round_id=rnd.id, application_id=app.id), 303)
    posted = {k: v for k, v in request.form.items() if k != "csrf_token"}
    return _member_page(get_or_404(Round, round_id), get_or_404(Application, application_id), errors, posted)
