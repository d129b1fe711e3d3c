"""民主生活会 (党组/班子) and the substance of 组织生活会: attendance, 批评意见, 问题清单, 会前征求意见.

Revision ID: 0013_leadership_meetings
Revises: 0012_disposal
Create Date: 2026-12-03 18:40:00.000000
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0013_leadership_meetings'
down_revision: str | None = '0012_disposal'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('leadership_meeting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('民主生活会', '组织生活会', name='leadershipmeetingkind', native_enum=False,
                              length=20), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=True),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('topic', sa.String(length=200), nullable=False),
    sa.Column('attendees', sa.Text(), nullable=False),
    sa.Column('supervisors', sa.String(length=200), nullable=False),
    sa.Column('opinions_solicited', sa.Integer(), nullable=False),
    sa.Column('rectification_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=60), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_leadership_meeting_unit_id_unit'),
                            ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['org_id'], ['party_org.id'], name=op.f('fk_leadership_meeting_org_id_party_org'),
                            ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['rectification_id'], ['rectification.id'],
                            name=op.f('fk_leadership_meeting_rectification_id_rectification'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_leadership_meeting')),
    sa.UniqueConstraint('rectification_id', name=op.f('uq_leadership_meeting_rectification_id'))
    )
    with op.batch_alter_table('leadership_meeting', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_leadership_meeting_held_on'), ['held_on'], unique=False)
        batch_op.create_index('ix_leadership_meeting_unit_held', ['unit_id', 'held_on'], unique=False)

    op.create_table('leadership_criticism',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('自我批评', '相互批评', name='criticismkind', native_enum=False, length=20),
              nullable=False),
    sa.Column('target', sa.String(length=40), nullable=False),
    sa.Column('raised_by', sa.String(length=40), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['leadership_meeting.id'],
                            name=op.f('fk_leadership_criticism_meeting_id_leadership_meeting'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_leadership_criticism'))
    )
    with op.batch_alter_table('leadership_criticism', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_leadership_criticism_meeting_id'), ['meeting_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('leadership_criticism', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_leadership_criticism_meeting_id'))
    op.drop_table('leadership_criticism')
    with op.batch_alter_table('leadership_meeting', schema=None) as batch_op:
        batch_op.drop_index('ix_leadership_meeting_unit_held')
        batch_op.drop_index(batch_op.f('ix_leadership_meeting_held_on'))
    op.drop_table('leadership_meeting')
