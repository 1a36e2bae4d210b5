"""The ``Content-Disposition`` header of every download, built one safe way (RFC 6266 and RFC 5987).

A header value must be ISO-8859-1 without control characters, and a quoted ``filename`` may not
hold ``"`` or ``\\``. Names that are plain printable ASCII go as they are; any other name gets an
ASCII fallback in ``filename`` (which old clients show) and the real name, UTF-8 and
percent-encoded, in ``filename*`` (which current browsers prefer).
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

_PLAIN = re.compile(r"[A-Za-z0-9 !#$&'()+,\-.;=@\[\]^_`{}~]+")
_NOT_SAFE_ASCII = re.compile(r"[^A-Za-z0-9._-]+")
MAX_NAME = 150


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
