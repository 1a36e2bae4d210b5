"""The workflow's one table of moves, and the database holding every row to its vocabulary."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from evaluator.applications.models import Application
from evaluator.applications.transitions import move_application
from evaluator.assignments.models import Assignment
from evaluator.audit.models import AuditEvent
from evaluator.criteria import load_criteria
from evaluator.extensions import db
from evaluator.results.models import ApplicationResult, ResultSnapshot
from evaluator.rounds.phases import move_round
from evaluator.rounds.service import create_round
from evaluator.vetting.models import RegionCheck
from evaluator.workflow import (
    ASSIGNMENT_KIND_LABELS,
    ASSIGNMENT_SOURCE_LABELS,
    ASSIGNMENT_STATUS_LABELS,
    EDITABLE,
    KIND_LABELS,
    MOVES,
    PHASE_LABELS,
    PHASE_ORDER,
    REGION_ACT_LABELS,
    REGION_LEVEL_LABELS,
    REGION_ROLES,
    RESULT_STATUS_LABELS,
    REVIEW_STATUS_LABELS,
    ROLE_LABELS,
    STATUS_LABELS,
    ZONE_KIND,
    ZONE_LABELS,
    AssignmentKind,
    AssignmentSource,
    AssignmentStatus,
    OrgKind,
    Phase,
    RegionAct,
    RegionLevel,
    ResultStatus,
    ReviewStatus,
    Role,
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


def test_every_vocabulary_has_a_label_for_each_value():
    for vocabulary, labels in (
        (ZoneType, ZONE_LABELS),
        (OrgKind, KIND_LABELS),
        (Phase, PHASE_LABELS),
        (Status, STATUS_LABELS),
        (Role, ROLE_LABELS),
        (RegionLevel, REGION_LEVEL_LABELS),
        (RegionAct, REGION_ACT_LABELS),
        (AssignmentKind, ASSIGNMENT_KIND_LABELS),
        (AssignmentStatus, ASSIGNMENT_STATUS_LABELS),
        (AssignmentSource, ASSIGNMENT_SOURCE_LABELS),
        (ReviewStatus, REVIEW_STATUS_LABELS),
        (ResultStatus, RESULT_STATUS_LABELS),
    ):
        assert list(labels) == list(vocabulary), vocabulary.__name__


def test_the_region_offices_and_their_acts():
    assert set(REGION_ROLES.values()) == set(RegionLevel)
    # Every act but the city's check moves the application; the check only records.
    assert set(RegionAct) - set(MOVES) == {RegionAct.CHECK}


def test_the_moves_table_is_consistent():
    for name, move in MOVES.items():
        assert move.action == name and move.target in Status and move.phases
        assert move.target not in move.sources
    assert EDITABLE.sources == (Status.DRAFT,)
    # Only creation starts from nothing; only a region office's return leads back to a draft.
    assert {m.action for m in MOVES.values() if None in m.sources} == {"create", "import"}
    assert {m.action for m in MOVES.values() if m.target == Status.DRAFT} == {"create", "return"}


@pytest.fixture
def vocabulary_rows(app, make_draft, make_user):
    """One row of each table with a vocabulary column, committed; returns their ids by table."""
    rnd, application = make_draft()
    reviewer, _ = make_user("reviewer")
    check = RegionCheck(
        application_id=application.id,
        level=RegionLevel.CITY,
        action=RegionAct.CHECK,
        passed=True,
        checked_by=reviewer.id,
    )
    assignment = Assignment(
        round_id=rnd.id,
        application_id=application.id,
        reviewer_id=reviewer.id,
        source=AssignmentSource.MANUAL,
    )
    snapshot = ResultSnapshot(
        round_id=rnd.id, engine_version="1", criteria_sha256="0" * 64, input_sha256="0" * 64, arrays=b""
    )
    db.session.add_all([check, assignment, snapshot])
    db.session.flush()
    result = ApplicationResult(
        snapshot_id=snapshot.id, application_id=application.id, position=0, status=ResultStatus.VETOED
    )
    db.session.add(result)
    db.session.commit()
    return {
        "application": application.id,
        "round": rnd.id,
        "organisation": application.organisation_id,
        "user_account": reviewer.id,
        "region_check": check.id,
        "assignment": assignment.id,
        "application_result": result.id,
    }


def test_vocabulary_members_are_stored_as_their_values(vocabulary_rows):
    stored = db.session.execute(text("SELECT level, action FROM region_check")).one()
    assert tuple(stored) == ("city", "check")
    assert db.session.scalar(text("SELECT source FROM assignment")) == "manual"
    assert db.session.scalar(text("SELECT status FROM application_result")) == "vetoed"


@pytest.mark.parametrize(
    ("table", "column", "value"),
    [
        ("application", "status", "approved_by_magic"),
        ("round", "phase", "archived"),
        ("round", "zone_type", "secret_zone"),
        ("organisation", "kind", "province"),
        ("user_account", "role", "superuser"),
        ("region_check", "level", "province"),
        ("region_check", "action", "approve"),
        ("assignment", "source", "imported"),
        ("assignment", "kind", "interview"),
        ("assignment", "status", "paused"),
        ("application_result", "status", "shortlisted"),
    ],
)
def test_the_database_refuses_values_outside_the_vocabulary(vocabulary_rows, table, column, value):
    row_id = vocabulary_rows[table]
    with pytest.raises(IntegrityError):
        db.session.execute(
            text(f'UPDATE "{table}" SET {column} = :v WHERE id = :id'), {"v": value, "id": row_id}
        )
        db.session.flush()
    db.session.rollback()


def test_a_move_changes_the_status_and_logs_it_once(app, make_user):
    user, _ = make_user("applicant")
    rnd = create_round(None, "移动测试", load_criteria("fc-2026"))
    move_round(None, rnd, "open", reason="年度申报开始")
    application = Application(
        round_id=rnd.id, organisation_id=user.organisation_id, status="draft", figures={}
    )
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
        row = Material(
            application_id=application.id,
            filename="a.pdf",
            content_type="application/pdf",
            size=1,
            sha256="0" * 64,
            uploaded_by=user.id,
        )
        db.session.add(row)
        db.session.flush()
        return row.id

    first = add()
    db.session.delete(db.session.get(Material, first))
    db.session.commit()
    assert add() > first
