"""What the tests' live gunicorn servers serve, and how (``gunicorn -c python:tests.live_app
tests.live_app:app``): ``wsgi:app``, with passwords hashed at minimal cost as in the test process
(tests/hashing.py). Production serves ``wsgi:app`` itself."""

import os

from tests.hashing import use_cheap_hashing

use_cheap_hashing()

from wsgi import app  # noqa: E402

__all__ = ["app"]

preload_app = True
"""The app is built once, before the workers are forked: each would take seconds of CPU to build it."""


def worker_int(worker):
    """A worker told to stop at once (the tests are done with the server) ends without tearing down
    the app it inherited, which takes seconds of touching every page of it."""
    os._exit(0)
