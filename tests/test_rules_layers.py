"""The house's rules, checked on every module of the package (imports inside functions included).

- The engines (criteria, scoring, assignment, cohorts) and the vocabularies (workflow) are pure: no
  framework, no database, no feature.
- A feature (``evaluator.<feature>``) has a service side (its models and service modules), an API
  (``<feature>.api``) and pages (``<feature>.pages``). The service side imports no API, no pages and
  none of the web plumbing; the API never imports pages and pages never import an API.
- Pages run no SQL of their own: they import neither SQLAlchemy nor the database handle
  (``evaluator.extensions.db``) and ask their services (a row by id: ``web.pages.get_or_404``).
- A feature uses another only through its service side and its public names; no module imports
  another module's ``_private`` name.
- The plumbing (``evaluator.core``, ``evaluator.web`` and the top-level modules) knows no feature but
  one: who calls and what they may do (the accounts feature's service side), which every request
  needs before any feature is reached.
- Services read the app's configuration only through ``evaluator.core.settings``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import evaluator
from evaluator.features import FEATURES

PACKAGE = Path(evaluator.__file__).parent

ENGINES = (
    "evaluator.criteria",
    "evaluator.scoring",
    "evaluator.assignment",
    "evaluator.cohorts",
    "evaluator.workflow",
    # The shortlists' pure parts: the per-cohort ranking and quotas, the notice calendar.
    "evaluator.shortlists.selection",
    "evaluator.shortlists.calendar",
)
FRAMEWORKS = (
    "flask",
    "flask_sqlalchemy",
    "flask_migrate",
    "flask_smorest",
    "flask_login",
    "flask_limiter",
    "flask_babel",
    "flask_wtf",
    "sqlalchemy",
    "alembic",
    "werkzeug",
)
FEATURE_PACKAGES = tuple(f"evaluator.{name}" for name in FEATURES)
PLUMBING = (
    "evaluator.core",
    "evaluator.web",
    "evaluator.errors",
    "evaluator.extensions",
    "evaluator.messages",
    "evaluator.i18n",
    "evaluator.validation",
    "evaluator.text",
    "evaluator.storage",
    "evaluator.tables",
    "evaluator.archives",
    "evaluator.config",
    "evaluator.spreadsheets",
)
PURE_SHARED = ("evaluator.messages", "evaluator.validation", "evaluator.text")
"""Plumbing modules the engines may use: they import no framework and no database."""
IDENTITY = "evaluator.accounts"
"""The one feature the plumbing may use (its service side): who calls and what they may do."""
SETTINGS = "evaluator.core.settings"
DYNAMIC = ("evaluator.features",)
"""The one module that imports by name at run time: the wiring of the features."""
SQL = ("sqlalchemy", "flask_sqlalchemy", "evaluator.extensions.db")
"""What a pages module never imports: it asks its services for rows."""
# The places that wire features together, above them all.
WIRING = ("evaluator.features", "evaluator.cli", "evaluator.demo")


def module_name(path: Path) -> str:
    """The dotted name of a module file of the package."""
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def type_only(tree: ast.AST) -> set[int]:
    """The ids of the import nodes under ``if TYPE_CHECKING:`` (for annotations only, never run)."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.If)
            and getattr(node.test, "id", getattr(node.test, "attr", None)) == "TYPE_CHECKING"
        ):
            skipped.update(id(n) for stmt in node.body for n in ast.walk(stmt))
    return skipped


def imports(tree: ast.AST, module: str, is_package: bool) -> list[tuple[str, str | None]]:
    """Every import of an AST as (module, name or None), relative imports resolved; imports made only
    for type checking are left out."""
    found: list[tuple[str, str | None]] = []
    skipped = type_only(tree)
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found.extend((alias.name, None) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = module.split(".")
                anchor = parts if is_package else parts[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            found.extend((base, alias.name) for alias in node.names)
    return found


def within(name: str, prefix: str) -> bool:
    """Whether a dotted name is the module ``prefix`` or inside it."""
    return name == prefix or name.startswith(prefix + ".")


def feature_of(name: str) -> str | None:
    """The feature package a dotted name belongs to, if any."""
    return next((f for f in FEATURE_PACKAGES if within(name, f)), None)


def side_of(name: str) -> str:
    """'api', 'pages', 'commands' or 'service' for a module of a feature."""
    feature = feature_of(name)
    rest = name[len(feature) + 1 :].split(".") if feature and name != feature else [""]
    return rest[0] if rest[0] in ("api", "pages", "commands") else "service"


def uses_current_app(tree: ast.AST) -> bool:
    """Whether the module names ``current_app`` (imported or as an attribute)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and any(a.name == "current_app" for a in node.names):
            return True
        if isinstance(node, ast.Attribute) and node.attr == "current_app":
            return True
    return False


def offences(module: str, source: str, is_package: bool = False) -> list[str]:
    """Every rule a module breaks, as 'module imports name (rule)'."""
    tree = ast.parse(source)
    found = []
    feature, side = feature_of(module), side_of(module)
    for node in ast.walk(tree):
        called = getattr(node, "func", None)
        if (
            isinstance(node, ast.Call)
            and (
                getattr(called, "id", None) == "__import__"
                or getattr(called, "attr", None) == "import_module"
            )
            and module not in DYNAMIC
        ):
            found.append(f"{module} imports by name at run time (imports are written out)")
    for target, name in imports(tree, module, is_package):
        full = f"{target}.{name}" if name and name != "*" else target
        other = feature_of(full)
        where = f"{module} imports {full}"
        if name == "*" and target.startswith("evaluator"):
            found.append(f"{where}.* (a star import hides what is used)")
        if any(p.startswith("_") and not p.startswith("__") for p in target.split(".")):
            found.append(f"{where} (a private module)")
        if other and other != feature and full == other:
            found.append(f"{where} (another feature is used through a module it names)")
        if name and name.startswith("_") and not name.startswith("__") and target.startswith("evaluator"):
            found.append(f"{where} (a private name of another module)")
        if any(within(module, e) for e in ENGINES):
            if any(within(target, f) for f in FRAMEWORKS) or (
                target.startswith("evaluator")
                and not any(within(full, e) for e in ENGINES)
                and not any(within(full, p) for p in PURE_SHARED)
            ):
                found.append(f"{where} (an engine is pure)")
        elif any(within(module, p) for p in PLUMBING):
            if any(within(module, p) for p in PURE_SHARED) and (
                any(within(target, f) for f in FRAMEWORKS) or within(target, "evaluator.extensions")
            ):
                found.append(f"{where} (a module the engines use is pure)")
            if (other and (other != IDENTITY or side_of(full) != "service")) or any(
                within(full, w) for w in WIRING
            ):
                found.append(f"{where} (the plumbing knows no feature)")
            if within(module, "evaluator.core") and within(full, "evaluator.web"):
                found.append(f"{where} (the core is below the web plumbing)")
        elif feature:
            other_side = side_of(full) if other else None
            if side == "service":
                if (
                    other_side in ("api", "pages", "commands")
                    or within(full, "evaluator.web")
                    or any(within(full, w) for w in WIRING)
                ):
                    found.append(f"{where} (a service imports no API, pages or web plumbing)")
            elif side == "api" and (
                other_side == "pages"
                or within(full, "evaluator.web.pages")
                or within(full, "evaluator.web.blueprints")
            ):
                found.append(f"{where} (the API never imports pages)")
            elif side == "pages" and (other_side == "api" or within(full, "evaluator.web.api")):
                found.append(f"{where} (pages never import an API)")
            if side == "pages" and (any(within(full, s) for s in SQL) or full == "evaluator.extensions"):
                found.append(f"{where} (pages run no SQL of their own)")
            if other and other != feature and other_side != "service":
                found.append(f"{where} (another feature only through its services)")
        elif within(module, "evaluator.demo") and other and side_of(full) in ("api", "pages"):
            found.append(f"{where} (the demo goes through the services)")
    if feature and side == "service" and module != SETTINGS and uses_current_app(tree):
        found.append(f"{module} uses current_app (services read settings through {SETTINGS})")
    return found


def package_files() -> dict[str, tuple[str, bool]]:
    """The package's modules: name → (source, whether it is a package's __init__)."""
    return {
        module_name(p): (p.read_text(encoding="utf-8"), p.name == "__init__.py")
        for p in PACKAGE.rglob("*.py")
        if "migrations" not in p.parts
    }


def test_every_module_keeps_the_rules():
    files = package_files()
    assert {
        "evaluator.accounts.service",
        "evaluator.reviews.api",
        "evaluator.vetting.pages.queue",
        "evaluator.criteria.ahp",
        "evaluator.scoring.mcda",
        "evaluator.assignment.solver",
        "evaluator.cohorts.settings",
        "evaluator.cohorts.run",
    } <= set(files)
    broken = [
        o for name, (source, is_package) in sorted(files.items()) for o in offences(name, source, is_package)
    ]
    assert broken == []


def test_every_feature_has_its_parts():
    files = package_files()
    for feature in FEATURES:
        assert f"evaluator.{feature}.service" in files, feature
        assert f"evaluator.{feature}.api" in files, feature
        assert f"evaluator.{feature}.pages" in files, feature


@pytest.mark.parametrize(
    "module, source, offence",
    [
        (
            "evaluator.applications.importer",
            "from evaluator.accounts.api.users import check_region",
            "another feature only through its services",
        ),
        ("evaluator.reviews.service", "from evaluator.reviews.api import blp", "a service imports no API"),
        (
            "evaluator.reviews.service",
            "from evaluator.web.security import signed_in_user",
            "a service imports no API, pages or web plumbing",
        ),
        (
            "evaluator.reviews.api",
            "from evaluator.reviews.pages.scoring import score",
            "the API never imports pages",
        ),
        ("evaluator.reviews.api", "from evaluator.web.pages import load_form", "the API never imports pages"),
        ("evaluator.vetting.pages.queue", "from evaluator.vetting import api", "pages never import an API"),
        (
            "evaluator.vetting.pages.queue",
            "def f():\n    from evaluator.web.api import guard\n",
            "pages never import an API",
        ),
        ("evaluator.vetting.pages.queue", "from sqlalchemy import select", "pages run no SQL of their own"),
        ("evaluator.audit.pages", "from evaluator.extensions import db", "pages run no SQL of their own"),
        (
            "evaluator.results.pages.office",
            "def f():\n    import sqlalchemy.orm\n",
            "pages run no SQL of their own",
        ),
        (
            "evaluator.reviews.pages.scoring",
            "import evaluator.extensions.db",
            "pages run no SQL of their own",
        ),
        ("evaluator.vetting.quota", "from evaluator.vetting.service import _locked", "a private name"),
        ("evaluator.scoring.engine", "import flask", "an engine is pure"),
        (
            "evaluator.rounds.pages.rounds",
            "from evaluator import extensions",
            "pages run no SQL of their own",
        ),
        (
            "evaluator.rounds.pages.rounds",
            "import evaluator.extensions as ext",
            "pages run no SQL of their own",
        ),
        (
            "evaluator.rounds.pages.rounds",
            "import importlib\nx = importlib.import_module('sqlalchemy')",
            "imports by name at run time",
        ),
        ("evaluator.rounds.service", "x = __import__('flask')", "imports by name at run time"),
        ("evaluator.rounds.service", "from evaluator.extensions import *", "a star import"),
        ("evaluator.rounds.service", "from evaluator.vetting._quota import x", "a private module"),
        ("evaluator.rounds.pages.rounds", "from evaluator import vetting", "through a module it names"),
        ("evaluator.assignment.solver", "from evaluator.rounds.models import Round", "an engine is pure"),
        ("evaluator.criteria.model", "from sqlalchemy import select", "an engine is pure"),
        ("evaluator.cohorts.run", "import flask", "an engine is pure"),
        ("evaluator.cohorts.peers", "from evaluator.extensions import db", "an engine is pure"),
        (
            "evaluator.cohorts.stability",
            "def f():\n    from evaluator.results.service import latest_snapshot\n",
            "an engine is pure",
        ),
        (
            "evaluator.core.locking",
            "from evaluator.vetting.quota import enter_review",
            "the plumbing knows no feature",
        ),
        ("evaluator.errors", "from evaluator.web.headers import PAGE_HEADERS", ""),
        (
            "evaluator.scoring.engine",
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import flask\n",
            "",
        ),
        (
            "evaluator.web.security",
            "from evaluator.reviews.service import save_review",
            "the plumbing knows no feature",
        ),
        (
            "evaluator.web.pages",
            "from evaluator.accounts.pages.office import users",
            "the plumbing knows no feature",
        ),
        ("evaluator.validation", "from flask import request", "a module the engines use is pure"),
        (
            "evaluator.demo.loader",
            "def f():\n    from evaluator.accounts.api import users\n",
            "the demo goes through the services",
        ),
        ("evaluator.results.service", "from flask import current_app", "uses current_app"),
        ("evaluator.results.service", "import flask\nx = flask.current_app", "uses current_app"),
    ],
)
def test_the_check_finds_a_broken_rule(module, source, offence):
    broken = offences(module, source)
    if offence:
        assert any(offence in b for b in broken), broken
    else:  # plumbing may use plumbing
        assert broken == []


def test_allowed_imports_pass():
    for module, source in [
        ("evaluator.reviews.api", "from evaluator.reviews.service import save_review"),
        ("evaluator.reviews.pages.scoring", "from evaluator.assignments.service import active_reviewers"),
        ("evaluator.vetting.pages.queue", "from evaluator.core.paging import page_rows"),
        ("evaluator.accounts.pages.account", "from evaluator.extensions import limiter"),
        ("evaluator.vetting.service", "from sqlalchemy import select"),
        ("evaluator.reviews.service", "from evaluator.rounds.models import Round"),
        ("evaluator.reviews.service", "from evaluator.core.settings import number"),
        ("evaluator.results.inputs", "from evaluator.scoring.engine import score_round"),
        ("evaluator.demo.loader", "from evaluator.applications.service import create_application"),
        ("evaluator.scoring.mcda", "from evaluator.criteria.ahp import ahp"),
        ("evaluator.cohorts.settings", "from evaluator.criteria.model import CriteriaSet"),
        ("evaluator.cohorts.run", "from evaluator.scoring.tolerance import beyond"),
        ("evaluator.criteria.loader", "from evaluator.validation import text_problem"),
        ("evaluator.web.security", "from evaluator.accounts.service import check_password"),
        ("evaluator.web.pages", "from evaluator.accounts.policy import authorize"),
    ]:
        assert offences(module, source) == [], source


def mutual_imports(files: dict[str, tuple[str, bool]]) -> list[str]:
    """Pairs of modules that import each other (at any depth of the module: a function's own import
    counts), as 'a <-> b'."""
    edges: dict[str, set[str]] = {}
    for module, (source, is_package) in files.items():
        targets = set()
        for target, name in imports(ast.parse(source), module, is_package):
            full = f"{target}.{name}" if name else target
            targets.add(full if full in files else target)
        edges[module] = targets & set(files)
    return sorted(
        f"{a} <-> {b}"
        for a in edges
        for b in edges[a]
        if a < b and a in edges.get(b, set()) and not within(a, b) and not within(b, a)
    )


def test_no_two_modules_import_each_other():
    assert mutual_imports(package_files()) == []


def test_the_check_finds_modules_that_import_each_other():
    files = {
        "evaluator.errors": ("def f():\n    from evaluator.web.shell import PAGE_HEADERS\n", False),
        "evaluator.web.shell": ("from evaluator.errors import error_response", False),
    }
    assert mutual_imports(files) == ["evaluator.errors <-> evaluator.web.shell"]
