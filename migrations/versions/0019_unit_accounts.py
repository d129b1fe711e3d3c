"""units report in: the 单位填报员 role bound to one unit.

Revision ID: 0019_unit_accounts
Revises: 0018_collection_rounds
Create Date: 2026-12-03 18:40:00.000000
"""
from __future__ import annotations

from collections.abc import Sequence

revision: str = '0019_unit_accounts'
down_revision: str | None = '0018_collection_rounds'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Reserved in the chain so that the registers of issues 16 and 18 could be built side by side; the schema
    # arrives with the feature's own commit.
    pass


def downgrade() -> None:
    pass
