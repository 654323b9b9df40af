"""index for counting a unit's open seats

Revision ID: 0005_open_seats
Revises: 0004_choice
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_open_seats"
down_revision = "0004_choice"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("choice", schema=None) as batch_op:
        batch_op.create_index(
            "ix_choice_open_seats",
            ["location_id", "kind", "ended_on"],
            unique=False,
            postgresql_where=sa.text("cancelled_at IS NULL"),
            sqlite_where=sa.text("cancelled_at IS NULL"),
        )


def downgrade():
    with op.batch_alter_table("choice", schema=None) as batch_op:
        batch_op.drop_index("ix_choice_open_seats")
