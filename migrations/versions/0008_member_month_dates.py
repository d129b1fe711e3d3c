"""member month dates: 出生年月, 入党时间 and 转正时间 kept to the month only (as many office rosters keep them) are
stored as the first of the month with a flag per date, so that they are shown as 1992年3月 and never as a day

Revision ID: 0008_month_dates
Revises: 0007
Create Date: 2026-12-03 11:50:00.000000
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008_month_dates'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FLAGS = ('birth_month_only', 'joined_month_only', 'full_member_month_only')


def upgrade() -> None:
    with op.batch_alter_table('member', schema=None) as batch_op:
        for name in _FLAGS:
            batch_op.add_column(sa.Column(name, sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('member', schema=None) as batch_op:
        for name in reversed(_FLAGS):
            batch_op.drop_column(name)
