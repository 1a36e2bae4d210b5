"""The rate limits of objections from the public, shared by the page's form and the API: per address,
and per shortlist (every address together), so that neither one sender nor a crowd can flood the
office's queue (``OBJECTION_RATE_LIMIT``, ``OBJECTION_SHORTLIST_RATE_LIMIT``).

An IPv6 address counts by its /64 network: one subscriber is given a whole /64 and may send from any
address in it, so counting each address would give one sender billions of budgets."""

from __future__ import annotations

import ipaddress

from flask import current_app, request

from evaluator.extensions import limiter


def _address_key() -> str:
    raw = request.remote_addr or ""
    try:
        found = ipaddress.ip_address(raw)
    except ValueError:
        return raw
    if isinstance(found, ipaddress.IPv6Address):
        if found.ipv4_mapped is not None:
            return str(found.ipv4_mapped)
        return str(ipaddress.ip_network(f"{found}/64", strict=False))
    return str(found)


def _shortlist_key() -> str:
    return f"shortlist-{(request.view_args or {}).get('shortlist_id')}"


per_address = limiter.shared_limit(
    lambda: current_app.config["OBJECTION_RATE_LIMIT"],
    scope="objection-address",
    key_func=_address_key,
    methods=["POST"],
)
"""Objections one address may send, to any shortlist."""
per_shortlist = limiter.shared_limit(
    lambda: current_app.config["OBJECTION_SHORTLIST_RATE_LIMIT"],
    scope="objection-shortlist",
    key_func=_shortlist_key,
    methods=["POST"],
)
"""Objections one shortlist may receive, from every address together."""
