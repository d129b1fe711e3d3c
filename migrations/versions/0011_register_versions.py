"""register versions: units, 党组织 and members carry an edit counter, so that a form saved with a record another
client changed since the form read it is refused (the scoring form's score_sheet.version, for the register).

Revision ID: 0011_register_versions
Revises: 0010_member_name_sort
Create Date: 2026-12-03 16:40:00.000000
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0011_register_versions'
down_revision: str | None = '0010_member_name_sort'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLES = ('unit', 'party_org', 'member')


def upgrade() -> None:
    for table in _TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))


def downgrade() -> None:
    for table in reversed(_TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('version')
