"""Materials API."""

from __future__ import annotations

from flask_smorest import Blueprint

PREFIX = ""
blp = Blueprint("materials", __name__, description="Materials.")
