"""A dossier revoked and superseded at once, through a real gunicorn with several workers: one
change wins, the others are refused, and nothing is half-written (one audited change, at most one
valid dossier of the unit)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from evaluator.audit.models import AuditEvent
from evaluator.dossiers.models import Dossier
from evaluator.extensions import db
from tests.live import parallel


@pytest.fixture
def server(live_workers):
    """The suite's three live gunicorn workers, signing with the tests' key (tests/conftest.py)."""
    return live_workers


def test_a_revocation_and_two_replacements_at_once_one_wins(server, client, make_recognised_round):
    rr = make_recognised_round(n_apps=3, n_recognised=1)
    target = rr.recognised[0].id
    issued = client.post(f"/api/v1/applications/{target}/dossier", headers=rr.headers)
    assert issued.status_code == 201
    db.session.commit()
    url = f"/api/v1/dossiers/{issued.get_json()['id']}"
    calls = [("revoke", "复核未通过"), ("supersede", "更正评分一"), ("supersede", "更正评分二")]
    replies = parallel(
        [lambda a=a, r=r: server.request("POST", f"{url}/{a}", {"reason": r}, rr.headers) for a, r in calls]
    )
    assert sorted(r.status for r in replies).count(409) == 2, (replies, server.log())
    db.session.rollback()
    old = db.session.get(Dossier, issued.get_json()["id"])
    valid = db.session.scalars(
        select(Dossier).where(Dossier.application_id == target, Dossier.state == "issued")
    ).all()
    changes = db.session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action.in_(("dossier.revoked", "dossier.superseded")))
    )
    assert changes == 1
    if old.state == "revoked":
        assert valid == [] and old.superseded_by is None
    else:
        assert old.state == "superseded" and [d.id for d in valid] == [old.superseded_by]
