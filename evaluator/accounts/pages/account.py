"""Account pages: sign in and out (a session cookie), change the password, choose the language.

Sign-in shares its rate limit with the API's token endpoint (one budget of attempts per address,
whichever door they knock on). A new session is started at every sign-in — the old cookie's
contents, CSRF token included, are dropped — and revoked at sign-out.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, redirect, request, session, url_for
from flask_login import current_user, login_user, logout_user
from marshmallow import Schema, fields, validate

from evaluator.accounts import service as accounts
from evaluator.accounts import sessions
from evaluator.accounts.service import PASSWORD_LENGTH
from evaluator.errors import ServiceError
from evaluator.i18n import LANGUAGES
from evaluator.messages import N_, msg
from evaluator.validation import Text, text_problem
from evaluator.web.blueprints import account as bp
from evaluator.web.navigation import home_endpoint
from evaluator.web.pages import done, form_errors, load_form, page_user, render_form
from evaluator.web.security import SESSION_KEY, sign_in_limit


class SignInSchema(Schema):
    """The sign-in form."""

    username = Text(required=True, min_length=1, max_length=80)
    password = fields.String(required=True, validate=validate.Length(min=1, max=PASSWORD_LENGTH[1]))
    next = fields.String(load_default=None, validate=validate.Length(max=500))


class PasswordSchema(Schema):
    """The password change form."""

    current_password = fields.String(required=True, validate=validate.Length(min=1, max=200))
    new_password = fields.String(required=True, validate=validate.Length(max=PASSWORD_LENGTH[1]))
    repeat_password = fields.String(required=True, validate=validate.Length(max=PASSWORD_LENGTH[1]))


def safe_next(target: str | None) -> str | None:
    """A place on this site to go back to after signing in; None for anything else (an open
    redirect to another site, a scheme, a protocol-relative or backslash path, a control character:
    a line break would split the ``Location`` header)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")) or "\\" in target:
        return None
    if text_problem(target) is not None:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or target.startswith("/api/"):
        return None
    return target


@bp.route("/sign-in", methods=["GET"])
def sign_in():
    """The sign-in form (a signed-in user goes home)."""
    if current_user.is_authenticated:
        return redirect(url_for(home_endpoint(current_user.role)))
    return render_form("accounts/sign_in.html", next=safe_next(request.args.get("next")), values={})


@bp.route("/sign-in", methods=["POST"])
@sign_in_limit
def sign_in_post():
    """Check the credentials and start a new session."""
    with form_errors() as errors:
        data = load_form(SignInSchema())
        user = accounts.user_by_username(data["username"])
        if not accounts.check_password(user, data["password"]) or not user.active:
            raise ServiceError(422, msg("Wrong username or password."))
        token = sessions.start_session(user, int(current_app.config["SESSION_HOURS"]))
        chosen = session.get("language")
        session.clear()  # a new session: nothing of the anonymous one survives but the language
        if chosen in LANGUAGES and user.language is None:
            accounts.set_language(user, chosen)
        login_user(user)
        session[SESSION_KEY] = token
        session.permanent = True
        target = safe_next(data.get("next"))
        if user.must_change_password:
            return redirect(url_for("account.password"))
        return redirect(target or url_for(home_endpoint(user.role)))
    values = {"username": request.form.get("username", "")}
    return render_form(
        "accounts/sign_in.html", errors, next=safe_next(request.form.get("next")), values=values
    )


@bp.route("/sign-out", methods=["POST"])
def sign_out():
    """End the session: revoked on the server, the cookie emptied."""
    token = session.get(SESSION_KEY)
    if token:
        sessions.end_session(token)
    logout_user()
    session.clear()
    done(N_("You have signed out."))
    return redirect(url_for("account.sign_in"))


@bp.route("/account/password", methods=["GET", "POST"])
def password():
    """Change one's own password (asked for first after an office's reset)."""
    user = page_user("account.view_self")
    with form_errors() as errors:
        if request.method == "POST":
            data = load_form(PasswordSchema())
            if data["new_password"] != data["repeat_password"]:
                raise ServiceError(
                    422,
                    msg("The password was not changed."),
                    {"repeat_password": [msg("The two new passwords differ.")]},
                )
            accounts.change_password(user, data["current_password"], data["new_password"])
            # Every session was revoked, this one too: start a fresh one, so the user stays in.
            token = sessions.start_session(user, int(current_app.config["SESSION_HOURS"]))
            session.clear()
            login_user(user)
            session[SESSION_KEY] = token
            session.permanent = True
            done(N_("Your password has been changed."))
            return redirect(url_for(home_endpoint(user.role)))
    return render_form(
        "accounts/password.html",
        errors if request.method == "POST" else None,
        forced=user.must_change_password,
        min_length=PASSWORD_LENGTH[0],
    )


@bp.route("/language", methods=["POST"])
def language():
    """Switch the pages' language: remembered for a signed-in user, in the session otherwise."""
    choice = request.form.get("language")
    if choice not in LANGUAGES:
        raise ServiceError(422, msg("The language is one of: %(languages)s.", languages=list(LANGUAGES)))
    if current_user.is_authenticated:
        accounts.set_language(current_user, choice)
    session["language"] = choice
    return redirect(safe_next(request.form.get("next")) or url_for("public.index"))
