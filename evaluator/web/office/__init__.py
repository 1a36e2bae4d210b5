"""Pages of the provincial office (role admin): dashboard, rounds, applications, batch import,
accounts and the audit log."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("office", __name__, url_prefix="/office")

from evaluator.web.office import (  # noqa: E402, F401 (register the views)
    accounts,
    applications,
    audit,
    dashboard,
    imports,
    rounds,
)
