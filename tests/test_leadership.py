"""民主生活会: the record's rules (班子成员, 批评意见, 问题清单 → 整改), the year's rules as 提醒 and as suggested
deductions on the month's scoring form, and the 问题清单 closed through the 整改 tracking."""

from __future__ import annotations

import datetime as dt

import pytest
from frozen import today
from leadership_support import Clock, meeting
from scoring_support import make_county
from sqlalchemy import select

from app.errors import ValidationError
from app.models import AuditEntry, Rectification
from app.services import alerts as A
from app.services import leadership as L
from app.services.leadership import CriticismInput, LeadershipService
from app.services.rectification import ItemInput, RectificationService

Y = today().year - 1  # a whole year in the past, whatever day the run is frozen on


@pytest.fixture
def county(db):
    return make_county(db, 3)


def service(db, day: dt.date) -> LeadershipService:
    return LeadershipService(db.session_factory, actor="测试员", today=Clock(day))


def alerts_on(db, day: dt.date) -> list[A.Alert]:
    with db.session_factory() as s:
        return L.alerts(s, day)


def test_a_meeting_keeps_its_substance_and_its_problem_list_becomes_a_rectification(db, county):
    svc = service(db, dt.date(Y, 12, 20))
    v = svc.save(meeting(county.unit_ids[0], dt.date(Y, 12, 10)))
    assert (v.self_count, v.mutual_count, v.opinions_solicited) == (3, 2, 12)
    assert v.attendees == ("王建国", "李红", "张伟") and v.supervisors == ("县纪委监委派驻纪检组", "赵刚")
    assert [c.raised_by for c in v.criticisms][:3] == ["王建国", "李红", "张伟"]  # 自我批评: the member himself
    assert len(v.problems) == 2 and v.closed_count == 0
    [rect] = RectificationService(db.session_factory).rectifications(county.unit_ids[0])
    assert rect.id == v.rectification_id and rect.source == f"{Y}年民主生活会问题清单（12月10日）"
    with db.session_factory() as s:
        actions = [e.action for e in s.scalars(select(AuditEntry).where(AuditEntry.entity == "leadership_meeting"))]
    assert actions == ["新建"]
    # Editing replaces the 批评意见 and appends to the 问题清单 (the items already there stay in the 整改).
    data = meeting(county.unit_ids[0], dt.date(Y, 12, 10), problems=1)
    data.criticisms = data.criticisms[:4]
    v2 = svc.save(data, v.id)
    assert v2.mutual_count == 1 and len(v2.problems) == 3 and v2.rectification_id == v.rectification_id


def test_bad_records_are_refused_with_a_message_per_field(db, county):
    svc = service(db, dt.date(Y, 12, 20))
    data = meeting(county.unit_ids[0], dt.date(Y, 12, 21))
    data.topic = " "
    data.criticisms.append(CriticismInput("相互批评", "赵六", "不在班子里"))
    data.criticisms.append(CriticismInput("相互批评", "李红", "自己批评自己", raised_by="李红"))
    data.criticisms.append(CriticismInput("表扬", "李红", "不是批评"))
    data.problems.append(ItemInput("", "", "", None))
    with pytest.raises(ValidationError) as err:
        svc.save(data)
    messages = " ".join(p.message for p in err.value.problems)
    for text in ("召开日期不能晚于今天", "请填写会议主题", "“赵六”不在参会班子成员中", "不能是“李红”本人",
                 "批评类型无效", "请填写存在的问题", "请填写整改时限"):
        assert text in messages
    life = meeting(county.unit_ids[0], dt.date(Y, 12, 1))
    life.kind = "组织生活会"
    with pytest.raises(ValidationError, match="组织生活会须选择召开的党组织"):
        svc.save(life)
    svc.save(meeting(county.unit_ids[0], dt.date(Y, 12, 1)))
    with pytest.raises(ValidationError, match="已有一条民主生活会记录"):
        svc.save(meeting(county.unit_ids[0], dt.date(Y, 12, 1)))


def test_a_unit_without_its_yearly_meeting_is_reminded_then_overdue(db, county):
    a, b, c = county.unit_ids
    service(db, dt.date(Y, 11, 20)).save(meeting(a, dt.date(Y, 11, 12)))
    assert alerts_on(db, dt.date(Y, 9, 30)) == []  # before the reminder window (2 months before December's end)
    early = [x for x in alerts_on(db, dt.date(Y, 11, 20)) if x.kind == L.MISSING]
    assert [(x.target, x.target_id, x.overdue) for x in early] == [(L.TARGET_UNIT, b, False), (L.TARGET_UNIT, c, False)]
    assert "尚未召开（12月31日前）" in early[0].message
    late = [x for x in alerts_on(db, dt.date(Y + 1, 1, 5)) if x.kind == L.MISSING]
    assert {x.unit_id for x in late} == {b, c} and all(x.overdue for x in late)
    assert f"{Y}年度民主生活会未召开" in late[0].message
    assert not [x for x in alerts_on(db, dt.date(Y + 1, 4, 1)) if x.kind == L.MISSING]  # kept 3 months, then history


def test_no_mutual_criticism_and_no_problem_list_are_alerts(db, county):
    a, b, _ = county.unit_ids
    svc = service(db, dt.date(Y, 12, 20))
    flat = svc.save(meeting(a, dt.date(Y, 12, 2), mutual=False))
    empty = svc.save(meeting(b, dt.date(Y, 12, 3), problems=0))
    found = {(x.kind, x.target_id) for x in alerts_on(db, dt.date(Y, 12, 20))}
    assert (L.NO_MUTUAL, flat.id) in found and (L.NO_PROBLEMS, empty.id) in found
    assert (L.NO_MUTUAL, empty.id) not in found and (L.NO_PROBLEMS, flat.id) not in found
    [line] = [x for x in alerts_on(db, dt.date(Y, 12, 20)) if x.kind == L.NO_MUTUAL]
    assert "没有相互批评意见" in line.message and line.target == L.TARGET_MEETING


def test_a_problem_list_still_open_after_the_limit_is_an_alert_until_its_items_are_closed(db, county):
    a = county.unit_ids[0]
    held = dt.date(Y, 3, 10)
    v = service(db, held).save(meeting(a, held, deadline=dt.date(Y, 5, 31)))
    assert not [x for x in alerts_on(db, dt.date(Y, 9, 10)) if x.kind == L.UNCLOSED]
    [line] = [x for x in alerts_on(db, dt.date(Y, 9, 11)) if x.kind == L.UNCLOSED]
    assert "仍有2项（共2项）未销号" in line.message and line.target_id == v.id
    closer = service(db, dt.date(Y, 9, 20))
    closer.close_item(v.problems[0].id, "已制定并落实学习计划")
    assert "仍有1项" in [x for x in alerts_on(db, dt.date(Y, 9, 20)) if x.kind == L.UNCLOSED][0].message
    closed = closer.close_item(v.problems[1].id, "已整改到位")
    assert closed.status.value == "已销号"
    assert service(db, dt.date(Y, 9, 20)).meeting(v.id).closed_count == 2
    assert not [x for x in alerts_on(db, dt.date(Y, 9, 20)) if x.kind == L.UNCLOSED]


def ours(found):
    return [x for x in found if x.source.startswith("lifemeeting")]


def test_the_rules_suggest_deductions_on_the_months_sheet(db, county):
    a, b, c = county.unit_ids
    svc = service(db, dt.date(Y, 12, 20))
    svc.save(meeting(a, dt.date(Y, 12, 2), mutual=False))
    svc.save(meeting(b, dt.date(Y, 11, 5)))
    pid = county.scoring.open_month(Y, 12).id
    sheets = {sh.unit_id: sh.id for sh in county.scoring.sheets(pid)}
    got = {u: ours(county.scoring.suggestions(sid)) for u, sid in sheets.items()}
    [flat] = got[a]
    assert flat.indicator_name == "组织生活会、民主评议党员" and flat.points_each == 3
    assert "没有相互批评意见" in flat.reason and flat.source.startswith("lifemeeting_no_mutual:")
    assert got[b] == []
    [missing] = got[c]
    assert f"{Y}年度民主生活会未召开" in missing.reason
    assert county.scoring.accept_suggestion(sheets[c], missing.source).review_total == 97
    assert ours(county.scoring.suggestions(sheets[c])) == []
    # November's sheet: b's meeting is fine, and the missing meeting is not November's
    nov = county.scoring.open_month(Y, 11).id
    assert all(ours(county.scoring.suggestions(sh.id)) == [] for sh in county.scoring.sheets(nov))


def test_the_alert_page_lists_and_groups_the_kinds(db, county):
    service(db, dt.date(Y, 12, 20)).save(meeting(county.unit_ids[0], dt.date(Y, 12, 2), mutual=False))
    kinds = {x.kind for x in A.AlertService(db.session_factory, today=Clock(dt.date(Y, 12, 20))).alerts()}
    assert {L.MISSING, L.NO_MUTUAL} <= kinds
    assert set(A.KIND_GROUPS["班子与干部"]) >= {L.MISSING, L.NO_MUTUAL, L.NO_PROBLEMS, L.UNCLOSED}
    assert all(A.KIND_LABELS[k] for k in (L.MISSING, L.NO_MUTUAL, L.NO_PROBLEMS, L.UNCLOSED))


def test_a_meeting_whose_list_is_in_the_ledger_cannot_be_deleted(db, county):
    svc = service(db, dt.date(Y, 12, 20))
    v = svc.save(meeting(county.unit_ids[0], dt.date(Y, 12, 2)))
    with pytest.raises(ValidationError, match="已列入整改台账"):
        svc.delete(v.id)
    bare = svc.save(meeting(county.unit_ids[1], dt.date(Y, 12, 2), problems=0))
    svc.delete(bare.id)
    assert [m.id for m in svc.meetings(year=Y)] == [v.id]
    with db.session_factory() as s:
        assert s.scalar(select(Rectification).where(Rectification.unit_id == county.unit_ids[1])) is None


def test_the_year_end_packet_part_and_the_summary_column(db, county):
    a, b, c = county.unit_ids
    svc = service(db, dt.date(Y, 12, 20))
    v = svc.save(meeting(a, dt.date(Y, 12, 2)))
    svc.close_item(v.problems[0].id, "已整改到位")
    svc.save(meeting(b, dt.date(Y, 12, 3), mutual=False, problems=0))
    with db.session_factory() as s:
        parts = L.packet_section(s, Y)
        header, cells = L.summary_column(s, Y)
    assert parts[a].title == "民主生活会" and parts[a].header[2:4] == ("自我批评（条）", "相互批评（条）")
    assert parts[a].rows == ((f"{Y}-12-02", "民主生活会", "3", "2", "2", "1"),)
    text = parts[a].paragraphs[0]
    assert text.startswith(f"本单位于{Y}年12月2日召开民主生活会") and "参会班子成员3人（王建国、李红、张伟）" in text
    assert "会前征求意见12条" in text and "自我批评3条、相互批评2条；查摆问题2项，已销号1项" in text
    assert parts[c].paragraphs == (f"{Y}年度本单位未召开民主生活会。",) and parts[c].rows == ()
    assert header == "民主生活会"
    assert cells == {a: "12月2日，相互批评2条，问题2项（已销号1项）", b: "12月3日，相互批评0条，问题0项（已销号0项）",
                     c: "未召开"}
