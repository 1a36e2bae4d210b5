"""Every main page of the applicant and of the office, checked in a real browser: axe-core finds no
serious or critical violation, every form control has an accessible name, no id is used twice,
nothing makes the page scroll sideways; the refused forms (the figures with an error beside a
field, a new round without its title, an import with its table of problems) are checked as they
show their messages, in Chinese and in English, and photographed at 1280×800 and 390×844
(build/screenshots/). The pages as they first open are photographed in both languages at both
widths by the phone walk (test_phone_and_print.py), which visits every page of the service.

One test per role: the data is made once, the reader signs in once, and each page is opened once
per language."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from evaluator.extensions import db
from tests.browser.helpers import (
    FC_FIGURES,
    PDF_BYTES,
    application_of,
    duplicate_ids,
    nameless_controls,
    open_round,
    screenshot,
    sign_out,
    signed_in,
    switch_language,
    wider_than_the_screen,
)

pytestmark = pytest.mark.browser

Opener = Callable[[Page], None]


def soon(days: int) -> datetime:
    """A time ``days`` from now (UTC)."""
    return datetime.now(UTC) + timedelta(days=days)


def visit(path: str, status: int = 200) -> Opener:
    """Open a page by its address and check the status it was answered with."""

    def open_page(page: Page) -> None:
        response = page.goto(path)
        assert response.status == status, (path, response.status)

    return open_page


def refused(path: str, fill: Callable[[Page], None], form: str) -> Opener:
    """Open a form, fill it in wrongly and send it: the page that answers 422 with the messages."""

    def open_page(page: Page) -> None:
        page.goto(path)
        fill(page)
        with page.expect_navigation() as navigation:
            page.locator(f"{form} button[type=submit]").first.click()
        assert navigation.value.status == 422, (path, navigation.value.status)
        expect(page.locator("#form-problems")).to_be_visible()

    open_page.refused = True  # a page in a state the phone walk does not reach
    return open_page


def check_and_photograph(page: Page, pages: dict[str, Opener], axe) -> None:
    """Each page in Chinese: axe, names of the controls, unique ids, nothing wider than the screen;
    the refused forms photographed; then the refused forms again in English (switched once with the
    header's button): names, width and screenshots."""
    for name, open_page in pages.items():
        open_page(page)
        expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
        axe(page)
        assert nameless_controls(page) == [], name
        assert duplicate_ids(page) == [], name
        assert wider_than_the_screen(page) == [], name
        if getattr(open_page, "refused", False):
            screenshot(page, name)
    switch_language(page, "en")
    for name, open_page in pages.items():
        if not getattr(open_page, "refused", False):
            continue
        open_page(page)
        expect(page.locator("html")).to_have_attribute("lang", "en")
        assert nameless_controls(page) == [], name
        assert wider_than_the_screen(page) == [], name
        screenshot(page, name)


def test_the_applicant_pages(page, make_account, axe, tmp_path):
    account = make_account("applicant")
    draft_round = open_round("2026年度省级特色社区评选", submission_deadline=soon(30))
    done_round = open_round("2026年度特色社区补充评选", submission_deadline=soon(20))
    # A draft with a few figures (6,800 households is outside a traditional community's norm: a
    # warning shows beside the field), and a submitted application in the other round.
    draft = application_of(
        account, draft_round, {"category": "traditional_urban", "households_resident": 6800}
    )
    submitted = application_of(account, done_round, FC_FIGURES, submit=True)
    signed_in(page, account)
    base = f"/applicant/applications/{draft}"
    # One material uploaded through the page, for the table of files.
    page.goto(base + "/materials")
    pdf = tmp_path / "社区基本情况表.pdf"
    pdf.write_bytes(PDF_BYTES)
    page.set_input_files("#f-file", str(pdf))
    with page.expect_navigation():
        page.locator("#upload-form button[type=submit]").click()
    expect(page.locator("#materials tbody tr")).to_have_count(1)

    def wrong_households(p: Page) -> None:
        p.fill("#f-figures-households_resident", "60000")

    check_and_photograph(
        page,
        {
            "applicant-home": visit("/applicant/"),
            "applicant-form": visit(base),
            "applicant-form-errors": refused(base, wrong_households, "#figures-form"),
            "applicant-self-assessment": visit(base + "/self-assessment"),
            "applicant-materials": visit(base + "/materials"),
            "applicant-submit": visit(base + "/submit"),
            "applicant-view": visit(f"/applicant/applications/{submitted}"),
        },
        axe,
    )


def bad_import(round_id: int, path) -> None:
    """A CSV from the round's template whose one row has words where numbers belong."""
    from evaluator.applications.intake import template_csv
    from evaluator.rounds.models import Round

    header, hints = list(
        csv.reader(io.StringIO(template_csv(db.session.get(Round, round_id)).decode("utf-8-sig")))
    )
    row = {"申报单位名称": "芳草社区", "常住户数": "很多", "常住人口": "不详"}
    out = io.StringIO()
    csv.writer(out).writerows([header, hints, [row.get(h, "") for h in header]])
    path.write_bytes(out.getvalue().encode("utf-8-sig"))
    db.session.close()


def test_the_office_pages(page, make_account, axe, tmp_path):
    admin = make_account("admin")
    applicant = make_account("applicant")
    round_id = open_round("2026年度省级特色社区评选", submission_deadline=soon(30), review_deadline=soon(60))
    open_round("2027年度省级特色社区评选", phase="draft")
    application = application_of(applicant, round_id, FC_FIGURES, submit=True)
    bad = tmp_path / "有误的申报表.csv"
    bad_import(round_id, bad)
    signed_in(page, admin)
    page.watch.allow(r"/office/import: Failed to load resource: .* status of 422")

    def no_title(p: Page) -> None:
        p.fill("#f-title", "")

    def bad_file(p: Page) -> None:
        p.set_input_files("#f-file", str(bad))

    check_and_photograph(
        page,
        {
            "office-dashboard": visit("/office/"),
            "office-rounds": visit("/office/rounds"),
            "office-round": visit(f"/office/rounds/{round_id}"),
            "office-round-new": visit("/office/rounds/new"),
            "office-round-new-errors": refused("/office/rounds/new", no_title, "#round-form"),
            "office-applications": visit(f"/office/applications?round={round_id}"),
            "office-application": visit(f"/office/applications/{application}"),
            "office-import": visit("/office/import"),
            "office-import-problems": refused("/office/import", bad_file, "#upload-form"),
            "office-accounts": visit("/office/accounts"),
            "office-user": visit(f"/office/accounts/users/{applicant.id}"),
            "office-user-new": visit("/office/accounts/users/new"),
            "office-audit": visit("/office/audit"),
        },
        axe,
    )


def test_the_cohort_pages(page, make_account, make_cohort_round, axe):
    from evaluator.cohort_runs import service

    rnd, apps = make_cohort_round()
    service.run(None, rnd)
    db.session.commit()
    round_id, app_id, organisation_id = rnd.id, apps[0].id, apps[0].organisation_id
    admin = make_account("admin")
    signed_in(page, admin)
    check_and_photograph(
        page,
        {
            "office-cohorts": visit(f"/office/rounds/{round_id}/cohorts"),
            "office-cohorts-axes": visit(f"/office/rounds/{round_id}/cohorts?x=households&y=residents"),
            "office-cohort-member": visit(f"/office/rounds/{round_id}/cohorts/applications/{app_id}"),
        },
        axe,
    )
    sign_out(page)
    signed_in(page, make_account("applicant", organisation_id=organisation_id))
    check_and_photograph(page, {"applicant-cohort": visit(f"/applicant/applications/{app_id}/cohort")}, axe)


def test_the_dossier_pages(page, make_account, make_recognised_round, axe):
    from evaluator.dossiers import service

    rr = make_recognised_round(n_apps=4, n_recognised=1)
    dossier = service.issue(rr.admin, rr.recognised[0])
    db.session.commit()
    round_id, dossier_id, code = rr.rnd.id, dossier.id, dossier.code

    def blank_reason(p: Page) -> None:
        p.fill("#f-reason", "   ")  # not empty for the browser, nothing for the service

    signed_in(page, make_account("admin"))
    change = f"/office/dossiers/{dossier_id}/change"
    check_and_photograph(
        page,
        {
            "office-dossiers": visit(f"/office/rounds/{round_id}/dossiers"),
            "office-dossier-change": visit(change),
            "office-dossier-change-errors": refused(change, blank_reason, "main form"),
            "office-score-sheets": visit(f"/office/rounds/{round_id}/score-sheets"),
        },
        axe,
    )
    sign_out(page)
    check_and_photograph(
        page, {"public-verify-form": visit("/verify"), "public-verify": visit(f"/verify/{code}")}, axe
    )


def test_the_audit_log_fits_a_phone(page, make_account):
    signed_in(page, make_account("admin"))  # signing in writes the first events: the verdict has a hash
    page.goto("/office/audit")
    expect(page.locator("#chain-verdict")).to_be_visible()
    assert wider_than_the_screen(page) == []


def test_the_applications_filters_fit_a_phone_in_english(new_page, make_account):
    page = new_page(locale="en-GB")
    round_id = open_round("2026年度省级特色社区评选", submission_deadline=soon(30))
    signed_in(page, make_account("admin"))
    page.goto(f"/office/applications?round={round_id}")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert wider_than_the_screen(page) == []
