"""Applications API."""

from __future__ import annotations

from flask_smorest import Blueprint

PREFIX = ""
blp = Blueprint("applications", __name__, description="Applications.")
