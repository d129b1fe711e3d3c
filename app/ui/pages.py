"""The page registry: the areas of the left navigation, in order.

Each entry is `PageDef(key, title, factory)`.  `factory` is either a callable taking the `AppContext` and
returning the page widget, or a string "package.module:Name" that is imported only when the page is first
shown (start-up stays light).  A page may offer, and the main window then uses:

* `focus_search()`: what Ctrl+F does on that page;
* `show_target(target)`: show one record when another page navigates there (`ctx.navigate.emit(key, target)`);
* `reload()`: read the data again when another client changed it (app/ui/refresher.py);
* `has_unsaved_changes()`: True while the page has edits of its own that `reload()` would reset (free editors,
  not dialogs or cell editors, which the refresher sees by itself); the page is then reloaded only later, and
  leaving the page or closing the window asks 保存 / 不保存 / 取消 (app/ui/unsaved.py), which call
* `save_changes()` (True once saved) and `discard_changes()`.

A new area is one more line here, e.g. `PageDef("scoring", "月度考评", "app.ui.scoring.page:ScoringPage")`.

Ctrl+1 … Ctrl+9 and Ctrl+0 go to the first ten areas in this order."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from app.ui.context import AppContext



@dataclass(frozen=True)
class PageDef:
    key: str
    title: str
    factory: Callable[[AppContext], QWidget] | str

    def create(self, ctx: AppContext) -> QWidget:
        if isinstance(self.factory, str):
            module, _, name = self.factory.partition(":")
            make = getattr(importlib.import_module(module), name)
        else:
            make = self.factory
        widget: QWidget = make(ctx)
        widget.setObjectName(f"page_{self.key}")
        return widget


PAGES: list[PageDef] = [
    PageDef("home", "提醒", "app.ui.alerts.page:AlertsPage"),
    PageDef("orgs", "组织机构", "app.ui.org_page:OrgPage"),
    PageDef("members", "党员", "app.ui.member_page:MemberPage"),
    PageDef("scoring", "月度考评", "app.ui.scoring.page:ScoringPage"),
    PageDef("bulletins", "通报", "app.ui.documents.bulletin_page:BulletinPage"),
    PageDef("interviews", "约谈与整改", "app.ui.documents.interview_page:InterviewPage"),
    PageDef("periodic", "季度与年度", "app.ui.annual.page:AnnualPage"),
    PageDef("orglife", "组织生活", "app.ui.orglife.page:OrgLifePage"),
    PageDef("team", "队伍建设", "app.ui.team.page:TeamPage"),
    PageDef("settings", "设置", "app.ui.settings_page:SettingsPage"),
]


def page(key: str) -> PageDef:
    for p in PAGES:
        if p.key == key:
            return p
    raise KeyError(key)
