"""Accounts and organisations have one service: the same rules and audit events for the API, the import,
the demo loader and the ``create-admin`` command."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from evaluator.accounts.models import ApiToken, Organisation, User
from evaluator.accounts.service import (
    check_password,
    check_region,
    create_organisation,
    create_user,
    revoke_token,
)
from evaluator.audit.models import AuditEvent
from evaluator.errors import ServiceError
from evaluator.extensions import db
from evaluator.web.security import issue_token

ORG = {
    "name": "玉林北路社区",
    "kind": "community",
    "city": "成都市",
    "city_code": "510100",
    "county": "武侯区",
    "county_code": "510107",
    "subdistrict": "玉林街道",
    "subdistrict_code": "510107001",
    "community_code": "510107001002",
}


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def events() -> list[tuple[str, dict]]:
    return [(e.action, e.summary) for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def test_an_organisation_is_created_with_its_event(app):
    org = create_organisation(None, ORG, source="import", file_sha256="ab" * 32)
    assert org.id and org.community_code == "510107001002"
    assert events() == [
        ("organisation.created", {"name": ORG["name"], "source": "import", "file_sha256": "ab" * 32})
    ]


@pytest.mark.parametrize(
    "change, field, status",
    [
        ({"county_code": "520102"}, "county_code", 422),
        ({"community_code": "510107002001"}, "community_code", 422),
        ({"kind": "village"}, "kind", 422),
    ],
)
def test_a_bad_organisation_is_refused_and_nothing_written(app, change, field, status):
    with pytest.raises(ServiceError) as caught:
        create_organisation(None, {**ORG, **change})
    assert caught.value.status == status and field in caught.value.errors
    assert count(Organisation) == 0 and events() == []


def test_an_organisation_name_is_taken_once(app):
    create_organisation(None, ORG)
    with pytest.raises(ServiceError) as caught:
        create_organisation(None, {**ORG, "community_code": None})
    assert caught.value.status == 409 and caught.value.errors == {"name": ["already exists"]}


def test_region_messages_are_sentences_naming_the_codes():
    errors = check_region({**ORG, "county_code": "520102", "subdistrict_code": None, "community_code": None})
    assert errors == {"county_code": ["The county code 520102 is not inside the city 510100."]}


@pytest.mark.parametrize(
    "change, field",
    [
        ({"username": "a b"}, "username"),
        ({"password": "short"}, "password"),
        ({"display_name": "管理\x08员"}, "display_name"),
        ({"display_name": ""}, "display_name"),
        ({"role": "root"}, "role"),
        ({"home_region_code": "５１０１０４"}, "home_region_code"),
    ],
)
def test_every_way_of_creating_an_account_keeps_the_same_rules(app, change, field):
    with pytest.raises(ServiceError) as caught:
        create_user(
            None,
            {
                "username": "office",
                "password": "a long enough password",
                "display_name": "省民政厅",
                "role": "admin",
                **change,
            },
        )
    assert caught.value.status == 422 and field in caught.value.errors
    assert count(User) == 0 and events() == []


def test_an_account_is_created_with_its_event_and_a_working_password(app):
    user = create_user(
        None,
        {
            "username": "office",
            "password": "a long enough password",
            "display_name": "省民政厅",
            "role": "admin",
        },
    )
    assert check_password(user, "a long enough password") and not check_password(user, "wrong")
    assert events() == [("user.created", {"username": "office", "role": "admin"})]


def test_create_admin_refuses_a_control_character(runner):
    res = runner.invoke(
        args=[
            "create-admin",
            "office",
            "--password",
            "a long enough password",
            "--display-name",
            "省民政厅\x00",
        ]
    )
    assert res.exit_code == 1 and "display_name" in res.output, res.output
    assert count(User) == 0


def test_a_token_is_revoked_once(app, make_user):
    user, _ = make_user("reviewer")
    token, record = issue_token(user)
    db.session.commit()
    revoke_token(user, token)
    with pytest.raises(ServiceError) as caught:
        revoke_token(user, token)
    assert caught.value.status == 401
    assert db.session.get(ApiToken, record.id).revoked_at is not None
    assert [a for a, _ in events()] == ["auth.token_revoked"]


def test_only_the_owner_revokes_a_token(app, make_user):
    owner, _ = make_user("reviewer")
    other, _ = make_user("reviewer")
    token, record = issue_token(owner)
    db.session.commit()
    with pytest.raises(ServiceError) as caught:
        revoke_token(other, token)
    assert caught.value.status == 401 and db.session.get(ApiToken, record.id).revoked_at is None
