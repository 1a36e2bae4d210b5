"""The applicant's view of its cohort: the cohort's profile, its rank in the cohort once the results
are public, and its most similar peers as the rules let it see them (``cohort_runs.peers``)."""

from __future__ import annotations

from evaluator.applications.models import Application
from evaluator.cohort_runs import peers as cohort_peers
from evaluator.cohort_runs import service, standings
from evaluator.web.blueprints import applicant as bp
from evaluator.web.pages import get_or_404, page_user, render_form


@bp.route("/applications/<int:application_id>/cohort")
def application_cohort(application_id: int):
    """The application's cohort and peers; a note when the round's cohorts are not formed yet."""
    app = get_or_404(Application, application_id)
    user = page_user("cohorts.peers", app)
    rnd = app.round
    found = service.latest(rnd.id)
    member = service.member_of(found, app.id) if found is not None else None
    view = cohort_peers.peers_of(app, user) if member is not None else None
    public = rnd.phase in cohort_peers.PUBLIC_PHASES
    standing = standings.standings(rnd).get(app.id) if member is not None and public else None
    return render_form(
        "cohort_runs/applicant.html",
        None,
        application=app,
        rnd=rnd,
        run=found,
        member=member,
        view=view,
        standing=standing,
        public=public,
        features={f["key"]: f for f in found.features} if found is not None else {},
    )
