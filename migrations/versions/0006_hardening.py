"""rate-limit counters; the staff provider's roles shown to the admin

Revision ID: 0006_hardening
Revises: 0005_open_seats
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_hardening"
down_revision = "0005_open_seats"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "rate_limit_counter",
        sa.Column("key", sa.String(length=96), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_rate_limit_counter")),
    )
    with op.batch_alter_table("rate_limit_counter", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rate_limit_counter_expires_at"), ["expires_at"], unique=False)
    with op.batch_alter_table("staff_user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claim_roles", sa.String(length=200), server_default="", nullable=False))


def downgrade():
    with op.batch_alter_table("staff_user", schema=None) as batch_op:
        batch_op.drop_column("claim_roles")
    with op.batch_alter_table("rate_limit_counter", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rate_limit_counter_expires_at"))
    op.drop_table("rate_limit_counter")
