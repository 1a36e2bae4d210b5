"""Races through the pages on a real gunicorn with several workers: two confirmations of one checked
import at once import it once; two phase moves of one round at once move it once."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select

from evaluator.applications.models import Application
from evaluator.audit.models import AuditEvent
from evaluator.core.db import utcnow
from evaluator.extensions import db
from evaluator.rounds.models import Round
from tests.live import parallel
from tests.pages import PASSWORD
from tests.test_import import csv_bytes, row

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def server(live_workers):
    """The suite's three live gunicorn workers (tests/conftest.py)."""
    return live_workers


class Browser:
    """A tiny cookie-keeping client of the live server (one cookie: the session)."""

    def __init__(self, base):
        self.base, self.cookie = base, None

    def send(self, method, path, data=None, content_type=None):
        headers = {"Cookie": f"session={self.cookie}"} if self.cookie else {}
        if content_type:
            headers["Content-Type"] = content_type
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        opener = urllib.request.build_opener(NoRedirect)
        try:
            res = opener.open(req, timeout=120)
            status, body, head = res.status, res.read(), res.headers
        except urllib.error.HTTPError as exc:
            status, body, head = exc.code, exc.read(), exc.headers
        for value in head.get_all("Set-Cookie") or []:
            found = re.match(r"session=([^;]*)", value)
            if found:
                self.cookie = found.group(1)
        return status, body.decode("utf-8", "replace")

    def token(self, path):
        return TOKEN.search(self.send("GET", path)[1]).group(1)

    def form(self, path, fields):
        return self.send("POST", path, urlencode(fields).encode(), "application/x-www-form-urlencoded")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def signed_in(live, username):
    b = Browser(live.base)
    status, _ = b.form(
        "/sign-in", {"username": username, "password": PASSWORD, "csrf_token": b.token("/sign-in")}
    )
    assert status == 302, live.log()
    return b


@pytest.mark.slow
def test_two_confirms_of_one_checked_import_at_once_import_once(server, make_user, make_round):
    user, _ = make_user("admin")
    rnd = make_round(title="2026年并发导入")
    b = signed_in(server, user.username)
    token = b.token("/office/import")
    boundary = "hostile-7c1e"
    data = csv_bytes([row("并发社区甲"), row("并发社区乙")])
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="round_id"\r\n\r\n{rnd.id}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n'
            f"Content-Type: text/csv\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    status, html = b.send("POST", "/office/import", body, f"multipart/form-data; boundary={boundary}")
    assert status == 200, html[:2000]
    pending = re.search(r'name="pending" value="([^"]+)"', html).group(1)
    token = TOKEN.search(html).group(1)
    fields = {"csrf_token": token, "round_id": str(rnd.id), "pending": pending}
    results = parallel([lambda: b.form("/office/import/confirm", fields) for _ in range(4)])
    statuses = sorted(s for s, _ in results)
    db.session.rollback()
    imported = db.session.scalar(
        select(func.count()).select_from(Application).where(Application.round_id == rnd.id)
    )
    assert imported == 2, (statuses, server.log())
    assert statuses.count(200) == 1, statuses
    assert all(s in (200, 409, 422) for s in statuses), (statuses, server.log())


@pytest.mark.slow
def test_two_phase_moves_at_once_move_once(server, make_user, make_round):
    user, _ = make_user("admin")
    rnd = make_round(phase="draft", title="2026年并发推进", submission_deadline=utcnow() + timedelta(days=5))
    browsers = [signed_in(server, user.username) for _ in range(3)]
    calls = []
    for b in browsers:
        token = b.token(f"/office/rounds/{rnd.id}")
        fields = {
            "csrf_token": token,
            "to": "open",
            "reason": "开始申报",
            "confirm": "1",
            "version": str(rnd.version),
        }
        calls.append(lambda b=b, fields=fields: b.form(f"/office/rounds/{rnd.id}/advance", fields))
    statuses = sorted(s for s, _ in parallel(calls))
    assert statuses.count(303) == 1, (statuses, server.log())
    assert all(s in (303, 409, 412, 422) for s in statuses), statuses
    db.session.rollback()
    assert db.session.get(Round, rnd.id, populate_existing=True).phase == "open"
    moved = db.session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(
            AuditEvent.object_type == "round",
            AuditEvent.object_id == str(rnd.id),
            AuditEvent.action != "round.created",
        )
    )
    assert moved == 1
