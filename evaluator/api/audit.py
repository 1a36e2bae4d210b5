"""Audit API."""

from __future__ import annotations

from flask_smorest import Blueprint

PREFIX = ""
blp = Blueprint("audit", __name__, description="Audit.")
