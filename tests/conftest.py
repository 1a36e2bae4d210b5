from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from evaluator import create_app
from evaluator.criteria import build_criteria

DATA = Path(__file__).parent / "data"
MINI = yaml.safe_load((DATA / "mini.yaml").read_text(encoding="utf-8"))


def find_node(raw: dict, node_id: str) -> dict:
    """The indicator dict with this id anywhere in a raw criteria mapping."""
    stack = list(raw["indicators"])
    while stack:
        item = stack.pop()
        if item.get("id") == node_id:
            return item
        stack.extend(item.get("children") or [])
    raise KeyError(node_id)


@pytest.fixture
def app():
    return create_app({"TESTING": True})


@pytest.fixture
def client(app):
    return app.test_client()


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
