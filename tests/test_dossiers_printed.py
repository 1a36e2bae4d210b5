"""The round's printed lists: each expert's score sheet (PDF, one CJK face, PDF/A-3u) with the
expert's submitted scores summed by section, listed and downloaded from the office's pages only."""

from __future__ import annotations

import io
import subprocess

import numpy as np
from pypdf import PdfReader
from sqlalchemy import select

from evaluator.assignments.models import Assignment
from evaluator.extensions import db
from evaluator.reviews.models import Review
from evaluator.rounds.service import round_criteria


def _text(pdf: bytes) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()


def test_the_office_prints_an_experts_score_sheet_with_the_sums_by_section(
    page_client, make_recognised_round, make_user
):
    rr = make_recognised_round()
    office = page_client("admin")
    listing = office.get(f"/office/rounds/{rr.rnd.id}/score-sheets")
    assert listing.status_code == 200
    review = db.session.scalars(
        select(Review).where(Review.round_id == rr.rnd.id).order_by(Review.id)
    ).first()
    assignment = db.session.get(Assignment, review.assignment_id)
    expert = assignment.reviewer
    assert expert.display_name in listing.get_data(as_text=True)
    res = office.get(f"/office/rounds/{rr.rnd.id}/score-sheets/{expert.id}")
    assert res.status_code == 200 and res.mimetype == "application/pdf"
    assert "attachment" in res.headers["Content-Disposition"]
    pdf = res.data
    fonts = subprocess.run(["pdffonts", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    assert len(fonts.splitlines()[2:]) == 1 and "Noto-Sans-CJK-SC" in fonts
    text = _text(pdf)
    assert "专家评分表" in text and expert.display_name in text and "专家签名" in text
    assert assignment.application.organisation.name in text
    # the sum of this review's scores in the section its first scored indicator belongs to, on the unit's row
    cs = round_criteria(rr.rnd)
    first = cs.expert_leaves[0].section
    values = np.frombuffer(review.scores, dtype="<f8")
    total = sum(
        float(v)
        for leaf, v in zip(cs.expert_leaves, values, strict=True)
        if leaf.section == first and not np.isnan(v)
    )
    row = next(line for line in text.splitlines() if assignment.application.organisation.name in line)
    assert f" {total:.2f} " in row
    meta = PdfReader(io.BytesIO(pdf)).metadata
    assert "专家评分表" in meta.title and meta.author == "四川省民政厅"
    # only the office
    assert (
        page_client("reviewer").get(f"/office/rounds/{rr.rnd.id}/score-sheets/{expert.id}").status_code == 403
    )
    assert office.get(f"/office/rounds/{rr.rnd.id}/score-sheets/999999").status_code == 404
    # nor for an account that is not an expert's (a score sheet naming the office or an applicant)
    for other in (office.user, make_user("applicant")[0]):
        assert office.get(f"/office/rounds/{rr.rnd.id}/score-sheets/{other.id}").status_code == 404


def test_a_published_shortlist_prints_as_a_signed_pdf_for_the_office_and_the_public(
    app, page_client, make_closed_round, signing_files
):
    from evaluator.dossiers import signing
    from tests.test_web_shortlists import _published

    app.config["DOSSIER_SIGNING_KEY"], app.config["DOSSIER_SIGNING_CERT"] = map(str, signing_files)
    sr, _admin, _headers = make_closed_round(n_apps=6)
    office = page_client("admin")
    listing = _published(office, sr)
    public_page = app.test_client().get(f"/public/shortlists/{listing.id}").get_data(as_text=True)
    assert f"/public/shortlists/{listing.id}/pdf" in public_page
    res = app.test_client().get(f"/public/shortlists/{listing.id}/pdf")
    assert res.status_code == 200 and res.mimetype == "application/pdf"
    pdf = res.data
    text = _text(pdf)
    assert "公示名单" in text and "第1版" in text.replace(" ", "") and listing.sha256 in text.replace(" ", "")
    assert signing.validate(pdf).intact
    # the office's copy is the same document (kept per process under the content's hash)
    assert office.get(f"/office/shortlists/{listing.id}/pdf").data == pdf
    # nothing for a list that is not published
    assert app.test_client().get("/public/shortlists/999999/pdf").status_code == 404


def test_markup_in_a_rounds_title_is_text_in_the_printed_lists_never_markup_or_a_fetch(
    page_client, make_recognised_round
):
    """The running header is a CSS string inside the document's <style>: a title closing the style
    element would add markup to the document and make it fetch a file (the render then fails)."""
    rr = make_recognised_round(n_apps=3)
    rr.rnd.title = '标题</style><p>注入段落</p><img src="file:///etc/passwd">'
    db.session.commit()
    review = db.session.scalars(select(Review).where(Review.round_id == rr.rnd.id)).first()
    expert = db.session.get(Assignment, review.assignment_id).reviewer
    res = page_client("admin").get(f"/office/rounds/{rr.rnd.id}/score-sheets/{expert.id}")
    assert res.status_code == 200 and res.mimetype == "application/pdf"
    text = _text(res.data)
    assert '标题</style><p>注入段落</p><img src="file:///etc/passwd">' in text  # the title, as text
