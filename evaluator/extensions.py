"""Flask extensions, created unbound and bound to the app in ``create_app``."""

from __future__ import annotations

import sqlite3

from flask import has_request_context, request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from evaluator.core.db import Base
from evaluator.web import ratelimits  # noqa: F401 (registers the sqlite:// rate-limit storage)

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
babel = Babel()
api = Api()
login = LoginManager()
# Counters in RATELIMIT_STORAGE_URI: Redis, the shared SQLite file (the default) or memory (tests).
limiter = Limiter(key_func=get_remote_address, default_limits=[])


WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: object, connection_record: object) -> None:
    """SQLite: enforce foreign keys, use write-ahead logging (readers never block writers), wait for
    the write lock rather than fail at once, and leave BEGIN to ``_sqlite_begin``."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.isolation_level = None  # the driver's own implicit BEGIN is off
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection: Connection) -> None:
    """SQLite has no row locks: a request that may write takes the database's write lock with its
    first statement (``BEGIN IMMEDIATE``), so concurrent writing requests run one after the other and
    each reads what the one before committed. Reading requests and commands begin as usual."""
    if connection.dialect.name != "sqlite":
        return
    writing = has_request_context() and request.method in WRITE_METHODS
    connection.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")
