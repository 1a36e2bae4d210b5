"""Worlds built once per module and written back for every test that uses them.

A world is what a fixture builds for many tests of a module: organisations, accounts signed in
through the pages, a round, applications, materials. Built through the service it takes a second or
more, and the ``app`` fixture empties every table after each test. ``reuse`` builds it for the first
test of the module that asks, then keeps a snapshot: the rows of every table, the files of the
folders named by config keys (materials, pending imports), and the world itself, with its rows
remembered by primary key and its test clients by their cookies. For each later test it writes the
rows back into the emptied tables, copies the files into that test's folders, and hands out the world
afresh: rows loaded in the test's session, clients new with the same cookies and attributes. Every
test starts from the state the builder left, as if it had built it itself, and may change it freely:
the ``app`` fixture empties the tables after it as after any test.

Ids are those of the first build; new rows of a later test get higher ones (PostgreSQL's sequences
and SQLite's rowids never go back), as they would after a build of their own.
"""

from __future__ import annotations

import copy
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import current_app
from flask.testing import FlaskClient
from sqlalchemy import inspect
from sqlalchemy.orm.base import instance_state
from sqlalchemy.orm.exc import UnmappedInstanceError

from evaluator.extensions import db


@dataclass
class _Row:
    """A mapped object of the world, remembered by its class and primary key."""

    cls: type
    key: tuple


@dataclass
class _Client:
    """A test client of the world: its cookies, its environ defaults and its own attributes."""

    cookies: dict
    environ_base: dict
    attributes: dict


@dataclass
class _Object:
    """Any other object with attributes (a SimpleNamespace, a dataclass, a class of the fixture)."""

    cls: type
    attributes: dict


@dataclass
class Snapshot:
    """What ``reuse`` keeps of a built world."""

    template: Any
    rows: dict[str, list[dict]]
    folders: dict[str, Path]


class Worlds:
    """The worlds of one module (the ``worlds`` fixture), each kept as a snapshot once built."""

    def __init__(self, store: Path):
        self.store = store
        self.snapshots: dict[str, Snapshot] = {}

    def reuse(self, name: str, build: Callable[[], Any], folders: Iterable[str] = ()) -> Any:
        """The world ``name``: built by ``build()`` for the first test that asks (a snapshot is kept),
        written back from the snapshot for the others.

        ``folders`` are config keys of folders the world writes files to (e.g. ``MATERIALS_DIR``):
        their files are kept with the rows, and copied into the folders the later test configured.
        """
        snapshot = self.snapshots.get(name)
        if snapshot is None:
            world = build()
            db.session.commit()
            self.snapshots[name] = _take(world, folders, self.store / name)
            return world
        _restore(snapshot)
        return _rebuild(snapshot.template, {})


def _take(world: Any, folders: Iterable[str], store: Path) -> Snapshot:
    rows = {}
    for table in db.metadata.sorted_tables:
        result = db.session.execute(table.select().order_by(*table.primary_key.columns))
        rows[table.name] = [dict(row) for row in result.mappings()]
    kept = {}
    for key in folders:
        source = Path(current_app.config[key])
        kept[key] = store / key
        if source.is_dir():
            shutil.copytree(source, kept[key])
    return Snapshot(_template(world, {}), rows, kept)


def _restore(snapshot: Snapshot) -> None:
    db.session.rollback()
    for table in db.metadata.sorted_tables:
        if db.session.query(table).first() is not None:
            raise RuntimeError(f"table {table.name} is not empty: a world is written back into empty tables")
        if snapshot.rows[table.name]:
            db.session.execute(table.insert(), snapshot.rows[table.name])
    db.session.commit()
    for key, kept in snapshot.folders.items():
        if kept.is_dir():
            shutil.copytree(kept, Path(current_app.config[key]), dirs_exist_ok=True)


def _mapped(value: Any) -> bool:
    try:
        instance_state(value)
    except (UnmappedInstanceError, AttributeError):
        return False
    return not isinstance(value, type)


def _template(value: Any, seen: dict[int, Any]) -> Any:
    """The world as data to rebuild it from: rows by key, clients by cookies, the rest copied."""
    if id(value) in seen:
        return seen[id(value)]
    if value is None or isinstance(value, str | int | float | bool | bytes | type):
        return value
    if _mapped(value):
        identity = inspect(value).identity
        if identity is None:
            raise ValueError(f"a world holds an unsaved {type(value).__name__}")
        out: Any = _Row(type(value), identity)
    elif isinstance(value, FlaskClient):
        out = _Client(dict(value._cookies), dict(value.environ_base), {})
        seen[id(value)] = out
        out.attributes = {k: _template(v, seen) for k, v in _own_attributes(value).items()}
    elif isinstance(value, dict):
        out = {}
        seen[id(value)] = out
        out.update({k: _template(v, seen) for k, v in value.items()})
    elif isinstance(value, list | tuple):
        out = type(value)(_template(v, seen) for v in value)
    elif hasattr(value, "__dict__"):
        out = _Object(type(value), {})
        seen[id(value)] = out
        out.attributes = {k: _template(v, seen) for k, v in vars(value).items()}
    else:
        out = copy.deepcopy(value)
    seen[id(value)] = out
    return out


def _own_attributes(client: FlaskClient) -> dict:
    """What a fixture set on a test client (``user``, ``csrf``…), not the client's own state."""
    fresh = set(vars(current_app.test_client()))
    return {k: v for k, v in vars(client).items() if k not in fresh}


def _rebuild(value: Any, made: dict[int, Any]) -> Any:
    """A world from its template, in the current test's session and app."""
    if id(value) in made:
        return made[id(value)]
    if isinstance(value, _Row):
        out: Any = db.session.get(value.cls, value.key)
    elif isinstance(value, _Client):
        out = current_app.test_client()
        made[id(value)] = out
        out._cookies.update(value.cookies)
        out.environ_base.update(value.environ_base)
        for k, v in value.attributes.items():
            setattr(out, k, _rebuild(v, made))
    elif isinstance(value, _Object):
        out = value.cls.__new__(value.cls)
        made[id(value)] = out
        for k, v in value.attributes.items():
            setattr(out, k, _rebuild(v, made))
    elif isinstance(value, dict):
        out = {}
        made[id(value)] = out
        out.update({k: _rebuild(v, made) for k, v in value.items()})
    elif isinstance(value, list | tuple):
        out = type(value)(_rebuild(v, made) for v in value)
    else:
        out = copy.copy(value)
    made[id(value)] = out
    return out
