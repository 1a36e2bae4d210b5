"""The Alembic migrations: one head, and the schema they build is exactly the models'."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask, current_app
from flask_migrate import Migrate, downgrade, upgrade
from sqlalchemy import CheckConstraint, inspect, text
from sqlalchemy.exc import IntegrityError

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


def _vocabularies(checks) -> dict[str, set[str]]:
    """CHECK constraints by name → the quoted values they list (PostgreSQL rewrites the text)."""
    return {c["name"]: set(re.findall(r"'([^']*)'", c["sqltext"])) for c in checks}


def test_the_migrated_checks_are_the_models(app):
    """Alembic's comparison leaves CHECK constraints out: every table has exactly the models' checks,
    and each keeps its column to the same vocabulary as the model's (the live enumeration)."""
    found = inspect(db.engine)
    for table in db.metadata.sorted_tables:
        declared = _vocabularies(
            {"name": c.name, "sqltext": str(c.sqltext)}
            for c in table.constraints
            if isinstance(c, CheckConstraint)
        )
        assert _vocabularies(found.get_check_constraints(table.name)) == declared, table.name


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
        holder.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"options": f"-csearch_path={schema}"}}
        with db.engine.begin() as connection:
            connection.execute(text(f"CREATE SCHEMA {schema}"))
    else:
        folder = Path(database_url[len("sqlite:///") :]).parent
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


AT = "2026-12-01 08:00:00+00:00"
ROWS_AT_0004 = (  # a row in each table 0005 constrains, and the rows they refer to and that refer to them
    (
        "organisation",
        {
            "id": 1,
            "name": "测试社区",
            "kind": "community",
            "city": "成都市",
            "city_code": "510100",
            "county": "武侯区",
            "county_code": "510107",
            "created_at": AT,
            "updated_at": AT,
        },
    ),
    (
        "user_account",
        {
            "id": 1,
            "username": "reviewer1",
            "display_name": "专家",
            "password_hash": "-",
            "role": "reviewer",
            "active": True,
            "expertise": "[]",
            "created_at": AT,
            "updated_at": AT,
        },
    ),
    (
        "round",
        {
            "id": 1,
            "title": "2026年",
            "zone_type": "featured_community",
            "phase": "review",
            "criteria_id": "fc-2026",
            "criteria_version": "1",
            "criteria_sha256": "0" * 64,
            "criteria_content": "{}",
            "notice_days": 7,
            "created_at": AT,
            "updated_at": AT,
        },
    ),
    (
        "application",
        {
            "id": 1,
            "round_id": 1,
            "organisation_id": 1,
            "status": "under_review",
            "figures": "{}",
            "self_assessment": "{}",
            "warnings": "[]",
            "created_at": AT,
            "updated_at": AT,
        },
    ),
    (
        "region_check",
        {
            "id": 1,
            "application_id": 1,
            "level": "city",
            "action": "recommend",
            "checked_by": 1,
            "created_at": AT,
        },
    ),
    (
        "assignment",
        {
            "id": 1,
            "round_id": 1,
            "application_id": 1,
            "reviewer_id": 1,
            "kind": "materials",
            "status": "active",
            "source": "manual",
            "created_at": AT,
            "updated_at": AT,
        },
    ),
    (
        "review",
        {
            "id": 1,
            "assignment_id": 1,
            "round_id": 1,
            "status": "draft",
            "scores": b"",
            "comments": "{}",
            "vetoes": "[]",
            "bonus_verified": "{}",
            "created_at": AT,
            "updated_at": AT,
        },
    ),
    (
        "result_snapshot",
        {
            "id": 1,
            "round_id": 1,
            "engine_version": "1",
            "criteria_sha256": "0" * 64,
            "input_sha256": "0" * 64,
            "settings": "{}",
            "summary": "{}",
            "arrays": b"",
            "created_at": AT,
        },
    ),
    (
        "application_result",
        {
            "id": 1,
            "snapshot_id": 1,
            "application_id": 1,
            "position": 0,
            "status": "vetoed",
            "recognised": False,
            "n_reviews": 0,
            "disagreement": False,
            "sections": "{}",
        },
    ),
)
CHECKED_AT_0005 = (("region_check", "action"), ("assignment", "source"), ("application_result", "status"))


def _counts() -> dict[str, int]:
    return {table: db.session.scalar(text(f'SELECT count(*) FROM "{table}"')) for table, _ in ROWS_AT_0004}


def _refused(table: str, column: str) -> bool:
    """Whether the database refuses a value outside the column's vocabulary."""
    try:
        with db.session.begin_nested():
            db.session.execute(text(f'UPDATE "{table}" SET {column} = :v'), {"v": "bogus"})
    except IntegrityError:
        return True
    finally:
        db.session.rollback()
    return False


def test_the_vocabulary_checks_of_0005_keep_the_rows_there_both_ways(app, scratch_app):
    with scratch_app.app_context():
        upgrade(revision="0004")
        for table, row in ROWS_AT_0004:
            db.session.execute(
                text(f'INSERT INTO "{table}" ({", ".join(row)}) VALUES ({", ".join(f":{k}" for k in row)})'),
                row,
            )
        db.session.commit()
        assert not any(_refused(table, column) for table, column in CHECKED_AT_0005)
        upgrade()
        assert _counts() == dict.fromkeys(_counts(), 1)
        assert all(_refused(table, column) for table, column in CHECKED_AT_0005)
        downgrade(revision="0004")
        assert _counts() == dict.fromkeys(_counts(), 1)
        assert not any(_refused(table, column) for table, column in CHECKED_AT_0005)
        db.session.remove()


def test_0006_turns_each_declaration_into_an_accepted_one_against_the_organisation(app, scratch_app):
    """Declarations were binding by application before 0006: each becomes one for the application's
    round and organisation, accepted. A downgrade keeps the accepted ones (by application again) and
    drops what the old table could not hold (pending, or naming no registered organisation)."""
    rows = dict(ROWS_AT_0004)
    with scratch_app.app_context():
        upgrade(revision="0005")
        for table in ("organisation", "user_account", "round", "application"):
            row = rows[table]
            db.session.execute(
                text(f'INSERT INTO "{table}" ({", ".join(row)}) VALUES ({", ".join(f":{k}" for k in row)})'),
                row,
            )
        db.session.execute(
            text(
                "INSERT INTO conflict_declaration (id, reviewer_id, application_id, reason, created_at) "
                "VALUES (7, 1, 1, '亲属', :at)"
            ),
            {"at": AT},
        )
        db.session.commit()
        upgrade(revision="0006")
        found = db.session.execute(
            text(
                "SELECT id, round_id, side, reviewer_id, organisation_name, organisation_id, declared_by, "
                "reason, status FROM conflict_declaration"
            )
        ).all()
        assert [tuple(r) for r in found] == [(7, 1, "reviewer", 1, "测试社区", 1, 1, "亲属", "accepted")]
        assert _refused("conflict_declaration", "status") and _refused("conflict_declaration", "side")
        db.session.execute(
            text(
                "INSERT INTO conflict_declaration (round_id, side, reviewer_id, organisation_name, "
                "declared_by, reason, status, version, created_at, updated_at) "
                "VALUES (1, 'reviewer', 1, '别的社区', 1, 'x', 'pending', 1, :at, :at)"
            ),
            {"at": AT},
        )
        db.session.commit()
        assert db.session.scalar(text("SELECT max(id) FROM conflict_declaration")) == 8  # ids go on after 7
        db.session.commit()
        downgrade(revision="0005")
        back = db.session.execute(
            text("SELECT id, reviewer_id, application_id, reason FROM conflict_declaration")
        ).all()
        assert [tuple(r) for r in back] == [(7, 1, 1, "亲属")]
        db.session.commit()  # no read of the table may stand in the migration's way
        upgrade()
        db.session.remove()


def test_0007_adds_not_recommended_and_takes_it_back_as_declined(app, scratch_app):
    """The status a round's closing gives is refused before 0007 and kept after it; going back,
    such an application becomes declined (the older vocabulary's final status for "not passed on")."""
    with scratch_app.app_context():
        upgrade(revision="0005")
        for table, row in ROWS_AT_0004[:4]:  # an organisation, a user, a round and an application
            db.session.execute(
                text(f'INSERT INTO "{table}" ({", ".join(row)}) VALUES ({", ".join(f":{k}" for k in row)})'),
                row,
            )
        db.session.commit()
        set_status = text("UPDATE application SET status = 'not_recommended'")
        with pytest.raises(IntegrityError), db.session.begin_nested():
            db.session.execute(set_status)
        db.session.rollback()
        upgrade(revision="0007")
        db.session.execute(set_status)
        db.session.commit()
        downgrade(revision="0005")
        assert db.session.scalar(text("SELECT status FROM application")) == "declined"
        db.session.rollback()  # let go of the table before altering it again (PostgreSQL waits)
        upgrade()
        db.session.remove()
