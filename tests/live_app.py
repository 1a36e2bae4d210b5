"""What the tests' live gunicorn servers serve, and how (``gunicorn -c python:tests.live_app
tests.live_app:app``): ``wsgi:app``, with passwords hashed at minimal cost as in the test process
(tests/hashing.py). Production serves ``wsgi:app`` itself."""

from tests.hashing import use_cheap_hashing
from tests.live_stop import worker_int

use_cheap_hashing()

from wsgi import app  # noqa: E402

__all__ = ["app", "worker_int"]

preload_app = True
"""The app is built once, before the workers are forked: each would take seconds of CPU to build it."""
