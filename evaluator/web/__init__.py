"""The web shell: authentication of requests (``security``) and the server-rendered pages.

The pages are grouped by audience in blueprints — ``account`` (sign-in, password, language),
``applicant``, ``office`` (the provincial office), ``region`` (county and city offices), ``reviewer``
and ``public`` — and call the same services as the
API. ``register_web`` binds them with what every page shares: CSRF protection, the security headers,
the reader's language and the formatting filters.
"""

from __future__ import annotations

from flask import Flask


def register_web(app: Flask) -> None:
    """Register the pages' blueprints and their shared machinery."""
    from evaluator.web import account, applicant, office, public, region, reviewer
    from evaluator.web.shell import register_shell

    register_shell(app)
    for module in (account, applicant, office, public, region, reviewer):
        app.register_blueprint(module.bp)
