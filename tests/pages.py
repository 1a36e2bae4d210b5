"""Helpers for the page tests: sign in through the real form and post forms with the CSRF token."""

from __future__ import annotations

import re

PASSWORD = "correct horse battery"  # the password of every user made by the make_user fixture
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(client, url: str = "/sign-in") -> str:
    """The CSRF token of the client's session, read from a page's form."""
    res = client.get(url)
    found = _TOKEN.search(res.get_data(as_text=True))
    assert found, f"no CSRF token on {url} ({res.status_code})"
    return found.group(1)


def sign_in(client, username: str, password: str = PASSWORD):
    """Sign the client in through the sign-in form; returns the client with ``client.csrf`` set."""
    token = csrf_token(client)
    res = client.post("/sign-in", data={"username": username, "password": password, "csrf_token": token})
    assert res.status_code == 302, res.get_data(as_text=True)[:2000]
    client.csrf = csrf_token(client, "/account/password")  # a new session has a new token
    return client


def post(client, url: str, data: dict | None = None, **kwargs):
    """POST a form with the signed-in client's CSRF token."""
    return client.post(url, data={**(data or {}), "csrf_token": client.csrf}, **kwargs)


def versioned(row, data: dict | None = None) -> dict:
    """Form data with the hidden ``version`` of the row as the database has it now (as a page
    showing it would carry)."""
    from evaluator.extensions import db

    db.session.expire_all()
    current = db.session.get(type(row), row.id)
    return {**(data or {}), "version": str(current.version)}


DOWNLOADS = frozenset(
    {
        "applicant.material_download",
        "office.material_download",
        "region.material_download",
        "reviewer.material_inline",
        "office.applications_export",
        "office.import_template",
        "office.results_export",
        "office.dossier_pdf",
        "office.dossier_job_zip",
        "office.score_sheet",
        "applicant.dossier",
        "office.shortlist_pdf",
        "public.public_shortlist_pdf",
        "office.objection_evidence",
        "public.shortlist_download",
    }
)
"""The GET rules outside the API that send a file (a download, or a file shown inside a page), not a
page: the walks of every page leave them out."""
