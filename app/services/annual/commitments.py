"""The year's 公开承诺 of each unit's 书记 (承诺书, and at year end the 践诺 of each item) and its 党建工作责任清单
(党组书记 第一责任人, 班子成员 一岗双责, the 书记 of its organisations), with their printable documents.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.errors import FieldProblem, NotFoundError, ValidationError
from app.models import (
    Commitment,
    CommitmentItem,
    DutyCategory,
    DutyItem,
    DutyList,
    DutyRole,
    Fulfilment,
    OrgKind,
    OrgPost,
    OrgPostKind,
    PartyOrg,
    Unit,
)
from app.services import alerts as A
from app.services import unit_scope
from app.services.annual.common import MAX_TEXT, YearService, _check_year, _text, _within_year
from app.services.audit import unit_of_work

MAX_ITEMS = 60


@dataclass
class CommitmentItemInput:
    content: str
    owner: str = ""
    due_on: dt.date | None = None
    id: int | None = None  # an existing item (keeps its 践诺 status)


@dataclass
class CommitmentInput:
    secretary: str
    items: list[CommitmentItemInput]
    made_on: dt.date | None = None
    post: str = "党组书记"
    note: str = ""


@dataclass(frozen=True)
class CommitmentItemView:
    id: int
    content: str
    owner: str
    due_on: dt.date | None
    status: Fulfilment
    status_note: str


@dataclass(frozen=True)
class CommitmentView:
    id: int
    unit_id: int
    unit: str
    year: int
    secretary: str
    post: str
    made_on: dt.date | None
    assessed_on: dt.date | None
    note: str
    items: list[CommitmentItemView]

    def count(self, status: Fulfilment) -> int:
        return sum(1 for i in self.items if i.status == status)


@dataclass
class DutyItemInput:
    role: DutyRole | str
    content: str
    person: str = ""
    due_on: dt.date | None = None
    category: DutyCategory | str = DutyCategory.PARTY_BUILDING  # which of the 三大责任制


@dataclass
class DutyListInput:
    items: list[DutyItemInput]
    made_on: dt.date | None = None
    note: str = ""


@dataclass(frozen=True)
class DutyItemView:
    id: int
    role: DutyRole
    person: str
    content: str
    due_on: dt.date | None
    category: DutyCategory = DutyCategory.PARTY_BUILDING


@dataclass(frozen=True)
class DutyListView:
    id: int
    unit_id: int
    unit: str
    year: int
    made_on: dt.date | None
    note: str
    items: list[DutyItemView]

    @property
    def missing_categories(self) -> list[DutyCategory]:
        """Which of the 三大责任制 the 清单 has no item for."""
        return missing_categories(i.category for i in self.items)


@dataclass(frozen=True)
class YearUnitStatus:
    """One unit's year at a glance (the 公开承诺与责任清单 list)."""

    unit_id: int
    unit: str
    secretary: str
    commitment_items: int
    fulfilled: int
    partial: int
    not_done: int
    pending: int
    duty_items: int


@unit_scope.committee_only("办理年度承诺、述职评议和年度考评")
class CommitmentService(YearService):
    """公开承诺 and 践诺, 责任清单, and their documents."""

    # --- 公开承诺 -------------------------------------------------------------------------------------------

    def year_status(self, year: int) -> list[YearUnitStatus]:
        """Every active unit (and any unit with a commitment or list that year), with its year's counts."""
        _check_year(year)
        with self._sf() as s:
            items: dict[int, Counter[Fulfilment]] = {}
            secretaries: dict[int, str] = {}
            for unit_id, secretary, status in s.execute(
                    select(Commitment.unit_id, Commitment.secretary, CommitmentItem.status)
                    .outerjoin(CommitmentItem, CommitmentItem.commitment_id == Commitment.id)
                    .where(Commitment.year == year)):
                secretaries[unit_id] = secretary
                c = items.setdefault(unit_id, Counter())
                if status is not None:
                    c[status] += 1
            duties = dict(s.execute(select(DutyList.unit_id, func.count(DutyItem.id))
                                    .outerjoin(DutyItem, DutyItem.duty_list_id == DutyList.id)
                                    .where(DutyList.year == year).group_by(DutyList.unit_id)).all())
            units = s.execute(select(Unit.id, Unit.name, Unit.party_secretary, Unit.active)
                              .order_by(Unit.sort_order, Unit.id)).all()
            out = []
            for uid, name, party_secretary, active in units:
                if not active and uid not in items and uid not in duties:
                    continue
                c = items.get(uid, Counter())
                out.append(YearUnitStatus(uid, name, secretaries.get(uid) or party_secretary, sum(c.values()),
                                          c[Fulfilment.DONE], c[Fulfilment.PARTIAL], c[Fulfilment.NOT_DONE],
                                          c[Fulfilment.PENDING], int(duties.get(uid, 0))))
            return out

    def commitment(self, unit_id: int, year: int) -> CommitmentView | None:
        with self._sf() as s:
            c = s.scalar(select(Commitment).where(Commitment.unit_id == unit_id, Commitment.year == year))
            return _commitment_view(c) if c is not None else None

    def save_commitment(self, unit_id: int, year: int, data: CommitmentInput) -> CommitmentView:
        """Create or replace the unit's 公开承诺 of the year (items given with their id keep their 践诺 status)."""
        _check_year(year)
        clean = _clean_commitment(data, year)
        with unit_of_work(self._sf, self._actor) as (s, log):
            unit = _unit(s, unit_id)
            c = s.scalar(select(Commitment).where(Commitment.unit_id == unit_id, Commitment.year == year))
            created = c is None
            if c is None:
                c = Commitment(unit_id=unit_id, year=year)
                s.add(c)
            old = {i.id: i for i in c.items}
            unknown = [i.id for i in data.items if i.id is not None and i.id not in old]
            if unknown:
                raise NotFoundError("要修改的承诺事项已不存在，请刷新后重试")
            c.secretary, c.post, c.made_on, c.note = clean["secretary"], clean["post"], clean["made_on"], clean["note"]
            c.updated_at = dt.datetime.now(dt.timezone.utc)
            keep: list[CommitmentItem] = []
            for order, (item_id, content, owner, due_on) in enumerate(clean["items"]):
                row = old.get(item_id) if item_id is not None else None
                if row is None:
                    row = CommitmentItem(content=content, status=Fulfilment.PENDING, status_note="")
                row.content, row.owner, row.due_on, row.sort_order = content, owner, due_on, order
                keep.append(row)
            c.items = keep
            s.flush()
            log.record("新建" if created else "修改", "commitment", c.id, "items", None, len(keep),
                       reason=f"{year}年{unit.name}公开承诺（{c.secretary}）")
            return _commitment_view(c)

    def assess(self, item_id: int, status: Fulfilment | str, note: str = "", on: dt.date | None = None
               ) -> CommitmentView:
        """Year-end 践诺: 已践诺 / 部分践诺 / 未践诺 (the last two need a note saying what was not done)."""
        try:
            st = status if isinstance(status, Fulfilment) else Fulfilment(str(status).strip())
        except ValueError:
            raise ValidationError("践诺情况应为已践诺、部分践诺或未践诺", field="status") from None
        note = (note or "").strip()
        if st in (Fulfilment.PARTIAL, Fulfilment.NOT_DONE) and not note:
            raise ValidationError(f"评定为“{st.value}”时请说明未完成的内容和原因", field="status_note")
        if len(note) > MAX_TEXT:
            raise ValidationError(f"践诺说明不能超过{MAX_TEXT}字", field="status_note")
        with unit_of_work(self._sf, self._actor) as (s, log):
            item = s.get(CommitmentItem, item_id)
            if item is None:
                raise NotFoundError(f"承诺事项不存在（编号 {item_id}）")
            if item.status != st:
                log.record("践诺评定", "commitment_item", item.id, "status", item.status, st,
                           reason=note or item.content[:60])
            item.status, item.status_note = st, note
            item.commitment.assessed_on = on or self._today()
            s.flush()
            return _commitment_view(item.commitment)

    # --- 责任清单 -------------------------------------------------------------------------------------------

    def duty_list(self, unit_id: int, year: int) -> DutyListView | None:
        with self._sf() as s:
            d = s.scalar(select(DutyList).where(DutyList.unit_id == unit_id, DutyList.year == year))
            return _duty_view(d) if d is not None else None

    def suggested_duties(self, unit_id: int, year: int) -> list[DutyItemInput]:
        """A starting 责任清单 from the register: the 党组书记 as 第一责任人, 班子成员 一岗双责, and the current
        书记 of the unit's 机关党委 and branches."""
        with self._sf() as s:
            unit = _unit(s, unit_id)
            secretaries = _org_secretaries(s, [unit_id], dt.date(year, 12, 31)).get(unit_id, [])
        return default_duties(unit.party_secretary, secretaries, year)

    def save_duty_list(self, unit_id: int, year: int, data: DutyListInput) -> DutyListView:
        _check_year(year)
        items = _clean_duties(data, year)
        with unit_of_work(self._sf, self._actor) as (s, log):
            unit = _unit(s, unit_id)
            d = s.scalar(select(DutyList).where(DutyList.unit_id == unit_id, DutyList.year == year))
            created = d is None
            if d is None:
                d = DutyList(unit_id=unit_id, year=year)
                s.add(d)
            d.made_on, d.note = data.made_on, (data.note or "").strip()
            d.updated_at = dt.datetime.now(dt.timezone.utc)
            d.items = [DutyItem(role=role, person=person, content=content, due_on=due, category=category,
                                sort_order=i)
                       for i, (role, person, content, due, category) in enumerate(items)]
            s.flush()
            log.record("新建" if created else "修改", "duty_list", d.id, "items", None, len(items),
                       reason=f"{year}年{unit.name}党建工作责任清单")
            return _duty_view(d)

    # --- printable documents ---------------------------------------------------------------------------------

    def commitment_document(self, unit_id: int, year: int, *, with_fulfilment: bool = False
                            ) -> tuple[str, bytes]:
        """(file name, .docx) of the 公开承诺书, or with the year-end 践诺情况."""
        from app.reports.annual import build_commitment, commitment_filename

        view = self.commitment(unit_id, year)
        if view is None:
            raise NotFoundError(f"该单位{year}年还没有公开承诺")
        issuer, style, county = self._document_settings()
        content = commitment_content(view, county, with_fulfilment)
        return commitment_filename(content), build_commitment(content, issuer, style)

    def duty_list_document(self, unit_id: int, year: int) -> tuple[str, bytes]:
        from app.reports.annual import build_duty_list, duty_list_filename

        view = self.duty_list(unit_id, year)
        if view is None:
            raise NotFoundError(f"该单位{year}年还没有党建工作责任清单")
        issuer, style, county = self._document_settings()
        content = duty_list_content(view, county)
        return duty_list_filename(content), build_duty_list(content, issuer, style)


def commitment_content(view: CommitmentView, county: str, with_fulfilment: bool) -> Any:
    from app.reports.annual import CommitmentContent, CommitmentLine

    return CommitmentContent(
        year=view.year, unit=view.unit, secretary=view.secretary, post=view.post, made_on=view.made_on,
        items=tuple(CommitmentLine(i.content, i.owner, i.due_on, i.status.value, i.status_note) for i in view.items),
        with_fulfilment=with_fulfilment, assessed_on=view.assessed_on, county=county)


def duty_list_content(view: DutyListView, county: str) -> Any:
    from app.reports.annual import DutyLine, DutyListContent

    return DutyListContent(year=view.year, unit=view.unit, made_on=view.made_on,
                           items=tuple(DutyLine(i.role.value, i.person, i.content, i.due_on, i.category.value)
                                       for i in view.items),
                           county=county)


def default_duties(party_secretary: str, secretaries: Sequence[tuple[OrgKind, str, str]], year: int
                   ) -> list[DutyItemInput]:
    """The usual 责任清单 of a unit: what the 党组书记 (第一责任人), the 班子成员 (一岗双责) and each 书记 answer for,
    under each of the 三大责任制 (机关党建, 党风廉政建设, 意识形态)."""
    integrity, ideology = DutyCategory.INTEGRITY, DutyCategory.IDEOLOGY
    items = [
        DutyItemInput(DutyRole.PARTY_GROUP_SECRETARY, "履行机关党建第一责任人职责，每年至少专题研究党建工作2次，"
                      "每半年至少听取一次机关党委（支部）工作汇报", party_secretary),
        DutyItemInput(DutyRole.PARTY_GROUP_SECRETARY, "年初作出公开承诺，年底述职接受评议，带头讲党课", party_secretary,
                      dt.date(year, 12, 31)),
        DutyItemInput(DutyRole.LEADERSHIP_MEMBER, "落实“一岗双责”，抓好分管领域党建工作，每人确定1至2个基层党建工作"
                      "联系点并定期调研指导", "班子成员"),
        DutyItemInput(DutyRole.LEADERSHIP_MEMBER, "以普通党员身份参加所在支部组织生活", "班子成员"),
        DutyItemInput(DutyRole.PARTY_GROUP_SECRETARY, "履行党风廉政建设第一责任人职责，每年至少专题研究党风廉政建设工作"
                      "2次，带头落实中央八项规定及其实施细则精神", party_secretary, category=integrity),
        DutyItemInput(DutyRole.LEADERSHIP_MEMBER, "抓好分管领域党风廉政建设，每年至少与分管科室负责人开展一次廉政谈话",
                      "班子成员", category=integrity),
        DutyItemInput(DutyRole.PARTY_GROUP_SECRETARY, "履行意识形态工作第一责任人职责，每半年至少专题研究一次意识形态工作，"
                      "年底报告意识形态工作责任制落实情况", party_secretary, dt.date(year, 12, 31), category=ideology),
        DutyItemInput(DutyRole.LEADERSHIP_MEMBER, "落实意识形态工作“一岗双责”，管好分管领域宣传思想阵地，重大情况及时报告",
                      "班子成员", category=ideology),
    ]
    for kind, name, org in secretaries:
        if kind == OrgKind.ORGAN_COMMITTEE:
            items.append(DutyItemInput(DutyRole.ORGAN_COMMITTEE_SECRETARY, f"主持{org}日常工作，制定年度党建工作计划，"
                                       "督促各支部落实“三会一课”等制度，每半年向党组汇报工作", name))
            items.append(DutyItemInput(DutyRole.ORGAN_COMMITTEE_SECRETARY, f"协助党组抓好{org}党风廉政建设和机关纪律"
                                       "作风建设，开展经常性纪律教育", name, category=integrity))
        else:
            items.append(DutyItemInput(DutyRole.BRANCH_SECRETARY, f"抓好{org}“三会一课”、主题党日、组织生活会和"
                                       "民主评议党员，按时完成支委换届和党员发展工作", name))
    return items


def missing_categories(categories: Iterable[DutyCategory]) -> list[DutyCategory]:
    """Which of the 三大责任制 are not among `categories`, in their order."""
    present = set(categories)
    return [c for c in DutyCategory if c not in present]


def duty_alerts(s: Session, today: dt.date) -> list[A.Alert]:
    """This year's 责任清单 without an item of one of the 三大责任制: due by the end of January (when the 清单 is
    made), overdue after it while the gap stays."""
    due = dt.date(today.year, 1, 31)
    found: dict[int, set[DutyCategory]] = {}
    names: dict[int, str] = {}
    for unit_id, name, category in s.execute(
            select(DutyList.unit_id, Unit.name, DutyItem.category).join(Unit, Unit.id == DutyList.unit_id)
            .outerjoin(DutyItem, DutyItem.duty_list_id == DutyList.id)
            .where(DutyList.year == today.year, Unit.active.is_(True)).order_by(Unit.sort_order, Unit.id)):
        found.setdefault(unit_id, set())
        names[unit_id] = name
        if category is not None:
            found[unit_id].add(category)
    out = []
    for unit_id, present in found.items():
        missing = missing_categories(present)
        if missing:
            what = "、".join(c.value for c in missing)
            out.append(A.Alert("duty_categories_missing", names[unit_id],
                               f"{names[unit_id]}{today.year}年度党建工作责任清单缺少{what}责任（须涵盖机关党建、"
                               "党风廉政建设、意识形态“三大责任制”）", due, A.UNIT, unit_id, unit_id, today > due))
    return out


def register_hooks() -> None:
    """Plug the 三大责任制 check into the 提醒 (idempotent)."""
    A.register_source("duty_categories_missing", duty_alerts)


def _clean_commitment(data: CommitmentInput, year: int) -> dict[str, Any]:
    problems: list[FieldProblem] = []
    secretary = _text(data.secretary, "secretary", "承诺人（书记）姓名", 40, problems, required=True)
    post = _text(data.post, "post", "承诺人职务", 40, problems) or "党组书记"
    note = _text(data.note, "note", "备注", MAX_TEXT, problems)
    _within_year(data.made_on, year, "made_on", "承诺日期", problems, early=31)
    if not data.items:
        problems.append(FieldProblem("items", "请至少填写一项承诺事项"))
    if len(data.items) > MAX_ITEMS:
        problems.append(FieldProblem("items", f"承诺事项最多{MAX_ITEMS}项"))
    items = []
    for i, it in enumerate(data.items, 1):
        content = _text(it.content, "content", "承诺事项", MAX_TEXT, problems, i, required=True)
        owner = _text(it.owner, "owner", "责任人", 40, problems, i)
        if it.due_on is None:
            problems.append(FieldProblem("due_on", "请填写完成时限", i))
        _within_year(it.due_on, year, "due_on", "完成时限", problems, i)
        items.append((it.id, content, owner, it.due_on))
    if problems:
        raise ValidationError(problems)
    return {"secretary": secretary, "post": post, "made_on": data.made_on, "note": note, "items": items}


def _clean_duties(data: DutyListInput, year: int
                  ) -> list[tuple[DutyRole, str, str, dt.date | None, DutyCategory]]:
    problems: list[FieldProblem] = []
    _within_year(data.made_on, year, "made_on", "制定日期", problems, early=31)
    if not data.items:
        problems.append(FieldProblem("items", "请至少填写一项责任"))
    if len(data.items) > MAX_ITEMS:
        problems.append(FieldProblem("items", f"责任事项最多{MAX_ITEMS}项"))
    out = []
    for i, it in enumerate(data.items, 1):
        try:
            role = it.role if isinstance(it.role, DutyRole) else DutyRole(str(it.role).strip())
        except ValueError:
            problems.append(FieldProblem("role", "责任主体应为党组书记、班子成员、机关党委书记或支部书记", i))
            continue
        try:
            category = it.category if isinstance(it.category, DutyCategory) else \
                DutyCategory(str(it.category).strip() or DutyCategory.PARTY_BUILDING.value)
        except ValueError:
            problems.append(FieldProblem("category", "责任类别应为机关党建、党风廉政建设或意识形态", i))
            continue
        content = _text(it.content, "content", "责任内容", MAX_TEXT, problems, i, required=True)
        person = _text(it.person, "person", "责任人", 40, problems, i)
        _within_year(it.due_on, year, "due_on", "完成时限", problems, i)
        out.append((role, person, content, it.due_on, category))
    if out and not any(role == DutyRole.PARTY_GROUP_SECRETARY for role, *_ in out):
        problems.append(FieldProblem("role", "责任清单须明确党组书记（第一责任人）的责任"))
    if problems:
        raise ValidationError(problems)
    return out


def _unit(s: Session, unit_id: int) -> Unit:
    u = s.get(Unit, unit_id)
    if u is None:
        raise NotFoundError(f"单位不存在（编号 {unit_id}）")
    return u


def _commitment_view(c: Commitment) -> CommitmentView:
    return CommitmentView(c.id, c.unit_id, c.unit.name, c.year, c.secretary, c.post, c.made_on, c.assessed_on,
                          c.note, [CommitmentItemView(i.id, i.content, i.owner, i.due_on, i.status, i.status_note)
                                   for i in c.items])


def _duty_view(d: DutyList) -> DutyListView:
    return DutyListView(d.id, d.unit_id, d.unit.name, d.year, d.made_on, d.note,
                        [DutyItemView(i.id, i.role, i.person, i.content, i.due_on, i.category) for i in d.items])


def _org_secretaries(s: Session, unit_ids: Sequence[int], on: dt.date) -> dict[int, list[tuple[OrgKind, str, str]]]:
    """unit id → (organisation kind, 书记's name, organisation) of its organisations' current 书记."""
    from app.models import Member

    q = (select(PartyOrg.unit_id, PartyOrg.kind, Member.name, PartyOrg.name)
         .join(OrgPost, OrgPost.org_id == PartyOrg.id).join(Member, Member.id == OrgPost.member_id)
         .where(PartyOrg.unit_id.in_(list(unit_ids)), PartyOrg.active.is_(True),
                OrgPost.kind == OrgPostKind.SECRETARY, OrgPost.start_on <= on,
                (OrgPost.end_on.is_(None)) | (OrgPost.end_on >= on))
         .order_by(PartyOrg.sort_order, PartyOrg.id))
    out: dict[int, list[tuple[OrgKind, str, str]]] = {}
    for unit_id, kind, name, org in s.execute(q):
        out.setdefault(unit_id, []).append((kind, name, org))
    return out
