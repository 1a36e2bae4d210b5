"""WSGI entry point: ``app`` for gunicorn and ``flask --app wsgi``."""

from evaluator import create_app

app = create_app()
