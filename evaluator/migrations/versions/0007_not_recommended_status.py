"""application status not_recommended: left at a region step when the round entered review

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# The vocabularies as they stand at this revision (never the live enumerations, which move on).
STATUS_BEFORE = ("draft", "submitted", "withdrawn", "endorsed", "recommended", "declined", "under_review",
                 "scored", "shortlisted", "not_shortlisted", "recognised", "rejected")
STATUS = (*STATUS_BEFORE, "not_recommended")


def _one_of(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade():
    with op.batch_alter_table("application") as batch:
        batch.drop_constraint(op.f("ck_application_status"), type_="check")
        batch.create_check_constraint(op.f("ck_application_status"), _one_of("status", STATUS))


def downgrade():
    # The older vocabulary has no such status: its nearest is the final "declined" (not passed on).
    op.execute(sa.text("UPDATE application SET status = 'declined' WHERE status = 'not_recommended'"))
    with op.batch_alter_table("application") as batch:
        batch.drop_constraint(op.f("ck_application_status"), type_="check")
        batch.create_check_constraint(op.f("ck_application_status"), _one_of("status", STATUS_BEFORE))
