"""units report in: the monthly collection round (workbooks sent, returned, refused).

Revision ID: 0018_collection_rounds
Revises: 0017_cadre_records
Create Date: 2026-12-03 18:40:00.000000
"""
from __future__ import annotations

from collections.abc import Sequence

revision: str = '0018_collection_rounds'
down_revision: str | None = '0017_cadre_records'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Reserved in the chain so that the registers of issues 16 and 18 could be built side by side; the schema
    # arrives with the feature's own commit.
    pass


def downgrade() -> None:
    pass
