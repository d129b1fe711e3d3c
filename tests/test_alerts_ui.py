"""The 提醒 dashboard driven with qtbot: counts per kind, filtering, the chart, and each line opening the record
to fix.  The county is built relative to the real today so the alerts hold whatever day the tests run."""

from __future__ import annotations

import datetime as dt

import frozen
import pytest
from orglife_fixtures import make_branch
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from ui_fixtures import IGNORE_SIZE_HINTS
from ui_fixtures import synchronous_tasks as synchronous_tasks

from app.models import MemberStatus, OrgPostKind
from app.services import alerts as A
from app.services.compliance import MonthRate
from app.services.idcard import make_id
from app.services.recruit import RecruitInput, RecruitService
from app.services.register import MemberInput, PostInput
from app.ui.alerts.chart import BAR_COLOUR, ComplianceChart
from app.ui.alerts.page import AlertsPage, AlertTableModel, KindFilter, KindRole, destination
from app.ui.context import AppContext
from app.ui.mainwindow import MainWindow

pytestmark = IGNORE_SIZE_HINTS


@pytest.fixture
def ctx(paths, db):
    return AppContext(paths, db)


@pytest.fixture
def county(ctx, db):
    """A branch with a long vacancy, a 预备党员 long past the 预备期, an applicant never talked to, and (being a
    new database) no meetings at all."""
    reg = ctx.register
    b = make_branch(reg, "县财政局", size=4, committee=1, seq_base=100)
    reg.save_post(PostInput(b.org_id, OrgPostKind.ORGANISATION, None, dt.date(2020, 5, 1)))
    probationer = reg.save_member(MemberInput(b.org_id, "周预备", MemberStatus.PROBATIONARY,
                                              id_number=make_id("430102", dt.date(1995, 1, 1), 901),
                                              joined_on=dt.date(2019, 7, 1)))
    recruit = RecruitService(db.session_factory).create(RecruitInput(b.org_id, "林小梅", dt.date(1998, 4, 12),
                                                                     dt.date(2020, 3, 1)))
    return b, probationer, recruit


@pytest.fixture
def window(qtbot, ctx, county):
    w = MainWindow(ctx)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


def dashboard(window) -> AlertsPage:
    page = window.page("home")
    assert isinstance(page, AlertsPage)
    return page


def row_of(page: AlertsPage, kind: str, subject: str | None = None) -> int:
    for row in range(page.proxy.rowCount()):
        a = page.model.alert(page.proxy.mapToSource(page.proxy.index(row, 0)).row())
        if a is not None and a.kind == kind and (subject is None or a.subject == subject):
            return row
    raise AssertionError(f"no {kind} line")


def open_line(qtbot, page: AlertsPage, row: int) -> None:
    index = page.proxy.index(row, 2)
    page.view.setCurrentIndex(index)
    page.view.scrollTo(index)
    pos = page.view.visualRect(index).center()
    qtbot.mouseClick(page.view.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    qtbot.mouseDClick(page.view.viewport(), Qt.MouseButton.LeftButton, pos=pos)


def test_dashboard_is_the_home_page_with_counts(window):
    page = dashboard(window)
    assert window.current_key() == "home"
    c = A.counts(page.alerts)
    assert c["vacancy"] == 1 and c["probation_due"] == 1 and c["recruit_rule"] == 1 and c["meeting_missing"] >= 1
    assert page.buttons["vacancy"].text() == "支委空缺\n1"
    assert page.buttons[None].text() == f"全部\n{len(page.alerts)}"
    assert "已逾期" in page.state.text()


def test_group_and_kind_buttons_filter_the_list(qtbot, window):
    page = dashboard(window)
    assert not page.kind_rows.isVisible()  # 全部: the groups only
    members = page.group_buttons["党员队伍"]
    c = A.counts(page.alerts)
    assert members.text() == f"党员队伍\n{c['probation_due'] + c['recruit_rule'] + c['member_incomplete']}"
    qtbot.mouseClick(members, Qt.MouseButton.LeftButton)
    assert page.kind_rows.isVisible() and page.buttons["probation_due"].isVisible()
    assert not page.buttons["vacancy"].isVisible()  # another group's kind
    assert {a.kind for a in page.alerts if a.kind in ("probation_due", "recruit_rule", "member_incomplete")} == {
        page.proxy.index(r, 0).data(KindRole) for r in range(page.proxy.rowCount())}
    qtbot.mouseClick(page.buttons["probation_due"], Qt.MouseButton.LeftButton)
    assert page.proxy.rowCount() == 1
    assert "周预备" in page.proxy.index(0, 2).data()
    page.filter_kind("vacancy")  # as the shortcut from elsewhere does: its group shows, the kind chosen
    assert page.group_buttons["组织建设"].isChecked() and page.buttons["vacancy"].isChecked()
    assert page.proxy.rowCount() == c["vacancy"]
    qtbot.mouseClick(page.group_buttons["组织建设"], Qt.MouseButton.LeftButton)
    assert not page.buttons["vacancy"].isChecked()
    qtbot.mouseClick(page.buttons[None], Qt.MouseButton.LeftButton)
    assert page.proxy.rowCount() == len(page.alerts) and not page.kind_rows.isVisible()


def test_the_state_says_how_many_are_shown_of_how_many(qtbot, window):
    page = dashboard(window)
    total = len(page.alerts)
    overdue = sum(1 for a in page.alerts if a.overdue)
    assert page.state.text() == f"共 {total} 条提醒，其中已逾期 {overdue} 条（双击一行打开需要处理的记录）"
    qtbot.mouseClick(page.group_buttons["党员队伍"], Qt.MouseButton.LeftButton)
    mine = [a for a in page.alerts if a.kind in page.groups["党员队伍"]]
    late = sum(1 for a in mine if a.overdue)
    assert 0 < len(mine) < total
    assert page.state.text() == (f"党员队伍：显示 {len(mine)} 条（共 {total} 条提醒），其中已逾期 {late} 条"
                                 "（双击一行打开需要处理的记录）")
    assert page.proxy.rowCount() == len(mine)
    qtbot.mouseClick(page.buttons["probation_due"], Qt.MouseButton.LeftButton)
    assert page.state.text().startswith(f"{A.KIND_LABELS['probation_due']}：显示 1 条（共 {total} 条提醒）")
    empty = next(k for k in A.KINDS if A.counts(page.alerts)[k] == 0)
    page.filter_kind(empty)
    assert page.state.text() == f"{A.KIND_LABELS[empty]}：没有提醒（共 {total} 条提醒）"
    assert page.proxy.rowCount() == 0
    qtbot.mouseClick(page.buttons[None], Qt.MouseButton.LeftButton)  # 全部 again: the total once more
    assert page.state.text() == f"共 {total} 条提醒，其中已逾期 {overdue} 条（双击一行打开需要处理的记录）"


def test_vacancy_line_opens_the_organisation(qtbot, window, county):
    b = county[0]
    page = dashboard(window)
    open_line(qtbot, page, row_of(page, "vacancy"))
    assert window.current_key() == "orgs"
    assert window.page("orgs").current_node() == ("org", b.org_id)


def test_probation_line_opens_the_member(qtbot, window, county):
    page = dashboard(window)
    open_line(qtbot, page, row_of(page, "probation_due"))
    assert window.current_key() == "members"
    assert window.page("members").current_member() == county[1]


def test_recruit_line_opens_the_pipeline(qtbot, window, county):
    page = dashboard(window)
    open_line(qtbot, page, row_of(page, "recruit_rule"))
    assert window.current_key() == "orglife"
    orglife = window.page("orglife")
    assert orglife.tabs.currentWidget() is orglife.recruits
    assert orglife.recruits.current().id == county[2]


def test_meeting_line_opens_the_branchs_records(qtbot, window, county):
    page = dashboard(window)
    open_line(qtbot, page, row_of(page, "meeting_missing", "中共示范县县财政局机关支部委员会"))
    assert window.current_key() == "orglife"
    records = window.page("orglife").records
    assert records.org.value() == county[0].org_id


def test_enter_key_opens_too(qtbot, window, county):
    page = dashboard(window)
    page.view.setFocus()
    page.view.setCurrentIndex(page.proxy.index(row_of(page, "vacancy"), 0))
    qtbot.keyClick(page.view, Qt.Key.Key_Return)
    assert window.current_key() == "orgs"


def test_chart_drawn_when_shown(window):
    """The month's rates of this year, one bar per month so far (this county holds no meetings: all 0 %)."""
    page = dashboard(window)
    today = frozen.today()
    assert [(r.year, r.month) for r in page.chart.rates] == [(today.year, m) for m in range(1, today.month + 1)]
    assert page.chart.title == f"{today.year}年各月应开会议活动完成率"
    assert page.chart.isVisible() and page.chart.height() >= 200


def test_chart_draws_bars_on_white(qtbot):
    chart = ComplianceChart()
    qtbot.addWidget(chart)
    chart.resize(700, 260)
    chart.set_rates([MonthRate(2026, 1, 4, 3), MonthRate(2026, 2, 2, 2)], "2026年各月应开会议活动完成率")
    image = chart.grab().toImage()
    colours = {image.pixelColor(x, y).name() for x in range(0, image.width(), 3)
               for y in range(0, image.height(), 3)}
    assert "#ffffff" in colours and BAR_COLOUR.name() in colours
    chart.show_message("正在绘制合规率图表……")
    assert chart.rates == []
    blank = chart.grab().toImage()
    assert BAR_COLOUR.name() not in {blank.pixelColor(x, y).name() for x in range(0, blank.width(), 3)
                                     for y in range(0, blank.height(), 3)}


def test_chart_labels_say_each_month_and_its_rate():
    rates = [MonthRate(2026, 1, 4, 3), MonthRate(2026, 2, 0, 0), MonthRate(2026, 3, 3, 3)]
    assert ComplianceChart.values(rates) == [("1月", 75.0, "75%"), ("2月", 0.0, "—"), ("3月", 100.0, "100%")]


def test_alert_models(qtmodeltester, qapp):
    model = AlertTableModel()
    alerts = [
        A.Alert("vacancy", "一支部", "一支部：组织委员空缺", None, A.ORG, 3, 1, True),
        A.Alert("probation_due", "周预备", "预备期将满", dt.date(2026, 12, 1), A.MEMBER, 7, 1, False),
        A.Alert("recruit_rule", "林小梅", "未谈话", dt.date(2026, 1, 1), A.RECRUIT, 2, 1, True),
    ]
    model.set_alerts(alerts)
    qtmodeltester.check(model)
    proxy = KindFilter()
    proxy.setSourceModel(model)
    proxy.set_kinds({"probation_due"})
    qtmodeltester.check(proxy)
    assert proxy.rowCount() == 1
    assert model.index(0, 0).data(Qt.ItemDataRole.ForegroundRole) is not None  # overdue in red
    assert model.index(1, 3).data() == "2026-12-01"
    assert [destination(a) for a in alerts] == [("orgs", ("org", 3)), ("members", ("member", 7)),
                                               ("orglife", ("recruit", 2))]
    assert destination(A.Alert("dual_life_missing", "刘洋", "", None, A.MEMBER, 9)) == ("orglife", ("member", 9))
    assert destination(A.Alert("hearing_missing", "县财政局", "", None, A.UNIT, 1)) == ("orglife", ("unit", 1))
    QApplication.processEvents()
