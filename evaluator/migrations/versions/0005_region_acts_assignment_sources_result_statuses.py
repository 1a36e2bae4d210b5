"""vocabularies as CHECK constraints: region offices' acts, assignment sources, result statuses

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# The vocabularies as they stand at this revision (never the live enumerations, which move on).
REGION_ACT = ("endorse", "return", "decline", "check", "recommend", "unrecommend")
ASSIGNMENT_SOURCE = ("auto", "manual")
RESULT_STATUS = ("ranked", "vetoed", "incomplete")

CHECKS = (
    ("region_check", "action", REGION_ACT),
    ("assignment", "source", ASSIGNMENT_SOURCE),
    ("application_result", "status", RESULT_STATUS),
)


def _one_of(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade():
    for table, column, values in CHECKS:
        with op.batch_alter_table(table) as batch:
            batch.create_check_constraint(op.f(f"ck_{table}_{column}"), _one_of(column, values))


def downgrade():
    for table, column, _ in reversed(CHECKS):
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(op.f(f"ck_{table}_{column}"), type_="check")
