"""Pages of the region offices (county and city civil-affairs offices): the queue of their region's
applications, the check form, the city's ranking and quota."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("region", __name__, url_prefix="/region")

from evaluator.web.region import application, queue, ranking  # noqa: E402, F401 (register the views)
