"""register trail baseline: from this revision on, units, 党组织, posts, members and their moves, 组织生活 records
and 发展党员 records are audit entries; the ones a database already holds get one 基线 entry each (a snapshot, its
personal numbers as keyed digests), so that `audit verify` compares them with the trail from here on instead of
naming every old record as written outside the app.  No schema change.

The baseline is written here, once per database, rather than at every start of the app: a start that "baselines
whatever has no entry" would also bless a record someone slipped into the file.  Records the trail already knows
are never re-baselined.  It reads only the columns the tables have at this revision (a later migration may add
more), so it stays correct when run on the way to a later head.

Revision ID: 0009_register_trail
Revises: 0008_month_dates
Create Date: 2026-12-03 12:00:00.000000
"""
from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = '0009_register_trail'
down_revision: str | None = '0008_month_dates'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    from app.services.register_audit import record_untracked

    record_untracked(op.get_bind(), "系统升级", "基线", "升级前已有的登记记录（此前未记入审计日志）")


def downgrade() -> None:
    # The trail is append-only: its baseline entries stay (an older version simply does not compare them).
    pass
