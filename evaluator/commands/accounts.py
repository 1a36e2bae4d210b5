"""Accounts commands."""

from __future__ import annotations

from flask.cli import AppGroup

cli = AppGroup("accounts", help="Accounts commands.")
