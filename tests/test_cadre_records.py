"""党建实绩 and the 问责 register: the per-person record across a mid-year change of post (two people, one post,
split months), the register's rules, the import with row-level errors and the export, the Word page reopened and
its figures checked against the services, the county's list reopened, and the CLI."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import dbkit
import openpyxl
import pytest
from annual_support import UNITS, build_template, open_copy
from reports_samples import check_gongwen, open_docx

from app.cli import main
from app.errors import ValidationError
from app.models import MemberStatus, OrgKind, OrgPostKind
from app.models.accountability import AccountabilityKind, PartyPost
from app.services import compliance
from app.services.accountability import (
    AccountabilityInput,
    AccountabilityService,
    export_accountability,
    import_accountability,
    write_template,
)
from app.services.annual.review import ReviewInput, VoteTally
from app.services.annual.service import AnnualService
from app.services.cadre_records import CadreRecordService, held_months, write_outputs
from app.services.interview import ConversationInput, InterviewService
from app.services.opening import open_database
from app.services.party_workers import CourseInput, PartyWorkerService, Person, training_hours
from app.services.quarter import QuarterService
from app.services.register import MemberInput, OrgInput, PostInput, RegisterService

TODAY = dt.date(2027, 1, 20)  # the year is over: every month judged
FORESTRY = 6  # unit ids follow UNITS; 县林业局 is last every month (55 points, 后进)
VOTES = [(38, 2, 0, 0, 0), (30, 8, 2, 0, 0), (20, 15, 5, 0, 0), (10, 20, 8, 2, 0), (5, 15, 15, 5, 0),
         (2, 8, 20, 10, 0)]
CHECKS = [98, 96, 92, 88, 80, 60]


def _prepare(db) -> dict[str, int]:
    """县林业局's branch: 李华 its 书记 until 10 June, 张伟 from 11 June; the 党组书记 周勇 (a member too) 约谈ed in
    June for May and 问责ed; quarters and the year reviewed."""
    sf = db.session_factory
    reg = RegisterService(sf, today=lambda: TODAY)
    committee = reg.save_org(OrgInput(FORESTRY, "中共县林业局机关委员会", OrgKind.ORGAN_COMMITTEE,
                                      established_on=dt.date(2020, 1, 1), term_start=dt.date(2024, 1, 1)))
    branch = reg.save_org(OrgInput(FORESTRY, "中共县林业局第一支部委员会", OrgKind.BRANCH, parent_id=committee,
                                   established_on=dt.date(2020, 1, 1), term_start=dt.date(2024, 1, 1)))
    ids = {name: reg.save_member(MemberInput(org, name, MemberStatus.FULL, joined_on=dt.date(2005, 7, 1)))
           for name, org in (("李华", branch), ("张伟", branch), ("周勇", committee), ("吴刚", committee))}
    reg.save_post(PostInput(branch, OrgPostKind.SECRETARY, ids["李华"], dt.date(2024, 1, 1), dt.date(2026, 6, 10)))
    reg.save_post(PostInput(branch, OrgPostKind.SECRETARY, ids["张伟"], dt.date(2026, 6, 11)))
    reg.save_post(PostInput(committee, OrgPostKind.SECRETARY, ids["吴刚"], dt.date(2024, 1, 1)))
    quarters = QuarterService(sf, actor="测试员")
    for q in (1, 2, 3, 4):
        quarters.review(2026, q)
    interviews = InterviewService(sf, actor="测试员", today=lambda: dt.date(2026, 6, 5))
    view = next(v for v in interviews.create_for_candidates(2026, 5, [FORESTRY],
                                                              scheduled_at=dt.datetime(2026, 6, 5, 9, 0)))
    data = view.input()
    data.interviewers = "张敏"
    interviews.update(view.id, data)
    interviews.record(view.id, ConversationInput("谈话内容", "接受批评", "限期整改"))
    ids["interview"] = view.id
    annual = AnnualService(sf, actor="测试员", today=lambda: TODAY)
    review = annual.create_review(2026, ReviewInput(dt.date(2026, 12, 18), 40, place="县委会议室"))
    for report, votes, check in zip(review.reports, VOTES, CHECKS, strict=True):
        annual.set_votes(report.id, VoteTally(*votes))
        annual.set_check_score(report.id, check)
    annual.review_results(2026)
    workers = PartyWorkerService(sf, today=lambda: TODAY)
    workers.add_training(CourseInput("全县党组织书记培训班", "县委组织部", dt.date(2026, 4, 13), dt.date(2026, 4, 17),
                                     Decimal(40)), [Person(member_id=ids["张伟"]), Person(member_id=ids["周勇"])])
    workers.add_training(CourseInput("基层党务实务专题培训", "县直机关工委", dt.date(2026, 9, 7), dt.date(2026, 9, 9),
                                     Decimal("16.5")), [Person(member_id=ids["张伟"])])
    return ids


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, _template_db: Path):
    path = tmp_path_factory.mktemp("cadres") / "county.sqlite3"
    county = build_template(path, _template_db)
    db = open_database(dbkit.KIT.resolve(path))
    ids = _prepare(db)
    dbkit.KIT.settle(db)
    db.close()
    return county, path, ids


@pytest.fixture
def county(built, paths):
    c = open_copy(built[0], built[1], paths)
    yield c, built[2]
    c.db.close()


def _accountability(ids: dict[str, int], **changes) -> AccountabilityInput:
    data = AccountabilityInput(FORESTRY, PartyPost.PARTY_GROUP_SECRETARY, AccountabilityKind.ADMONITION_TALK,
                               dt.date(2026, 6, 20), "中共××县直属机关工作委员会", "党建工作连续排名末位，予以约谈问责",
                               member_id=ids["周勇"], interview_id=ids["interview"])
    for k, v in changes.items():
        setattr(data, k, v)
    return data


def _service(county) -> AccountabilityService:
    return AccountabilityService(county.db.session_factory, today=lambda: TODAY, actor="测试员")


def _record(county, name: str):
    data = CadreRecordService(county.db.session_factory, today=lambda: TODAY).year(2026)
    return data, next(p for p in data.people if p.name == name)


# -- the month rule ---------------------------------------------------------------------------------------------


def test_a_month_belongs_to_whoever_holds_the_post_on_its_15th() -> None:
    assert held_months(dt.date(2024, 1, 1), dt.date(2026, 6, 10), 2026) == (1, 2, 3, 4, 5)
    assert held_months(dt.date(2026, 6, 11), None, 2026) == (6, 7, 8, 9, 10, 11, 12)
    assert held_months(dt.date(2026, 3, 16), dt.date(2026, 4, 14), 2026) == ()
    assert held_months(None, None, 2026) == tuple(range(1, 13))


# -- the per-person record across a mid-year change of post -----------------------------------------------------


def test_two_secretaries_of_one_branch_split_the_year(county) -> None:
    c, _ids = county
    data, before = _record(c, "李华")
    after = next(p for p in data.people if p.name == "张伟")
    (b,), (a,) = before.posts, after.posts
    assert b.holding.post == a.holding.post == PartyPost.BRANCH_SECRETARY
    assert b.holding.months == (1, 2, 3, 4, 5) and a.holding.months == (6, 7, 8, 9, 10, 11, 12)
    # each gets the unit's tiers of their own months only: 县林业局 is 后进 every month
    assert [t.month for t in b.tiers] == [1, 2, 3, 4, 5] and [t.month for t in a.tiers] == list(range(6, 13))
    assert {t.tier for t in b.tiers + a.tiers} == {"后进"} and all(t.total == Decimal("55.0") for t in b.tiers)
    # quarters held two months or more: Q1 and Q2 (April, May) for 李华, Q3 and Q4 for 张伟; June alone is not Q2
    assert [q.quarter for q in b.quarters] == [1, 2] and [q.quarter for q in a.quarters] == [3, 4]
    assert {q.grade for q in b.quarters + a.quarters} == {"差"}
    # the year's grade for six months or more only
    assert b.annual_grade == "" and "不足6个月" in b.annual_note
    assert a.annual_grade == "差" and a.annual_composite is not None
    # 组织生活: the branch's requirements judged in their months, adding up to the branch's year
    branch = b.holding.org_id
    by_month = {m: [f for f in compliance.evaluate(_session(c), 2026, m, include_ok=True, include_state=False,
                                                   include_late=False) if f.org_id == branch] for m in range(1, 13)}
    assert b.required == sum(len(by_month[m]) for m in (1, 2, 3, 4, 5)) > 0
    assert a.required == sum(len(by_month[m]) for m in range(6, 13)) > 0
    assert b.met == a.met == 0 and len(b.gaps) == b.required


def _session(c):
    return c.db.session_factory()


def test_party_group_secretary_is_credited_the_year_with_his_interview_and_accountability(county) -> None:
    c, ids = county
    _service(c).save(_accountability(ids))
    data, zhou = _record(c, "周勇")
    (post,) = zhou.posts
    assert post.holding.post == PartyPost.PARTY_GROUP_SECRETARY and post.holding.source == "述职评议"
    assert zhou.member_id == ids["周勇"] and len(post.tiers) == 12 and len(post.quarters) == 4
    assert post.annual_grade == "差"
    assert [i.title for i in zhou.interviews] == ["2026年5月约谈"]
    assert [a.kind for a in zhou.accountabilities] == ["约谈问责"]
    # the 机关党委书记 of the same unit: the whole unit's 组织生活, the interview was not his
    wu = next(p for p in data.people if p.name == "吴刚")
    assert wu.posts[0].holding.post == PartyPost.ORGAN_COMMITTEE_SECRETARY and not wu.interviews
    assert wu.posts[0].required > post.required * 0 and wu.posts[0].required >= _record(c, "李华")[1].posts[0].required
    assert data.training_available and zhou.training_hours == Decimal("40.0") and not data.notes


def test_training_hours_come_from_the_training_register(county) -> None:
    c, ids = county
    data, zhang = _record(c, "张伟")
    with c.db.session_factory() as s:
        hours = training_hours(s, 2026, [ids["张伟"], ids["李华"]])
    assert zhang.training_hours == hours[ids["张伟"]] == Decimal("56.5")
    assert _record(c, "李华")[1].training_hours == Decimal(0)  # in the register, no training: 0, not unknown


# -- the 问责 register ---------------------------------------------------------------------------------------------


def test_register_rules(county) -> None:
    c, ids = county
    svc = _service(c)
    cases = [
        (dict(unit_id=None), "unit_id"),
        (dict(kind=None), "kind"),
        (dict(decided_on=None), "decided_on"),
        (dict(decided_on=TODAY + dt.timedelta(days=1)), "decided_on"),
        (dict(deciding_body=" "), "deciding_body"),
        (dict(decision=""), "decision"),
        (dict(decided_on=dt.date(2026, 6, 1)), "decided_on"),  # before the 约谈 it follows
        (dict(unit_id=1, member_id=None, person_name="刘明", interview_id=ids["interview"]), "interview_id"),
        (dict(member_id=None, person_name="", interview_id=None), "person_name"),
        # a 支部书记 must be a member of the register; a member of another unit is refused
        (dict(post=PartyPost.BRANCH_SECRETARY, member_id=None, person_name="王五", interview_id=None), "person_name"),
        (dict(unit_id=1, interview_id=None), "member_id"),
    ]
    for changes, field in cases:
        with pytest.raises(ValidationError) as err:
            svc.save(_accountability(ids, **changes))
        assert err.value.for_field(field), (changes, err.value)
    first = svc.save(_accountability(ids))
    with pytest.raises(ValidationError, match="已有周勇同日的约谈问责记录"):
        svc.save(_accountability(ids))
    # a 党组书记 by name only (not a member) is accepted
    named = svc.save(_accountability(ids, unit_id=1, member_id=None, person_name="刘明", interview_id=None,
                                     kind=AccountabilityKind.CIRCULATED))
    rows = svc.rows(2026)
    assert {(r.person_name, r.kind, r.interview) for r in rows} == {
        ("周勇", AccountabilityKind.ADMONITION_TALK, "2026年5月约谈"), ("刘明", AccountabilityKind.CIRCULATED, "")}
    edited = svc.record_input(named)
    edited.kind = AccountabilityKind.ADMONISHMENT
    svc.save(edited, named)
    with pytest.raises(ValidationError):
        svc.delete(first, " ")
    svc.delete(first, "录入重复")
    trail = _trail(c)
    assert ("新建", "", None) in [(a, f, o) for a, f, o, _n in trail]
    assert ("修改", "kind", "通报批评", "诫勉") in trail
    assert any(a == "删除" and "周勇" in (o or "") for a, _f, o, _n in trail)


def _trail(c) -> list[tuple]:
    from sqlalchemy import select

    from app.models import AuditEntry

    with c.db.session_factory() as s:
        return [tuple(r) for r in s.execute(select(AuditEntry.action, AuditEntry.field, AuditEntry.old,
                                                   AuditEntry.new).where(AuditEntry.entity == "accountability")
                                            .order_by(AuditEntry.seq))]


def _write_rows(path: Path, rows: list[list]) -> None:
    write_template(path)
    wb = openpyxl.load_workbook(path)
    ws = wb["问责"]
    for r in rows:
        ws.append(r)
    wb.save(path)


def test_import_refuses_the_file_with_every_bad_row_named_then_imports_and_reexports(county, tmp_path: Path) -> None:
    c, _ids = county
    sf = c.db.session_factory
    path = tmp_path / "问责.xlsx"
    good = ["县林业局", "周勇", "党组书记", "", "约谈问责", "2026-06-20", "县直机关工委", "", "排名末位", "2026年5月", ""]
    _write_rows(path, [
        good,
        ["县木材局", "张三", "党组（党委）书记", "", "诫勉", "2026-07-01", "县直机关工委", "", "事由", "", ""],
        ["县林业局", "王五", "支部书记", "", "诫勉", "2026-07-01", "县直机关工委", "", "事由", "", ""],
        ["县林业局", "张伟", "支部书记", "", "警告", "2026-07-01", "县直机关工委", "", "事由", "", ""],
        ["县林业局", "张伟", "支部书记", "", "诫勉", "2026-07-01", "县直机关工委", "", "事由", "2026年3月", ""],
        ["县林业局", "张伟", "支部书记", "", "诫勉", "2026-07-01", "", "", "", "", ""],
    ])
    report = import_accountability(sf, path, dry_run=False, today=lambda: TODAY)
    assert not report.applied and report.created == 0
    by_row = {(p.row, p.column) for p in report.problems}
    assert {(3, "单位"), (4, "姓名"), (5, "问责方式"), (6, "关联约谈"), (7, "决定机关"), (7, "问责决定")} <= by_row
    assert not any(p.row == 2 for p in report.problems)
    assert _service(c).rows() == []  # all or nothing
    _write_rows(path, [good, ["县林业局", "张伟", "支部书记", "中共县林业局第一支部委员会", "责令检查", "2026-09-01",
                              "中共县林业局党组", "林业〔2026〕8号", "组织生活会未按期召开", "", ""]])
    report = import_accountability(sf, path, dry_run=False, today=lambda: TODAY)
    assert report.applied and report.created == 2 and not report.problems
    rows = _service(c).rows(2026)
    assert {(r.person_name, r.member_id is not None, r.interview) for r in rows} == {
        ("周勇", True, "2026年5月约谈"), ("张伟", True, "")}
    out = tmp_path / "导出.xlsx"
    assert export_accountability(sf, out, 2026) == 2
    again = import_accountability(sf, out, dry_run=True, today=lambda: TODAY)
    assert again.ok and again.unchanged == 2 and again.created == 0


# -- the documents ------------------------------------------------------------------------------------------------


def test_word_pages_and_the_county_list_match_the_services(county, tmp_path: Path) -> None:
    c, ids = county
    _service(c).save(_accountability(ids))
    sf = c.db.session_factory
    result = write_outputs(sf, 2026, tmp_path / "out", today=lambda: TODAY)
    data = CadreRecordService(sf, today=lambda: TODAY).year(2026)
    assert len(result.pages) == len(data.people) == len(UNITS) + 3  # six 党组书记 (周勇 among them) + 李华, 张伟, 吴刚
    page = next(p for p in result.pages if "李华" in p.name)
    doc = open_docx(page.read_bytes())
    text = "\n".join([p.text for p in doc.paragraphs] + [c_.text for t in doc.tables for row in t.rows
                                                             for c_ in row.cells])
    li = next(p for p in data.people if p.name == "李华").posts[0]
    assert "2026年度党建工作实绩记实" in text and "中共县林业局第一支部委员会书记" in text
    assert "1月1日—6月10日" in text and "计5个月" in text
    assert "先进0个月、中间0个月、后进5个月" in text and "6月" not in text.split("月度考评档次")[1].split("季度")[0]
    assert "第1季度差（55.0分" in text and "第3季度" not in text
    assert "不足6个月" in text
    assert f"应落实{li.required}项，已落实0项" in text
    assert "本年度未被约谈，无问责记录。" in text
    assert "培训学时" in text and "0学时" in text  # 李华 had no training
    check_gongwen(page.read_bytes(), tmp_path)
    zhou = open_docx(next(p for p in result.pages if "周勇" in p.name).read_bytes())
    ztext = "\n".join(p.text for p in zhou.paragraphs)
    assert "2026年5月约谈" in ztext and "约谈问责决定" in ztext
    wb = openpyxl.load_workbook(result.workbook)
    ws = wb["党建实绩"]
    header = [cell.value for cell in ws[2]]
    rows = [dict(zip(header, (cell.value for cell in r), strict=True)) for r in ws.iter_rows(min_row=3)]
    assert len(rows) == len(data.people)
    zw = next(r for r in rows if r["姓名"] == "张伟")
    assert (zw["任职月数"], zw["后进月数"], zw["季度等次"], zw["年度等次"]) == (7, 7, "第3季度差；第4季度差", "差")
    zr = next(r for r in rows if r["姓名"] == "周勇")
    assert zr["约谈次数"] == 1 and "约谈问责" in zr["问责情况"] and zr["任职月数"] == 12
    assert zw["培训学时"] == "56.5学时" and zr["培训学时"] == "40.0学时"


def test_cli_writes_both(county, paths, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "cli"
    code = main(["--data-dir", str(paths.data_dir), "cadres", "2026", "--out", str(out)])
    text = capsys.readouterr().out
    assert code == 0, text
    assert "党建工作实绩记实9份" in text
    assert len(list((out / "党建工作实绩记实").glob("*.docx"))) == 9
    assert (out / "2026年度党组织书记党建工作实绩一览表.xlsx").is_file()
    assert main(["--data-dir", str(paths.data_dir), "cadres", "1999", "--out", str(out)]) != 0


def test_packet_section_and_summary_column(county) -> None:
    from app.services import packet_sections

    c, ids = county
    _service(c).save(_accountability(ids))
    with c.db.session_factory() as s:
        parts = packet_sections.sections(s, 2026, [FORESTRY, 1])
        columns = dict(packet_sections.summary_columns(s, 2026, {FORESTRY: "县林业局", 1: "县财政局"}))
    forestry = next(p for p in parts[FORESTRY] if p.title == "问责情况")
    assert forestry.paragraphs == ("2026年度本单位党组织书记受到问责1人次。",)
    assert forestry.rows[0][:4] == ("2026-06-20", "周勇", "党组（党委）书记", "约谈问责")
    assert "2026年5月约谈后" in forestry.rows[0][5]
    assert next(p for p in parts[1] if p.title == "问责情况").paragraphs == ("2026年度本单位无问责情况记录。",)
    assert columns["问责"] == (("县林业局", "约谈问责1"), ("县财政局", "—"))
