"""The applicant's dossier: downloaded once issued."""

from __future__ import annotations

from evaluator.applications.models import Application
from evaluator.dossiers import service
from evaluator.errors import ServiceError
from evaluator.messages import msg
from evaluator.web.blueprints import applicant as bp
from evaluator.web.downloads import material_response
from evaluator.web.pages import get_or_404, page_user


@bp.route("/applications/<int:application_id>/dossier")
def dossier(application_id: int):
    """The application's valid dossier (its organisation's users)."""
    app = get_or_404(Application, application_id)
    page_user("dossier.download", app)
    d = service.standing(app.id)
    if d is None:
        raise ServiceError(404, msg("Application %(id)s has no valid dossier.", id=app.id))
    return material_response(service.download_of(d))
