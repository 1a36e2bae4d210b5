"""Pages of the provincial office (role admin): dashboard, rounds, applications, batch import,
accounts, the audit log, and a round's review settings, assignments and results."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("office", __name__, url_prefix="/office")

from evaluator.web.office import (  # noqa: E402, F401 (register the views)
    accounts,
    applications,
    assignments,
    audit,
    dashboard,
    imports,
    results,
    round_settings,
    rounds,
)
