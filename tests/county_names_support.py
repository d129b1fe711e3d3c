"""The counties the tests build give their county's name, as the first-run wizard makes a real office do: a 通报 is
refused while the issuing body's names are 示范县's placeholders (app.services.county_names)."""

from __future__ import annotations

from sqlalchemy import select

from app import settings as S
from app.db import Database
from app.models import Setting
from app.services.app_settings import SettingsService

TEST_COUNTY = S.PLACEHOLDER_COUNTY  # the names the documents' tests expect (中共示范县…, 示直工委)


def give_county_name(db: Database, county: str = TEST_COUNTY) -> None:
    """Save the county's name unless one was given already (by the wizard, in its tests)."""
    with db.session() as s:
        if s.scalar(select(Setting.id).where(Setting.key == S.COUNTY_NAME.key)) is not None:
            return
    SettingsService(db.session_factory).save({S.COUNTY_NAME.key: county})
