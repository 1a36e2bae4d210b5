"""The uploaded file kept between an import's check (dry run) and its confirmation.

The file is written to the instance folder (``IMPORT_PENDING_DIR``, default
``instance/pending-imports``) under a random name that only the signed, HttpOnly session cookie of
the user who checked it knows; the cookie also holds the user's id, the round's id, the file's
SHA-256 and the time of the check. The confirmation is accepted only from that session, for that
user and round, within ``IMPORT_PENDING_MINUTES`` (default 30), and only if the file still has the
SHA-256 it had when it was checked. A user has at most one pending file (a new check replaces it);
files are removed once imported, refused or expired. The form never names a path: the random name
comes from the session, so no request can point the import at another file.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import time
from pathlib import Path

from flask import current_app, session

from evaluator.accounts.models import User
from evaluator.errors import ServiceError
from evaluator.messages import msg
from evaluator.rounds.models import Round

SESSION_ENTRY = "pending_import"
_SUFFIX = ".upload"


def _folder() -> Path:
    folder = current_app.config.get("IMPORT_PENDING_DIR") or os.path.join(
        current_app.instance_path, "pending-imports"
    )
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def _ttl() -> int:
    return int(current_app.config.get("IMPORT_PENDING_MINUTES", 30)) * 60


def minutes() -> int:
    """How long a checked file is kept for its confirmation, in minutes."""
    return _ttl() // 60


def _purge(folder: Path) -> None:
    """Remove every pending file older than the time limit (whoever left it)."""
    limit = time.time() - _ttl()
    for path in folder.glob("*" + _SUFFIX):
        try:
            if path.stat().st_mtime < limit:
                path.unlink(missing_ok=True)
        except OSError:
            continue


_NAME = re.compile(r"[0-9a-f]{48}")
"""A pending file's name: the 24 random bytes ``keep`` makes, in hex (never a path)."""


def discard() -> None:
    """Forget this session's pending file and remove it."""
    entry = session.pop(SESSION_ENTRY, None)
    if isinstance(entry, dict) and _NAME.fullmatch(str(entry.get("name"))):
        (_folder() / (entry["name"] + _SUFFIX)).unlink(missing_ok=True)


def keep(user: User, rnd: Round, data: bytes, filename: str) -> str:
    """Store a checked file for this session; returns the id the confirmation form sends back."""
    folder = _folder()
    _purge(folder)
    discard()
    name = secrets.token_hex(24)
    path = folder / (name + _SUFFIX)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(data)
    session[SESSION_ENTRY] = {
        "name": name,
        "user_id": user.id,
        "round_id": rnd.id,
        "sha256": hashlib.sha256(data).hexdigest(),
        "at": time.time(),
        "filename": filename[:200],
        "size": len(data),
    }
    return name


def pending(user: User) -> dict | None:
    """This session's pending file's record (round, file name, SHA-256, size), if any."""
    entry = session.get(SESSION_ENTRY)
    return entry if isinstance(entry, dict) and entry.get("user_id") == user.id else None


def take(user: User, rnd: Round, ident: str) -> bytes:
    """The checked file's content for the confirmation, or a refusal saying to check it again."""
    entry = session.get(SESSION_ENTRY)
    if (
        not isinstance(entry, dict)
        or not _NAME.fullmatch(str(entry.get("name")))
        or not hmac.compare_digest(entry["name"], ident or "")
        or entry.get("user_id") != user.id
        or entry.get("round_id") != rnd.id
    ):
        raise ServiceError(
            409,
            msg(
                "No checked file is waiting for this import in your session. Upload "
                "the file again and check it before importing."
            ),
        )
    path = _folder() / (entry["name"] + _SUFFIX)
    if time.time() - float(entry.get("at", 0)) > _ttl() or not path.is_file():
        discard()
        raise ServiceError(
            409,
            msg(
                "The checked file has expired (it is kept for %(minutes)s minutes). Upload it again.",
                minutes=_ttl() // 60,
            ),
        )
    data = path.read_bytes()
    if not hmac.compare_digest(hashlib.sha256(data).hexdigest(), str(entry.get("sha256"))):
        discard()
        raise ServiceError(
            409,
            msg(
                "The kept file no longer matches the file that was checked; nothing "
                "was imported. Upload it again."
            ),
        )
    return data
