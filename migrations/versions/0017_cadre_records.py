"""results that follow the cadres: the 问责 register (约谈问责, 通报批评, 诫勉 …).

Revision ID: 0017_cadre_records
Revises: 0016_care
Create Date: 2026-12-03 18:40:00.000000
"""
from __future__ import annotations

from collections.abc import Sequence

revision: str = '0017_cadre_records'
down_revision: str | None = '0016_care'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Reserved in the chain so that the registers of issues 16 and 18 could be built side by side; the schema
    # arrives with the feature's own commit.
    pass


def downgrade() -> None:
    pass
