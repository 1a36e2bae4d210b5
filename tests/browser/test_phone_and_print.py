"""Every page of the service on a phone, and the results on paper.

The pages are the URL map's: every rule that answers GET with a page (downloads and the static
files aside, listed in ``NOT_PAGES``), each visited as the role that sees it, in Chinese and in
English, at 390×844 — one browser context per role and language, over one world (the demo, built
once for the module and written back for each test). A page passes when nothing in it is wider
than the screen (``document.documentElement.scrollWidth`` ≤ ``window.innerWidth``), every box
that scrolls a wide table sideways can be reached with the keyboard and has a name, and every
text of its charts lies inside the chart. Each page is photographed (build/screenshots/
``phone-<endpoint>.<zh|en>.<1280|390>.png``). A page added to the service without an entry in
``PAGES`` or ``NOT_PAGES`` fails ``test_every_page_of_the_url_map_is_walked``.

The results table and an application's breakdown are printed to PDF (A4) and read back: no
navigation, buttons or filters; the last column's header; a page number on every page.
"""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass

import numpy as np
import pytest
from flask import current_app, url_for
from playwright.sync_api import Page
from sqlalchemy import select

from evaluator.extensions import db
from tests.browser.helpers import PDF_BYTES, SCREENSHOTS, path_of, screenshot, signed_in
from tests.pages import DOWNLOADS

pytestmark = pytest.mark.browser

LANGUAGES = {"zh": "zh-CN", "en": "en"}
PHONE = {"width": 390, "height": 844}

# Every page (GET) of the URL map: the roles that see it, and the ids its address needs, named by
# the world's keys (how the world gets each is written in ``build_world``).
PAGES: dict[str, tuple[tuple[str, ...], dict[str, str]]] = {
    "public.index": (("anonymous",), {}),  # the start page: sends a reader to signing in
    "account.sign_in": (("anonymous",), {}),
    "account.password": (("applicant",), {}),
    "applicant.home": (("applicant",), {}),
    # The applicant's draft in an open round, with one uploaded file and one declared conflict.
    "applicant.application": (("applicant",), {"application_id": "draft"}),
    "applicant.assessment": (("applicant",), {"application_id": "draft"}),
    "applicant.materials": (("applicant",), {"application_id": "draft"}),
    "applicant.submission": (("applicant",), {"application_id": "draft"}),
    "applicant.application_conflicts": (("applicant",), {"application_id": "draft"}),
    "applicant.application_cohort": (("applicant",), {"application_id": "draft"}),  # none formed yet
    # A submitted application of an open round, in the county and city offices' queues.
    "region.queue": (("county_office", "city_office"), {}),
    "region.application": (("county_office", "city_office"), {"application_id": "submitted"}),
    "region.ranking": (("city_office",), {}),
    "office.dashboard": (("admin",), {}),
    "office.rounds": (("admin",), {}),
    "office.round_new": (("admin",), {}),
    # The demo's scored round (results computed, with one planted disagreement) and one of its
    # applications; a round still in preparation for the edit form.
    "office.round": (("admin",), {"round_id": "scored"}),
    "office.round_edit": (("admin",), {"round_id": "draft_round"}),
    "office.round_settings": (("admin",), {"round_id": "scored"}),
    "office.assignments": (("admin",), {"round_id": "scored"}),
    "office.assignment_panel": (("admin",), {"round_id": "scored", "application_id": "scored_application"}),
    "office.assignment_reviewer": (("admin",), {"user_id": "reviewer"}),
    "office.results": (("admin",), {"round_id": "scored"}),
    "office.result_breakdown": (("admin",), {"round_id": "scored", "application_id": "disagreed"}),
    "office.result_reviewers": (("admin",), {"round_id": "scored"}),
    "office.result_disagreements": (("admin",), {"round_id": "scored"}),
    # The scored round's cohorts (the demo forms them) and its first application's place.
    "office.cohorts": (("admin",), {"round_id": "scored"}),
    "office.cohort_member": (("admin",), {"round_id": "scored", "application_id": "scored_application"}),
    "office.applications": (("admin",), {}),
    "office.application": (("admin",), {"application_id": "scored_application"}),
    "office.imports": (("admin",), {}),
    "office.accounts": (("admin",), {}),
    "office.user": (("admin",), {"user_id": "reviewer"}),
    "office.user_new": (("admin",), {}),
    "office.organisation_new": (("admin",), {}),
    "office.audit": (("admin",), {}),
    # Last year's round, through the notice and the recognition: its lists, an objection to them.
    "office.round_shortlists": (("admin",), {"round_id": "last_round"}),
    "office.shortlist": (("admin",), {"shortlist_id": "shortlist"}),
    "office.objection": (("admin",), {"objection_id": "objection"}),
    "public.shortlist": (("anonymous",), {"shortlist_id": "shortlist"}),
    "public.objection_new": (("anonymous",), {"shortlist_id": "shortlist"}),
    "public.objection": (("anonymous",), {"code": "receipt"}),
    # An expert's active assignment in the scored round (a closed review: read only).
    "public.reviewer_home": (("reviewer",), {}),  # sends an expert to their queue
    "reviewer.queue": (("reviewer",), {}),
    "reviewer.score": (("reviewer",), {"assignment_id": "assignment"}),
    "reviewer.recuse": (("reviewer",), {"assignment_id": "assignment"}),
    "reviewer.profile_page": (("reviewer",), {}),
    # Last year's recognised round: one dossier issued, then a batch rendering the others; the
    # public verification of that dossier by its code; the scored round's experts' score sheets.
    "office.dossiers": (("admin",), {"round_id": "last_round"}),
    "office.dossier_job": (("admin",), {"job_id": "dossier_job"}),
    "office.dossier_change": (("admin",), {"dossier_id": "dossier"}),
    "office.score_sheets": (("admin",), {"round_id": "scored"}),
    "public.verify_form": (("anonymous",), {}),
    "public.verify": (("anonymous",), {"code": "dossier_code"}),
}
# GET rules that are not pages: files sent for download or shown inside a page.
NOT_PAGES = {"static", *DOWNLOADS}
ROLES = ("anonymous", "applicant", "county_office", "city_office", "admin", "reviewer")

_OVERFLOW = """() => {
  const edge = window.innerWidth;
  const sticking = [...document.querySelectorAll('body *')]
    .filter((el) => el.getBoundingClientRect().right > edge + 1 && !el.closest('.table-wrap'))
    .slice(0, 5).map((el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
                     + (typeof el.className === 'string' && el.className ? '.' + el.className : ''));
  const boxes = [...document.querySelectorAll('.table-wrap')]
    .filter((box) => box.scrollWidth > box.clientWidth + 1)
    .filter((box) => box.getAttribute('tabindex') !== '0' || box.getAttribute('role') !== 'region'
                     || !(box.getAttribute('aria-label') || '').trim())
    .map((box) => (box.querySelector('table') || box).outerHTML.slice(0, 80));
  const clipped = [...document.querySelectorAll('svg')].flatMap((svg) => {
    const box = svg.viewBox && svg.viewBox.baseVal;
    if (!box || !box.width) return [];
    return [...svg.querySelectorAll('text')].filter((t) => {
      const b = t.getBBox();
      return b.x < box.x - 1 || b.y < box.y - 1 || b.x + b.width > box.x + box.width + 1
        || b.y + b.height > box.y + box.height + 1;
    }).map((t) => t.textContent);
  });
  return {width: document.documentElement.scrollWidth, edge, sticking, boxes, clipped};
}"""


@dataclass
class World:
    """The ids the pages need and who signs in for each role (username, password)."""

    ids: dict[str, int | str]
    logins: dict[str, tuple[str, str]]


def build_world() -> World:
    """The demo (``flask demo load``: 4 rounds, one of them scored, 156 accounts) and a few things
    more, each made through the services:

    - ``draft``: the first draft application of an open round (its applicant signs in), given a
      PDF and a declared conflict with a reviewer;
    - ``submitted``: the first submitted application of an open round (its county and city
      offices sign in);
    - ``scored``, ``scored_application``: the scored round and its first application;
      ``assignment`` and ``reviewer``: that application's first active assignment and its expert;
    - ``disagreed``: an application of the scored round where that expert is made to give 0 on an
      indicator the others scored high, and the results computed again (a disagreement to show);
    - ``draft_round``: a new round in preparation;
    - ``dossier``, ``dossier_code``: the dossier issued to the first recognised unit of last year's
      round (``last_round``); ``dossier_job``: the batch that rendered the others'.
    """
    from evaluator.accounts.models import Organisation, User
    from evaluator.applications.models import Application
    from evaluator.assignments import declarations
    from evaluator.assignments.models import Assignment
    from evaluator.criteria import load_criteria
    from evaluator.demo.loader import PASSWORDS, load_demo
    from evaluator.materials import service as materials
    from evaluator.results.service import compute
    from evaluator.reviews.models import Review
    from evaluator.rounds.models import Round
    from evaluator.rounds.service import create_round
    from evaluator.shortlists.models import Objection, Shortlist

    load_demo()
    db.session.commit()  # each step below is a request of its own: it takes its locks afresh
    admin = db.session.scalars(select(User).where(User.username == "admin")).one()
    scored = db.session.scalars(select(Round).where(Round.phase == "scoring_closed")).one()
    first = select(Application).join(Round).where(Round.phase == "open").order_by(Application.id)
    draft = db.session.scalars(first.where(Application.status == "draft")).first()
    submitted = db.session.scalars(first.where(Application.status == "submitted")).first()
    applicant = db.session.scalars(
        select(User).where(User.organisation_id == draft.organisation_id, User.role == "applicant")
    ).first()
    materials.upload(applicant, draft, io.BytesIO(PDF_BYTES), "社区基本情况表（2026年）.pdf")
    db.session.commit()
    active = select(Assignment).where(Assignment.round_id == scored.id, Assignment.status == "active")
    assignment = db.session.scalars(
        active.order_by(Assignment.application_id, Assignment.reviewer_id)
    ).first()
    expert = db.session.get(User, assignment.reviewer_id)
    declarations.declare_by_applicant(applicant, draft.round, expert, "该专家曾在本社区挂职。")
    db.session.commit()
    # One expert far from the others on one indicator of the sixth application.
    sixth = sorted({a.application_id for a in db.session.scalars(active)})[5]
    row = db.session.scalars(active.where(Assignment.application_id == sixth)).first()
    review = db.session.scalars(select(Review).where(Review.assignment_id == row.id)).one()
    scores = np.frombuffer(review.scores, dtype="<f8").copy()
    scores[int(np.nanargmax(scores))] = 0.0
    review.scores = scores.tobytes()
    db.session.commit()
    compute(admin, scored)
    db.session.commit()
    later = create_round(admin, "2027年度四川省特色社区评审（筹备中）", load_criteria("fc-2026"))
    last = db.session.scalars(select(Round).where(Round.phase == "final")).one()
    listing = db.session.scalars(
        select(Shortlist)
        .where(Shortlist.round_id == last.id, Shortlist.kind == "shortlist")
        .order_by(Shortlist.number.desc())
    ).first()
    objection = db.session.scalars(select(Objection).order_by(Objection.id)).first()
    dossier, job = _dossiers(admin, last)
    organisation = db.session.get(Organisation, submitted.organisation_id)
    db.session.commit()
    return World(
        ids={
            "draft": draft.id,
            "submitted": submitted.id,
            "scored": scored.id,
            "scored_application": assignment.application_id,
            "assignment": assignment.id,
            "reviewer": expert.id,
            "disagreed": sixth,
            "draft_round": later.id,
            "dossier": dossier.id,
            "dossier_code": dossier.code,
            "dossier_job": job.id,
            "last_round": last.id,
            "shortlist": listing.id,
            "objection": objection.id,
            "receipt": objection.receipt,
        },
        logins={
            "applicant": (applicant.username, PASSWORDS["applicant"]),
            "county_office": (f"county-{organisation.county_code}", PASSWORDS["county_office"]),
            "city_office": (f"city-{organisation.city_code}", PASSWORDS["city_office"]),
            "admin": ("admin", PASSWORDS["admin"]),
            "reviewer": (expert.username, PASSWORDS["reviewer"]),
        },
    )


def _dossiers(admin, recognised):
    """The first dossier of the recognised round issued, then a batch started (it renders the
    others'); the dossier and the batch."""
    from evaluator import tasks
    from evaluator.applications.models import Application
    from evaluator.dossiers import data, jobs
    from evaluator.dossiers import service as dossiers

    dossier = dossiers.issue(admin, db.session.get(Application, data.eligible(recognised)[0]))
    db.session.commit()
    job = jobs.start(admin, recognised)
    db.session.commit()
    tasks.wait_idle()
    return dossier, job


@pytest.fixture
def world(app, worlds) -> World:
    """The module's world, written back for this test."""
    return worlds.reuse("demo", build_world, folders=["MATERIALS_DIR"])


def address(endpoint: str, world: World) -> str:
    """The page's address with the world's ids."""
    _, needs = PAGES[endpoint]
    with current_app.test_request_context():
        return url_for(endpoint, **{arg: world.ids[key] for arg, key in needs.items()})


def test_every_page_of_the_url_map_is_walked(app):
    """Every GET rule outside the API is a page in ``PAGES`` or named in ``NOT_PAGES``."""
    # The JSON API and its documentation page (/api/v1/docs, the bundled Swagger UI) are not pages
    # of the service's own layout.
    rules = app.url_map.iter_rules()
    found = {r.endpoint for r in rules if "GET" in r.methods and not r.rule.startswith("/api/")}
    assert found - set(PAGES) - NOT_PAGES == set(), "a page the phone walk does not visit"
    assert set(PAGES) - found == set(), "a page the service no longer has"
    assert {role for roles, _ in PAGES.values() for role in roles} == set(ROLES)


@pytest.mark.parametrize("language", sorted(LANGUAGES))
@pytest.mark.parametrize("role", ROLES)
def test_every_page_fits_a_phone(new_page, world, role, language):
    page = new_page(locale=LANGUAGES[language], viewport=PHONE)
    if role != "anonymous":
        signed_in(page, *world.logins[role])
    problems = []
    for endpoint, (roles, _) in PAGES.items():
        if role not in roles:
            continue
        target = address(endpoint, world)
        response = page.goto(target)
        if response.status != 200:
            problems.append(f"{target}: answered {response.status}")
            continue
        lang = page.get_attribute("html", "lang") or ""
        assert lang.startswith(language), (target, lang)
        found = page.evaluate(_OVERFLOW)
        if found["width"] > found["edge"] or found["boxes"] or found["clipped"]:
            problems.append(f"{target} ({path_of(page)}): {found}")
        screenshot(page, f"phone-{endpoint}{'' if role in PAGES[endpoint][0][:1] else '-' + role}")
        page.set_viewport_size(PHONE)
    assert problems == [], "\n".join(problems)


def pdf_of(page: Page, target: str) -> tuple[list[str], bytes]:
    """The page printed to an A4 PDF, and each printed page's text (whitespace collapsed)."""
    from pypdf import PdfReader

    page.goto(target)
    data = page.pdf(format="A4", print_background=True)
    reader = PdfReader(io.BytesIO(data))
    # The fonts' character maps give some ideographs as their compatibility forms (⾊ for 色): NFKC.
    texts = [unicodedata.normalize("NFKC", p.extract_text() or "") for p in reader.pages]
    return [re.sub(r"\s+", " ", t) for t in texts], data


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_the_results_print_on_a4(new_page, world, language):
    page = new_page(locale=LANGUAGES[language])
    signed_in(page, *world.logins["admin"])
    rnd = world.ids["scored"]
    # The table to read back, and how many A4 pages at most: the results (20 applications, then the
    # distribution) take 2 in Chinese and 3 in English; a breakdown (38 indicators, the English
    # names longer) 3 and 5.
    checks = {
        f"/office/rounds/{rnd}/results": ("#results", 3),
        f"/office/rounds/{rnd}/results/applications/{world.ids['disagreed']}": ("table.indicators", 5),
    }
    for target, (table, most) in checks.items():
        page.goto(target)
        title = page.locator("main h1").inner_text().strip()
        nav = page.locator("header.site nav a").first.inner_text().strip()
        buttons = [
            b.strip() for b in page.locator("main .button, main button").all_inner_texts() if b.strip()
        ]
        last = page.locator(f"{table} thead tr:last-child th").last.inner_text().strip()
        first_row = page.locator(f"{table} tbody tr").first.locator("th, td").all_inner_texts()
        texts, data = pdf_of(page, target)
        name = "breakdown" if "applications" in target else "results"
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        (SCREENSHOTS / f"print-{name}.{language}.pdf").write_bytes(data)
        n = len(texts)
        assert data.startswith(b"%PDF") and 2 <= n <= most, (target, n)
        whole = " ".join(texts)

        def squeeze(text: str) -> str:
            return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))

        for k, text in enumerate(texts, start=1):
            assert f"{k} / {n}" in text, (target, k, text[-200:])  # the page number in the margin
        assert squeeze(title) in squeeze(whole)
        assert squeeze(last) in squeeze(whole), (target, last)  # every column printed
        assert squeeze(first_row[-1]) in squeeze(whole)
        assert nav not in whole and not [b for b in buttons if b in whole], (target, nav, buttons)
        if n > 1:  # the title row repeats with the table's header on the next page
            assert squeeze(title) in squeeze(texts[1]), (target, texts[1][:200])
