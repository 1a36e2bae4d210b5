"""The audit-log page: whether the hash chain is intact, then the events newest first, 50 a page,
filtered by action, object, actor and dates (days in Beijing time). Each event is a sentence
(``audit.sentences``) naming what it concerns, linked to its page.

The events come from ``audit.service.events_query`` and the verdict from
``audit.service.verify_chain``, as in the API (``GET /api/v1/audit``, ``/audit/verify``).
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from flask import request, url_for
from flask_babel import gettext
from markupsafe import Markup

from evaluator.accounts.service import user_by_username
from evaluator.audit import service as audit
from evaluator.audit.labels import ACTION_LABELS, action_label
from evaluator.audit.names import names_for
from evaluator.audit.sentences import describe
from evaluator.core.paging import page_rows
from evaluator.errors import ServiceError
from evaluator.i18n import localise
from evaluator.messages import N_, msg
from evaluator.web.blueprints import office as bp
from evaluator.web.pages import FormErrors, arg_text, page_number, page_user, render_form

PAGE_SIZE = 50
BEIJING = timezone(timedelta(hours=8))
OBJECT_TYPES = {
    "application": N_("Application"),
    "material": N_("Material"),
    "round": N_("Round"),
    "organisation": N_("Organisation"),
    "user": N_("Account"),
    "assignment": N_("Assignment of a reviewer"),
    "review": N_("Review"),
    "conflict_declaration": N_("Declared conflict of interest"),
    "demo": N_("Demo data"),
}
_HASH = re.compile(r"[0-9a-fA-F]{64}")


def _text(name: str, longest: int, errors: FormErrors) -> str | None:
    try:
        return arg_text(name, longest)
    except ServiceError as exc:
        errors.update(exc.errors or {})
        return None


def _day(name: str, errors: FormErrors) -> date | None:
    value = (request.args.get(name) or "").strip()
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        day = None
    if day is None or not 2000 <= day.year <= 2200:
        errors[name] = [msg("Give a date such as 2026-03-01.")]
        return None
    return day


def _actor(errors: FormErrors) -> int | None:
    value = _text("actor", 80, errors)
    if value is None:
        return None
    user = user_by_username(value)
    if user is None:
        errors["actor"] = [msg("No account has this username.")]
        return -1  # matches nothing
    return user.id


def filters(errors: FormErrors) -> dict[str, Any]:
    """The page's filters as ``events_query`` arguments; problems go into ``errors`` by field."""
    since, until = _day("since", errors), _day("until", errors)
    return {
        "action": _text("action", 80, errors),
        "object_type": _text("object_type", 40, errors),
        "object_id": _text("object_id", 80, errors),
        "actor_id": _actor(errors),
        "since": datetime.combine(since, time(), BEIJING) if since else None,
        "until": datetime.combine(until + timedelta(days=1), time(), BEIJING) if until else None,
    }


def _anchor(errors: FormErrors) -> tuple[int, str] | None:
    ident, digest = request.args.get("anchor_id", "").strip(), request.args.get("anchor_hash", "").strip()
    if not ident and not digest:
        return None
    if not (ident.isascii() and ident.isdigit()) or len(ident) > 10:
        errors["anchor_id"] = [msg("Give the number of the anchor event.")]
    if not _HASH.fullmatch(digest):
        errors["anchor_hash"] = [msg("Must be 64 hexadecimal digits.")]
    return None if "anchor_id" in errors or "anchor_hash" in errors else (int(ident), digest)


def link(kind: str, ident: Any, text: str) -> Markup:
    """A name in an event's sentence as a link to its page (the application, the round, the
    account; an organisation: the accounts' list of organisations, searched by its name)."""
    if kind == "application":
        href = url_for("office.application", application_id=ident)
    elif kind == "round":
        href = url_for("office.round", round_id=ident)
    elif kind == "user":
        href = url_for("office.user", user_id=ident)
    else:
        href = url_for("office.accounts", view="organisations", q=text[:100])
    return Markup('<a href="%s">%s</a>') % (href, text)


@bp.route("/audit", endpoint="audit")
def audit_log():
    """The audit log with the chain's verdict at the top."""
    page_user("audit.view")
    page_user("audit.verify")
    errors = FormErrors()
    query = audit.events_query(**filters(errors))
    anchor = _anchor(errors)
    if errors:
        errors.message = str(
            localise(msg("Some entries need correcting: see the messages beside the fields."))
        )
    report = audit.verify_chain(anchor)
    events, total, page = page_rows(query, page_number(), PAGE_SIZE)
    names = names_for(events)
    return render_form(
        "audit/index.html",
        errors,
        report=report,
        events=[(e, describe(e, names, link)) for e in events],
        actors=names.users,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        total=total,
        object_choices=[(t, gettext(n)) for t, n in OBJECT_TYPES.items()],
        actions=[(a, action_label(a)) for a in ACTION_LABELS],
        args=request.args,
    )
