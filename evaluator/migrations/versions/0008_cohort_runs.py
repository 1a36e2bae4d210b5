"""cohort runs: a round's clustering runs, their cohorts, members and the office's moves

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-09 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "cohort_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("engine_version", sa.String(length=20), nullable=False),
        sa.Column("data_hash", sa.String(length=64), nullable=False),
        sa.Column("settings_sha256", sa.String(length=64), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("quality", sa.JSON(), nullable=False),
        sa.Column("features", sa.JSON(), nullable=False),
        sa.Column("k", sa.Integer(), nullable=False),
        sa.Column("applications", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["created_by"], ["user_account.id"],
                                name=op.f("fk_cohort_run_created_by_user_account")),
        sa.ForeignKeyConstraint(["round_id"], ["round.id"], name=op.f("fk_cohort_run_round_id_round")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cohort_run")),
    )
    op.create_index(op.f("ix_cohort_run_round_id"), "cohort_run", ["round_id"])

    op.create_table(
        "cohort",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("profile_zh", sa.String(length=400), nullable=False),
        sa.Column("profile_en", sa.String(length=800), nullable=False),
        sa.Column("centre", sa.JSON(), nullable=False),
        sa.Column("ranges", sa.JSON(), nullable=False),
        sa.Column("stability", sa.Float(), nullable=True),
        sa.Column("unstable", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["cohort_run.id"], name=op.f("fk_cohort_run_id_cohort_run"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cohort")),
        sa.UniqueConstraint("run_id", "number", name=op.f("uq_cohort_run_id_number")),
    )

    op.create_table(
        "cohort_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("cohort", sa.Integer(), nullable=True),
        sa.Column("distance", sa.Float(), nullable=True),
        sa.Column("next_cohort", sa.Integer(), nullable=True),
        sa.Column("next_distance", sa.Float(), nullable=True),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("contributions", sa.JSON(), nullable=False),
        sa.Column("missing", sa.JSON(), nullable=False),
        sa.Column("imputed", sa.Boolean(), nullable=False),
        sa.Column("stability", sa.Float(), nullable=True),
        sa.Column("unstable", sa.Boolean(), nullable=False),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.Column("pc1", sa.Float(), nullable=True),
        sa.Column("pc2", sa.Float(), nullable=True),
        sa.Column("peers", sa.JSON(), nullable=False),
        sa.Column("moved_to", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.ForeignKeyConstraint(["application_id"], ["application.id"],
                                name=op.f("fk_cohort_member_application_id_application")),
        sa.ForeignKeyConstraint(["run_id"], ["cohort_run.id"], name=op.f("fk_cohort_member_run_id_cohort_run"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cohort_member")),
        sa.UniqueConstraint("run_id", "application_id", name=op.f("uq_cohort_member_run_id_application_id")),
    )
    op.create_index("ix_cohort_member_application_id", "cohort_member", ["application_id"])

    op.create_table(
        "cohort_move",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("from_cohort", sa.Integer(), nullable=True),
        sa.Column("to_cohort", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("moved_by", sa.Integer(), nullable=True),
        sa.Column("moved_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["application_id"], ["application.id"],
                                name=op.f("fk_cohort_move_application_id_application")),
        sa.ForeignKeyConstraint(["moved_by"], ["user_account.id"],
                                name=op.f("fk_cohort_move_moved_by_user_account")),
        sa.ForeignKeyConstraint(["run_id"], ["cohort_run.id"], name=op.f("fk_cohort_move_run_id_cohort_run"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cohort_move")),
    )
    op.create_index(op.f("ix_cohort_move_application_id"), "cohort_move", ["application_id"])
    op.create_index(op.f("ix_cohort_move_run_id"), "cohort_move", ["run_id"])


def downgrade():
    op.drop_table("cohort_move")
    op.drop_table("cohort_member")
    op.drop_table("cohort")
    op.drop_table("cohort_run")
