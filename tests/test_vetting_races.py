"""The city's quota under concurrent rankings, through a real gunicorn with several workers: two
offices (or two tabs) of one city never recommend more than the quota together."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from evaluator.applications.models import Application
from evaluator.audit.models import AuditEvent
from evaluator.extensions import db
from tests.live import parallel


@pytest.fixture
def server(live_workers):
    """The suite's three gunicorn workers."""
    return live_workers


def recommended() -> set[int]:
    db.session.rollback()  # read what the server committed
    return set(db.session.scalars(select(Application.id).where(Application.status == "recommended")))


def test_concurrent_rankings_never_exceed_the_quota(
    server, app, make_round, make_office, make_application, pass_city_check
):
    rnd = make_round()
    rnd.settings = {"quota": {"kind": "number", "value": 2}}
    db.session.commit()
    apps = [make_application(rnd, "510107", status="endorsed") for _ in range(8)]
    offices = [make_office("city", "510100") for _ in range(4)]  # four accounts of one city office
    tabs = [headers for _, headers in offices]
    pass_city_check(offices[0][0], *apps)
    pairs = [[apps[2 * k].id, apps[2 * k + 1].id] for k in range(4)]
    url = f"/api/v1/rounds/{rnd.id}/recommendations"
    for _ in range(3):
        replies = parallel(
            [
                lambda p=p, h=h: server.request("PUT", url, {"application_ids": p}, h)
                for p, h in zip(pairs, tabs, strict=True)
            ]
        )
        assert [r.status for r in replies] == [200] * 4, (replies, server.log())
        chosen = recommended()
        assert len(chosen) == 2 and sorted(chosen) in [sorted(p) for p in pairs], chosen
        ranks = db.session.scalars(select(Application.city_rank).where(Application.id.in_(chosen)))
        assert sorted(ranks) == [1, 2]
    # each recommendation is audited once: the events of every move balance
    db.session.rollback()
    count = lambda action: db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
    )
    assert count("application.recommended") - count("application.unrecommended") == 2


def test_a_ranking_racing_an_over_quota_ranking(
    server, app, make_round, make_office, make_application, pass_city_check
):
    rnd = make_round()
    rnd.settings = {"quota": {"kind": "number", "value": 3}}
    db.session.commit()
    apps = [make_application(rnd, "510107", status="endorsed") for _ in range(6)]
    (office, first), second = make_office("city", "510100"), make_office("city", "510100")[1]
    pass_city_check(office, *apps)
    url = f"/api/v1/rounds/{rnd.id}/recommendations"
    ids = [a.id for a in apps]
    ok, too_many = parallel(
        [
            lambda: server.request("PUT", url, {"application_ids": ids[:3]}, first),
            lambda: server.request("PUT", url, {"application_ids": ids[2:]}, second),
        ]
    )
    assert ok.status == 200 and too_many.status == 409, server.log()
    assert recommended() == set(ids[:3])


def test_a_failed_check_racing_the_ranking_never_leaves_it_recommended(
    server, app, make_round, make_office, make_application, pass_city_check
):
    """The check and the ranking both lock the round first: either the failed check comes first
    (the ranking is refused) or the ranking does (the failed check is refused); never both."""
    from evaluator.vetting.service import latest_checks

    rnd = make_round()
    apps = [make_application(rnd, "510107", status="endorsed") for _ in range(3)]
    (office, ranking_tab), check_tab = make_office("city", "510100"), make_office("city", "510100")[1]
    ids, ranking_url = [a.id for a in apps], f"/api/v1/rounds/{rnd.id}/recommendations"
    pass_city_check(office, *apps)
    for ident in ids:
        ranked, checked = parallel(
            [
                lambda i=ident: server.request("PUT", ranking_url, {"application_ids": [i]}, ranking_tab),
                lambda i=ident: server.request(
                    "POST", f"/api/v1/applications/{i}/check", {"passed": False, "note": "存疑"}, check_tab
                ),
            ]
        )
        assert sorted([ranked.status, checked.status]) in ([200, 409], [201, 409]), server.log()
        db.session.rollback()
        status = db.session.get(Application, ident).status
        latest = latest_checks([ident])[ident]
        assert (status == "recommended") == latest.passed, (ranked, checked)
        assert status == ("recommended" if ranked.status == 200 else "endorsed")
