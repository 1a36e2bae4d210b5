"""Demo commands."""

from __future__ import annotations

from flask.cli import AppGroup

cli = AppGroup("demo", help="Demo commands.")
