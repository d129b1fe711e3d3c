"""units report in: the 单位填报员 role bound to one unit.

Revision ID: 0019_unit_accounts
Revises: 0018_collection_rounds
Create Date: 2026-12-03 18:40:00.000000
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0019_unit_accounts'
down_revision: str | None = '0018_collection_rounds'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The role itself needs no schema change: app_user.role is a plain string column holding the label (a
    # non-native enum without a CHECK constraint), so "单位填报员" is stored as it is on SQLite and PostgreSQL.
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unit_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_app_user_unit_id'), ['unit_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_app_user_unit_id_unit'), 'unit', ['unit_id'], ['id'],
                                    ondelete='RESTRICT')


def downgrade() -> None:
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_app_user_unit_id_unit'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_app_user_unit_id'))
        batch_op.drop_column('unit_id')
