"""dossiers: issued certification dossiers, their batches and the batches' items

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 12:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# The vocabularies as they stand at this revision.
DOSSIER_STATE = ("issued", "revoked", "superseded")
JOB_STATE = ("queued", "running", "finished")
ITEM_STATE = ("pending", "done", "skipped", "failed")


def _one_of(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade():
    op.create_table(
        "dossier",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("snapshot_id", sa.Integer(), nullable=True),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("data_sha256", sa.String(length=64), nullable=False),
        sa.Column("pdf_sha256", sa.String(length=64), nullable=False),
        sa.Column("pdf_size", sa.Integer(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("superseded_by", sa.Integer(), nullable=True),
        sa.Column("issued_by", sa.Integer(), nullable=True),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(_one_of("state", DOSSIER_STATE), name=op.f("ck_dossier_state")),
        sa.ForeignKeyConstraint(["application_id"], ["application.id"], name=op.f("fk_dossier_application_id_application")),
        sa.ForeignKeyConstraint(["round_id"], ["round.id"], name=op.f("fk_dossier_round_id_round")),
        sa.ForeignKeyConstraint(["snapshot_id"], ["result_snapshot.id"], name=op.f("fk_dossier_snapshot_id_result_snapshot")),
        sa.ForeignKeyConstraint(["superseded_by"], ["dossier.id"], name=op.f("fk_dossier_superseded_by_dossier")),
        sa.ForeignKeyConstraint(["issued_by"], ["user_account.id"], name=op.f("fk_dossier_issued_by_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dossier")),
        sa.UniqueConstraint("number", name=op.f("uq_dossier_number")),
        sa.UniqueConstraint("code", name=op.f("uq_dossier_code")),
    )
    op.create_index(op.f("ix_dossier_round_id"), "dossier", ["round_id"])
    op.create_index("ix_dossier_application_id_state", "dossier", ["application_id", "state"])
    op.create_table(
        "dossier_job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(_one_of("state", JOB_STATE), name=op.f("ck_dossier_job_state")),
        sa.ForeignKeyConstraint(["round_id"], ["round.id"], name=op.f("fk_dossier_job_round_id_round")),
        sa.ForeignKeyConstraint(["created_by"], ["user_account.id"], name=op.f("fk_dossier_job_created_by_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dossier_job")),
    )
    op.create_index(op.f("ix_dossier_job_round_id"), "dossier_job", ["round_id"])
    op.create_table(
        "dossier_job_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("dossier_id", sa.Integer(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.CheckConstraint(_one_of("state", ITEM_STATE), name=op.f("ck_dossier_job_item_state")),
        sa.ForeignKeyConstraint(["job_id"], ["dossier_job.id"], name=op.f("fk_dossier_job_item_job_id_dossier_job"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["application_id"], ["application.id"], name=op.f("fk_dossier_job_item_application_id_application")),
        sa.ForeignKeyConstraint(["dossier_id"], ["dossier.id"], name=op.f("fk_dossier_job_item_dossier_id_dossier")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dossier_job_item")),
        sa.UniqueConstraint("job_id", "application_id", name=op.f("uq_dossier_job_item_job_id_application_id")),
    )
    op.create_index(op.f("ix_dossier_job_item_job_id"), "dossier_job_item", ["job_id"])


def downgrade():
    op.drop_table("dossier_job_item")
    op.drop_table("dossier_job")
    op.drop_table("dossier")
