"""Secrets handed to a client (bearer tokens, session tokens) are stored only as their digest."""

from __future__ import annotations

import hashlib


def token_digest(token: str) -> str:
    """What is stored of a bearer or session token: its SHA-256."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
