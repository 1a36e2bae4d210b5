"""Cheap argon2 parameters for the test suite, and the service's own ones to check against.

The service hashes passwords with argon2-cffi's defaults (RFC 9106's low-memory profile: 3 passes over
64 MiB in 4 lanes), slow on purpose: about 0.1 s a hash. The suite makes thousands of accounts and
signs in thousands of times, so ``tests/conftest.py`` swaps the hasher for one at minimal cost for the
whole session, and the live gunicorn servers of the tests serve ``tests.live_app:app``, which does the
same before importing ``wsgi``. Nothing in the service reads a setting for it: outside the tests the
production parameters are all there is, which ``tests/test_password_hashing.py`` checks.
"""

from __future__ import annotations

from argon2 import PasswordHasher

CHEAP = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}
"""Minimal argon2 cost: a hash in microseconds (verification reads the cost from the hash itself)."""

PRODUCTION = {"type": "ID", "time_cost": 3, "memory_cost": 65536, "parallelism": 4}
"""What the service hashes with outside the tests."""


def use_cheap_hashing() -> PasswordHasher:
    """Make the service hash passwords at minimal cost in this process; returns the hasher it had."""
    from evaluator.accounts import service as accounts

    previous = accounts._hasher
    accounts._hasher = PasswordHasher(**CHEAP)
    return previous


def restore_hashing(previous: PasswordHasher) -> None:
    """Put back the hasher ``use_cheap_hashing`` replaced."""
    from evaluator.accounts import service as accounts

    accounts._hasher = previous
