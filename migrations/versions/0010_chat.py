"""Chat: conversations with the assistant and the help line, their messages, the workers' presence, phone calls.

Revision ID: 0010_chat
Revises: 0009_flag_queue
Create Date: 2026-12-01 19:37:30.811849

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010_chat'
down_revision = '0009_flag_queue'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('chat_conversation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('owner_hash', sa.String(length=64), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('last_seq', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('queued_at', sa.DateTime(), nullable=True),
    sa.Column('accepted_at', sa.DateTime(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('answer_due', sa.DateTime(), nullable=True),
    sa.Column('consent_at', sa.DateTime(), nullable=True),
    sa.Column('rating', sa.SmallInteger(), nullable=True),
    sa.Column('rated_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['assignee_id'], ['staff_user.id'], name=op.f('fk_chat_conversation_assignee_id_staff_user')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_chat_conversation_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chat_conversation')),
    sa.UniqueConstraint('public_id', name=op.f('uq_chat_conversation_public_id'))
    )
    with op.batch_alter_table('chat_conversation', schema=None) as batch_op:
        batch_op.create_index('ix_chat_assignee', ['assignee_id', 'status'], unique=False)
        batch_op.create_index('ix_chat_person', ['person_id', 'created_at'], unique=False)
        batch_op.create_index('ix_chat_queue', ['status', 'language', 'queued_at'], unique=False)

    op.create_table('helpline_call',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('consent', sa.Boolean(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('ended_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_helpline_call_person_id_person')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_user.id'], name=op.f('fk_helpline_call_staff_id_staff_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_helpline_call')),
    sa.UniqueConstraint('public_id', name=op.f('uq_helpline_call_public_id'))
    )
    with op.batch_alter_table('helpline_call', schema=None) as batch_op:
        batch_op.create_index('ix_helpline_call_staff', ['staff_id', 'ended_at'], unique=False)

    op.create_table('helpline_presence',
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('on_duty', sa.Boolean(), nullable=False),
    sa.Column('languages', sa.String(length=32), nullable=False),
    sa.Column('seen_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_user.id'], name=op.f('fk_helpline_presence_staff_id_staff_user')),
    sa.PrimaryKeyConstraint('staff_id', name=op.f('pk_helpline_presence'))
    )
    op.create_table('chat_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('author', sa.String(length=16), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('entry_id', sa.String(length=64), nullable=True),
    sa.Column('action', sa.String(length=32), nullable=True),
    sa.Column('event', sa.String(length=32), nullable=True),
    sa.Column('internal', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['conversation_id'], ['chat_conversation.id'], name=op.f('fk_chat_message_conversation_id_chat_conversation')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_user.id'], name=op.f('fk_chat_message_staff_id_staff_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chat_message')),
    sa.UniqueConstraint('conversation_id', 'seq', name=op.f('uq_chat_message_conversation_id_seq'))
    )


def downgrade():
    op.drop_table('chat_message')
    op.drop_table('helpline_presence')
    with op.batch_alter_table('helpline_call', schema=None) as batch_op:
        batch_op.drop_index('ix_helpline_call_staff')

    op.drop_table('helpline_call')
    with op.batch_alter_table('chat_conversation', schema=None) as batch_op:
        batch_op.drop_index('ix_chat_queue')
        batch_op.drop_index('ix_chat_person')
        batch_op.drop_index('ix_chat_assignee')

    op.drop_table('chat_conversation')
