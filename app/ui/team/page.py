"""队伍建设: one tab per register about the people who lead and do party work.

Each register adds one line to TABS: `TabDef(key, title, "package.module:Class")`; the class takes the
`AppContext` and may offer what a page offers (app/ui/pages.py): `show_target(target) -> bool` (True when the
target is its record: the page then turns to that tab), `reload()`, `focus_search()`, `has_unsaved_changes()`,
`save_changes()` and `discard_changes()`.  A tab's module is imported when the page is first shown."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from app.ui.context import AppContext


@dataclass(frozen=True)
class TabDef:
    key: str
    title: str
    factory: str  # "package.module:Class"

    def create(self, ctx: AppContext) -> QWidget:
        module, _, name = self.factory.partition(":")
        widget: QWidget = getattr(importlib.import_module(module), name)(ctx)
        widget.setObjectName(f"team_{self.key}")
        return widget


TABS: list[TabDef] = [
    TabDef("lifemeeting", "民主生活会", "app.ui.team.lifemeeting:LifeMeetingTab"),
    TabDef("workers", "党务干部与培训", "app.ui.team.workers:WorkersTab"),
    TabDef("cadres", "党建实绩与问责", "app.ui.team.cadres:CadresTab"),
    TabDef("study", "中心组学习", "app.ui.team.study_tab:StudyTab"),
]


class TeamPage(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.tabs = QTabWidget()
        self.tabs.setObjectName("team_tabs")
        self.parts: dict[str, Any] = {}
        for tab in TABS:
            widget = tab.create(ctx)
            self.parts[tab.key] = widget
            self.tabs.addTab(widget, tab.title)
        QVBoxLayout(self).addWidget(self.tabs)

    def _each(self, method: str) -> list[Any]:
        return [getattr(w, method) for w in self.parts.values() if hasattr(w, method)]

    def show_target(self, target: object) -> None:
        for widget in self.parts.values():
            if hasattr(widget, "show_target") and widget.show_target(target):
                self.tabs.setCurrentWidget(widget)
                return

    def reload(self) -> None:
        for reload in self._each("reload"):
            reload()

    def focus_search(self) -> None:
        current = self.tabs.currentWidget()
        if hasattr(current, "focus_search"):
            current.focus_search()

    def has_unsaved_changes(self) -> bool:
        return any(check() for check in self._each("has_unsaved_changes"))

    def save_changes(self) -> bool:
        widgets = [w for w in self.parts.values() if hasattr(w, "has_unsaved_changes") and w.has_unsaved_changes()]
        return all(w.save_changes() for w in widgets)

    def discard_changes(self) -> None:
        for discard in self._each("discard_changes"):
            discard()
