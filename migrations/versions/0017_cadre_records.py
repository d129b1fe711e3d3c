"""results that follow the cadres: the 问责 register (约谈问责, 通报批评, 诫勉 …).

Revision ID: 0017_cadre_records
Revises: 0016_care
Create Date: 2026-12-03 18:40:00.000000
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0017_cadre_records'
down_revision: str | None = '0016_care'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


_KINDS = ('约谈问责', '批评教育', '责令检查', '通报批评', '诫勉', '组织处理', '纪律处分')
_POSTS = ('党组（党委）书记', '机关党委书记', '支部书记')


def upgrade() -> None:
    op.create_table(
        'accountability',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('member_id', sa.Integer(), nullable=True),
        sa.Column('person_name', sa.String(length=40), nullable=False),
        sa.Column('post', sa.Enum(*_POSTS, name='partypost', native_enum=False, length=20), nullable=False),
        sa.Column('kind', sa.Enum(*_KINDS, name='accountabilitykind', native_enum=False, length=20), nullable=False),
        sa.Column('decided_on', sa.Date(), nullable=False),
        sa.Column('deciding_body', sa.String(length=100), nullable=False),
        sa.Column('doc_number', sa.String(length=60), nullable=False),
        sa.Column('decision', sa.Text(), nullable=False),
        sa.Column('interview_id', sa.Integer(), nullable=True),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('created_by', sa.String(length=60), nullable=False),
        sa.ForeignKeyConstraint(['interview_id'], ['interview.id'], name=op.f('fk_accountability_interview_id_interview'),
                                ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_accountability_member_id_member'),
                                ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_accountability_unit_id_unit'),
                                ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_accountability')),
    )
    with op.batch_alter_table('accountability', schema=None) as batch_op:
        batch_op.create_index('ix_accountability_unit_decided', ['unit_id', 'decided_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_accountability_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_accountability_interview_id'), ['interview_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('accountability', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_accountability_interview_id'))
        batch_op.drop_index(batch_op.f('ix_accountability_member_id'))
        batch_op.drop_index('ix_accountability_unit_decided')
    op.drop_table('accountability')
