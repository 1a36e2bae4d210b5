"""Audit commands."""

from __future__ import annotations

from flask.cli import AppGroup

cli = AppGroup("audit", help="Audit commands.")
