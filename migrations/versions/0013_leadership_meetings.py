"""民主生活会 (党组/班子) and the substance of 组织生活会: attendance, 批评意见, 问题清单, 会前征求意见.

Revision ID: 0013_leadership_meetings
Revises: 0012_disposal
Create Date: 2026-12-03 18:40:00.000000
"""
from __future__ import annotations

from collections.abc import Sequence

revision: str = '0013_leadership_meetings'
down_revision: str | None = '0012_disposal'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Reserved in the chain so that the registers of issues 16 and 18 could be built side by side; the schema
    # arrives with the feature's own commit.
    pass


def downgrade() -> None:
    pass
