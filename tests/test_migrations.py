"""The Alembic migrations: one head, and the schema they build is exactly the models'."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask, current_app
from flask_migrate import Migrate, downgrade, upgrade
from sqlalchemy import inspect, text

import evaluator
from evaluator.extensions import db

MIGRATIONS = str(Path(evaluator.__file__).parent / "migrations")


def _script() -> ScriptDirectory:
    return ScriptDirectory.from_config(current_app.extensions["migrate"].migrate.get_config())


def _differences(connection) -> list:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return compare_metadata(context, db.metadata)


def test_there_is_exactly_one_head(app):
    script = _script()
    assert len(script.get_heads()) == 1, script.get_heads()
    assert len(script.get_bases()) == 1


def test_the_database_is_at_the_head(app):
    current = db.session.scalar(text("SELECT version_num FROM alembic_version"))
    assert current == _script().get_current_head()


def test_migrated_schema_matches_the_models(app):
    with db.engine.connect() as connection:
        assert _differences(connection) == []


def test_every_model_table_exists(app):
    tables = set(inspect(db.engine).get_table_names())
    assert set(db.metadata.tables) <= tables
    assert tables - set(db.metadata.tables) == {"alembic_version"}


@pytest.fixture
def scratch_app(database_url):
    """A bare app on an empty database (a fresh SQLite file, or a fresh PostgreSQL schema)."""
    holder = Flask("migrations-scratch")
    schema = None
    if database_url.startswith("postgresql"):
        schema = f"scratch_{uuid.uuid4().hex[:10]}"
        holder.config["SQLALCHEMY_DATABASE_URI"] = database_url
        holder.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            "connect_args": {"options": f"-csearch_path={schema}"}}
        with db.engine.begin() as connection:
            connection.execute(text(f"CREATE SCHEMA {schema}"))
    else:
        folder = Path(database_url[len("sqlite:///"):]).parent
        holder.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{folder / f'scratch-{uuid.uuid4().hex}.db'}"
    db.init_app(holder)
    Migrate(holder, db, directory=MIGRATIONS)
    yield holder
    with holder.app_context():
        db.engine.dispose()
    if schema:
        with db.engine.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))


def test_upgrade_downgrade_upgrade_on_an_empty_database(app, scratch_app):
    with scratch_app.app_context():
        upgrade()
        assert set(db.metadata.tables) <= set(inspect(db.engine).get_table_names())
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        with db.engine.connect() as connection:
            assert _differences(connection) == []
