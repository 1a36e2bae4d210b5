"""Corrections to the OpenAPI document, so it describes what the service really sends.

- ``X-Pagination`` is a JSON object in a header. flask-smorest documents it with a bare ``schema``,
  which in OpenAPI means the ``simple`` style (``total,134,page,2``); it is described here by its
  media type, ``application/json``, with the metadata's schema and an example.
"""

from __future__ import annotations

from apispec import APISpec

PAGINATION_EXAMPLE = {
    "total": 134,
    "total_pages": 7,
    "first_page": 1,
    "last_page": 7,
    "page": 2,
    "previous_page": 1,
    "next_page": 3,
}


def document_pagination_header(spec: APISpec) -> None:
    """Describe the ``X-Pagination`` header component as JSON content (after the paths are in)."""
    header = spec.components.headers.get("PAGINATION")
    if header is None or "content" in header:
        return
    spec.components.headers["PAGINATION"] = {
        "description": "Pagination metadata: a JSON object (page numbers from 1; `previous_page` "
        "and `next_page` only where there is one).",
        "required": True,
        "content": {"application/json": {"schema": header["schema"], "example": PAGINATION_EXAMPLE}},
    }
