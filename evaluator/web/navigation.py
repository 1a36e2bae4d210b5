"""The layout's navigation: the links each role sees, in order."""

from __future__ import annotations

from flask import current_app, request, url_for
from flask_login import current_user

from evaluator.messages import N_

# (endpoint, label, endpoints that count as "this section")
_LINKS = {
    "admin": (
        ("office.dashboard", N_("Dashboard"), ("office.dashboard",)),
        (
            "office.rounds",
            N_("Rounds"),
            (
                "office.rounds",
                "office.round",
                "office.round_new",
                "office.round_edit",
                "office.round_settings",
                "office.assignments",
                "office.assignment",
                "office.results",
                "office.result",
                "office.shortlist",
                "office.objection",
            ),
        ),
        ("office.applications", N_("Applications"), ("office.applications", "office.application")),
        ("office.imports", N_("Batch import"), ("office.imports",)),
        (
            "office.accounts",
            N_("Accounts"),
            ("office.accounts", "office.user", "office.user_new", "office.organisation_new"),
        ),
        ("office.audit", N_("Audit log"), ("office.audit",)),
    ),
    "applicant": (("applicant.home", N_("My applications"), ("applicant.home",)),),
    "county_office": (
        ("region.queue", N_("Applications of my region"), ("region.queue", "region.application")),
    ),
    "city_office": (
        ("region.queue", N_("Applications of my region"), ("region.queue", "region.application")),
        ("region.ranking", N_("Ranking and quota"), ("region.ranking",)),
    ),
    "reviewer": (
        (
            "public.reviewer_home",
            N_("My reviews"),
            ("public.reviewer_home", "reviewer.queue", "reviewer.score", "reviewer.recuse"),
        ),
        ("reviewer.profile_page", N_("My expertise and conflicts"), ("reviewer.profile",)),
    ),
}


def navigation() -> list[dict]:
    """The signed-in user's links (none for an anonymous reader), the current one marked."""
    if not current_user.is_authenticated:
        return []
    links = []
    for endpoint, text, section in _LINKS.get(current_user.role, ()):
        if endpoint not in current_app.view_functions:
            continue
        links.append(
            {
                "url": url_for(endpoint),
                "label": text,
                "current": request.endpoint in section
                or any((request.endpoint or "").startswith(s + "_") for s in section),
            }
        )
    return links


def home_endpoint(role: str) -> str:
    """Where a user of this role lands after signing in."""
    return _LINKS[role][0][0] if role in _LINKS else "account.sign_in"
