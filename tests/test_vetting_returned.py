"""An office keeps sight of what it returned: its queue lists the returned drafts (已退回) with their
count and reason until the applicant submits them again — through the API and on the page."""

from __future__ import annotations

from evaluator.applications import service as applications
from evaluator.extensions import db
from evaluator.vetting import service as vetting
from tests.pages import post


def queue(client, w, office, **args):
    query = "&".join(f"{k}={v}" for k, v in args.items())
    res = client.get(f"/api/v1/rounds/{w.round.id}/vetting?{query}", headers=w.headers[office])
    assert res.status_code == 200, res.json
    return {a["id"]: a for a in res.json}


def test_the_county_queue_lists_what_it_returned_until_resubmitted(client, vetting_world, make_user):
    w = vetting_world
    res = client.post(
        f"/api/v1/applications/{w.apps.wuhou1.id}/return",
        json={"reason": "请补充居民议事会记录"},
        headers=w.headers["wuhou"],
    )
    assert res.status_code == 200 and res.json["status"] == "draft"
    listed = queue(client, w, "wuhou")
    assert listed[w.apps.wuhou1.id]["status"] == "draft"
    assert listed[w.apps.wuhou1.id]["office_note"] == "请补充居民议事会记录"
    assert set(queue(client, w, "wuhou", status="returned")) == {w.apps.wuhou1.id}
    assert vetting.status_counts(w.users["wuhou"], w.round) == {"returned": 1, "submitted": 1}
    # still out of reach: the draft is the applicant's
    assert (
        client.get(f"/api/v1/applications/{w.apps.wuhou1.id}/checks", headers=w.headers["wuhou"]).status_code
        == 404
    )
    # another county's and the city's queues do not list it (the city never had it)
    assert w.apps.wuhou1.id not in queue(client, w, "jinjiang") and w.apps.wuhou1.id not in queue(
        client, w, "chengdu"
    )

    owner, _ = make_user("applicant", organisation=w.apps.wuhou1.organisation)
    w.apps.wuhou1.figures = {"category": "urban", "households": 2000, "residents": 5000}
    w.apps.wuhou1.figures |= {"satisfaction": 90, "incident": False}
    applications.submit(owner, w.apps.wuhou1)
    db.session.commit()
    assert queue(client, w, "wuhou", status="returned") == {}
    assert queue(client, w, "wuhou")[w.apps.wuhou1.id]["status"] == "submitted"
    assert vetting.status_counts(w.users["wuhou"], w.round) == {"submitted": 2}


def test_what_the_city_returned_shows_in_both_queues(client, vetting_world):
    w = vetting_world
    vetting.endorse(w.users["wuhou"], w.apps.wuhou2)
    db.session.commit()
    res = client.post(
        f"/api/v1/applications/{w.apps.wuhou2.id}/return",
        json={"reason": "数据需核实"},
        headers=w.headers["chengdu"],
    )
    assert res.status_code == 200
    assert set(queue(client, w, "chengdu", status="returned")) == {w.apps.wuhou2.id}
    assert set(queue(client, w, "wuhou", status="returned")) == {w.apps.wuhou2.id}
    # a county's return is the county's: the city never had the application
    vetting.return_application(w.users["wuhou"], w.apps.wuhou1, "请补充材料")
    db.session.commit()
    assert set(queue(client, w, "chengdu", status="returned")) == {w.apps.wuhou2.id}
    assert set(queue(client, w, "wuhou", status="returned")) == {w.apps.wuhou1.id, w.apps.wuhou2.id}


def test_the_queue_page_shows_returned_with_counts_and_reason(page_client, vetting_world):
    w = vetting_world
    county = page_client(user=w.users["wuhou"], language="zh")
    res = post(county, f"/region/applications/{w.apps.wuhou1.id}/return", {"reason": "请补充居民议事会记录"})
    assert res.status_code == 302
    page = county.get(f"/region/?round={w.round.id}").get_data(as_text=True)
    counts = page[page.index('id="status-counts"') : page.index("</ul>", page.index('id="status-counts"'))]
    assert "已退回</a>：<strong>1</strong>" in counts
    row = page[page.index(f'id="application-{w.apps.wuhou1.id}"') :]
    row = row[: row.index("</tr>")]
    assert "已退回" in row and "请补充居民议事会记录" in row
    assert f"/region/applications/{w.apps.wuhou1.id}" not in row  # the draft is not the office's to open
    only = county.get(f"/region/?round={w.round.id}&status=returned").get_data(as_text=True)
    assert (
        f'id="application-{w.apps.wuhou1.id}"' in only and f'id="application-{w.apps.wuhou2.id}"' not in only
    )
