"""Settings; every key can be overridden by an ``EVALUATOR_<KEY>`` environment variable.

``EVALUATOR_DATABASE_URL`` selects the database (default: SQLite in ``instance/``), e.g.
``postgresql+psycopg://user@127.0.0.1:5432/evaluator``. ``settle`` derives the settings that
depend on others and refuses an unsafe secret key.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

import click

from evaluator.messages import Message, msg

INSTANCE = Path(__file__).resolve().parents[1] / "instance"
DEFAULT_SECRET_KEY = "change-me"
MIN_SECRET_KEY_LENGTH = 32
MIN_SECRET_KEY_VARIETY = 12  # different characters; a random key of 32 has about 25
MAKE_SECRET_KEY = "python3 -c 'import secrets; print(secrets.token_urlsafe(48))'"


class InsecureSettingError(RuntimeError):
    """A setting that must not be served with, e.g. the public default secret key.

    The text is in the configured ``LANGUAGE``; ``message`` keeps the translatable message.
    """

    def __init__(self, message: Message, language: str):
        super().__init__(in_language(message, language))
        self.message = message


def in_language(message: Message, language: str) -> str:
    """The message in ``language``, before the application exists (its start-up refusals).

    A bare application with the same catalogs stands in for the one being built; a language
    without a catalog, or no catalog at all, leaves the English text.
    """
    from flask import Flask
    from flask_babel import Babel

    from evaluator.i18n import localise

    stand_in = Flask("evaluator", root_path=str(Path(__file__).resolve().parent))
    stand_in.config.update(LANGUAGE=language, BABEL_DEFAULT_LOCALE=language)
    Babel(stand_in)
    with stand_in.app_context():
        return str(localise(message))


class Settings:
    """Defaults for the embedded single-machine set-up."""

    # Must be set (EVALUATOR_SECRET_KEY, at least 32 characters) to serve outside testing and debug.
    SECRET_KEY = DEFAULT_SECRET_KEY
    # Messages and pages in Chinese unless a request asks for English (Accept-Language; later a
    # signed-in user's choice); commands speak LANGUAGE. Times are shown in Beijing time.
    LANGUAGE = "zh"
    BABEL_DEFAULT_LOCALE = "zh"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    # Folder of criteria files; empty means the bundled criteria/ folder.
    CRITERIA_DIR = ""

    DATABASE_URL = f"sqlite:///{INSTANCE / 'evaluator.db'}"
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}  # noqa: RUF012 (read, never mutated)

    API_TITLE = "Pilot-zone evaluator"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.1.0"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"
    # The interactive docs page; its assets are served by the service itself (no CDN needed).
    OPENAPI_SWAGGER_UI_PATH = "/docs"
    OPENAPI_SWAGGER_UI_URL = "/api/v1/swagger-ui/"

    TOKEN_TTL_HOURS = 12
    # Web pages: a signed-in browser's session lasts this long; cookies are HttpOnly and SameSite=Lax,
    # and Secure when the service is reached over TLS (set EVALUATOR_TLS=true behind HTTPS).
    SESSION_HOURS = 12
    TLS = False
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    LOGIN_RATE_LIMIT = "10 per minute"
    # Objections from the public to a shortlist on notice: per address, and per shortlist (all
    # addresses together), shared by the page's form and the API.
    OBJECTION_RATE_LIMIT = "5 per hour"
    OBJECTION_SHORTLIST_RATE_LIMIT = "500 per hour"
    # Empty: a SQLite file in instance/ that every worker shares (in-process memory when testing).
    RATELIMIT_STORAGE_URI = ""
    RATELIMIT_HEADERS_ENABLED = True

    # What an error answer echoes back: entries per mapping or list, characters per text.
    ERROR_MAX_ENTRIES = 100
    ERROR_MAX_CHARS = 500

    MAX_UPLOAD_MB = 20
    MAX_UNZIPPED_MB = 100
    # What one application's materials may come to: files, and megabytes together.
    MAX_MATERIALS = 200
    MAX_MATERIALS_MB = 1000
    # Rows of one export of the applications table (each is built in memory).
    EXPORT_MAX_ROWS = 50_000
    # Uploaded spreadsheets (batch import): rows below the header, columns, rows × columns.
    IMPORT_MAX_ROWS = 10_000
    IMPORT_MAX_COLUMNS = 200
    IMPORT_MAX_CELLS = 1_000_000
    # Different texts of an uploaded workbook (its shared strings): reading each costs time, and a
    # round's applicants write far fewer (names, places, choices).
    IMPORT_MAX_TEXTS = 100_000
    # Tables read by the command line (flask score), sized for millions of score rows.
    TABLE_MAX_MB = 2048
    TABLE_MAX_ROWS = 10_000_000
    TABLE_MAX_COLUMNS = 2_000
    TABLE_MAX_CELLS = 60_000_000
    STORAGE_BACKEND = "local"  # local | s3
    MATERIALS_DIR = str(INSTANCE / "materials")
    S3_BUCKET = "evaluator-materials"
    S3_ENDPOINT_URL = ""
    S3_REGION = "us-east-1"


def _command_line_task() -> bool:
    """Whether the app is being built for a ``flask`` command that does not serve (not ``run``)."""
    ctx = click.get_current_context(silent=True)
    return ctx is not None and ctx.info_name != "run"


def _flask_run() -> bool:
    """Whether the app is being built for ``flask run`` (the development server)."""
    ctx = click.get_current_context(silent=True)
    return ctx is not None and ctx.info_name == "run"


def check_secret_key(config: MutableMapping[str, Any]) -> None:
    """Refuse the public default or a short secret key, saying how to make one."""
    key = config.get("SECRET_KEY")
    key = "" if key is None else str(key)
    weak = len(set(key.strip())) < MIN_SECRET_KEY_VARIETY  # e.g. 40 spaces, or "aaaa…"
    if key == DEFAULT_SECRET_KEY or len(key.strip()) < MIN_SECRET_KEY_LENGTH or weak:
        raise InsecureSettingError(
            msg(
                "The secret key is the public default, shorter than %(min)s characters or made of too few "
                "different characters, so anyone could forge sessions. Set EVALUATOR_SECRET_KEY to a long "
                "random value, made with: %(command)s (scripts/start.sh keeps one in instance/secret_key).",
                min=MIN_SECRET_KEY_LENGTH,
                command=MAKE_SECRET_KEY,
            ),
            str(config.get("LANGUAGE") or Settings.LANGUAGE),
        )


def settle(config: MutableMapping[str, Any], instance_path: str | Path, exempt: bool = False) -> None:
    """Derive the settings that depend on others, and refuse to serve with an unsafe secret key.

    The key is checked unless ``exempt`` (testing or debugging, as the code building the app or
    ``flask --debug run`` says; never an environment variable a server inherits) or running a
    command-line task (those sign nothing). With no rate-limit storage set, the counters go to
    ``ratelimits.db`` in the instance folder, shared by every worker, or to memory when testing.
    """
    exempt = exempt or bool(config.get("DEBUG") and _flask_run())
    from datetime import timedelta

    tls = config.get("TLS")
    config["TLS"] = tls if isinstance(tls, bool) else str(tls).strip().lower() in ("1", "true", "yes", "on")
    config["SESSION_COOKIE_SECURE"] = config["TLS"]
    config["PERMANENT_SESSION_LIFETIME"] = timedelta(
        hours=int(config.get("SESSION_HOURS", Settings.SESSION_HOURS))
    )
    if not (exempt or _command_line_task()):
        check_secret_key(config)
    if not config.get("RATELIMIT_STORAGE_URI"):
        config["RATELIMIT_STORAGE_URI"] = (
            "memory://"
            if exempt and config.get("TESTING")
            else f"sqlite:///{Path(instance_path) / 'ratelimits.db'}"
        )
