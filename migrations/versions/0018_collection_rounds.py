"""units report in: the monthly collection round (workbooks sent, returned, refused); the 说明 of a 自评.

Revision ID: 0018_collection_rounds
Revises: 0017_cadre_records
Create Date: 2026-12-03 18:40:00.000000
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.models.base import UTCDateTime

revision: str = '0018_collection_rounds'
down_revision: str | None = '0017_cadre_records'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('collection_round',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=60), nullable=False),
    sa.ForeignKeyConstraint(['period_id'], ['period.id'], name=op.f('fk_collection_round_period_id_period'),
                            ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_collection_round')),
    sa.UniqueConstraint('period_id', name=op.f('uq_collection_round_period_id'))
    )
    op.create_table('collection_return',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('sent_at', UTCDateTime(), nullable=True),
    sa.Column('sent_file', sa.String(length=255), nullable=False),
    sa.Column('template_version', sa.Integer(), nullable=False),
    sa.Column('nonce', sa.String(length=64), nullable=False),
    sa.Column('received_at', UTCDateTime(), nullable=True),
    sa.Column('received_file', sa.String(length=255), nullable=False),
    sa.Column('received_digest', sa.String(length=64), nullable=False),
    sa.Column('refused_at', UTCDateTime(), nullable=True),
    sa.Column('refused_file', sa.String(length=255), nullable=False),
    sa.Column('refused_digest', sa.String(length=64), nullable=False),
    sa.Column('refusal', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['collection_round.id'],
                            name=op.f('fk_collection_return_round_id_collection_round'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_collection_return_unit_id_unit'),
                            ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_collection_return')),
    sa.UniqueConstraint('round_id', 'unit_id', name=op.f('uq_collection_return_round_id'))
    )
    with op.batch_alter_table('collection_return', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_collection_return_round_id'), ['round_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_collection_return_unit_id'), ['unit_id'], unique=False)
    with op.batch_alter_table('score_item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('self_note', sa.Text(), server_default='', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('score_item', schema=None) as batch_op:
        batch_op.drop_column('self_note')
    with op.batch_alter_table('collection_return', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_collection_return_unit_id'))
        batch_op.drop_index(batch_op.f('ix_collection_return_round_id'))
    op.drop_table('collection_return')
    op.drop_table('collection_round')
