"""季度与年度: four tabs — 季度考核, 公开承诺与责任清单, 述职评议, 年终考核材料 — each reloading when the data it
shows changes elsewhere (scores locked, the register edited) or the database is replaced."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from app.ui.annual.commitment_tab import CommitmentTab
from app.ui.annual.packets_tab import PacketsTab
from app.ui.annual.quarter_tab import QuarterTab
from app.ui.annual.review_tab import ReviewTab
from app.ui.context import AppContext


class AnnualPage(QWidget):
    def __init__(self, ctx: AppContext, today: Callable[[], dt.date] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        today = today or ctx.today
        self.ctx = ctx
        col = QVBoxLayout(self)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("annual_tabs")
        self.quarter = QuarterTab(ctx, today)
        self.commitments = CommitmentTab(ctx, today)
        self.review = ReviewTab(ctx, today)
        self.packets = PacketsTab(ctx, today)
        self.tabs.addTab(self.quarter, "季度考核")
        self.tabs.addTab(self.commitments, "公开承诺与责任清单")
        self.tabs.addTab(self.review, "述职评议")
        self.tabs.addTab(self.packets, "年终考核材料")
        col.addWidget(self.tabs)
        ctx.follow(self, self.reload, "register", "scoring", "settings", "bulletins", "interviews")

    def reload(self) -> None:
        self.quarter.reload()
        self.commitments.reload()
        self.review.reload()

    # A ballot typed into 逐张录入选票 but not yet entered with Enter is the page's one unsaved edit.
    def has_unsaved_changes(self) -> bool:
        return bool(self.review.ballot_edit.text().strip())

    def save_changes(self) -> bool:
        self.review.add_ballot()  # a wrong ballot stays in the line with the reason beside it
        return not self.has_unsaved_changes()

    def discard_changes(self) -> None:
        self.review.ballot_edit.clear()
