"""Conditional answers for frozen content: an entity tag, the cache headers, and 304 Not Modified
for a client that already holds the same version (``If-None-Match``)."""

from __future__ import annotations

from flask import Response, request

PUBLIC_CACHE = "public, max-age=60, must-revalidate"
"""Frozen public content: any cache may keep it a minute, then asks again with its tag."""
PRIVATE_CACHE = "private, no-cache"
"""The same content for a signed-in reader (the page names them): kept by the browser only, and
asked again each time."""


def cache_headers(response: Response, tag: str, private: bool, vary: str | None = None) -> Response:
    """Give an answer its strong entity tag and cache headers (``vary``: the request headers the
    answer depends on)."""
    response.set_etag(tag)
    response.headers["Cache-Control"] = PRIVATE_CACHE if private else PUBLIC_CACHE
    if vary:
        response.headers["Vary"] = vary
    return response


def not_modified(tag: str, private: bool, vary: str | None = None) -> Response | None:
    """304 when the request's ``If-None-Match`` names the tag (or ``*``), else None."""
    held = request.if_none_match
    if not (held and (held.star_tag or held.contains(tag))):
        return None
    return cache_headers(Response(status=304), tag, private, vary)
