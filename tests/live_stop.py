"""A gunicorn configuration that only makes the stop quick (``gunicorn -c python:tests.live_stop``),
for the tests that serve ``wsgi:app`` exactly as production does otherwise."""

import os


def worker_int(worker):
    """A worker told to stop at once (the test is done with the server) ends without tearing down
    the app, which takes seconds of touching every page of it."""
    os._exit(0)
