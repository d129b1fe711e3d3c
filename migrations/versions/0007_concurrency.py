"""concurrency: score_sheet.version (optimistic concurrency of the scoring form) and change_stamp (one row whose
counter every committed write moves, so that other clients know when to read their lists again)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 01:10:00.000000
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('score_sheet', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))
    stamp = op.create_table('change_stamp',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('n', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_change_stamp'))
    )
    op.bulk_insert(stamp, [{'id': 1, 'n': 0}])


def downgrade() -> None:
    op.drop_table('change_stamp')
    with op.batch_alter_table('score_sheet', schema=None) as batch_op:
        batch_op.drop_column('version')
