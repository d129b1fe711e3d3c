"""单位画像: a unit's last twelve months against the county's mean, its rank and tier each month (the same as the
month's ranking), its open 整改 items; shown on the 组织机构 page when a unit is selected."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import dbkit
import frozen
import pytest
from sqlalchemy import select

import app.demo.county as demo
from app.db import Database
from app.errors import NotFoundError
from app.models import Period, PeriodKind, PeriodState, Unit
from app.paths import AppPaths
from app.services.ranking import RankingService
from app.services.rectification import RectificationService
from app.services.register import RegisterService, UnitInput
from app.services.unit_picture import unit_picture
from app.ui import tasks
from app.ui.context import AppContext
from app.ui.org_page import OrgPage
from app.ui.unit_picture import UnitPictureDialog, month_rows, score_axis, summary

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    from app.services.opening import open_database

    database = open_database(dbkit.KIT.new(tmp_path_factory.mktemp("picture"), "demo"))
    demo.build_demo(database, "tiny", seed=11, today=frozen.today())
    yield database
    database.close()


def _units(db: Database) -> list[tuple[int, str]]:
    with db.session() as s:
        return [(u.id, u.name) for u in s.scalars(select(Unit).order_by(Unit.sort_order, Unit.id))]


def test_each_month_is_the_months_ranking(county: Database) -> None:
    today = frozen.today()
    ranking = RankingService(county.session_factory)
    with county.session() as s:
        monthly = list(s.scalars(select(Period).where(Period.kind == PeriodKind.MONTH).order_by(Period.key)))
    shown = [p for p in monthly if p.key <= f"{today.year:04d}-{today.month:02d}"][-12:]
    assert shown, "the demo county has monthly periods"
    for unit_id, _name in _units(county)[:3]:
        picture = unit_picture(county.session_factory, unit_id, today=frozen.today)
        assert [m.key for m in picture.months] == [p.key for p in shown]  # oldest first, at most twelve
        for month, period in zip(picture.months, shown, strict=True):
            r = ranking.period(period.id)
            row = next(x for x in r.rows if x.unit_id == unit_id)
            assert (month.total, month.rank, month.tier, month.units) == (row.total, row.rank, row.tier, len(r.rows))
            mean = sum((x.total for x in r.rows), Decimal(0)) / len(r.rows)
            assert abs(month.mean - mean) <= Decimal("0.05")  # type: ignore[operator]


def test_open_items_are_the_units_unclosed_rectification(county: Database) -> None:
    items = RectificationService(county.session_factory, today=frozen.today)
    with_items = {i.unit_id for i in items.items(open_only=True)}
    assert with_items, "the demo county has open 整改 items"
    unit_id = min(with_items)
    picture = unit_picture(county.session_factory, unit_id, today=frozen.today)
    assert [i.id for i in picture.open_items] == [i.id for i in items.items(unit_id=unit_id, open_only=True)]
    assert all(i.status.value != "已销号" for i in picture.open_items)
    assert f"未销号整改{len(picture.open_items)}项" in summary(picture)


def test_a_unit_added_this_month_has_no_history_and_an_unknown_unit_is_refused(db: Database) -> None:
    reg = RegisterService(db.session_factory, today=frozen.today)
    unit_id = reg.save_unit(UnitInput(name="县新设局"))
    picture = unit_picture(db.session_factory, unit_id, today=frozen.today)
    assert picture.months == [] and picture.open_items == []
    assert summary(picture) == "还没有已锁定的月度考评；没有未销号的整改事项。"
    with pytest.raises(NotFoundError, match="单位不存在"):
        unit_picture(db.session_factory, unit_id + 999, today=frozen.today)


def test_rows_say_what_a_month_is() -> None:
    from app.services.unit_picture import UnitMonth

    locked = UnitMonth("2026-09", 2026, 9, PeriodState.LOCKED, 40, Decimal("95.5"), Decimal("72.5"), 40, None)
    draft = UnitMonth("2026-10", 2026, 10, PeriodState.DRAFT, 40, Decimal("95.0"), Decimal("88.0"), 3, None)
    absent = UnitMonth("2026-11", 2026, 11, PeriodState.LOCKED, 40, Decimal("95.1"), None, None, None)
    rows = month_rows([locked, draft, absent])
    assert rows[0] == ("2026年11月", "—", "95.1", "未参加", "")  # newest first
    assert rows[1][3] == "未锁定"  # a draft month's rank is not final
    assert rows[2][:4] == ("2026年9月", "72.5", "95.5", "40/40")
    assert score_axis([Decimal("72.5"), Decimal("95.5")]) == (70, 100)
    assert score_axis([Decimal("99"), Decimal("103.5")]) == (95, 105)  # 加分 above 100
    assert score_axis([Decimal("99.5"), Decimal("100")]) == (90, 100)  # at least 10 points tall


def test_selecting_a_unit_on_the_organisation_page_shows_its_picture(qtbot, county: Database, tmp_path) -> None:
    from app.paths import app_paths

    paths: AppPaths = app_paths(tmp_path).ensure()
    ctx = AppContext(paths, county)
    unit_id, name = _units(county)[0]
    with tasks.synchronous():
        page = OrgPage(ctx)
        qtbot.addWidget(page)
        page.show()
        page.tree.setCurrentIndex(page.proxy.mapFromSource(page.model.index_of("unit", unit_id)))
    view = page.picture
    assert view.isVisible() and view.picture is not None and view.picture.unit_id == unit_id
    assert view.title.text().startswith(name)
    assert view.months_model.rowCount() == len(view.picture.months) > 0
    assert "个已锁定月份" in view.summary.text()
    org_id = page.model.node(page.model.index(0, 0, page.model.index_of("unit", unit_id)))
    assert org_id is not None
    with tasks.synchronous():
        page.tree.setCurrentIndex(page.proxy.mapFromSource(page.model.index_of(*org_id)))
    assert not view.isVisible()  # an organisation shows its committee instead

    with tasks.synchronous():
        dialog = UnitPictureDialog(ctx, unit_id, name)
        qtbot.addWidget(dialog)
    assert dialog.view.picture is not None and dialog.view.chart.months == dialog.view.picture.months


def test_ctrl_i_on_the_quarter_results_opens_the_selected_units_picture(qtbot, county: Database, tmp_path) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from app.paths import app_paths
    from app.ui.annual.quarter_tab import QuarterTab

    ctx = AppContext(app_paths(tmp_path).ensure(), county)
    with tasks.synchronous():
        tab = QuarterTab(ctx, today=frozen.today)
        qtbot.addWidget(tab)
        tab.show()
        assert tab.model.rowCount() > 1  # the demo county has a graded quarter on every day
        tab.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is tab)  # shortcuts go to the active window
        tab.view.setFocus()
        tab.view.selectRow(1)
        expected = tab.model.row(1)
        qtbot.keyClick(tab.view, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)
    dialogs = [w for w in QApplication.topLevelWidgets() if isinstance(w, UnitPictureDialog) and w.isVisible()]
    assert len(dialogs) == 1 and expected is not None
    picture = dialogs[0].view.picture
    assert picture is not None and picture.unit_id == expected.unit_id
    dialogs[0].close()
