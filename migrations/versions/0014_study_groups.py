"""党组（党委）理论学习中心组: meetings, plans; 三大责任制 on the 责任清单.

Revision ID: 0014_study_groups
Revises: 0013_leadership_meetings
Create Date: 2026-12-03 18:40:00.000000
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0014_study_groups'
down_revision: str | None = '0013_leadership_meetings'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('study_meeting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('form', sa.Enum('集中学习', '专题研讨', name='studyform', native_enum=False, length=20), nullable=False),
    sa.Column('topic', sa.String(length=200), nullable=False),
    sa.Column('lecturer', sa.String(length=40), nullable=False),
    sa.Column('speeches', sa.Integer(), nullable=False),
    sa.Column('members_present', sa.Integer(), nullable=False),
    sa.Column('members_total', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_study_meeting_unit_id_unit'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_study_meeting'))
    )
    with op.batch_alter_table('study_meeting', schema=None) as batch_op:
        batch_op.create_index('ix_study_meeting_unit_held', ['unit_id', 'held_on'], unique=False)

    op.create_table('study_plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('planned_meetings', sa.Integer(), nullable=False),
    sa.Column('planned_seminars', sa.Integer(), nullable=False),
    sa.Column('topics', sa.Text(), nullable=False),
    sa.Column('made_on', sa.Date(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_study_plan_unit_id_unit'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_study_plan')),
    sa.UniqueConstraint('unit_id', 'year', name='uq_study_plan_unit_year')
    )
    with op.batch_alter_table('study_plan', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_study_plan_year'), ['year'], unique=False)

    # 三大责任制: every item a 责任清单 already held is a 机关党建 one.
    with op.batch_alter_table('duty_item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('category', sa.Enum('机关党建', '党风廉政建设', '意识形态', name='dutycategory',
                                                          native_enum=False, length=20),
                                      server_default='机关党建', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('duty_item', schema=None) as batch_op:
        batch_op.drop_column('category')
    with op.batch_alter_table('study_plan', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_study_plan_year'))
    op.drop_table('study_plan')
    with op.batch_alter_table('study_meeting', schema=None) as batch_op:
        batch_op.drop_index('ix_study_meeting_unit_held')
    op.drop_table('study_meeting')
