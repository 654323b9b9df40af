"""The catalogue rows' source-text length: a re-import recognises an unchanged record without decoding it

Revision ID: 0011_catalogue_source_length
Revises: 0010_chat

Rows imported before this revision have no length and a hash of another form; the next import rewrites them once.
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_catalogue_source_length"
down_revision = "0010_chat"
branch_labels = None
depends_on = None

TABLES = ("catalogue_organisation", "catalogue_service", "catalogue_location")


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("source_length", sa.Integer(), nullable=True))


def downgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("source_length")
