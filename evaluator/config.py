"""Settings; every key can be overridden by an ``EVALUATOR_<KEY>`` environment variable.

``EVALUATOR_DATABASE_URL`` selects the database (default: SQLite in ``instance/``), e.g.
``postgresql+psycopg://user@127.0.0.1:5432/evaluator``.
"""

from __future__ import annotations

from pathlib import Path

INSTANCE = Path(__file__).resolve().parents[1] / "instance"


class Settings:
    """Defaults for the embedded single-machine set-up."""

    SECRET_KEY = "change-me"  # overridden by EVALUATOR_SECRET_KEY in any real deployment
    JSON_AS_ASCII = False
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
    LOGIN_RATE_LIMIT = "10 per minute"
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True

    MAX_UPLOAD_MB = 20
    MAX_UNZIPPED_MB = 100
    STORAGE_BACKEND = "local"  # local | s3
    MATERIALS_DIR = str(INSTANCE / "materials")
    S3_BUCKET = "evaluator-materials"
    S3_ENDPOINT_URL = ""
    S3_REGION = "us-east-1"
