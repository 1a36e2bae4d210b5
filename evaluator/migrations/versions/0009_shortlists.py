"""shortlists and recognition lists, their entries, and the public's objections

Revision ID: 0009
Revises: 0007
Create Date: 2026-12-07 12:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# The vocabularies as they stand at this revision (never the live enumerations, which move on).
KINDS = ("shortlist", "recognition")
STATES = ("draft", "published")
RULES = ("calendar", "working")
REASONS = ("selected", "cohort_full", "city_full", "cap_reached", "vetoed", "incomplete", "below_pass",
           "added", "taken_off", "removed", "withheld")
OBJECTION_STATES = ("received", "upheld", "dismissed")
REMEDIES = ("remove", "re_review")


def _one_of(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade():
    op.create_table(
        "shortlist",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("supersedes_id", sa.Integer(), nullable=True),
        sa.Column("correction_reason", sa.Text(), nullable=True),
        sa.Column("results_snapshot_id", sa.Integer(), nullable=False),
        sa.Column("results_sha256", sa.String(length=64), nullable=False),
        sa.Column("criteria_sha256", sa.String(length=64), nullable=False),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("notice_rule", sa.String(length=20), nullable=False),
        sa.Column("notice_days", sa.Integer(), nullable=False),
        sa.Column("extra_holidays", sa.JSON(), nullable=False),
        sa.Column("extra_workdays", sa.JSON(), nullable=False),
        sa.Column("notice_starts", sa.Date(), nullable=True),
        sa.Column("notice_ends", sa.Date(), nullable=True),
        sa.Column("content", sa.Text(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_by", sa.Integer(), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint(_one_of("kind", KINDS), name=op.f("ck_shortlist_kind")),
        sa.CheckConstraint(_one_of("state", STATES), name=op.f("ck_shortlist_state")),
        sa.CheckConstraint(_one_of("notice_rule", RULES), name=op.f("ck_shortlist_notice_rule")),
        sa.ForeignKeyConstraint(["round_id"], ["round.id"], name=op.f("fk_shortlist_round_id_round")),
        sa.ForeignKeyConstraint(["supersedes_id"], ["shortlist.id"],
                                name=op.f("fk_shortlist_supersedes_id_shortlist")),
        sa.ForeignKeyConstraint(["results_snapshot_id"], ["result_snapshot.id"],
                                name=op.f("fk_shortlist_results_snapshot_id_result_snapshot")),
        sa.ForeignKeyConstraint(["created_by"], ["user_account.id"],
                                name=op.f("fk_shortlist_created_by_user_account")),
        sa.ForeignKeyConstraint(["published_by"], ["user_account.id"],
                                name=op.f("fk_shortlist_published_by_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shortlist")),
        sa.UniqueConstraint("round_id", "kind", "number", name=op.f("uq_shortlist_round_id_kind_number")),
    )
    op.create_index(op.f("ix_shortlist_round_id"), "shortlist", ["round_id"])

    op.create_table(
        "shortlist_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shortlist_id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("cohort", sa.Integer(), nullable=False),
        sa.Column("cohort_zh", sa.String(length=200), nullable=False),
        sa.Column("cohort_en", sa.String(length=200), nullable=False),
        sa.Column("cohort_rank", sa.Integer(), nullable=True),
        sa.Column("cohort_size", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=True),
        sa.Column("total", sa.Float(), nullable=True),
        sa.Column("grade", sa.String(length=40), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("n_reviews", sa.Integer(), nullable=False),
        sa.Column("selected", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("limit", sa.Integer(), nullable=True),
        sa.Column("tied", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.CheckConstraint(_one_of("reason", REASONS), name=op.f("ck_shortlist_entry_reason")),
        sa.ForeignKeyConstraint(["shortlist_id"], ["shortlist.id"], ondelete="CASCADE",
                                name=op.f("fk_shortlist_entry_shortlist_id_shortlist")),
        sa.ForeignKeyConstraint(["application_id"], ["application.id"],
                                name=op.f("fk_shortlist_entry_application_id_application")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shortlist_entry")),
        sa.UniqueConstraint("shortlist_id", "application_id",
                            name=op.f("uq_shortlist_entry_shortlist_id_application_id")),
    )
    op.create_index(op.f("ix_shortlist_entry_shortlist_id"), "shortlist_entry", ["shortlist_id"])
    op.create_index(op.f("ix_shortlist_entry_application_id"), "shortlist_entry", ["application_id"])

    op.create_table(
        "objection",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shortlist_id", sa.Integer(), nullable=False),
        sa.Column("receipt", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("contact", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("entry_no", sa.Integer(), nullable=True),
        sa.Column("evidence_sha256", sa.String(length=64), nullable=True),
        sa.Column("evidence_name", sa.String(length=200), nullable=True),
        sa.Column("evidence_type", sa.String(length=120), nullable=True),
        sa.Column("evidence_size", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("remedy", sa.String(length=20), nullable=True),
        sa.Column("application_id", sa.Integer(), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("correction_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(_one_of("state", OBJECTION_STATES), name=op.f("ck_objection_state")),
        sa.CheckConstraint(_one_of("remedy", REMEDIES), name=op.f("ck_objection_remedy")),
        sa.ForeignKeyConstraint(["shortlist_id"], ["shortlist.id"],
                                name=op.f("fk_objection_shortlist_id_shortlist")),
        sa.ForeignKeyConstraint(["application_id"], ["application.id"],
                                name=op.f("fk_objection_application_id_application")),
        sa.ForeignKeyConstraint(["decided_by"], ["user_account.id"],
                                name=op.f("fk_objection_decided_by_user_account")),
        sa.ForeignKeyConstraint(["correction_id"], ["shortlist.id"],
                                name=op.f("fk_objection_correction_id_shortlist")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_objection")),
        sa.UniqueConstraint("receipt", name=op.f("uq_objection_receipt")),
    )
    op.create_index(op.f("ix_objection_shortlist_id"), "objection", ["shortlist_id"])


def downgrade():
    op.drop_table("objection")
    op.drop_table("shortlist_entry")
    op.drop_table("shortlist")
