"""workflow vocabularies as CHECK constraints; row versions for ETags; material ids never reused

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02 02:00:00

"""
from alembic import op
import sqlalchemy as sa

# The vocabularies as they stood at this revision (later revisions widen them; a migration never
# reads the live enumerations, which move on).
OrgKind = ("county", "subdistrict", "community")
Phase = ("draft", "open", "review", "scoring_closed", "notice", "final")
Status = ("draft", "submitted", "withdrawn", "under_review", "scored", "shortlisted", "not_shortlisted",
          "recognised", "rejected")
ZoneType = ("community_governance_zone", "subdistrict_service_zone", "featured_community")


# revision identifiers, used by Alembic.
revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _one_of(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade():
    with op.batch_alter_table("application") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))
        batch.create_check_constraint(op.f("ck_application_status"), _one_of("status", Status))
    with op.batch_alter_table("round") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))
        batch.create_check_constraint(op.f("ck_round_phase"), _one_of("phase", Phase))
        batch.create_check_constraint(op.f("ck_round_zone_type"), _one_of("zone_type", ZoneType))
    with op.batch_alter_table("organisation") as batch:
        batch.create_check_constraint(op.f("ck_organisation_kind"), _one_of("kind", OrgKind))
    if op.get_bind().dialect.name == "sqlite":  # PostgreSQL sequences never reuse ids anyway
        with op.batch_alter_table("material", recreate="always",
                                  table_kwargs={"sqlite_autoincrement": True}):
            pass


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table("material", recreate="always",
                                  table_kwargs={"sqlite_autoincrement": False}):
            pass
    with op.batch_alter_table("organisation") as batch:
        batch.drop_constraint(op.f("ck_organisation_kind"), type_="check")
    with op.batch_alter_table("round") as batch:
        batch.drop_constraint(op.f("ck_round_zone_type"), type_="check")
        batch.drop_constraint(op.f("ck_round_phase"), type_="check")
        batch.drop_column("version")
    with op.batch_alter_table("application") as batch:
        batch.drop_constraint(op.f("ck_application_status"), type_="check")
        batch.drop_column("version")
