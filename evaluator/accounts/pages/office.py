"""Accounts pages: the lists of organisations and users, creating accounts and organisations, and
one user's page (deactivate or activate, reset the password).

Every change is a ``accounts.service`` call, as in the API, and writes its audit event. A new
password (generated at creation or by a reset) is shown once, in the answer to the form itself,
never in a URL or a cookie; pages of signed-in users are never cached (``Cache-Control: no-store``).
"""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, request, url_for
from flask_babel import gettext

from evaluator.accounts import service as accounts
from evaluator.accounts.affiliation import KINDS, county_choices, posted_affiliation
from evaluator.accounts.divisions import city_of
from evaluator.accounts.models import User
from evaluator.accounts.places import counties, region_choices
from evaluator.accounts.schemas import OrganisationSchema, UserSchema
from evaluator.core.paging import page_rows
from evaluator.errors import ServiceError
from evaluator.messages import N_, msg
from evaluator.validation import QueryId
from evaluator.web.blueprints import office as bp
from evaluator.web.pages import (
    FORM_NOT_VALID,
    FormErrors,
    arg_text,
    done,
    form_errors,
    get_or_404,
    load_form,
    page_number,
    page_user,
    render_form,
)
from evaluator.workflow import KIND_LABELS, REGION_ROLES, ROLE_LABELS, OrgKind, Role


class UserForm(UserSchema):
    """The account form: the API's account schema, with the organisation's id sent as form text."""

    organisation_id = QueryId(load_default=None)


PAGE_SIZE = 25
NEW_ROLES = (Role.REVIEWER, Role.APPLICANT, Role.COUNTY_OFFICE, Role.CITY_OFFICE)
"""Roles the page creates (administrators are made with ``flask create-admin`` or the API)."""
MAX_CHOICES = 2000


def _paged(query, page: int) -> tuple[list, int, int]:
    rows, total, _ = page_rows(query, page, PAGE_SIZE)
    return rows, total, max(1, -(-total // PAGE_SIZE))


def _filled(source: Any) -> dict[str, str]:
    """A form's non-empty entries, trimmed (an empty optional field is no value)."""
    return {k: v.strip() for k, v in source.items() if k != "csrf_token" and isinstance(v, str) and v.strip()}


@bp.route("/accounts", endpoint="accounts")
def accounts_list():
    """Users (filtered by role, active and a search text) or organisations (searched by name)."""
    page_user("user.list")
    view = "organisations" if request.args.get("view") == "organisations" else "users"
    page = page_number()
    context: dict[str, Any] = {"view": view, "page": page, "q": arg_text("q") or ""}
    if view == "organisations":
        page_user("organisation.list")
        rows, total, pages = _paged(accounts.organisations_query(context["q"]), page)
        context["user_counts"] = accounts.user_counts([o.id for o in rows])
    else:
        role = request.args.get("role") if request.args.get("role") in ROLE_LABELS else None
        active = {"yes": True, "no": False}.get(request.args.get("active", ""))
        rows, total, pages = _paged(accounts.users_query(role, active, context["q"]), page)
        context.update(role=role, active=request.args.get("active", ""))
    return render_form(
        "accounts/index.html", rows=rows, total=total, pages=pages, roles=list(ROLE_LABELS), **context
    )


def _organisation_choices(search: str | None) -> list[tuple[int, str]]:
    return [(o.id, f"{o.name}（{o.county}）") for o in accounts.organisation_choices(search, MAX_CHOICES)]


def affiliation_context(values: dict[str, Any]) -> dict[str, Any]:
    """What the affiliation pickers (templates/accounts/_affiliation.html) offer."""
    return {
        "affiliation_kinds": [(kind, gettext(label)) for kind, label in KINDS.items()],
        "affiliation_counties": county_choices(values.get("affiliation.county")),
        "affiliation_organisations": _organisation_choices(None),
    }


def _checked_account(data: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """The new account's values read through the form's schema, a reviewer's affiliation from its
    pickers; a 422 naming every field and picker in error at once."""
    errors: dict[str, Any] = {}
    if data.get("role") == Role.REVIEWER:
        try:
            data["affiliation"] = posted_affiliation(values)
        except ServiceError as exc:
            errors.update(exc.errors or {})
    try:
        checked = load_form(UserForm(), data)
    except ServiceError as exc:
        raise ServiceError(422, exc.message, {**(exc.errors or {}), **errors}) from None
    if errors:
        raise ServiceError(422, msg(FORM_NOT_VALID), errors)
    return checked


@bp.route("/accounts/users/new", methods=["GET", "POST"])
def user_new():
    """Create a reviewer's, an applicant's or a region office's account, with a chosen or a generated
    password (a region office's home region code is its county or city code)."""
    actor = page_user("user.create")
    values = (
        _filled(request.form)
        if request.method == "POST"
        else {k: request.args[k] for k in ("role", "organisation_id") if request.args.get(k)}
    )
    search = arg_text("org_q", source=request.values)
    with form_errors() as errors:
        if request.method == "POST":
            data = {
                k: v
                for k, v in values.items()
                if k in UserSchema().fields and k not in ("active", "affiliation")
            }
            if data.get("role") not in NEW_ROLES:
                data.pop("role", None)
            if data.get("role") == Role.REVIEWER:
                data.pop("organisation_id", None)
            elif data.get("role") == Role.APPLICANT:
                data.pop("home_region_code", None)
            elif data.get("role") in REGION_ROLES:
                data.pop("organisation_id", None)
            generated = values.get("generate") == "1"
            if generated:
                data["password"] = accounts.generate_password()
            user = accounts.create_user(actor, _checked_account(data, values))
            if generated:
                return _show_password(user, data["password"], created=True)
            done(N_("The account %(username)s was created."), username=user.username)
            return redirect(url_for("office.user", user_id=user.id))
    if "affiliation" in errors:  # the stored text's own rules: the typed name is the one to correct
        errors.setdefault("affiliation.name", []).extend(errors.pop("affiliation"))
    return render_form(
        "accounts/user_new.html",
        errors,
        values=values,
        search=search or "",
        roles=[(r, gettext(ROLE_LABELS[r])) for r in NEW_ROLES],
        organisations=_organisation_choices(search),
        max_choices=MAX_CHOICES,
        min_password=accounts.PASSWORD_LENGTH[0],
        regions=region_choices(values.get("home_region_code")),
        **affiliation_context(values),
    )


@bp.route("/accounts/organisations/new", methods=["GET", "POST"])
def organisation_new():
    """Register an applicant organisation with its place: the county chosen by name (its city, the
    names and the codes follow from it), the subdistrict and community typed with their codes."""
    actor = page_user("organisation.create")
    values = _filled(request.form) if request.method == "POST" else {}
    places = {code: (county, city) for code, county, city in counties()}
    with form_errors() as errors:
        if request.method == "POST":
            data = {k: v for k, v in values.items() if k not in ("city", "city_code", "county")}
            org = accounts.create_organisation(actor, _organisation_form(data, places))
            done(N_("The organisation %(name)s was registered."), name=org.name)
            return redirect(url_for("office.user_new", role="applicant", organisation_id=org.id))
    return render_form(
        "accounts/organisation_new.html",
        errors,
        values=values,
        kinds=[(str(k), gettext(KIND_LABELS[k])) for k in OrgKind],
        counties=[(code, f"{city}{county}") for code, (county, city) in places.items()],
    )


def _organisation_form(data: dict[str, Any], places: dict[str, tuple[str, str]]) -> dict[str, Any]:
    """The organisation form checked, its city and names taken from the chosen county; a county
    not chosen is refused beside its picker (with the other fields' problems)."""
    code = data.get("county_code") or ""
    if code in places:
        county, city = places[code]
        return load_form(
            OrganisationSchema(), {**data, "county": county, "city": city, "city_code": city_of(code)}
        )
    errors: dict[str, Any] = {"county_code": [msg("Choose the county from the list.")]}
    try:
        load_form(OrganisationSchema(), {**data, "county": "某某区", "city": "某某市", "city_code": "510100"})
    except ServiceError as exc:
        errors.update(
            {
                k: v
                for k, v in (exc.errors or {}).items()
                if k not in ("county", "city", "city_code", "county_code")
            }
        )
    raise ServiceError(422, msg(FORM_NOT_VALID), errors)


def _user_page(user: User, errors: FormErrors | None = None):
    return render_form("accounts/user.html", errors, user=user, organisation=user.organisation)


@bp.route("/accounts/users/<int:user_id>")
def user(user_id: int):
    """One account: its details and what the office may do with it."""
    page_user("user.list")
    return _user_page(get_or_404(User, user_id))


@bp.route("/accounts/users/<int:user_id>/active", methods=["POST"])
def user_active(user_id: int):
    """Deactivate (its sessions and tokens end at once) or activate an account."""
    actor = page_user("user.update")
    target = get_or_404(User, user_id)
    with form_errors() as errors:
        active = request.form.get("active") == "1"
        accounts.set_active(actor, target, active)
        done(
            N_("The account %(username)s can sign in again.")
            if active
            else N_("The account %(username)s is deactivated: it can no longer sign in."),
            username=target.username,
        )
        return redirect(url_for("office.user", user_id=target.id))
    return _user_page(target, errors)


@bp.route("/accounts/users/<int:user_id>/password-reset", methods=["POST"])
def user_password_reset(user_id: int):
    """Set a new random password, shown once on the answer; the user must change it at sign-in."""
    actor = page_user("user.reset_password")
    target = get_or_404(User, user_id)
    password = accounts.reset_password(actor, target)
    return _show_password(target, password, created=False)


def _show_password(user: User, password: str, created: bool):
    """The page showing a new password once: not cached, not in the URL, not in a cookie."""
    response = render_template("accounts/password_shown.html", user=user, password=password, created=created)
    return response, 200, {"Cache-Control": "no-store", "Pragma": "no-cache"}
