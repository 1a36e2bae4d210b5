"""Downloads shared by the API and the pages: the ``Content-Disposition`` header built one safe way
(RFC 6266 and RFC 5987), the response that streams a material from storage, an export, and a round's
import template.

A header value must be ISO-8859-1 without control characters, and a quoted ``filename`` may not
hold ``"`` or ``\\``. Names that are plain printable ASCII go as they are; any other name gets an
ASCII fallback in ``filename`` (which old clients show) and the real name, UTF-8 and
percent-encoded, in ``filename*`` (which current browsers prefer).

A material is sent as an attachment with its sniffed type, ``nosniff`` and a sandboxing CSP, so a
browser never renders an uploaded file as a page of this site.
"""

from __future__ import annotations

import io
import logging
import re
import unicodedata
from typing import Protocol
from urllib.parse import quote

from flask import Response, current_app, request, send_file
from werkzeug.wsgi import wrap_file

from evaluator.errors import ServiceError
from evaluator.messages import msg
from evaluator.spreadsheets.export import Export
from evaluator.storage import BlobMissingError, get_storage

_PLAIN = re.compile(r"[A-Za-z0-9 !#$&'()+,\-.;=@\[\]^_`{}~]+")
_NOT_SAFE_ASCII = re.compile(r"[^A-Za-z0-9._-]+")
MAX_NAME = 150
log = logging.getLogger(__name__)


def _clean(name: str) -> str:
    """The name without control, format, separator-line or surrogate characters, capped in length."""
    kept = "".join(c for c in name if unicodedata.category(c) not in ("Cc", "Cf", "Cs", "Zl", "Zp"))
    kept = kept.replace("/", "_").replace("\\", "_")
    return " ".join(kept.split())[:MAX_NAME].strip(" .")


def ascii_fallback(name: str, default: str) -> str:
    """An ASCII stand-in for ``name``: its safe ASCII stem and extension, else ``default``."""
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    safe_stem = _NOT_SAFE_ASCII.sub("_", stem).strip("._-")
    safe_ext = _NOT_SAFE_ASCII.sub("", ext)
    if not safe_stem or safe_stem != stem.replace(" ", "_"):
        safe_stem = default
    return safe_stem + ("." + safe_ext if safe_ext else "")


def content_disposition(filename: str, default: str, disposition: str = "attachment") -> str:
    """The header value offering ``filename``; ``default`` names the file when nothing usable is left.

    ``default`` is plain ASCII chosen by the service (e.g. ``material-12``); the extension of
    ``filename`` is kept in the fallback when it is ASCII.
    """
    name = _clean(filename) or default
    if _PLAIN.fullmatch(name):
        return f'{disposition}; filename="{name}"'
    fallback = ascii_fallback(name, default)
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


class StoredFile(Protocol):
    """What a download of a stored file needs to know of it (a material is one)."""

    id: int
    sha256: str
    content_type: str
    size: int
    filename: str


INLINE_TYPES = frozenset({"application/pdf", "image/jpeg", "image/png"})


def material_response(material: StoredFile, inline: bool = False, filename: str | None = None) -> Response:
    """The material's content streamed from storage as an attachment (the caller has authorised it).

    ``inline``: a PDF or an image is shown in the browser (``Content-Disposition: inline``) and may
    be framed by the service's own pages (``frame-ancestors 'self'``), still sandboxed and never
    sniffed; other types stay attachments. ``filename`` replaces the stored name (blind review).
    A blob missing from storage is logged and refused with 500: the office must restore it.
    """
    try:
        stream = get_storage(current_app).open(material.sha256)
    except BlobMissingError:
        log.error("material %s: blob %s is missing from storage", material.id, material.sha256)
        raise ServiceError(
            500, msg("The file's content is missing from storage; the office has been told.")
        ) from None
    response = Response(
        wrap_file(request.environ, stream), mimetype=material.content_type, direct_passthrough=True
    )
    response.content_length = material.size
    shown = inline and material.content_type in INLINE_TYPES
    response.headers["Content-Disposition"] = content_disposition(
        filename or material.filename, f"material-{material.id}", "inline" if shown else "attachment"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    if shown:
        response.headers["Content-Security-Policy"] = (
            "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox; frame-ancestors 'self'"
        )
        response.headers["X-Frame-Options"] = "SAMEORIGIN"
    else:
        response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["ETag"] = f'"{material.sha256}"'
    return response


def export_response(result: Export) -> Response:
    """A finished export (``applications.exports``) as a download with its Chinese file name."""
    response = send_file(io.BytesIO(result.data), mimetype=result.mimetype)
    response.headers["Content-Disposition"] = content_disposition(result.filename, result.fallback)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
