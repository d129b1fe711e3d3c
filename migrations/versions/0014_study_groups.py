"""党组（党委）理论学习中心组: meetings, plans; 三大责任制 on the 责任清单.

Revision ID: 0014_study_groups
Revises: 0013_leadership_meetings
Create Date: 2026-12-03 18:40:00.000000
"""
from __future__ import annotations

from collections.abc import Sequence

revision: str = '0014_study_groups'
down_revision: str | None = '0013_leadership_meetings'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Reserved in the chain so that the registers of issues 16 and 18 could be built side by side; the schema
    # arrives with the feature's own commit.
    pass


def downgrade() -> None:
    pass
