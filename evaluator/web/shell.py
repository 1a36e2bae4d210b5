"""What every page shares: CSRF protection, the security headers, the reader's language, the
forced password change, and the layout's context (who is signed in, the navigation).

The API (``/api/…``) is not touched here: it takes bearer tokens, so it needs no CSRF token, and it
keeps its own headers.
"""

from __future__ import annotations

from flask import Flask, g, redirect, request, session, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError, CSRFProtect, generate_csrf

from evaluator.errors import error_response, is_api_request
from evaluator.extensions import WRITE_METHODS
from evaluator.formatting import register_formatting
from evaluator.i18n import LANGUAGES, language
from evaluator.messages import msg
from evaluator.web.headers import PAGE_HEADERS
from evaluator.web.navigation import navigation

csrf = CSRFProtect()

# Pages a user who must change their password may still open.
_BEFORE_NEW_PASSWORD = frozenset({"account.password", "account.sign_out", "account.language", "static"})


def register_shell(app: Flask) -> None:
    """Bind CSRF protection, the headers, the language choice and the layout's context."""
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)  # checked below, for pages only
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", int(app.config["SESSION_HOURS"]) * 3600)
    app.config.setdefault("WTF_CSRF_SSL_STRICT", True)
    csrf.init_app(app)
    register_formatting(app)

    @app.before_request
    def _page_shell():
        if is_api_request(request):
            return None
        # Flask-WTF caches the token on g, which outlives a request where an application context
        # is shared (tests, commands): each request reads its own session's token.
        g.pop(app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)
        g.pop("language", None)
        chosen = getattr(current_user, "language", None) if current_user.is_authenticated else None
        chosen = chosen or session.get("language")
        if chosen in LANGUAGES:
            g.language = chosen
        if request.method in WRITE_METHODS:
            csrf.protect()
        if (
            current_user.is_authenticated
            and current_user.must_change_password
            and request.endpoint not in _BEFORE_NEW_PASSWORD
        ):
            return redirect(url_for("account.password"))
        return None

    @app.after_request
    def _page_headers(response):
        if not is_api_request(request):
            for name, value in PAGE_HEADERS.items():
                response.headers.setdefault(name, value)
            if current_user.is_authenticated:
                response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.errorhandler(CSRFError)
    def _csrf_refused(exc: CSRFError):
        return error_response(
            400,
            msg(
                "The form was refused because its security token is missing or has expired (it protects "
                "you against forged requests from other sites). Go back, reload the page and send it again."
            ),
        )

    @app.context_processor
    def _layout():
        return {
            "csrf_token": generate_csrf,
            "nav": navigation(),
            "languages": LANGUAGES,
            "page_language": language(),
        }
