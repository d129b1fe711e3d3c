"""支部书记 and 党务干部: the roster of party-work officers and their training records.

Revision ID: 0015_party_workers
Revises: 0014_study_groups
Create Date: 2026-12-03 18:40:00.000000
"""
from __future__ import annotations

from collections.abc import Sequence

revision: str = '0015_party_workers'
down_revision: str | None = '0014_study_groups'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Reserved in the chain so that the registers of issues 16 and 18 could be built side by side; the schema
    # arrives with the feature's own commit.
    pass


def downgrade() -> None:
    pass
