"""region offices and their checks; assignments, declared conflicts, reviews; results snapshots

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 13:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# The vocabularies as they stand at this revision (never the live enumerations, which move on).
ROLES_BEFORE = ("admin", "reviewer", "applicant")
ROLES = (*ROLES_BEFORE, "county_office", "city_office")
STATUS_BEFORE = ("draft", "submitted", "withdrawn", "under_review", "scored", "shortlisted",
                 "not_shortlisted", "recognised", "rejected")
STATUS = ("draft", "submitted", "withdrawn", "endorsed", "recommended", "declined", "under_review",
          "scored", "shortlisted", "not_shortlisted", "recognised", "rejected")


def _one_of(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _timestamps():
    return [sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False)]


def upgrade():
    with op.batch_alter_table("user_account") as batch:
        batch.add_column(sa.Column("expertise", sa.JSON(), server_default="[]", nullable=False))
        batch.drop_constraint(op.f("ck_user_account_role"), type_="check")
        batch.create_check_constraint(op.f("ck_user_account_role"), _one_of("role", ROLES))
    with op.batch_alter_table("round") as batch:
        batch.add_column(sa.Column("settings", sa.JSON(), server_default="{}", nullable=False))
    with op.batch_alter_table("application") as batch:
        batch.add_column(sa.Column("bonus_claims", sa.JSON(), server_default="[]", nullable=False))
        batch.add_column(sa.Column("office_note", sa.String(length=2000), nullable=True))
        batch.add_column(sa.Column("city_rank", sa.Integer(), nullable=True))
        batch.drop_constraint(op.f("ck_application_status"), type_="check")
        batch.create_check_constraint(op.f("ck_application_status"), _one_of("status", STATUS))

    op.create_table(
        "region_check",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=True),
        sa.Column("note", sa.String(length=2000), nullable=True),
        sa.Column("checked_by", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("level IN ('county', 'city')", name=op.f("ck_region_check_level")),
        sa.ForeignKeyConstraint(["application_id"], ["application.id"],
                                name=op.f("fk_region_check_application_id_application")),
        sa.ForeignKeyConstraint(["checked_by"], ["user_account.id"],
                                name=op.f("fk_region_check_checked_by_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_region_check")),
    )
    op.create_index(op.f("ix_region_check_application_id"), "region_check", ["application_id"])

    op.create_table(
        "assignment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("override_reason", sa.String(length=1000), nullable=True),
        sa.Column("end_reason", sa.String(length=1000), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        *_timestamps(),
        sa.CheckConstraint("kind IN ('materials', 'on_site')", name=op.f("ck_assignment_kind")),
        sa.CheckConstraint("status IN ('active', 'recused', 'removed')", name=op.f("ck_assignment_status")),
        sa.ForeignKeyConstraint(["round_id"], ["round.id"], name=op.f("fk_assignment_round_id_round")),
        sa.ForeignKeyConstraint(["application_id"], ["application.id"],
                                name=op.f("fk_assignment_application_id_application")),
        sa.ForeignKeyConstraint(["reviewer_id"], ["user_account.id"],
                                name=op.f("fk_assignment_reviewer_id_user_account")),
        sa.ForeignKeyConstraint(["created_by"], ["user_account.id"],
                                name=op.f("fk_assignment_created_by_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assignment")),
        sa.UniqueConstraint("application_id", "reviewer_id", "kind",
                            name=op.f("uq_assignment_application_id_reviewer_id_kind")),
    )
    op.create_index(op.f("ix_assignment_application_id"), "assignment", ["application_id"])
    op.create_index("ix_assignment_round_id_status", "assignment", ["round_id", "status"])
    op.create_index("ix_assignment_reviewer_id_status", "assignment", ["reviewer_id", "status"])

    op.create_table(
        "conflict_declaration",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=1000), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["reviewer_id"], ["user_account.id"],
                                name=op.f("fk_conflict_declaration_reviewer_id_user_account")),
        sa.ForeignKeyConstraint(["application_id"], ["application.id"],
                                name=op.f("fk_conflict_declaration_application_id_application")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conflict_declaration")),
        sa.UniqueConstraint("reviewer_id", "application_id",
                            name=op.f("uq_conflict_declaration_reviewer_id_application_id")),
    )
    op.create_index(op.f("ix_conflict_declaration_application_id"), "conflict_declaration",
                    ["application_id"])

    op.create_table(
        "review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assignment_id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("scores", sa.LargeBinary(), nullable=False),
        sa.Column("comments", sa.JSON(), nullable=False),
        sa.Column("vetoes", sa.JSON(), nullable=False),
        sa.Column("bonus_verified", sa.JSON(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        *_timestamps(),
        sa.CheckConstraint("status IN ('draft', 'submitted')", name=op.f("ck_review_status")),
        sa.ForeignKeyConstraint(["assignment_id"], ["assignment.id"],
                                name=op.f("fk_review_assignment_id_assignment")),
        sa.ForeignKeyConstraint(["round_id"], ["round.id"], name=op.f("fk_review_round_id_round")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review")),
        sa.UniqueConstraint("assignment_id", name=op.f("uq_review_assignment_id")),
    )
    op.create_index(op.f("ix_review_round_id"), "review", ["round_id"])

    op.create_table(
        "result_snapshot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("engine_version", sa.String(length=40), nullable=False),
        sa.Column("criteria_sha256", sa.String(length=64), nullable=False),
        sa.Column("input_sha256", sa.String(length=64), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("arrays", sa.LargeBinary(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["round_id"], ["round.id"], name=op.f("fk_result_snapshot_round_id_round")),
        sa.ForeignKeyConstraint(["created_by"], ["user_account.id"],
                                name=op.f("fk_result_snapshot_created_by_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_result_snapshot")),
    )
    op.create_index(op.f("ix_result_snapshot_round_id"), "result_snapshot", ["round_id"])

    op.create_table(
        "application_result",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("snapshot_id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=True),
        sa.Column("total", sa.Float(), nullable=True),
        sa.Column("base", sa.Float(), nullable=True),
        sa.Column("bonus", sa.Float(), nullable=True),
        sa.Column("raw_total", sa.Float(), nullable=True),
        sa.Column("grade", sa.String(length=40), nullable=True),
        sa.Column("recognised", sa.Boolean(), nullable=False),
        sa.Column("n_reviews", sa.Integer(), nullable=False),
        sa.Column("disagreement", sa.Boolean(), nullable=False),
        sa.Column("sections", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["snapshot_id"], ["result_snapshot.id"], ondelete="CASCADE",
                                name=op.f("fk_application_result_snapshot_id_result_snapshot")),
        sa.ForeignKeyConstraint(["application_id"], ["application.id"],
                                name=op.f("fk_application_result_application_id_application")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_application_result")),
    )
    op.create_index(op.f("ix_application_result_application_id"), "application_result",
                    ["application_id"])
    op.create_index("ix_application_result_snapshot_id_rank", "application_result",
                    ["snapshot_id", "rank"])


def downgrade():
    op.drop_table("application_result")
    op.drop_table("result_snapshot")
    op.drop_table("review")
    op.drop_table("conflict_declaration")
    op.drop_table("assignment")
    op.drop_table("region_check")
    with op.batch_alter_table("application") as batch:
        batch.drop_constraint(op.f("ck_application_status"), type_="check")
        batch.create_check_constraint(op.f("ck_application_status"), _one_of("status", STATUS_BEFORE))
        batch.drop_column("city_rank")
        batch.drop_column("office_note")
        batch.drop_column("bonus_claims")
    with op.batch_alter_table("round") as batch:
        batch.drop_column("settings")
    with op.batch_alter_table("user_account") as batch:
        batch.drop_constraint(op.f("ck_user_account_role"), type_="check")
        batch.create_check_constraint(op.f("ck_user_account_role"), _one_of("role", ROLES_BEFORE))
        batch.drop_column("expertise")
