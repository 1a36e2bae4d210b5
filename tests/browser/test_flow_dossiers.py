"""Dossiers in a real browser, in Chinese: the office starts a round's batch and watches the progress
bar to the end, downloads the ZIP and revokes one dossier; the public verifies the other by its
code and compares an uploaded copy (identical, then changed); the unit downloads its own dossier
from its application's page. The first two pages of a dossier are photographed (pdftoppm,
build/screenshots/dossier-page-1.png and -2.png). The round's dossiers are rendered once."""

from __future__ import annotations

import io
import subprocess
import zipfile

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import (
    SCREENSHOTS,
    accept_dialogs,
    nameless_controls,
    screenshot,
    signed_in,
    wider_than_the_screen,
)

pytestmark = pytest.mark.browser


def _photograph(pdf: bytes) -> list:
    """The dossier's first two pages as PNG files in build/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    prefix = SCREENSHOTS / "dossier-page"
    subprocess.run(
        ["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "2", "-", str(prefix)], input=pdf, check=True
    )
    return sorted(SCREENSHOTS.glob("dossier-page-*.png"))


def test_the_office_issues_the_rounds_dossiers_and_the_public_verifies_one(
    page, new_page, make_account, make_recognised_round, axe, tmp_path
):
    from evaluator.dossiers.models import Dossier
    from evaluator.extensions import db

    rr = make_recognised_round(n_apps=5, n_recognised=2)
    round_id = rr.rnd.id
    first, second = (a.id for a in rr.recognised)
    organisation_id = rr.recognised[1].organisation_id
    admin = make_account("admin")
    signed_in(accept_dialogs(page), admin)

    # the batch: started from the round's dossiers page, followed to the end
    page.goto(f"/office/rounds/{round_id}/dossiers")
    with page.expect_navigation():
        page.click(f"form[action$='/rounds/{round_id}/dossiers'] button[type=submit]")
    expect(page.locator("#job-total")).to_have_text("2")
    expect(page.locator("#job-zip")).to_be_visible(timeout=90_000)  # the page reloads when finished
    expect(page.locator("#job-done")).to_have_text("2")
    expect(page.locator("#job-failed")).to_have_text("0")
    assert page.locator("#job-bar").evaluate("bar => [bar.value, bar.max]") == [2, 2]
    assert axe(page) is not None and nameless_controls(page) == [] and wider_than_the_screen(page) == []
    screenshot(page, "dossier-batch")

    with page.expect_download() as download:
        page.click("#job-zip")
    archive = zipfile.ZipFile(io.BytesIO(download.value.path().read_bytes()))
    pdfs = {name: archive.read(name) for name in archive.namelist()}
    assert len(pdfs) == 2 and all(
        name.endswith(".pdf") and data.startswith(b"%PDF-") for name, data in pdfs.items()
    )
    db.session.expire_all()
    kept = db.session.query(Dossier).filter_by(application_id=second).one()
    gone = db.session.query(Dossier).filter_by(application_id=first).one()
    kept_code, kept_number, gone_id, gone_code = kept.code, kept.number, gone.id, gone.code
    db.session.rollback()  # end the read: on SQLite it could not write (make_account) after the server
    kept_pdf = next(data for name, data in pdfs.items() if name.startswith(kept_number))  # number-unit.pdf
    assert len(_photograph(kept_pdf)) == 2

    # one dossier revoked, with a reason
    page.goto(f"/office/dossiers/{gone_id}/change")
    page.check("input[name=action][value=revoke]")
    page.fill("#f-reason", "复核发现申报材料不实")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    expect(page.locator("main")).to_contain_text("已撤销")
    screenshot(page, "dossiers-round")

    # the public: by the code, then a copy compared
    public = new_page()
    public.goto("/verify")
    public.fill("#code", kept_code.lower())
    with public.expect_navigation():
        public.click("main form button[type=submit]")
    expect(public.locator("#verify-result")).to_contain_text("现行有效")
    expect(public.locator("main")).to_contain_text(kept_number)
    copy = tmp_path / "copy.pdf"
    copy.write_bytes(kept_pdf)
    public.set_input_files("#file", str(copy))
    with public.expect_navigation():
        public.click("main form[enctype] button[type=submit]")
    expect(public.locator("#compare-result.ok")).to_be_visible()
    changed = tmp_path / "changed.pdf"
    changed.write_bytes(kept_pdf[:-40] + b" " + kept_pdf[-39:])
    public.set_input_files("#file", str(changed))
    with public.expect_navigation():
        public.click("main form[enctype] button[type=submit]")
    expect(public.locator("#compare-result.error")).to_be_visible()
    assert axe(public) is not None and nameless_controls(public) == []
    screenshot(public, "dossier-verify")
    public.goto(f"/verify/{gone_code}")
    expect(public.locator("#verify-result.state-revoked")).to_contain_text("撤销")
    expect(public.locator("main")).to_contain_text("复核发现申报材料不实")

    # the unit downloads its own dossier from its application's page
    applicant = make_account("applicant", organisation_id=organisation_id)
    own = new_page()
    signed_in(own, applicant)
    own.goto(f"/applicant/applications/{second}")
    with own.expect_download() as mine:
        own.click("#dossier-link")
    assert mine.value.path().read_bytes() == kept_pdf
