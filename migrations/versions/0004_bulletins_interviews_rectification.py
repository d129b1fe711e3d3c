"""bulletins, interviews, rectification: bulletin, interview, rectification, rectification_item

Scores are integer tenths (app.models.base.Score), datetimes naive UTC (UTCDateTime) except
interview.scheduled_at, which is the local time printed on the notice.  rectification_item.status never holds
逾期 (computed from the deadline).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 22:04:40.228591
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('bulletin',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('doc_code', sa.String(length=20), nullable=False),
    sa.Column('doc_year', sa.Integer(), nullable=False),
    sa.Column('doc_seq', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('issued_at', sa.DateTime(), nullable=False),
    sa.Column('issued_by', sa.String(length=60), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('supersedes_id', sa.Integer(), nullable=True),
    sa.Column('audit_seq', sa.Integer(), nullable=False),
    sa.Column('audit_hash', sa.String(length=64), nullable=False),
    sa.Column('snapshot', sa.Text(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('file_name', sa.String(length=200), nullable=False),
    sa.Column('document', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['period_id'], ['period.id'], name=op.f('fk_bulletin_period_id_period'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['supersedes_id'], ['bulletin.id'], name=op.f('fk_bulletin_supersedes_id_bulletin'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bulletin')),
    sa.UniqueConstraint('doc_code', 'doc_year', 'doc_seq', name='uq_bulletin_doc_number')
    )
    with op.batch_alter_table('bulletin', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bulletin_period_id'), ['period_id'], unique=False)

    op.create_table('interview',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('interviewee_post', sa.Enum('党组书记', '机关党委书记', '支部书记', name='interviewpost', native_enum=False, length=20), nullable=False),
    sa.Column('interviewee_name', sa.String(length=40), nullable=False),
    sa.Column('interviewee_member_id', sa.Integer(), nullable=True),
    sa.Column('scheduled_at', sa.DateTime(), nullable=True),
    sa.Column('place', sa.String(length=100), nullable=False),
    sa.Column('interviewers', sa.String(length=200), nullable=False),
    sa.Column('recorder', sa.String(length=40), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=True),
    sa.Column('unit_count', sa.Integer(), nullable=True),
    sa.Column('total', sa.Integer(), nullable=True),
    sa.Column('tier', sa.String(length=10), nullable=False),
    sa.Column('reasons', sa.Text(), nullable=False),
    sa.Column('problems', sa.Text(), nullable=False),
    sa.Column('notice_on', sa.Date(), nullable=True),
    sa.Column('held', sa.Boolean(), nullable=False),
    sa.Column('conversation', sa.Text(), nullable=False),
    sa.Column('statement', sa.Text(), nullable=False),
    sa.Column('requirements', sa.Text(), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=True),
    sa.Column('deadline_working_days', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=60), nullable=False),
    sa.ForeignKeyConstraint(['interviewee_member_id'], ['member.id'], name=op.f('fk_interview_interviewee_member_id_member'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['period_id'], ['period.id'], name=op.f('fk_interview_period_id_period'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_interview_unit_id_unit'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_interview')),
    sa.UniqueConstraint('period_id', 'unit_id', name='uq_interview_period_unit')
    )
    with op.batch_alter_table('interview', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_interview_unit_id'), ['unit_id'], unique=False)

    op.create_table('rectification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('interview_id', sa.Integer(), nullable=True),
    sa.Column('period_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=60), nullable=False),
    sa.ForeignKeyConstraint(['interview_id'], ['interview.id'], name=op.f('fk_rectification_interview_id_interview'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['period_id'], ['period.id'], name=op.f('fk_rectification_period_id_period'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_rectification_unit_id_unit'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rectification')),
    sa.UniqueConstraint('interview_id', name=op.f('uq_rectification_interview_id'))
    )
    with op.batch_alter_table('rectification', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rectification_unit_id'), ['unit_id'], unique=False)

    op.create_table('rectification_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rectification_id', sa.Integer(), nullable=False),
    sa.Column('problem', sa.Text(), nullable=False),
    sa.Column('measure', sa.Text(), nullable=False),
    sa.Column('owner', sa.String(length=40), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=False),
    sa.Column('status', sa.Enum('未整改', '整改中', '待审核', '已销号', '逾期', name='rectificationstatus', native_enum=False, length=20), nullable=False),
    sa.Column('progress', sa.Text(), nullable=False),
    sa.Column('submitted_on', sa.Date(), nullable=True),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('close_note', sa.Text(), nullable=False),
    sa.Column('closed_by', sa.String(length=60), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['rectification_id'], ['rectification.id'], name=op.f('fk_rectification_item_rectification_id_rectification'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rectification_item'))
    )
    with op.batch_alter_table('rectification_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rectification_item_deadline'), ['deadline'], unique=False)
        batch_op.create_index(batch_op.f('ix_rectification_item_rectification_id'), ['rectification_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('rectification_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rectification_item_rectification_id'))
        batch_op.drop_index(batch_op.f('ix_rectification_item_deadline'))

    op.drop_table('rectification_item')
    with op.batch_alter_table('rectification', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rectification_unit_id'))

    op.drop_table('rectification')
    with op.batch_alter_table('interview', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_interview_unit_id'))

    op.drop_table('interview')
    with op.batch_alter_table('bulletin', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bulletin_period_id'))

    op.drop_table('bulletin')
