"""不合格党员处置: cases after 民主评议 (限期改正 → 恢复合格 / 劝其退党 / 除名), 失联党员 and 停止党籍.

Revision ID: 0012_disposal
Revises: 0011_register_versions
Create Date: 2026-12-03 18:40:00.000000
"""
from __future__ import annotations

from collections.abc import Sequence

revision: str = '0012_disposal'
down_revision: str | None = '0011_register_versions'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Reserved in the chain so that the registers of issues 16 and 18 could be built side by side; the schema
    # arrives with the feature's own commit.
    pass


def downgrade() -> None:
    pass
