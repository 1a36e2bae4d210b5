"""declared conflicts: against organisations for a round, by reviewers or applicants, decided by the office

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-10 09:00:00

A declaration named an application and bound the assignment at once. It now names an organisation
(a reviewer never learns which application is whose in a blind round) for one round, and binds only
once the office accepts it. Each old declaration becomes one for the application's round and
organisation, accepted, since it was binding before. A downgrade keeps the accepted declarations
that name an organisation with an application in their round (the old table could hold no other).
"""

from datetime import datetime

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# The vocabularies as they stand at this revision (never the live enumerations, which move on).
CONFLICT_SIDE = ("reviewer", "applicant")
CONFLICT_STATUS = ("pending", "accepted", "refused")
TABLE = "conflict_declaration"


def _one_of(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _when(value):
    """A time as read by plain SQL: SQLite hands back text."""
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def _rows(sql):
    rows = [dict(r._mapping) for r in op.get_bind().execute(sa.text(sql))]
    for row in rows:
        row["created_at"] = _when(row["created_at"])
    return rows


def _insert(table, rows):
    if rows:
        op.bulk_insert(table, rows)
    if op.get_bind().dialect.name == "postgresql":  # ids were given: move the sequence past them
        op.execute(
            f"SELECT setval(pg_get_serial_sequence('{TABLE}', 'id'), "
            f"COALESCE((SELECT max(id) FROM {TABLE}), 0) + 1, false)"
        )


def _old_table():
    return op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=1000), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["reviewer_id"],
            ["user_account.id"],
            name=op.f("fk_conflict_declaration_reviewer_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["application.id"],
            name=op.f("fk_conflict_declaration_application_id_application"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conflict_declaration")),
        sa.UniqueConstraint(
            "reviewer_id", "application_id", name=op.f("uq_conflict_declaration_reviewer_id_application_id")
        ),
    )


def upgrade():
    old = _rows(
        f"SELECT c.id, c.reviewer_id, c.reason, c.created_at, a.round_id, a.organisation_id, o.name "
        f"FROM {TABLE} c JOIN application a ON a.id = c.application_id "
        f"JOIN organisation o ON o.id = a.organisation_id ORDER BY c.id"
    )
    op.drop_index(op.f("ix_conflict_declaration_application_id"), table_name=TABLE)
    op.drop_table(TABLE)
    table = op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("side", sa.String(length=20), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=False),
        sa.Column("organisation_name", sa.String(length=200), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("declared_by", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=1000), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("decision_reason", sa.String(length=1000), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(_one_of("side", CONFLICT_SIDE), name=op.f("ck_conflict_declaration_side")),
        sa.CheckConstraint(_one_of("status", CONFLICT_STATUS), name=op.f("ck_conflict_declaration_status")),
        sa.ForeignKeyConstraint(
            ["round_id"], ["round.id"], name=op.f("fk_conflict_declaration_round_id_round")
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_id"],
            ["user_account.id"],
            name=op.f("fk_conflict_declaration_reviewer_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_conflict_declaration_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["declared_by"],
            ["user_account.id"],
            name=op.f("fk_conflict_declaration_declared_by_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["user_account.id"], name=op.f("fk_conflict_declaration_decided_by_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conflict_declaration")),
        sa.UniqueConstraint(
            "round_id", "side", "reviewer_id", "organisation_name", name="uq_conflict_declaration_pair"
        ),
    )
    op.create_index("ix_conflict_declaration_round_id_status", TABLE, ["round_id", "status"])
    op.create_index(op.f("ix_conflict_declaration_reviewer_id"), TABLE, ["reviewer_id"])
    op.create_index(op.f("ix_conflict_declaration_organisation_id"), TABLE, ["organisation_id"])
    _insert(
        table,
        [
            {
                "id": r["id"],
                "round_id": r["round_id"],
                "side": "reviewer",
                "reviewer_id": r["reviewer_id"],
                "organisation_name": r["name"],
                "organisation_id": r["organisation_id"],
                "declared_by": r["reviewer_id"],
                "reason": (r["reason"] or "").strip() or "-",
                "status": "accepted",
                "decision_reason": None,
                "decided_by": None,
                "decided_at": r["created_at"],
                "version": 1,
                "created_at": r["created_at"],
                "updated_at": r["created_at"],
            }
            for r in old
        ],
    )


def downgrade():
    kept = _rows(
        f"SELECT min(c.id) AS id, c.reviewer_id, a.id AS application_id, min(c.reason) AS reason, "
        f"min(c.created_at) AS created_at FROM {TABLE} c "
        f"JOIN application a ON a.round_id = c.round_id AND a.organisation_id = c.organisation_id "
        f"WHERE c.status = 'accepted' GROUP BY c.reviewer_id, a.id ORDER BY min(c.id)"
    )
    op.drop_index(op.f("ix_conflict_declaration_organisation_id"), table_name=TABLE)
    op.drop_index(op.f("ix_conflict_declaration_reviewer_id"), table_name=TABLE)
    op.drop_index("ix_conflict_declaration_round_id_status", table_name=TABLE)
    op.drop_table(TABLE)
    table = _old_table()
    op.create_index(op.f("ix_conflict_declaration_application_id"), TABLE, ["application_id"])
    _insert(table, kept)
