"""member name sort key: the 党员 list sorts names by full pinyin with tones (张三 "zhang1 san1" before 赵四
"zhao4 si4", though both have the initials zs), read from a stored key so that a county of 20,000 sorts in SQL.
The key is filled in here for the members a database already holds.

Revision ID: 0010_member_name_sort
Revises: 0009_register_trail
Create Date: 2026-12-03 16:20:00.000000
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0010_member_name_sort'
down_revision: str | None = '0009_register_trail'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BATCH = 2000


def upgrade() -> None:
    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_sort', sa.String(length=200), server_default='', nullable=False))
        batch_op.create_index(batch_op.f('ix_member_name_sort'), ['name_sort'], unique=False)
    _backfill(op.get_bind())


def _backfill(conn: sa.Connection) -> None:
    """Each member's key from its name, by id in batches (the pinyin of each distinct name is computed once)."""
    from app.services.idcard import pinyin_sort_key

    member = sa.table('member', sa.column('id', sa.Integer), sa.column('name', sa.String),
                      sa.column('name_sort', sa.String))
    update = member.update().where(member.c.id == sa.bindparam('b_id')).values(name_sort=sa.bindparam('b_key'))
    last = 0
    while True:
        rows = conn.execute(sa.select(member.c.id, member.c.name).where(member.c.id > last)
                            .order_by(member.c.id).limit(_BATCH)).all()
        if not rows:
            return
        conn.execute(update, [{'b_id': i, 'b_key': pinyin_sort_key(name or '')} for i, name in rows])
        last = rows[-1][0]


def downgrade() -> None:
    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_member_name_sort'))
        batch_op.drop_column('name_sort')
