"""The printed lists of a round: each expert's score sheet (PDF) for signature, on the office's pages;
a published shortlist (or recognition list) as its signed PDF notice, for the office and the public.

A list's PDF is laid out from its published content (``shortlists.reading``) and kept per process
under the content's SHA-256: the public page's link renders it once, not once per reader; the public
route is rate-limited like the verification, and a list longer than ``MAX_PRINTED_ENTRIES`` is
offered as its spreadsheet only."""

from __future__ import annotations

from collections import OrderedDict

from flask import abort, render_template, request, url_for

from evaluator.accounts.models import User
from evaluator.core.db import utcnow
from evaluator.dossiers import printed
from evaluator.extensions import limiter
from evaluator.rounds.models import Round
from evaluator.shortlists import reading
from evaluator.spreadsheets.export import Export
from evaluator.web.blueprints import office as bp
from evaluator.web.blueprints import public as public_bp
from evaluator.web.downloads import export_response
from evaluator.web.pages import get_or_404, page_user
from evaluator.workflow import Role

PDF = "application/pdf"
PRINT_LIMIT = "10 per minute"
MAX_PRINTED_ENTRIES = 2000
"""The longest list printed (some 60 pages); a longer one is read on its page or as a spreadsheet."""
_PRINTED: OrderedDict[str, bytes] = OrderedDict()  # list PDFs by their content's SHA-256
_PRINTED_MAX = 8


@bp.route("/rounds/<int:round_id>/score-sheets")
def score_sheets(round_id: int):
    """The round's experts with submitted reviews, each with a link to their score sheet."""
    page_user("dossier.manage")
    rnd = get_or_404(Round, round_id)
    return render_template("dossiers/score_sheets.html", rnd=rnd, experts=printed.reviewers_of(rnd))


@bp.route("/rounds/<int:round_id>/score-sheets/<int:user_id>")
def score_sheet(round_id: int, user_id: int):
    """An expert's score sheet of the round (PDF); 404 for an account that is not an expert's."""
    page_user("dossier.manage")
    rnd = get_or_404(Round, round_id)
    expert = get_or_404(User, user_id)
    if expert.role != Role.REVIEWER:
        abort(404)
    data = printed.score_sheet_pdf(rnd, expert, utcnow())
    name = f"{rnd.title}专家评分表（{expert.display_name}）.pdf"
    return export_response(Export(data, PDF, name, f"score-sheet-{rnd.id}-{expert.id}.pdf"))


def _list_pdf(shortlist_id: int) -> Export:
    """The published list's signed PDF (404 for a draft, an unknown id or a list too long to print)."""
    head = reading.head(shortlist_id)
    if head is None:
        abort(404)
    served = reading.served(head)
    if served.tampered or len(served.data["entries"]) > MAX_PRINTED_ENTRIES:
        abort(404)
    key = f"{served.check.computed}-{head.notice}-{head.superseded_by}"
    data = _PRINTED.get(key)
    if data is None:
        url = (
            url_for("public.objection_new", shortlist_id=head.id, _external=True)
            if head.notice == "open" and not head.superseded_by
            else None
        )
        data = printed.shortlist_pdf(served.data, served.check.computed or "", url, utcnow())
        _PRINTED[key] = data
        if len(_PRINTED) > _PRINTED_MAX:
            _PRINTED.popitem(last=False)
    name = "认定名单" if served.data["kind"] == "recognition" else "公示名单"
    filename = f"{served.data['round']['title']}{name}（第{served.data['number']}版）.pdf"
    return Export(data, PDF, filename, f"{served.data['kind']}-{head.id}.pdf")


@bp.route("/shortlists/<int:shortlist_id>/pdf")
def shortlist_pdf(shortlist_id: int):
    """A published list as its signed PDF notice, for the office."""
    page_user("shortlist.view")
    return export_response(_list_pdf(shortlist_id))


@public_bp.route("/public/shortlists/<int:shortlist_id>/pdf")
@limiter.limit(PRINT_LIMIT, key_func=lambda: request.remote_addr or "", scope="list-pdf")
def public_shortlist_pdf(shortlist_id: int):
    """A published list as its signed PDF notice, for everybody."""
    page_user("shortlist.public")
    return export_response(_list_pdf(shortlist_id))
