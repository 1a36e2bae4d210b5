from __future__ import annotations

import copy
import itertools
import os
import tempfile
from pathlib import Path

import pytest
import yaml
from flask_migrate import upgrade

from evaluator import create_app
from evaluator.criteria import build_criteria
from evaluator.extensions import db

pytest_plugins = [
    "tests.fixtures.vetting",
    "tests.fixtures.assignments",
    "tests.fixtures.reviews",
    "tests.fixtures.results",
    "tests.fixtures.scope",
    "tests.fixtures.cohorts",
    "tests.fixtures.dossiers",
    "tests.fixtures.shortlists",
]

DATA = Path(__file__).parent / "data"
NUMBERS = itertools.count(10_000)
"""The numbers in the names make_org and make_user give: unique in the session (a world written back
by tests/worlds.py keeps the names it was built with), all of five digits (they sort as made)."""
MINI = yaml.safe_load((DATA / "mini.yaml").read_text(encoding="utf-8"))


DB_FIXTURES = {"database_url"}
"""Fixtures that reach the test database: every test depending on one, even through others (``app``,
``client``, ``make_user``, the live servers…), is marked ``db`` and runs on each database; the rest
are marked ``pure`` and run once (scripts/test.sh: all on SQLite, then ``--only-db`` on PostgreSQL)."""
SERVER_FIXTURES = {"live_workers", "live_server"}
"""Fixtures that start a gunicorn: their tests are marked ``slow``, like the browser tests."""
BROWSER_GROUPS = {
    "tests/browser/test_accessibility_pages.py": 1,
    "tests/browser/test_flow_region.py": 1,
    "tests/browser/test_language.py": 1,
    "tests/browser/test_password.py": 1,
    "tests/browser/test_harness.py": 1,
    "tests/browser/test_flow_criteria_language.py": 1,
    "tests/browser/test_phone_and_print.py": 3,
    "tests/browser/test_flow_sheet.py": 4,
    "tests/browser/test_words_and_pickers.py": 4,
    "tests/browser/test_flow_conflicts.py": 4,
    "tests/browser/test_flow_progress.py": 4,
    "tests/browser/test_flow_review.py": 4,
}
"""The browser modules' groups (any other module is in group 2): each group runs on one xdist worker
with its own Chromium and live server, and the groups take about the same time — the walk of every
page at phone width is a group of its own, the accessibility module a third of the rest."""
LIVE_WORKER_MODULES = {
    "tests/test_assignments_races.py",
    "tests/test_attack_16_races.py",
    "tests/test_conflicts_hostile.py",
    "tests/test_dossiers_races.py",
    "tests/test_races.py",
    "tests/test_reviews_partial.py",
    "tests/test_reviews_races.py",
    "tests/test_vetting_races.py",
    "tests/test_web_hostile_live.py",
}
"""The modules whose tests use ``live_workers``: they run on one xdist worker, one after the other,
so that each pass starts those three gunicorn workers once (seconds of CPU each time)."""


def pytest_addoption(parser):
    parser.addoption(
        "--only-db",
        action="store_true",
        help="run only the tests that use the test database (marked db); scripts/test.sh "
        "runs the others once, in its first pass",
    )
    parser.addoption(
        "--once-elsewhere",
        action="store_true",
        help="leave out the tests marked once (they use the database but do not test it: the "
        "browser tests, the API contract); scripts/test.sh runs them in its PostgreSQL pass",
    )


def pytest_collection_modifyitems(config, items):
    """Mark each test ``db`` or ``pure`` by the fixtures it depends on, ``slow`` when it needs a
    live server or a browser, ``once`` when it is a browser test; with ``--only-db`` keep only the
    ``db`` ones, with ``--once-elsewhere`` leave out the ``once`` ones."""
    selected, deselected = [], []
    only_db, once_elsewhere = config.getoption("only_db"), config.getoption("once_elsewhere")
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        uses_db = bool(names & DB_FIXTURES)
        item.add_marker(pytest.mark.db if uses_db else pytest.mark.pure)
        browser = item.get_closest_marker("browser") is not None
        if names & SERVER_FIXTURES or browser:
            item.add_marker(pytest.mark.slow)
        if browser:
            item.add_marker(pytest.mark.once)
        keep = (uses_db or not only_db) and not (once_elsewhere and item.get_closest_marker("once"))
        (selected if keep else deselected).append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = selected


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """With ``--dist loadscope`` (scripts/test.sh), each xdist worker takes whole modules, so that
    module fixtures and worlds (tests/worlds.py) are built once, and tests/browser goes in a few groups
    (``BROWSER_GROUPS``): one Chromium and one live server per group; the modules that use the
    session's live workers go together (``LIVE_WORKER_MODULES``)."""
    if config.getvalue("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class ModuleScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            if module.startswith("tests/browser/"):
                return f"tests/browser/ ({BROWSER_GROUPS.get(module, 2)})"
            if module in LIVE_WORKER_MODULES:
                return "live workers"
            return module

    return ModuleScheduling(config, log)


def find_node(raw: dict, node_id: str) -> dict:
    """The indicator dict with this id anywhere in a raw criteria mapping."""
    stack = list(raw["indicators"])
    while stack:
        item = stack.pop()
        if item.get("id") == node_id:
            return item
        stack.extend(item.get("children") or [])
    raise KeyError(node_id)


@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashing():
    """Passwords hashed at minimal argon2 cost for the whole session (tests/hashing.py): the
    production cost is checked once, in tests/test_password_hashing.py."""
    from tests.hashing import restore_hashing, use_cheap_hashing

    previous = use_cheap_hashing()
    yield
    restore_hashing(previous)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """EVALUATOR_TEST_DATABASE_URL (PostgreSQL in CI) or a fresh SQLite file; one database per
    pytest-xdist worker. The SQLite file is in memory-backed /dev/shm where there is one: nothing
    of the test database needs to survive a crash, and every commit to a file on disk waits for
    its flush (about 10 ms here, tens of thousands of times in a run)."""
    url = os.environ.get("EVALUATOR_TEST_DATABASE_URL")
    if url:
        worker = os.environ.get("PYTEST_XDIST_WORKER")
        yield worker_database(url, worker) if worker else url
        return
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK):
        with tempfile.TemporaryDirectory(prefix="evaluator-test-db-", dir=shm) as folder:
            yield f"sqlite:///{Path(folder) / 'test.db'}"
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


def worker_database(url: str, worker: str) -> str:
    """The database of one xdist worker: the URL's database name with ``_<worker>`` appended (e.g.
    ``evaluator_test_ci_gw0``), created on the same server if it is missing. Its commits do not
    wait for the disk (``synchronous_commit`` off: what they show is the same, only a crash of the
    server could lose the last ones)."""
    from sqlalchemy import create_engine, make_url

    base = make_url(url)
    name = f"{base.database}_{worker}"
    server = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as connection:
            if (
                connection.scalar(db.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name})
                is None
            ):
                connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
                connection.exec_driver_sql(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
    finally:
        server.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def _app(database_url, tmp_path_factory):
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "MATERIALS_DIR": str(tmp_path_factory.mktemp("materials")),
            "SECRET_KEY": "test",
            "LANGUAGE": "en",  # commands speak the source language here; Chinese is tested on its own
        }
    )
    with app.app_context():
        db.drop_all()
        db.session.execute(db.text("DROP TABLE IF EXISTS alembic_version"))
        db.session.commit()
        upgrade()  # the migrations build the schema, as in production
    return app


@pytest.fixture(scope="session")
def live_workers(_app, database_url, signing_files, tmp_path_factory):
    """Three gunicorn workers over the suite's database, started once for the race tests and the
    hostile ones of the pages: with a folder of their own for the checked imports waiting to be
    confirmed, and signing dossiers with the tests' key (not a pair made in the instance folder)."""
    from tests.live import gunicorn

    key, cert = map(str, signing_files)
    env = {
        "EVALUATOR_IMPORT_PENDING_DIR": str(tmp_path_factory.mktemp("live-pending")),
        "EVALUATOR_DOSSIER_SIGNING_KEY": key,
        "EVALUATOR_DOSSIER_SIGNING_CERT": cert,
    }
    with gunicorn(database_url, tmp_path_factory.mktemp("live-workers"), workers=3, env=env) as live:
        yield live


def empty_every_table() -> None:
    """Delete every row, children first: on PostgreSQL in one round trip (one statement per table,
    sent together), on SQLite (which takes one statement at a time) table by table."""
    tables = list(reversed(db.metadata.sorted_tables))
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("; ".join(f'DELETE FROM "{t.name}"' for t in tables))
    else:
        for table in tables:
            connection.execute(table.delete())


@pytest.fixture
def app(_app):
    """The app, with every table emptied after each test."""
    with _app.app_context():
        yield _app
        db.session.rollback()
        empty_every_table()
        db.session.commit()
    from evaluator.extensions import limiter

    limiter.reset()


@pytest.fixture(scope="module")
def worlds(tmp_path_factory):
    """The worlds of this module, built once and written back for each test (tests/worlds.py)."""
    from tests.worlds import Worlds

    return Worlds(tmp_path_factory.mktemp("worlds"))


@pytest.fixture
def client(app):
    """A test client that reads English (the tests assert the source texts); the service's default
    language, Chinese, is tested with clients of its own (tests/test_i18n.py)."""
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def mini_raw():
    """A fresh copy of the small test criteria set as a mapping, to edit per test."""
    return copy.deepcopy(MINI)


@pytest.fixture(scope="session")
def make_criteria():
    """Build a criteria set from the test set with top-level keys replaced."""

    def make(**overrides):
        raw = copy.deepcopy(MINI)
        raw.update(overrides)
        return build_criteria(raw, "test")

    return make


@pytest.fixture
def make_org(app):
    """Create an organisation; returns a callable taking overrides."""
    from evaluator.accounts.models import Organisation

    def make(**overrides):
        k = next(NUMBERS)
        org = Organisation(
            **{
                "name": f"测试社区{k}",
                "kind": "community",
                "city": "成都市",
                "city_code": "510100",
                "county": "武侯区",
                "county_code": "510107",
                "subdistrict": "玉林街道",
                "subdistrict_code": "510107001",
                **overrides,
            }
        )
        db.session.add(org)
        db.session.commit()
        return org

    return make


@pytest.fixture
def make_user(app, make_org):
    """Create a user and a bearer token; returns (user, headers)."""
    from evaluator.accounts.models import User
    from evaluator.web.security import hash_password, issue_token

    def make(role="applicant", organisation=None, **overrides):
        if role == "applicant" and organisation is None:
            organisation = make_org()
        k = next(NUMBERS)
        user = User(
            username=f"{role}{k}",
            display_name=f"{role} {k}",
            password_hash=hash_password("correct horse battery"),
            role=role,
            organisation_id=organisation.id if organisation else None,
            **overrides,
        )
        db.session.add(user)
        db.session.flush()
        token, _ = issue_token(user)
        db.session.commit()
        return user, {"Authorization": f"Bearer {token}"}

    return make


@pytest.fixture
def make_round(app, mini_raw):
    """Create a round (default: the mini criteria, phase open), committed; returns a callable."""
    from evaluator.rounds.service import create_round

    def make(phase="open", criteria=None, title="2026年测试批次", **deadlines):
        rnd = create_round(None, title, criteria or build_criteria(mini_raw, "test"), **deadlines)
        rnd.phase = phase
        db.session.commit()
        return rnd

    return make


@pytest.fixture
def admin(make_user):
    """The bearer-token headers of a new admin."""
    return make_user("admin")[1]


@pytest.fixture
def make_draft(app, make_org):
    """An open round of a bundled criteria set and an organisation's empty draft in it, committed;
    returns a callable giving (round, application)."""
    from evaluator.applications.models import Application
    from evaluator.criteria import load_criteria
    from evaluator.rounds.service import create_round

    def make(organisation=None, criteria="fc-2026", title="2026年省级特色社区", actor=None):
        rnd = create_round(actor, title, load_criteria(criteria))
        rnd.phase = "open"
        org = organisation or make_org()
        application = Application(round_id=rnd.id, organisation_id=org.id, status="draft", figures={})
        db.session.add(application)
        db.session.commit()
        return rnd, application

    return make


@pytest.fixture
def page_client(app, make_user):
    """A signed-in browser-like client for the pages; returns a callable (role or user) → client.

    The client reads English (as ``client``) unless ``language="zh"`` is given; ``client.user`` is
    its user and ``client.csrf`` its session's CSRF token (post forms with ``tests.pages.post``).
    """
    from tests.pages import sign_in

    def make(role="applicant", user=None, language="en", **overrides):
        if user is None:
            user, _ = make_user(role, **overrides)
        c = app.test_client()
        if language:
            c.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
        sign_in(c, user.username)
        c.user = user
        return c

    return make
