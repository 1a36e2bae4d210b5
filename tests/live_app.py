"""What the tests' live gunicorn servers serve: ``wsgi:app``, with passwords hashed at minimal cost
as in the test process (tests/hashing.py). Production serves ``wsgi:app`` itself."""

from tests.hashing import use_cheap_hashing

use_cheap_hashing()

from wsgi import app  # noqa: E402

__all__ = ["app"]
