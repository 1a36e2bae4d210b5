"""The office's printed lists of a round: each expert's score sheet (PDF) for signature."""

from __future__ import annotations

from flask import render_template

from evaluator.accounts.models import User
from evaluator.core.db import utcnow
from evaluator.dossiers import printed
from evaluator.rounds.models import Round
from evaluator.spreadsheets.export import Export
from evaluator.web.blueprints import office as bp
from evaluator.web.downloads import export_response
from evaluator.web.pages import get_or_404, page_user

PDF = "application/pdf"


@bp.route("/rounds/<int:round_id>/score-sheets")
def score_sheets(round_id: int):
    """The round's experts with submitted reviews, each with a link to their score sheet."""
    page_user("dossier.manage")
    rnd = get_or_404(Round, round_id)
    return render_template("dossiers/score_sheets.html", rnd=rnd, experts=printed.reviewers_of(rnd))


@bp.route("/rounds/<int:round_id>/score-sheets/<int:user_id>")
def score_sheet(round_id: int, user_id: int):
    """An expert's score sheet of the round (PDF)."""
    page_user("dossier.manage")
    rnd = get_or_404(Round, round_id)
    expert = get_or_404(User, user_id)
    data = printed.score_sheet_pdf(rnd, expert, utcnow())
    name = f"{rnd.title}专家评分表（{expert.display_name}）.pdf"
    return export_response(Export(data, PDF, name, f"score-sheet-{rnd.id}-{expert.id}.pdf"))
