"""Fixtures of the browser tests: Debian's Chromium driven by Playwright, one gunicorn over the test
database for all of tests/browser (package scope: both stop before the rest of the suite runs), a
fresh browser context per test that fails the test on any console error, CSP violation, failed
resource or request leaving 127.0.0.1, and accounts made through the services.

No browser is downloaded: Chromium's headless shell comes from Debian
(/usr/bin/chromium-headless-shell, installed by ``scripts/setup.sh dev``): the browser's engine
without the windowed browser around it, which took about twice the CPU for the same pages. Without
it the tests are skipped, with the reason shown, and in CI (``CI=true``) they fail.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from evaluator.extensions import db
from tests.browser.helpers import AXE, PASSWORD, Account, assert_accessible, require
from tests.live import gunicorn

CHROMIUM = Path("/usr/bin/chromium-headless-shell")
VIEWPORT = {"width": 1280, "height": 800}
# Chromium's own note on a page answered with an error status: expected for the error pages.
_STATUS_NOTE = re.compile(r"^Failed to load resource: the server responded with a status of (\d{3})")
_hashes: dict[str, str] = {}  # password → its argon2 hash, made once
_LOCAL = re.compile(r"^(https?://127\.0\.0\.1(:\d+)?/|data:|about:|blob:)")


class Watch:
    """What went wrong in one browser context: console errors (CSP violations among them: "Refused
    to …"), uncaught script errors, failed or refused resources, requests to other hosts."""

    def __init__(self, base: str):
        self.base = base
        self.problems: list[str] = []
        self.allowed: list[re.Pattern[str]] = []
        self.documents: dict[str, int] = {}  # page addresses loaded, with their status

    def allow(self, pattern: str) -> None:
        """Let problems matching this regular expression pass (for a test that provokes one)."""
        self.allowed.append(re.compile(pattern))

    def note(self, problem: str) -> None:
        """Record a problem unless it is allowed."""
        if not any(p.search(problem) for p in self.allowed):
            self.problems.append(problem)

    def attach(self, context) -> None:
        """Listen to every page of the context (pages opened later included)."""
        context.on("request", self._request)
        context.on("response", self._response)
        context.on("requestfailed", self._failed)
        context.on("page", self._page)

    def _page(self, page) -> None:
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.note(f"script error on {page.url}: {exc}"))

    def _console(self, message) -> None:
        if message.type not in ("error", "assert"):
            return
        text, where = message.text, message.location.get("url", "")
        status = _STATUS_NOTE.match(text)
        if status and self.documents.get(where) == int(status.group(1)):
            return  # an error page the test went to: its status is checked by the test
        self.note(f"console {message.type} at {where}: {text}")

    def _request(self, request) -> None:
        if not _LOCAL.match(request.url):
            self.note(f"request to another host: {request.method} {request.url}")

    def _response(self, response) -> None:
        if response.request.resource_type == "document":
            self.documents[response.url] = response.status
        elif response.status >= 400:
            self.note(f"{response.request.resource_type} {response.url} answered {response.status}")

    def _failed(self, request) -> None:
        if request.failure and "ERR_ABORTED" not in request.failure:
            self.note(f"{request.resource_type} {request.url} failed: {request.failure}")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """After the test's body: fail it for anything its browser contexts saw go wrong."""
    watches = getattr(item, "browser_watches", [])
    try:
        result = yield
    except BaseException:
        seen = [p for w in watches for p in w.problems]
        if seen:
            item.add_report_section("call", "browser problems", "\n".join(seen))
        raise
    seen = [p for w in watches for p in w.problems]
    if seen:
        pytest.fail("The browser reported problems:\n" + "\n".join(seen), pytrace=False)
    return result


@pytest.fixture(scope="package")
def _playwright():
    require(CHROMIUM, "Chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="package")
def browser(_playwright):
    """Debian's Chromium headless shell for all the browser tests; it resolves no host but 127.0.0.1."""
    browser = _playwright.chromium.launch(
        executable_path=str(CHROMIUM),
        headless=True,
        args=[
            "--no-sandbox",
            "--disable-dev-shm-usage",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        ],
    )
    yield browser
    browser.close()


@pytest.fixture(scope="package")
def live_server(_app, database_url, tmp_path_factory):
    """One gunicorn (2 workers) over the test database for all the browser tests (a tests.live.Live:
    ``.base``, ``.log()``). Sign-in attempts are not rate-limited here: the tests sign in often."""
    with gunicorn(
        database_url,
        tmp_path_factory.mktemp("browser-materials"),
        workers=2,
        env={"EVALUATOR_LOGIN_RATE_LIMIT": "10000 per minute"},
    ) as server:
        yield server


@pytest.fixture(scope="package")
def live(live_server) -> str:
    """The live server's base address, e.g. ``http://127.0.0.1:41234``."""
    return live_server.base


@pytest.fixture
def new_page(browser, live, request):
    """Open another fresh browser context (its own cookies) and return its page: a callable taking
    ``locale`` (default zh-CN) and ``viewport``. Every context is watched like ``page``'s."""
    contexts = []
    request.node.browser_watches = getattr(request.node, "browser_watches", [])

    def make(locale: str = "zh-CN", viewport: dict | None = None):
        context = browser.new_context(
            base_url=live, locale=locale, viewport=viewport or VIEWPORT, timezone_id="Asia/Shanghai"
        )
        context.set_default_timeout(10_000)
        watch = Watch(live)
        watch.attach(context)
        request.node.browser_watches.append(watch)
        contexts.append(context)
        page = context.new_page()
        page.watch = watch
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    """A fresh browser context's page: 1280×800, reading Chinese (zh-CN), relative addresses go to
    the live server. Any console error, CSP violation, script error, failed resource or request to
    another host fails the test; ``page.watch.allow(regex)`` lets an expected one pass."""
    return new_page()


@pytest.fixture
def console(page):
    """The ``page`` fixture's Watch: ``.problems`` so far, ``.allow(regex)``."""
    return page.watch


@pytest.fixture
def axe():
    """A callable page → axe-core's violations, failing on any serious or critical one."""
    require(AXE, "axe-core")
    return assert_accessible


@pytest.fixture
def make_account(app):
    """Make an account through the services and commit it, for the live server to see; a callable
    (role="applicant", username=None, password=PASSWORD, **user fields) → Account. An applicant gets
    a new organisation of its own. The ``app`` fixture empties every table after the test."""
    from flask import url_for

    from evaluator.accounts import service as accounts
    from evaluator.web.navigation import home_endpoint

    counter = iter(range(1, 10_000))

    def make(
        role: str = "applicant", username: str | None = None, password: str = PASSWORD, **fields
    ) -> Account:
        k = next(counter)
        username = username or f"{role}-{k}"
        organisation_id = fields.pop("organisation_id", None)
        if role == "applicant" and organisation_id is None:
            organisation_id = accounts.create_organisation(
                None,
                {
                    "name": f"浏览器测试社区{k}",
                    "kind": "community",
                    "city": "成都市",
                    "city_code": "510100",
                    "county": "武侯区",
                    "county_code": "510107",
                    "subdistrict": "玉林街道",
                    "subdistrict_code": "510107001",
                },
            ).id
        must_change = fields.pop("must_change_password", False)
        language = fields.pop("language", None)
        display_name = fields.pop("display_name", f"测试用户{k}")
        if password not in _hashes:  # argon2 is slow on purpose: hash each password once a run
            _hashes[password] = accounts.hash_password(password)
        user = accounts.create_user(
            None,
            {
                "username": username,
                "role": role,
                "display_name": display_name,
                "organisation_id": organisation_id,
                **fields,
            },
            password_hash=_hashes[password],
        )
        user.must_change_password = must_change
        user.language = language
        account = Account(user.id, username, password, role, display_name, "", organisation_id)
        db.session.commit()
        db.session.close()  # holds no snapshot: what the server writes next is seen at once
        with app.test_request_context():
            account.home = url_for(home_endpoint(role))
        return account

    return make
