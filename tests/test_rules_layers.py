"""The layers import downward only: models ← services ← api/web, and the scoring core stays pure.

Every module of the package is parsed (imports inside functions included) and each import is checked
against what its layer may not use.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import evaluator

PACKAGE = Path(evaluator.__file__).parent

ABOVE_SERVICES = ("evaluator.api", "evaluator.web", "evaluator.commands", "evaluator.demo", "evaluator.cli")
FRAMEWORKS = ("flask", "flask_sqlalchemy", "flask_migrate", "flask_smorest", "flask_login", "flask_limiter",
              "sqlalchemy", "alembic")
SERVICE_LAYER = ("evaluator.services", "evaluator.models", "evaluator.extensions", *ABOVE_SERVICES)

FORBIDDEN = {
    "evaluator.models": ("evaluator.services", *ABOVE_SERVICES),
    "evaluator.services": ABOVE_SERVICES,
    "evaluator.demo": ("evaluator.api", "evaluator.web", "evaluator.cli", "evaluator.commands"),
    "evaluator.commands": ("evaluator.api", "evaluator.web", "evaluator.cli"),
    "evaluator.criteria": FRAMEWORKS + SERVICE_LAYER + ("evaluator.scoring",),
    "evaluator.scoring": FRAMEWORKS + SERVICE_LAYER,
    "evaluator.workflow": FRAMEWORKS + SERVICE_LAYER,
    "evaluator.assignment": FRAMEWORKS + SERVICE_LAYER,
}


def module_name(path: Path) -> str:
    """The dotted name of a module file of the package."""
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(tree: ast.AST, module: str, is_package: bool) -> set[str]:
    """Every module an AST imports, relative imports resolved."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = module.split(".")
                anchor = parts if is_package else parts[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def within(name: str, prefix: str) -> bool:
    """Whether a dotted name is the module ``prefix`` or inside it."""
    return name == prefix or name.startswith(prefix + ".")


def upward_imports(files: dict[str, tuple[str, bool]]) -> list[str]:
    """Every import that breaks a layer rule, as 'module imports name'."""
    broken = []
    for module, (source, is_package) in sorted(files.items()):
        rules = [banned for layer, banned in FORBIDDEN.items() if within(module, layer)]
        for name in sorted(imported(ast.parse(source), module, is_package)):
            if any(within(name, prefix) for banned in rules for prefix in banned):
                broken.append(f"{module} imports {name}")
    return broken


def package_files() -> dict[str, tuple[str, bool]]:
    """The package's modules: name → (source, whether it is a package's __init__)."""
    return {module_name(p): (p.read_text(encoding="utf-8"), p.name == "__init__.py")
            for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts}


def test_no_module_imports_upward():
    files = package_files()
    assert {"evaluator.services.accounts", "evaluator.criteria.ahp", "evaluator.scoring.mcda",
            "evaluator.assignment.solver"} <= set(files)
    assert upward_imports(files) == []


@pytest.mark.parametrize("module, source, offence", [
    ("evaluator.services.importer", "from evaluator.api.users import check_region",
     "evaluator.api.users"),
    ("evaluator.demo.loader", "def f():\n    from evaluator.api import users\n", "evaluator.api"),
    ("evaluator.criteria.tree", "from evaluator.scoring.mcda import ahp", "evaluator.scoring.mcda"),
    ("evaluator.scoring.engine", "import flask", "flask"),
    ("evaluator.assignment.solver", "from evaluator.models import Round", "evaluator.models"),
    ("evaluator.criteria.model", "from sqlalchemy import select", "sqlalchemy"),
    ("evaluator.models.rounds", "from ..services import audit", "evaluator.services"),
    ("evaluator.commands.accounts", "from evaluator.web.security import hash_password",
     "evaluator.web.security"),
])
def test_the_check_finds_an_upward_import(module, source, offence):
    broken = upward_imports({module: (source, False)})
    assert f"{module} imports {offence}" in broken


def test_downward_imports_pass():
    files = {
        "evaluator.api.users": ("from evaluator.services.accounts import create_user", False),
        "evaluator.services.importer": ("from evaluator.scoring.figures import read_figures", False),
        "evaluator.scoring.mcda": ("from evaluator.criteria.ahp import ahp", False),
        "evaluator.web.security": ("from evaluator.services.accounts import hash_password", False),
    }
    assert upward_imports(files) == []
