"""quarter and year: quarter_result, commitment(_item), duty_list, duty_item, duty_review, review_report,
review_vote, review_ballot, annual_result

Scores are integer tenths (app.models.base.Score), datetimes naive UTC (UTCDateTime).  Quarter and year
periods are rows of `period` (kinds 季 and 年), which exists since 0002.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 22:15:08.707507
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('commitment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('secretary', sa.String(length=40), nullable=False),
    sa.Column('post', sa.String(length=40), nullable=False),
    sa.Column('made_on', sa.Date(), nullable=True),
    sa.Column('assessed_on', sa.Date(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_commitment_unit_id_unit'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commitment')),
    sa.UniqueConstraint('unit_id', 'year', name=op.f('uq_commitment_unit_id'))
    )
    with op.batch_alter_table('commitment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_commitment_year'), ['year'], unique=False)

    op.create_table('duty_list',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('made_on', sa.Date(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_duty_list_unit_id_unit'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_duty_list')),
    sa.UniqueConstraint('unit_id', 'year', name=op.f('uq_duty_list_unit_id'))
    )
    with op.batch_alter_table('duty_list', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_duty_list_year'), ['year'], unique=False)

    op.create_table('annual_result',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('annual_mean', sa.Integer(), nullable=False),
    sa.Column('check_score', sa.Integer(), nullable=False),
    sa.Column('good_votes', sa.Integer(), nullable=False),
    sa.Column('valid_votes', sa.Integer(), nullable=False),
    sa.Column('vote_score', sa.Integer(), nullable=False),
    sa.Column('composite', sa.Integer(), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('grade', sa.Enum('好', '较好', '一般', '差', name='grade', native_enum=False, length=20), nullable=False),
    sa.Column('veto', sa.Boolean(), nullable=False),
    sa.Column('excellent', sa.Boolean(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['period_id'], ['period.id'], name=op.f('fk_annual_result_period_id_period'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_annual_result_unit_id_unit'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_annual_result')),
    sa.UniqueConstraint('period_id', 'unit_id', name=op.f('uq_annual_result_period_id'))
    )
    with op.batch_alter_table('annual_result', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_annual_result_unit_id'), ['unit_id'], unique=False)

    op.create_table('commitment_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('commitment_id', sa.Integer(), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('owner', sa.String(length=40), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('status', sa.Enum('未评定', '已践诺', '部分践诺', '未践诺', name='fulfilment', native_enum=False, length=20), nullable=False),
    sa.Column('status_note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['commitment_id'], ['commitment.id'], name=op.f('fk_commitment_item_commitment_id_commitment'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commitment_item'))
    )
    with op.batch_alter_table('commitment_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_commitment_item_commitment_id'), ['commitment_id'], unique=False)

    op.create_table('duty_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('duty_list_id', sa.Integer(), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('role', sa.Enum('党组书记', '班子成员', '机关党委书记', '支部书记', name='dutyrole', native_enum=False, length=20), nullable=False),
    sa.Column('person', sa.String(length=40), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['duty_list_id'], ['duty_list.id'], name=op.f('fk_duty_item_duty_list_id_duty_list'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_duty_item'))
    )
    with op.batch_alter_table('duty_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_duty_item_duty_list_id'), ['duty_list_id'], unique=False)

    op.create_table('duty_review',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('place', sa.String(length=100), nullable=False),
    sa.Column('host', sa.String(length=100), nullable=False),
    sa.Column('participants', sa.Text(), nullable=False),
    sa.Column('voters', sa.Integer(), nullable=False),
    sa.Column('vote_mode', sa.Enum('按票数录入', '逐张录入选票', name='votemode', native_enum=False, length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['period_id'], ['period.id'], name=op.f('fk_duty_review_period_id_period'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_duty_review')),
    sa.UniqueConstraint('period_id', name=op.f('uq_duty_review_period_id')),
    sa.UniqueConstraint('year', name=op.f('uq_duty_review_year'))
    )
    op.create_table('quarter_result',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('month_scores', sa.String(length=40), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('grade', sa.Enum('好', '较好', '一般', '差', name='grade', native_enum=False, length=20), nullable=False),
    sa.Column('veto', sa.Boolean(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['period_id'], ['period.id'], name=op.f('fk_quarter_result_period_id_period'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_quarter_result_unit_id_unit'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quarter_result')),
    sa.UniqueConstraint('period_id', 'unit_id', name=op.f('uq_quarter_result_period_id'))
    )
    with op.batch_alter_table('quarter_result', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quarter_result_unit_id'), ['unit_id'], unique=False)

    op.create_table('review_ballot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('marks', sa.Text(), nullable=False),
    sa.Column('entered_at', sa.DateTime(), nullable=False),
    sa.Column('entered_by', sa.String(length=60), nullable=False),
    sa.ForeignKeyConstraint(['review_id'], ['duty_review.id'], name=op.f('fk_review_ballot_review_id_duty_review'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_ballot')),
    sa.UniqueConstraint('review_id', 'number', name=op.f('uq_review_ballot_review_id'))
    )
    op.create_table('review_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('secretary', sa.String(length=40), nullable=False),
    sa.Column('post', sa.String(length=40), nullable=False),
    sa.Column('report_text', sa.Text(), nullable=False),
    sa.Column('report_file', sa.String(length=260), nullable=False),
    sa.Column('check_score', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['review_id'], ['duty_review.id'], name=op.f('fk_review_report_review_id_duty_review'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_review_report_unit_id_unit'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_report')),
    sa.UniqueConstraint('review_id', 'unit_id', name=op.f('uq_review_report_review_id'))
    )
    with op.batch_alter_table('review_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_report_unit_id'), ['unit_id'], unique=False)

    op.create_table('review_vote',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('choice', sa.Enum('好', '较好', '一般', '差', '弃权', name='votechoice', native_enum=False, length=20), nullable=False),
    sa.Column('votes', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['report_id'], ['review_report.id'], name=op.f('fk_review_vote_report_id_review_report'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_vote')),
    sa.UniqueConstraint('report_id', 'choice', name=op.f('uq_review_vote_report_id'))
    )


def downgrade() -> None:
    op.drop_table('review_vote')
    with op.batch_alter_table('review_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_report_unit_id'))

    op.drop_table('review_report')
    op.drop_table('review_ballot')
    with op.batch_alter_table('quarter_result', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quarter_result_unit_id'))

    op.drop_table('quarter_result')
    op.drop_table('duty_review')
    with op.batch_alter_table('duty_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_duty_item_duty_list_id'))

    op.drop_table('duty_item')
    with op.batch_alter_table('commitment_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_commitment_item_commitment_id'))

    op.drop_table('commitment_item')
    with op.batch_alter_table('annual_result', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_annual_result_unit_id'))

    op.drop_table('annual_result')
    with op.batch_alter_table('duty_list', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_duty_list_year'))

    op.drop_table('duty_list')
    with op.batch_alter_table('commitment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_commitment_year'))

    op.drop_table('commitment')
