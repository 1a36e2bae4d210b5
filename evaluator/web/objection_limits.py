"""The rate limits of objections from the public, shared by the page's form and the API: per address,
and per shortlist (every address together), so that neither one sender nor a crowd can flood the
office's queue (``OBJECTION_RATE_LIMIT``, ``OBJECTION_SHORTLIST_RATE_LIMIT``)."""

from __future__ import annotations

from flask import current_app, request

from evaluator.extensions import limiter


def _shortlist_key() -> str:
    return f"shortlist-{(request.view_args or {}).get('shortlist_id')}"


per_address = limiter.shared_limit(
    lambda: current_app.config["OBJECTION_RATE_LIMIT"], scope="objection-address", methods=["POST"]
)
"""Objections one address may send, to any shortlist."""
per_shortlist = limiter.shared_limit(
    lambda: current_app.config["OBJECTION_SHORTLIST_RATE_LIMIT"],
    scope="objection-shortlist",
    key_func=_shortlist_key,
    methods=["POST"],
)
"""Objections one shortlist may receive, from every address together."""
