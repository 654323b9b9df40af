"""The review console's queue: a covering index for its filters and order, and one for the escalation subquery.

Revision ID: 0009_flag_queue
Revises: 0008_flags
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0009_flag_queue"
down_revision = "0008_flags"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_flag_queue", "flag", ["status", "created_at", "category", "municipality_code", "priority", "assignee_id"]
    )
    op.create_index("ix_flag_created", "flag", ["created_at"])
    op.create_index("ix_flag_event_answered", "flag_event", ["actor_kind", "visible_to_flagger", "at", "flag_id"])


def downgrade():
    op.drop_index("ix_flag_event_answered", table_name="flag_event")
    op.drop_index("ix_flag_created", table_name="flag")
    op.drop_index("ix_flag_queue", table_name="flag")
