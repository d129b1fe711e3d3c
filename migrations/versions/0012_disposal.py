"""不合格党员处置: cases after 民主评议 (限期改正 → 恢复合格 / 劝其退党 / 除名), 失联党员 and 停止党籍.

Revision ID: 0012_disposal
Revises: 0011_register_versions
Create Date: 2026-12-03 18:40:00.000000
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0012_disposal'
down_revision: str | None = '0011_register_versions'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('disposal_case',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('不合格党员处置', '失联党员', '停止党籍', name='disposalkind', native_enum=False, length=20), nullable=False),
    sa.Column('appraisal_record_id', sa.Integer(), nullable=True),
    sa.Column('opened_on', sa.Date(), nullable=False),
    sa.Column('lost_since', sa.Date(), nullable=True),
    sa.Column('search_efforts', sa.Text(), nullable=False),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['appraisal_record_id'], ['org_life_record.id'], name=op.f('fk_disposal_case_appraisal_record_id_org_life_record'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_disposal_case_member_id_member'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_disposal_case'))
    )
    with op.batch_alter_table('disposal_case', schema=None) as batch_op:
        batch_op.create_index('ix_disposal_case_member', ['member_id'], unique=False)

    op.create_table('disposal_step',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('限期改正', '恢复合格', '劝其退党', '本人退党', '除名', '停止党籍', '恢复党籍', '恢复联系', name='disposalstepkind', native_enum=False, length=20), nullable=False),
    sa.Column('decided_on', sa.Date(), nullable=False),
    sa.Column('approved_on', sa.Date(), nullable=True),
    sa.Column('deadline', sa.Date(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['disposal_case.id'], name=op.f('fk_disposal_step_case_id_disposal_case'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_disposal_step'))
    )
    with op.batch_alter_table('disposal_step', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_disposal_step_case_id'), ['case_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('disposal_step', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_disposal_step_case_id'))
    op.drop_table('disposal_step')
    with op.batch_alter_table('disposal_case', schema=None) as batch_op:
        batch_op.drop_index('ix_disposal_case_member')
    op.drop_table('disposal_case')
