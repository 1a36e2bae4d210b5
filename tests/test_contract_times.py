"""Every timestamp in a response carries its UTC offset, on SQLite as on PostgreSQL."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

from evaluator.applications.models import Application
from evaluator.criteria import load_criteria
from evaluator.extensions import db
from evaluator.rounds.service import create_round

UTC_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00")
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def times_in(value, path="") -> dict[str, object]:
    """Every value under a key that names a time (``…_at``, ``…deadline``), by its path."""
    found = {}
    if isinstance(value, dict):
        for key, item in value.items():
            if key.endswith(("_at", "deadline", "_until")) or key == "at":
                found[f"{path}.{key}"] = item
            found.update(times_in(item, f"{path}.{key}"))
    elif isinstance(value, list):
        for k, item in enumerate(value):
            found.update(times_in(item, f"{path}[{k}]"))
    return found


def test_every_time_in_a_response_is_utc_with_its_offset(app, client, make_org, make_user):
    admin_user, admin = make_user("admin")
    res = client.post(
        "/api/v1/rounds",
        headers=admin,
        json={
            "title": "2026年省级特色社区",
            "criteria_id": "fc-2026",
            "opens_at": "2026-05-01T08:00:00+08:00",
            "submission_deadline": "2099-06-30T18:00:00+08:00",
            "review_deadline": "2099-07-31T18:00:00-05:00",
        },
    )
    assert res.status_code == 201, res.json
    created = res.json
    assert created["opens_at"] == "2026-05-01T00:00:00+00:00"
    assert created["review_deadline"] == "2099-07-31T23:00:00+00:00"

    rnd = create_round(admin_user, "开放中的一轮", load_criteria("fc-2026"))
    rnd.phase = "open"
    org = make_org()
    _, owner = make_user("applicant", organisation=org)
    application = Application(
        round_id=rnd.id,
        organisation_id=org.id,
        status="draft",
        figures={},
        submitted_at=datetime(2026, 5, 2, 3, 4, 5, tzinfo=UTC),
    )
    db.session.add(application)
    db.session.commit()
    res = client.post(
        f"/api/v1/applications/{application.id}/materials",
        headers=owner,
        data={"file": (io.BytesIO(PDF), "材料.pdf")},
        content_type="multipart/form-data",
    )
    assert res.status_code == 201, res.json

    responses = {
        "token": client.post(
            "/api/v1/auth/token", json={"username": admin_user.username, "password": "correct horse battery"}
        ),
        "round": client.get(f"/api/v1/rounds/{created['id']}", headers=admin),
        "rounds": client.get("/api/v1/rounds", headers=admin),
        "application": client.get(f"/api/v1/applications/{application.id}", headers=owner),
        "applications": client.get(f"/api/v1/rounds/{rnd.id}/applications", headers=admin),
        "materials": client.get(f"/api/v1/applications/{application.id}/materials", headers=owner),
        "audit": client.get("/api/v1/audit", headers=admin),
    }
    seen = {}
    for name, res in responses.items():
        assert res.status_code in (200, 201), (name, res.json)
        seen.update({name + path: value for path, value in times_in(res.json).items()})
    times = {path: value for path, value in seen.items() if value is not None}
    wrong = {
        path: value
        for path, value in times.items()
        if not (isinstance(value, str) and UTC_TIME.fullmatch(value))
    }
    assert wrong == {}
    # Each kind of time was looked at.
    for expected in (
        "token.expires_at",
        "round.created_at",
        "round.opens_at",
        "application.created_at",
        "application.updated_at",
        "application.submitted_at",
        "materials[0].created_at",
        "audit[0].at",
    ):
        assert expected in times, expected
    assert times["application.submitted_at"] == "2026-05-02T03:04:05+00:00"


def test_a_time_sent_in_beijing_time_is_stored_as_the_same_moment(client, make_user):
    _, admin = make_user("admin")
    res = client.post(
        "/api/v1/rounds",
        headers=admin,
        json={
            "title": "北京时间批次",
            "criteria_id": "fc-2026",
            "submission_deadline": "2026-12-31T18:00:00+08:00",
        },
    )
    assert res.status_code == 201, res.json
    assert res.json["submission_deadline"] == "2026-12-31T10:00:00+00:00"
    again = client.get(f"/api/v1/rounds/{res.json['id']}", headers=admin)
    assert again.json["submission_deadline"] == "2026-12-31T10:00:00+00:00"
