"""Blind review: what the office writes about a pair reaches the reviewer.

The office puts a reviewer on a panel against a conflict rule with a reason of its own (the manual
add's ``override_reason``: "同属锦江区…"). The reviewer's API answers for their assignments carried
that reason — the office's words about the pair, naming the county a blind round hides — and, even
with neutral words, its mere presence told the reviewer that this application breaks a rule with
them (their own county, their affiliation, or an organisation they declared a conflict with).
"""

from __future__ import annotations

REASON = "同属锦江区，暂无其他方案评审专家"


def test_a_reviewer_never_reads_why_the_office_overrode_a_rule(client, admin, review_round, make_reviewer):
    rnd, apps = review_round(2, counties=["510104", "510302"], settings={"blind": True})
    near, h = make_reviewer(region="510104")  # the county of apps[0]
    url = f"/api/v1/rounds/{rnd.id}/assignments"
    refused = client.post(url, json={"application_id": apps[0].id, "reviewer_id": near.id}, headers=admin)
    assert refused.status_code == 409  # the region rule
    made = [
        client.post(
            url,
            json={"application_id": apps[0].id, "reviewer_id": near.id, "override_reason": REASON},
            headers=admin,
        ),
        client.post(url, json={"application_id": apps[1].id, "reviewer_id": near.id}, headers=admin),
    ]
    assert [r.status_code for r in made] == [201, 201]
    assert made[0].get_json()["override_reason"] == REASON  # the office reads it

    mine = client.get("/api/v1/assignments?mine=1", headers=h)
    assert mine.status_code == 200 and len(mine.get_json()) == 2
    answers = [mine.get_data(as_text=True)]
    views = []
    for row in made:
        one = client.get(f"/api/v1/assignments/{row.get_json()['id']}", headers=h)
        assert one.status_code == 200
        answers.append(one.get_data(as_text=True))
        views.append(one.get_json())
    assert all(REASON not in text and "锦江区" not in text for text in answers)
    # Nothing tells the overridden pair from the plain one: the same fields, the same values but
    # the ids and times.
    same = {"id", "application_id", "created_at", "updated_at"}
    assert {k: v for k, v in views[0].items() if k not in same} == {
        k: v for k, v in views[1].items() if k not in same
    }
