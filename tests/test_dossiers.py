"""Dossiers: issued over the API for recognised units only, downloaded by the office and the unit,
a signed PDF/A-3u in one embedded and subset CJK SC face with its metadata and its canonical data
attached; the renderer refuses missing glyphs, the fontTools fallback and every fetched URL."""

from __future__ import annotations

import hashlib
import io
import json
import re
import subprocess
import tempfile
from pathlib import Path

import pytest
from pypdf import PdfReader

from evaluator.dossiers import render, signing
from evaluator.dossiers.render import RenderError, render_pdf

RENDERED: dict[str, object] = {}
"""The PDF the first test issues, read again by the checks of the document (rendered once)."""


def fetch(client, url: str, headers: dict | None = None):
    """GET a download and close it (its file is streamed from storage)."""
    res = client.get(url, headers=headers)
    res.get_data()
    res.close()
    return res


def issued_pdf(client, rr) -> tuple[bytes, dict]:
    """Issue the best recognised application's dossier over the API (once per module)."""
    if "pdf" not in RENDERED:
        target = rr.recognised[0]
        res = client.post(f"/api/v1/applications/{target.id}/dossier", headers=rr.headers)
        assert res.status_code == 201, res.get_json()
        info = res.get_json()
        pdf = fetch(client, f"/api/v1/applications/{target.id}/dossier", rr.headers)
        assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
        RENDERED.update(pdf=pdf.data, info=info)
    return RENDERED["pdf"], RENDERED["info"]


def _tool(args: list[str], data: bytes) -> str:
    out = ["-"] if args[0] == "pdftotext" else []
    return subprocess.run([*args, "-", *out], input=data, capture_output=True, check=True).stdout.decode()


def test_only_a_recognised_unit_gets_a_dossier_and_only_its_own_users_and_the_office_read_it(
    client, make_recognised_round, make_user
):
    rr = make_recognised_round()
    pdf, info = issued_pdf(client, rr)
    target = rr.recognised[0]
    assert info["state"] == "issued" and info["pdf_sha256"] == hashlib.sha256(pdf).hexdigest()
    assert len(info["code"]) == 16 and re.fullmatch(r"20\d\d-3-\d{6}", info["number"])
    # the unit's own user downloads it, byte for byte; another applicant cannot know it exists
    _, own = make_user("applicant", organisation=target.organisation)
    assert fetch(client, f"/api/v1/applications/{target.id}/dossier", own).data == pdf
    _, stranger = make_user("applicant")
    assert client.get(f"/api/v1/applications/{target.id}/dossier", headers=stranger).status_code == 404
    # a second dossier while one stands, or one for a unit that was not recognised: refused
    again = client.post(f"/api/v1/applications/{target.id}/dossier", headers=rr.headers)
    assert again.status_code == 409
    other = client.post(f"/api/v1/applications/{rr.others[0].id}/dossier", headers=rr.headers)
    assert other.status_code == 409
    assert (
        client.get(f"/api/v1/applications/{rr.others[0].id}/dossier", headers=rr.headers).status_code == 404
    )


def test_the_dossier_is_chinese_in_one_embedded_subset_sc_face_and_pdfa_3u_with_metadata(
    client, make_recognised_round
):
    pdf, info = issued_pdf(client, make_recognised_round())
    fonts = _tool(["pdffonts"], pdf).splitlines()[2:]
    assert len(fonts) == 1, fonts  # one face: no bold, no Latin fallback
    name, *_ = fonts[0].split()
    assert "+Noto-Sans-CJK-SC" in name and "JP" not in name
    assert fonts[0].split()[-5:-2] == ["yes", "yes", "yes"]  # embedded, subset, with a Unicode map
    text = _tool(["pdftotext", "-layout"], pdf)
    assert (
        "认定档案" in text and "第1页共5页" in text.replace(" ", "") and "第5页共5页" in text.replace(" ", "")
    )
    assert info["number"] in text and "专家" in text and "SHA-256" in text
    reader = PdfReader(io.BytesIO(pdf))
    meta = reader.metadata
    assert "认定档案" in meta.title and meta.author == "四川省民政厅"
    assert info["number"] in reader.metadata["/Keywords"] and meta.subject
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    assert re.search(r'pdfaid:part(="|>)3', xmp) and re.search(r'pdfaid:conformance(="|>)U', xmp)
    assert len(reader.pages) == 5 and all(
        abs(float(p.mediabox.width) - 595.28) < 1 and abs(float(p.mediabox.height) - 841.89) < 1
        for p in reader.pages
    )


def test_the_canonical_data_is_attached_and_hashed_and_the_signature_validates(client, make_recognised_round):
    pdf, info = issued_pdf(client, make_recognised_round())
    attached = PdfReader(io.BytesIO(pdf)).attachments["result.json"][0]
    assert hashlib.sha256(attached).hexdigest() == info["data_sha256"]
    data = json.loads(attached)
    assert data["unit"]["application_id"] == info["application_id"]
    assert data["result"]["rank"] == 1 and data["result"]["sections"] and data["result"]["indicators"]
    report = signing.validate(pdf)
    assert report.signed and report.intact and report.trusted and report.covers_whole_file
    assert report.signer == signing.OFFICE_NAME
    # one byte changed inside the signed range: the signature no longer holds
    at = pdf.index(b"/Type /Page") + 2
    tampered = pdf[:at] + bytes([pdf[at] ^ 1]) + pdf[at + 1 :]
    assert not signing.validate(tampered).intact


@pytest.mark.parametrize(
    ("body", "said"),
    [
        ("<p>\U00013000</p>", ".notdef"),  # an Egyptian hieroglyph: no face has it
        ('<img src="file:///etc/passwd">', "file:///etc/passwd"),
        ('<link rel="stylesheet" href="https://example.com/x.css"><p>文</p>', "https://example.com"),
        ('<p style="background: url(http://127.0.0.1:9/x.png)">文</p>', "127.0.0.1"),
    ],
)
def test_the_renderer_fails_on_a_missing_glyph_and_on_any_url(app, body, said):
    html = f'<html lang="zh-CN"><body style="font-family: Noto Sans CJK SC">{body}</body></html>'
    with pytest.raises(RenderError, match=said.replace(".", r"\.")):
        render_pdf(html)


def test_the_renderer_fails_when_harfbuzz_cannot_subset(app, monkeypatch):
    import weasyprint.pdf.fonts

    monkeypatch.setattr(weasyprint.pdf.fonts, "harfbuzz_subset", None)
    with pytest.raises(RenderError):
        render_pdf('<html lang="zh-CN"><body style="font-family: Noto Sans CJK SC"><p>四川</p></body></html>')


def test_a_plain_chinese_document_renders_without_a_warning(app):
    pdf = render.render_pdf(
        '<html lang="zh-CN"><body style="font-family: Noto Sans CJK SC">四川省</body></html>'
    )
    assert pdf.startswith(b"%PDF-") and "四川省" in _tool(["pdftotext"], pdf)


def test_a_document_is_signed_inside_a_running_event_loop_too(app, signing_files):
    """pyHanko signs through asyncio.run: inside a running loop (an asynchronous server, a browser
    test's thread) the signature is made on a thread of its own."""
    import asyncio

    app.config["DOSSIER_SIGNING_KEY"], app.config["DOSSIER_SIGNING_CERT"] = map(str, signing_files)
    pdf = render_pdf('<html lang="zh-CN"><body style="font-family: Noto Sans CJK SC">四川省</body></html>')

    async def inside() -> bytes:
        return signing.sign(pdf, reason="测试")

    signed = asyncio.run(inside())
    assert signing.validate(signed).intact


def _page_images(pdf: bytes) -> list[bytes]:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["pdftoppm", "-r", "50", "-png", "-", f"{tmp}/p"], input=pdf, check=True)
        return [p.read_bytes() for p in sorted(Path(tmp).glob("p-*.png"))]


def test_the_printed_documents_short_user_agent_sheet_draws_the_dossier_as_weasyprints_whole_one(
    app, make_recognised_round
):
    """The renderer styles the documents with templates/dossiers/print-ua.css instead of
    WeasyPrint's whole HTML stylesheet: page for page the same picture, and the headings still
    make the PDF's outline. An element a template adds without its rules there shows here."""
    from weasyprint import HTML

    from evaluator.core.db import utcnow
    from evaluator.dossiers import documents
    from evaluator.dossiers.data import gather

    rr = make_recognised_round()
    now = utcnow()
    ctx = documents.context(
        gather(rr.recognised[0], now), "2026-3-000001", "ABCDEFGHJKMNPQRS", "https://x.cn", now
    )
    html = documents.dossier_html(ctx)
    ours, whole = render.PrintHTML(string=html).write_pdf(), HTML(string=html).write_pdf()
    assert len(_page_images(ours)) == 5 and _page_images(ours) == _page_images(whole)
    top, sections = PdfReader(io.BytesIO(ours)).outline[:2]
    assert top.title.endswith("认定档案")
    assert [s.title for s in sections if not isinstance(s, list)][:2] == ["一、申报单位概况", "二、得分概览"]


def test_a_signature_with_a_large_key_and_long_names_fits_the_room_kept_for_it(app, tmp_path):
    """The room kept for the signature is reckoned from the signer's certificates, not measured by
    a trial signature each time: a 4096-bit RSA key and long names still fit, and validate."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=4096)
    files = signing.make_certificate(tmp_path, key=key, organisation="四川省民政厅" * 10)
    app.config["DOSSIER_SIGNING_KEY"], app.config["DOSSIER_SIGNING_CERT"] = map(str, files)
    signed = signing.sign(render_pdf('<html lang="zh-CN"><body>四川省</body></html>'), reason="测试")
    report = signing.validate(signed)
    assert report.intact and report.trusted and report.covers_whole_file


def test_the_profile_figures_are_written_as_the_pages_write_them(client, make_recognised_round):
    """Thousands separators, as the application's page shows the figures (常住人口：9,806)."""
    from evaluator.extensions import db
    from evaluator.formatting import show_number

    rr = make_recognised_round(n_apps=3, n_recognised=1)
    target = rr.recognised[0]
    target.figures = {**target.figures, "residents": 9806, "households": 3120, "fund": 123456.5}
    db.session.commit()
    assert client.post(f"/api/v1/applications/{target.id}/dossier", headers=rr.headers).status_code == 201
    pdf = fetch(client, f"/api/v1/applications/{target.id}/dossier", rr.headers).data
    text = _tool(["pdftotext", "-layout"], pdf).replace(" ", "")
    assert show_number(9806) == "9,806"
    assert "常住人口：9,806" in text and "户数：3,120" in text and "社区基金：123,456.5元" in text


def test_markup_in_a_units_name_comments_and_file_names_is_printed_as_text_and_fetches_nothing(
    client, make_recognised_round
):
    """Escaped in the body, in the charts and in the running header: the render would fail on any
    fetch, and the markup shows as the characters it was typed with."""
    from sqlalchemy import select

    from evaluator.applications.models import Material
    from evaluator.assignments.models import Assignment
    from evaluator.extensions import db
    from evaluator.reviews.models import Review

    rr = make_recognised_round(n_apps=3, n_recognised=1)
    target = rr.recognised[0]
    target.organisation.name = '玉林<img src="file:///etc/passwd">社区'
    reviews = select(Review).join(Assignment).where(Assignment.application_id == target.id)
    for review in db.session.scalars(reviews):
        review.comments = {"": '好</style><p style="background: url(http://127.0.0.1:9/x.png)">段</p>'}
    db.session.add(
        Material(
            application_id=target.id,
            filename='方案"><link rel="stylesheet" href="http://127.0.0.1:9/x.css">.pdf',
            content_type="application/pdf",
            size=3,
            sha256="0" * 64,
            uploaded_by=rr.admin.id,
        )
    )
    db.session.commit()
    assert client.post(f"/api/v1/applications/{target.id}/dossier", headers=rr.headers).status_code == 201
    text = _tool(["pdftotext"], fetch(client, f"/api/v1/applications/{target.id}/dossier", rr.headers).data)
    assert '玉林<img src="file:///etc/passwd">社区' in text
    assert '</style><p style="background: url(http://127.0.0.1:9/x.png)">' in text
    assert '<link rel="stylesheet" href="http://127.0.0.1:9/x.css">' in text


def test_an_unreadable_or_half_configured_signing_key_is_a_503_that_says_so_and_writes_nothing(
    app, client, make_recognised_round, signing_files, tmp_path
):
    """Not a 500 with pyHanko's inner names, and not remembered: once the files are right, the
    next dossier is signed."""
    from evaluator.dossiers.models import Dossier
    from evaluator.extensions import db

    rr = make_recognised_round(n_apps=3, n_recognised=1)
    url = f"/api/v1/applications/{rr.recognised[0].id}/dossier"
    key, cert = map(str, signing_files)
    for wrong in ((str(tmp_path / "missing.pem"), cert), (key, ""), ("", cert)):
        app.config["DOSSIER_SIGNING_KEY"], app.config["DOSSIER_SIGNING_CERT"] = wrong
        res = client.post(url, headers=rr.headers)
        assert res.status_code == 503, res.get_json()
        assert "signing key" in res.get_json()["message"] and "None" not in res.get_json()["message"]
        assert db.session.query(Dossier).count() == 0
    app.config["DOSSIER_SIGNING_KEY"], app.config["DOSSIER_SIGNING_CERT"] = key, cert
    assert client.post(url, headers=rr.headers).status_code == 201
