"""The workflow's one table of moves, and the database holding every row to its vocabulary."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from evaluator.applications.models import Application
from evaluator.applications.transitions import move_application
from evaluator.audit.models import AuditEvent
from evaluator.criteria import load_criteria
from evaluator.extensions import db
from evaluator.rounds.phases import move_round
from evaluator.rounds.service import create_round
from evaluator.workflow import (
    EDITABLE,
    MOVES,
    PHASE_ORDER,
    ZONE_KIND,
    OrgKind,
    Phase,
    Status,
    ZoneType,
    kind_for_zone,
    next_phase,
)


def test_phases_run_in_one_order_and_end():
    assert [next_phase(p) for p in PHASE_ORDER] == [*PHASE_ORDER[1:], None]
    with pytest.raises(ValueError):
        next_phase("archived")


def test_every_zone_type_has_its_kind_of_applicant():
    assert set(ZONE_KIND) == set(ZoneType)
    assert kind_for_zone("featured_community") is OrgKind.COMMUNITY
    with pytest.raises(ValueError):
        kind_for_zone("../etc/passwd")


def test_the_moves_table_is_consistent():
    for name, move in MOVES.items():
        assert move.action == name and move.target in Status and move.phases
        assert move.target not in move.sources
    assert EDITABLE.sources == (Status.DRAFT,)
    # Only creation starts from nothing; only a region office's return leads back to a draft.
    assert {m.action for m in MOVES.values() if None in m.sources} == {"create", "import"}
    assert {m.action for m in MOVES.values() if m.target == Status.DRAFT} == {"create", "return"}


@pytest.mark.parametrize(("table", "column", "value"), [
    ("application", "status", "approved_by_magic"),
    ("round", "phase", "archived"),
    ("round", "zone_type", "secret_zone"),
    ("organisation", "kind", "province"),
])
def test_the_database_refuses_values_outside_the_vocabulary(app, make_draft, table, column, value):
    rnd, application = make_draft()
    row_id = {"application": application.id, "round": rnd.id,
              "organisation": application.organisation_id}[table]
    with pytest.raises(IntegrityError):
        db.session.execute(text(f'UPDATE "{table}" SET {column} = :v WHERE id = :id'),
                           {"v": value, "id": row_id})
        db.session.flush()
    db.session.rollback()


def test_a_move_changes_the_status_and_logs_it_once(app, make_user):
    user, _ = make_user("applicant")
    rnd = create_round(None, "移动测试", load_criteria("fc-2026"))
    move_round(None, rnd, "open", reason="年度申报开始")
    application = Application(round_id=rnd.id, organisation_id=user.organisation_id, status="draft",
                              figures={})
    db.session.add(application)
    db.session.flush()
    version = application.version
    move_application(user, application, "submit")
    assert application.status == Status.SUBMITTED and application.submitted_at is not None
    assert application.version == version + 1
    event = db.session.query(AuditEvent).filter_by(action="application.submitted").one()
    assert event.summary["status"] == {"before": "draft", "after": "submitted"}
    opened = db.session.query(AuditEvent).filter_by(action="round.transition").one()
    assert opened.summary == {"from": "draft", "to": "open", "reason": "年度申报开始"}
    assert rnd.phase == Phase.OPEN


def test_a_deleted_material_id_is_never_given_out_again(app, make_user, make_draft):
    from evaluator.applications.models import Material

    _, application = make_draft()
    user, _ = make_user("applicant", organisation=application.organisation)

    def add() -> int:
        row = Material(application_id=application.id, filename="a.pdf", content_type="application/pdf",
                       size=1, sha256="0" * 64, uploaded_by=user.id)
        db.session.add(row)
        db.session.flush()
        return row.id

    first = add()
    db.session.delete(db.session.get(Material, first))
    db.session.commit()
    assert add() > first
