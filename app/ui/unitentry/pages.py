"""The window of a 单位填报员: only the areas its role may use, under the titles (and keys, for F1 and the 提醒's
links) of the full window's areas.  The services refuse everything else whatever the window shows."""

from __future__ import annotations

from app.models import Role
from app.services.accounts import Actor
from app.ui.pages import PAGES, PageDef

UNIT_PAGES: list[PageDef] = [
    PageDef("home", "提醒", "app.ui.alerts.page:AlertsPage"),  # its own unit's: the reads are scoped
    PageDef("scoring", "月度考评", "app.ui.unitentry.scoring:UnitScoringPage"),
    PageDef("interviews", "约谈与整改", "app.ui.unitentry.rectification:UnitRectificationPage"),
    PageDef("orglife", "组织生活", "app.ui.orglife.page:OrgLifePage"),
]


def is_unit_account(actor: Actor | None) -> bool:
    return actor is not None and actor.role == Role.UNIT_REPORTER


def pages_for(actor: Actor | None) -> list[PageDef]:
    """The areas of the main window for the logged-in account."""
    return list(UNIT_PAGES) if is_unit_account(actor) else list(PAGES)
