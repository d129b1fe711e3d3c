"""党内激励、关怀、帮扶: 表彰, 关怀对象 and 帮扶/慰问 visits.

Revision ID: 0016_care
Revises: 0015_party_workers
Create Date: 2026-12-03 18:40:00.000000
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0016_care'
down_revision: str | None = '0015_party_workers'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('honor',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('优秀共产党员', '优秀党务工作者', '先进基层党组织', name='honorkind', native_enum=False, length=20), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('org_id', sa.Integer(), nullable=True),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.String(length=20), nullable=False),
    sa.Column('awarded_on', sa.Date(), nullable=False),
    sa.Column('awarded_by', sa.String(length=100), nullable=False),
    sa.Column('doc_number', sa.String(length=60), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_honor_member_id_member'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['org_id'], ['party_org.id'], name=op.f('fk_honor_org_id_party_org'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_honor_unit_id_unit'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_honor'))
    )
    with op.batch_alter_table('honor', schema=None) as batch_op:
        batch_op.create_index('ix_honor_awarded_on', ['awarded_on'], unique=False)
        batch_op.create_index('ix_honor_unit', ['unit_id'], unique=False)
    op.create_table('care_subject',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('since', sa.Date(), nullable=False),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('end_reason', sa.String(length=100), nullable=False),
    sa.Column('circumstances', sa.String(length=100), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_care_subject_member_id_member'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_care_subject'))
    )
    with op.batch_alter_table('care_subject', schema=None) as batch_op:
        batch_op.create_index('ix_care_subject_member', ['member_id'], unique=False)
    op.create_table('care_visit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('visited_on', sa.Date(), nullable=False),
    sa.Column('visitors', sa.String(length=100), nullable=False),
    sa.Column('forms', sa.String(length=60), nullable=False),
    sa.Column('amount_yuan', sa.Integer(), nullable=True),
    sa.Column('goods', sa.String(length=100), nullable=False),
    sa.Column('talk_record_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['subject_id'], ['care_subject.id'], name=op.f('fk_care_visit_subject_id_care_subject'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['talk_record_id'], ['org_life_record.id'], name=op.f('fk_care_visit_talk_record_id_org_life_record'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_care_visit')),
    sa.UniqueConstraint('talk_record_id', name='uq_care_visit_talk_record_id')
    )
    with op.batch_alter_table('care_visit', schema=None) as batch_op:
        batch_op.create_index('ix_care_visit_subject', ['subject_id', 'visited_on'], unique=False)


def downgrade() -> None:
    op.drop_table('care_visit')
    op.drop_table('care_subject')
    op.drop_table('honor')
