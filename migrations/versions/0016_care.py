"""党内激励、关怀、帮扶: 表彰, 关怀对象 and 帮扶/慰问 visits.

Revision ID: 0016_care
Revises: 0015_party_workers
Create Date: 2026-12-03 18:40:00.000000
"""
from __future__ import annotations

from collections.abc import Sequence

revision: str = '0016_care'
down_revision: str | None = '0015_party_workers'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Reserved in the chain so that the registers of issues 16 and 18 could be built side by side; the schema
    # arrives with the feature's own commit.
    pass


def downgrade() -> None:
    pass
