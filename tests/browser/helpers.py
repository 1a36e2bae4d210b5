"""What the browser tests share besides fixtures: accounts to sign in with, signing in and out, the
language switch, the accessibility check and the screenshots.

Import them in a test module: ``from tests.browser.helpers import signed_in, screenshots``.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from evaluator.extensions import db

ROOT = Path(__file__).resolve().parents[2]
AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "build" / "screenshots"
SIZES = {"1280": (1280, 800), "390": (390, 844)}
PASSWORD = "browser-test-password-2026"  # every account made by make_account, unless told otherwise
SEVERE = ("serious", "critical")


def require(path: Path, what: str) -> None:
    """Skip the test (the reason is shown in the summary) when a tool the browser tests need is
    missing; in CI (``CI=true``) fail instead, so they are never skipped there unnoticed."""
    if path.exists():
        return
    message = f"{what} is not installed at {path} (install it with: bash scripts/setup.sh dev)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"The browser tests cannot run: {message}", pytrace=False)
    pytest.skip(message)


@dataclass
class Account:
    """A user made for a browser test: what to type into the sign-in form, and where it lands."""

    id: int
    username: str
    password: str
    role: str
    display_name: str
    home: str  # the path of the role's home page (where signing in lands)
    organisation_id: int | None = None


def path_of(page: Page) -> str:
    """The path (and query) the page shows now, without the server's origin."""
    return re.sub(r"^https?://[^/]+", "", page.url)


def signed_in(page: Page, username: str | Account, password: str | None = None) -> Page:
    """Sign in through the real form and wait for the page it lands on; returns the page.

    Give an Account (its password is used) or a username and password. Asserts that the sign-in page
    was left (a refused sign-in fails here, with the page's message).
    """
    if isinstance(username, Account):
        username, password = username.username, password or username.password
    page.goto("/sign-in")
    page.fill("#f-username", username)
    page.fill("#f-password", password or PASSWORD)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    if path_of(page).startswith("/sign-in"):
        problems = page.locator("#form-problems")
        said = problems.inner_text() if problems.count() else page.content()[:1000]
        raise AssertionError(f"signing in as {username} was refused: {said}")
    return page


def sign_out(page: Page) -> Page:
    """Press the header's sign-out button and wait for the sign-in page."""
    with page.expect_navigation():
        page.click("header.site form[action$='/sign-out'] button")
    return page


def switch_language(page: Page, language: str) -> Page:
    """Press the header's language switch (``"en"`` or ``"zh"``) unless the page already reads it."""
    target = "en" if language == "en" else "zh-CN"
    if page.get_attribute("html", "lang") != target:
        with page.expect_navigation():
            page.click(f"header.site button[name=language][value={language}]")
    expect(page.locator("html")).to_have_attribute("lang", target)
    return page


def axe_violations(page: Page, tags: tuple[str, ...] = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")) -> list:
    """axe-core's violations on the page as it is now (all impacts).

    The page's CSP forbids inline scripts, so the checker is not added as a <script>: its source is
    evaluated by the browser's automation channel, which the CSP does not govern.
    """
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}, "
        "resultTypes: ['violations']})",
        list(tags),
    )
    return result["violations"]


def describe(violations: list) -> str:
    """The violations as lines: impact, rule id, help and the elements (CSS targets) concerned."""
    lines = []
    for v in violations:
        targets = ", ".join(" ".join(map(str, node["target"])) for node in v["nodes"][:10])
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} — {targets}")
    return "\n".join(lines)


def assert_accessible(page: Page) -> list:
    """Fail when axe finds a serious or critical violation (listing rule ids and targets); returns
    every violation found, the minor and moderate ones included."""
    violations = axe_violations(page)
    severe = [v for v in violations if v["impact"] in SEVERE]
    assert not severe, f"accessibility violations on {path_of(page)}:\n{describe(severe)}"
    return violations


def screenshot(page: Page, name: str, full_page: bool = False) -> list[Path]:
    """Save the page as it is now at 1280×800 and at 390×844, in the language it reads
    (``build/screenshots/<name>.<zh|en>.<1280|390>.png``); the viewport is put back afterwards.
    ``EVALUATOR_FULL_SCREENSHOTS=1`` takes every page whole (slower: for reading them through)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    full_page = full_page or os.environ.get("EVALUATOR_FULL_SCREENSHOTS") == "1"
    language = "zh" if (page.get_attribute("html", "lang") or "").startswith("zh") else "en"
    before = page.viewport_size
    saved = []
    try:
        for label, (width, height) in SIZES.items():
            page.set_viewport_size({"width": width, "height": height})
            settled(page)
            target = SCREENSHOTS / f"{name}.{language}.{label}.png"
            page.screenshot(path=str(target), full_page=full_page, animations="disabled")
            saved.append(target)
    finally:
        if before:
            page.set_viewport_size(before)
    return saved


def settled(page: Page) -> None:
    """Wait two frames: after a change of the viewport the next frame may still show the old layout
    (a screenshot then shows parts of the page cut off)."""
    page.evaluate("() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")


def screenshots(page: Page, url: str, name: str, full_page: bool = False) -> list[Path]:
    """All four screenshots of one address: Chinese and English, each at both sizes. The language is
    switched with the header's button, as a reader would, and switched back to Chinese at the end."""
    page.goto(url)
    switch_language(page, "zh")
    saved = screenshot(page, name, full_page)
    switch_language(page, "en")
    saved += screenshot(page, name, full_page)
    switch_language(page, "zh")
    return saved


def fresh(model, ident):
    """A row as the live server committed it: the test's own session forgets what it had read (and
    holds no transaction afterwards, so it never stands in the server's way)."""
    db.session.rollback()
    row = db.session.get(model, ident, populate_existing=True)
    db.session.expunge_all()
    db.session.rollback()
    return row


# --------------------------------------------------------------------------- flows: data and checks

# A small valid PDF (as tests/test_materials.py uploads), and content disguised under a .pdf name.
PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 10 10]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
HTML_BYTES = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>\n"
# Every required figure of the bundled criteria set fc-2026 (featured communities), valid and
# within its norms: what a complete application of a traditional urban community says.
FC_FIGURES = {
    "category": "traditional_urban",
    "households_resident": 3200,
    "residents_resident": 9000,
    "residential_compounds": 40,
    "compounds_managed": 32,
    "compound_party_coverage": 90,
    "consultations_per_year": 24,
    "community_workers": 18,
    "certified_social_workers": 6,
    "social_organisations": 15,
    "registered_volunteers": 1200,
    "volunteer_service_hours": 8000,
    "service_facility_area": 1500,
    "activity_space_share": 70,
    "basic_services": ["employment", "health", "elderly_care"],
    "capacity_items": ["facility_gaps", "smart_service"],
    "community_fund": 200000,
    "community_economy_income": 500000,
    "grid_coverage_rate": 100,
    "hazard_handling_rate": 98,
    "disputes_received": 50,
    "disputes_resolved": 48,
    "major_incident_3y": False,
    "satisfaction_rate": 92.5,
    "site_visits": 12,
    "leadership_discipline_violation": False,
    "already_holding_title": False,
}
_CJK = re.compile(r"[\u4e00-\u9fff]")


def chinese(text: str) -> bool:
    """Whether the text holds Chinese characters (a message that reads Chinese, not the English source)."""
    return bool(_CJK.search(text or ""))


def open_round(title: str, criteria: str = "fc-2026", phase: str = "open", **deadlines) -> int:
    """A round of a bundled criteria set made through the services, put in ``phase`` and committed
    (for the live server to see); returns its id."""
    from evaluator.criteria import load_criteria
    from evaluator.rounds.service import create_round

    rnd = create_round(None, title, load_criteria(criteria), **deadlines)
    rnd.phase = phase
    db.session.commit()
    ident = rnd.id
    db.session.close()
    return ident


def application_of(account: Account, round_id: int, figures: dict | None = None, submit: bool = False) -> int:
    """The account's organisation's application in the round, made (and submitted when asked)
    through the services as the account's user, and committed; returns its id."""
    from evaluator.accounts.models import User
    from evaluator.applications import service as applications
    from evaluator.rounds.models import Round

    user = db.session.get(User, account.id)
    app = applications.create_application(user, db.session.get(Round, round_id), figures or {}, {})
    if submit:
        applications.submit(user, app)
    db.session.commit()
    ident = app.id
    db.session.close()
    return ident


def accept_dialogs(page: Page) -> Page:
    """Answer every confirmation the page asks (``data-confirm`` buttons) with OK, as a reader who
    means it would; without this Playwright dismisses them and the form is not sent."""
    page.on("dialog", lambda dialog: dialog.accept())
    return page


_NAMELESS = """() => {
  const text = (el) => (el ? (el.innerText || el.textContent || '').trim() : '');
  const visible = (el) => !el.closest('[hidden]') && getComputedStyle(el).display !== 'none';
  const named = (el) => {
    if ((el.getAttribute('aria-label') || '').trim()) return true;
    const by = (el.getAttribute('aria-labelledby') || '').split(/\\s+/).filter(Boolean);
    if (by.length && by.every((id) => text(document.getElementById(id)))) return true;
    if (el.labels && [...el.labels].some((label) => text(label))) return true;
    if (el.tagName === 'BUTTON' && text(el)) return true;
    const pressable = ['submit', 'button', 'reset'].includes(el.type);
    if (el.tagName === 'INPUT' && pressable && el.value.trim()) return true;
    return false;
  };
  return [...document.querySelectorAll('input, select, textarea, button')]
    .filter((el) => el.type !== 'hidden' && visible(el) && !named(el))
    .map((el) => el.outerHTML.slice(0, 160));
}"""


def nameless_controls(page: Page) -> list[str]:
    """The form controls on the page (input, select, textarea, button; hidden ones aside) that have no
    accessible name: no ``<label for>`` (or wrapping label) with text, no aria-label, no
    aria-labelledby naming elements with text, and for a button no text of its own."""
    return page.evaluate(_NAMELESS)


def duplicate_ids(page: Page) -> list[str]:
    """Element ids used more than once on the page (a ``<label for>`` would then name the wrong one)."""
    return page.evaluate("""() => {
      const seen = {}, twice = new Set();
      document.querySelectorAll('[id]').forEach((el) => {
        if (seen[el.id]) twice.add(el.id);
        seen[el.id] = 1;
      });
      return [...twice];
    }""")


def count_rows(model, **where) -> int:
    """How many rows of the model the live server has committed (matching ``column=value``)."""
    from sqlalchemy import func, select

    db.session.rollback()
    query = select(func.count()).select_from(model).filter_by(**where)
    found = db.session.scalar(query)
    db.session.rollback()
    return found


def wider_than_the_screen(page: Page, width: int = 390, height: int = 844) -> list[str]:
    """At a phone's width, the elements that reach beyond the screen's right edge and make the whole
    page scroll sideways (a wide table scrolling inside its ``.table-wrap`` is fine); the viewport
    is put back afterwards."""
    before = page.viewport_size
    page.set_viewport_size({"width": width, "height": height})
    try:
        return page.evaluate("""() => {
          const edge = document.documentElement.clientWidth;
          if (document.documentElement.scrollWidth <= edge) return [];
          return [...document.querySelectorAll('body *')]
            .filter((el) => el.getBoundingClientRect().right > edge + 1 && !el.closest('.table-wrap'))
            .slice(0, 10).map((el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
                              + (el.className && typeof el.className === 'string' ? '.' + el.className : ''));
        }""")
    finally:
        if before:
            page.set_viewport_size(before)
