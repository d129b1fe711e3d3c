"""支部书记 and 党务干部: the roster of party-work officers and their training records.

Revision ID: 0015_party_workers
Revises: 0014_study_groups
Create Date: 2026-12-03 18:40:00.000000
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0015_party_workers'
down_revision: str | None = '0014_study_groups'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('party_worker',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Enum('组织员', '专职党务干部', '兼职党务干部', name='workerrole', native_enum=False, length=20), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('start_on', sa.Date(), nullable=False),
    sa.Column('end_on', sa.Date(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_party_worker_member_id_member'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_party_worker_unit_id_unit'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_party_worker'))
    )
    with op.batch_alter_table('party_worker', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_party_worker_member_id'), ['member_id'], unique=False)
        batch_op.create_index('ix_party_worker_unit', ['unit_id', 'start_on'], unique=False)

    op.create_table('training_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('worker_id', sa.Integer(), nullable=True),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('course', sa.String(length=200), nullable=False),
    sa.Column('organiser', sa.String(length=100), nullable=False),
    sa.Column('start_on', sa.Date(), nullable=False),
    sa.Column('end_on', sa.Date(), nullable=False),
    sa.Column('hours', sa.Integer(), nullable=False),
    sa.Column('concentrated', sa.Boolean(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_training_record_member_id_member'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_training_record_unit_id_unit'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['worker_id'], ['party_worker.id'], name=op.f('fk_training_record_worker_id_party_worker'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_record'))
    )
    with op.batch_alter_table('training_record', schema=None) as batch_op:
        batch_op.create_index('ix_training_record_member_end', ['member_id', 'end_on'], unique=False)
        batch_op.create_index('ix_training_record_unit_end', ['unit_id', 'end_on'], unique=False)
        batch_op.create_index('ix_training_record_worker', ['worker_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('training_record', schema=None) as batch_op:
        batch_op.drop_index('ix_training_record_worker')
        batch_op.drop_index('ix_training_record_unit_end')
        batch_op.drop_index('ix_training_record_member_end')
    op.drop_table('training_record')
    with op.batch_alter_table('party_worker', schema=None) as batch_op:
        batch_op.drop_index('ix_party_worker_unit')
        batch_op.drop_index(batch_op.f('ix_party_worker_member_id'))
    op.drop_table('party_worker')
