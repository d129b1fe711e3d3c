"""Dialogs that edit the register: unit, party organisation, committee post, member, 组织关系转接.

Each dialog reads its fields into the service's `*Input` dataclass and calls `RegisterService`; the service
checks every rule and its `ValidationError` comes back under the fields (see forms.FormDialog)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QCompleter,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QRadioButton,
    QSpinBox,
    QTableView,
    QWidget,
)

from app import clock
from app import settings as S
from app.errors import ConcurrentChangeError, FieldProblem, ValidationError
from app.models import Gender, MemberStatus, OrgKind, OrgPostKind, TransferKind
from app.services.idcard import month_text
from app.services.register import (
    LEAVE_KINDS,
    PARENT_KINDS,
    MemberInput,
    OrgInput,
    PostInput,
    UnitInput,
    missing_identity,
    probation_end,
)
from app.ui.accounts.privacy import PersonalFields
from app.ui.context import AppContext
from app.ui.forms import ChoiceBox, DateEdit, FormDialog
from app.ui.itemmodels import RowsTableModel

UNIT_CATEGORIES = ["党政机关", "事业单位", "群团组织", "国有企业", "其他"]
EDUCATIONS = ["研究生", "大学本科", "大学专科", "中专", "高中", "初中及以下"]  # as the Excel import writes them


def _line(text: str = "", max_length: int = 100, placeholder: str = "") -> QLineEdit:
    w = QLineEdit(text)
    w.setMaxLength(max_length)
    w.setPlaceholderText(placeholder)
    return w


def _note(text: str = "") -> QPlainTextEdit:
    w = QPlainTextEdit(text)
    w.setTabChangesFocus(True)  # Tab leaves the note instead of typing a tab: keyboard users move on
    w.setFixedHeight(60)
    return w


def _with_completions(w: QLineEdit, words: list[str]) -> QLineEdit:
    c = QCompleter(words, w)
    c.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    w.setCompleter(c)
    return w


# -----------------------------------------------------------------------------------------------------------
# a record another client saved while this form was open


def ask_reload(parent: QWidget, message: str) -> bool:
    """Say who changed the record; True when the user asks for it to be read again."""
    box = QMessageBox(QMessageBox.Icon.Warning, "该记录已被他人修改", message, parent=parent)
    reload = box.addButton("重新载入(&R)", QMessageBox.ButtonRole.AcceptRole)
    box.addButton("返回本窗口", QMessageBox.ButtonRole.RejectRole)
    box.exec()
    return box.clickedButton() is reload


def _save_or_reload(dialog: FormDialog, save: Callable[[], int], reopen: Callable[[], FormDialog]) -> int:
    """Run the save; when another client changed the record since the form read it, the refusal stays under the
    form (FormDialog shows it) and the user may have the record read again: a fresh form replaces this one."""
    try:
        return save()
    except ConcurrentChangeError as exc:
        if ask_reload(dialog, exc.message):
            QTimer.singleShot(0, lambda: _reopen(dialog, reopen))
        raise


def _reopen(dialog: FormDialog, reopen: Callable[[], FormDialog]) -> None:
    dialog.hide()
    fresh = reopen()
    accepted = bool(fresh.exec())
    dialog.result_value = fresh.result_value
    if isinstance(fresh, MemberDialog) and isinstance(dialog, MemberDialog):
        dialog.missing = fresh.missing
    dialog.done(1 if accepted else 0)  # the caller's exec() ends as the fresh form ended


# -----------------------------------------------------------------------------------------------------------
# 单位


class UnitDialog(FormDialog):
    def __init__(self, ctx: AppContext, unit_id: int | None = None, parent: QWidget | None = None) -> None:
        super().__init__("编辑单位" if unit_id else "新建单位", self._write, parent)
        self.ctx, self.unit_id = ctx, unit_id
        self.version = ctx.register.version_of("unit", unit_id) if unit_id else None
        data = ctx.register.unit_input(unit_id) if unit_id else UnitInput("")
        f = self.form = self.new_form()
        f.add("name", "单位名称(&N)", _line(data.name, 100, "如：县财政局"))
        f.add("short_name", "简称", _line(data.short_name, 40))
        f.add("category", "单位类别", _with_completions(_line(data.category, 40), UNIT_CATEGORIES))
        f.add("party_secretary", "党组（党委）书记", _line(data.party_secretary, 40))
        f.add("contact_person", "党务联系人", _line(data.contact_person, 40))
        f.add("contact_phone", "联系电话", _line(data.contact_phone, 40))
        order = QSpinBox()
        order.setRange(0, 99999)
        order.setValue(data.sort_order)
        f.add("sort_order", "排列顺序", order, "数字小的排在前面")
        f.add("note", "备注", _note(data.note))
        self.resize(460, self.sizeHint().height())

    def _write(self) -> int:
        f = self.form
        order = f.field("sort_order")
        assert isinstance(order, QSpinBox)
        data = UnitInput(
            name=f.text("name"), short_name=f.text("short_name"), category=f.text("category"),
            party_secretary=f.text("party_secretary"), contact_person=f.text("contact_person"),
            contact_phone=f.text("contact_phone"), sort_order=order.value(), note=f.text("note"),
        )
        return _save_or_reload(
            self, lambda: self.ctx.register.save_unit(data, self.unit_id, expected_version=self.version),
            lambda: UnitDialog(self.ctx, self.unit_id, self.parentWidget()))


# -----------------------------------------------------------------------------------------------------------
# 党组织


class OrgDialog(FormDialog):
    def __init__(self, ctx: AppContext, org_id: int | None = None, *, unit_id: int | None = None,
                 parent_id: int | None = None, parent: QWidget | None = None) -> None:
        super().__init__("编辑党组织" if org_id else "新建党组织", self._write, parent)
        self.ctx, self.org_id = ctx, org_id
        self.version = ctx.register.version_of("party_org", org_id) if org_id else None
        if org_id:
            data = ctx.register.org_input(org_id)
        else:
            data = OrgInput(unit_id or 0, "", OrgKind.BRANCH, parent_id=parent_id)
        # Possible parents: 机关党委 and 党总支, with their unit, from the tree (one query, ~1,200 rows at most).
        self._parents: list[tuple[int, str, int, OrgKind]] = []
        for unit in ctx.register.tree():
            stack = list(unit.orgs)
            while stack:
                n = stack.pop(0)
                if n.kind in PARENT_KINDS and n.id != org_id:
                    self._parents.append((n.id, n.name, n.unit_id, n.kind))
                stack[0:0] = n.children
        f = self.form = self.new_form()
        self.unit_box = ChoiceBox(((name, uid) for uid, name in ctx.register.units()), searchable=True)
        self.unit_box.set_value(data.unit_id)
        f.add("unit_id", "所属单位(&U)", self.unit_box)
        f.add("name", "党组织名称(&N)", _line(data.name, 100, "如：中共县财政局机关支部委员会"))
        self.kind_box = ChoiceBox((k.label, k) for k in OrgKind)
        self.kind_box.set_value(data.kind)
        f.add("kind", "组织类型(&K)", self.kind_box)
        self.parent_box = ChoiceBox()
        f.add("parent_id", "上级党组织", self.parent_box, "单位内的机关党委、党总支；直属单位的留空")
        self._fill_parents(data.parent_id)
        self.unit_box.value_changed.connect(lambda _v: self._fill_parents(self.parent_box.value()))
        self.kind_box.value_changed.connect(lambda _v: self._fill_parents(self.parent_box.value()))
        established, start, end = DateEdit(), DateEdit(), DateEdit()
        established.set_date(data.established_on)
        start.set_date(data.term_start)
        end.set_date(data.term_end)
        f.add("established_on", "成立日期", established)
        f.add("term_start", "本届任期开始", start, "即本届选举（换届）日期")
        f.add("term_end", "本届任期届满", end, "留空则按任期年限自动计算（党委5年，党总支、党支部3年）")
        order = QSpinBox()
        order.setRange(0, 99999)
        order.setValue(data.sort_order)
        f.add("sort_order", "排列顺序", order)
        f.add("note", "备注", _note(data.note))
        self.resize(520, self.sizeHint().height())

    def _fill_parents(self, keep: int | None) -> None:
        unit, kind = self.unit_box.value(), self.kind_box.value()
        choices: list[tuple[str, Any]] = [("（无，直接隶属单位）", None)]
        for oid, name, uid, pkind in self._parents:
            # A 联合支部 may hang under another unit's 机关党委; anything else stays inside its unit.
            if uid == unit or kind == OrgKind.JOINT_BRANCH:
                choices.append((f"{name}（{pkind.label}）", oid))
        self.parent_box.set_choices(choices)
        self.parent_box.set_value(keep)
        if self.parent_box.currentIndex() < 0:
            self.parent_box.setCurrentIndex(0)

    def _write(self) -> int:
        f = self.form
        order = f.field("sort_order")
        assert isinstance(order, QSpinBox)
        unit_id, kind = self.unit_box.value(), self.kind_box.value()
        if unit_id is None:
            raise ValidationError(FieldProblem("unit_id", "请选择所属单位"))
        data = OrgInput(
            unit_id=unit_id, name=f.text("name"), kind=kind, parent_id=self.parent_box.value(),
            established_on=f.date("established_on"), term_start=f.date("term_start"), term_end=f.date("term_end"),
            sort_order=order.value(), note=f.text("note"),
        )
        return _save_or_reload(
            self, lambda: self.ctx.register.save_org(data, self.org_id, expected_version=self.version),
            lambda: OrgDialog(self.ctx, self.org_id, parent=self.parentWidget()))


# -----------------------------------------------------------------------------------------------------------
# 支委职务


class PostDialog(FormDialog):
    """Record a holder of a post, or a vacancy (no holder) from a date."""

    def __init__(self, ctx: AppContext, org_id: int, parent: QWidget | None = None) -> None:
        super().__init__("任职登记", self._write, parent)
        self.ctx, self.org_id = ctx, org_id
        f = self.form = self.new_form()
        self.kind_box = ChoiceBox((k.label, k) for k in OrgPostKind)
        self.kind_box.set_value(OrgPostKind.SECRETARY)
        f.add("kind", "职务(&K)", self.kind_box)
        rows = ctx.register.member_rows(ctx.register.member_ids(org_id=org_id))
        holders: list[tuple[str, Any]] = [("（空缺）", None)]
        holders += [(f"{r.name}（{r.position}）" if r.position else r.name, r.id)
                    for r in rows if r.status == MemberStatus.FULL.label]
        self.member_box = ChoiceBox(holders, searchable=True)
        self.member_box.setCurrentIndex(1 if len(holders) > 1 else 0)
        f.add("member_id", "任职人(&M)", self.member_box, "只列本组织在册正式党员；职务空缺时选“（空缺）”")
        start = DateEdit()
        start.set_date(clock.today())
        f.add("start_on", "任职（空缺）开始", start)
        f.add("end_on", "离任日期", DateEdit(), "现任的留空")
        f.add("note", "备注", _note())
        self.resize(440, self.sizeHint().height())

    def _write(self) -> int:
        f = self.form
        start = f.date("start_on")
        if start is None:
            raise ValidationError(FieldProblem("start_on", "请填写开始日期"))
        data = PostInput(self.org_id, self.kind_box.value(), self.member_box.value(), start, f.date("end_on"),
                         f.text("note"))
        return self.ctx.register.save_post(data)


class EndPostDialog(FormDialog):
    def __init__(self, ctx: AppContext, post_id: int, what: str, parent: QWidget | None = None) -> None:
        super().__init__("结束任职", self._write, parent)
        self.ctx, self.post_id = ctx, post_id
        f = self.form = self.new_form()
        f.add("what", "职务", QLabel(what))
        end = DateEdit()
        end.set_date(clock.today())
        f.add("end_on", "离任日期(&D)", end)

    def _write(self) -> None:
        end = self.form.date("end_on")
        if end is None:
            raise ValidationError(FieldProblem("end_on", "请填写离任日期"))
        self.ctx.register.end_post(self.post_id, end)


# -----------------------------------------------------------------------------------------------------------
# 党员


class MemberDialog(FormDialog):
    """Add or edit a member.  The organisation is chosen when adding; a move later is a 转接 (kept as history)."""

    def __init__(self, ctx: AppContext, member_id: int | None = None, *, org_id: int | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__("编辑党员信息" if member_id else "新增党员", self._write, parent)
        self.ctx, self.member_id = ctx, member_id
        self.version = ctx.register.version_of("member", member_id) if member_id else None
        if member_id:
            data = ctx.register.member_input(member_id)
        else:
            data = MemberInput(org_id or 0, "", MemberStatus.FULL)
        self._probation_months = int(ctx.setting(S.PROBATION_MONTHS))
        columns = QHBoxLayout()
        self.body.addLayout(columns)
        a = self.basic = self.new_form("基本信息", columns)
        a.add("name", "姓名(&N)", _line(data.name, 40))
        self.gender_box = ChoiceBox([("（按身份证号）", None)] + [(g.label, g) for g in Gender])
        self.gender_box.set_value(data.gender)
        a.add("gender", "性别", self.gender_box)
        a.add("ethnicity", "民族", _line(data.ethnicity, 20))
        birth = DateEdit()
        birth.set_date(data.birth_date)
        a.add("birth_date", "出生日期", birth, _month_hint(data.birth_date, data.birth_month_only, "留空则取自身份证号"))
        a.add("id_number", "身份证号(&I)", _line(data.id_number, 18, "18位，末位可为X"))
        a.add("phone", "联系电话", _line(data.phone, 20))
        a.add("education", "学历", _with_completions(_line(data.education, 20), EDUCATIONS))
        a.add("position", "职务", _line(data.position, 60, "行政职务，如：办公室主任"))
        a.add("note", "备注", _note(data.note))

        b = self.party = self.new_form("党籍信息", columns)
        self.org_box = ChoiceBox(((name, oid) for oid, name in ctx.register.orgs()), searchable=True)
        self.org_box.set_value(data.org_id)
        if member_id:
            self.org_box.setEnabled(False)
        b.add("org_id", "所在党组织(&O)", self.org_box, "变更所在党组织请用“组织关系转接”" if member_id else "")
        self.status_box = ChoiceBox((s.label, s) for s in MemberStatus)
        self.status_box.set_value(data.status)
        b.add("status", "党员类别", self.status_box)
        joined, full = DateEdit(), DateEdit()
        joined.set_date(data.joined_on)
        full.set_date(data.full_member_on)
        b.add("joined_on", "入党日期(&J)", joined,
              _month_hint(data.joined_on, data.joined_month_only, "支部大会通过接收为预备党员之日"))
        b.add("full_member_on", "转正日期", full, _month_hint(data.full_member_on, data.full_member_month_only, ""))
        self.loaded = data  # a date known to the month only stays so while it is left as it is
        self.extension = QSpinBox()
        self.extension.setRange(0, 12)
        self.extension.setSpecialValueText("不延长")
        self.extension.setSuffix(" 个月")
        self.extension.setValue(data.probation_extension_months)
        b.add("probation_extension_months", "延长预备期", self.extension)
        self.probation_hint = QLabel()
        self.probation_hint.setObjectName("probation_hint")
        b.add("probation_end", "预备期满", self.probation_hint)
        leader = QCheckBox("是党员领导干部（参加双重组织生活）")
        leader.setChecked(data.is_leader)
        b.add("is_leader", "领导干部", leader)
        registered = QCheckBox("已到居住地社区报到")
        registered.setChecked(data.community_registered)
        b.add("community_registered", "社区报到", registered)
        b.add("community_name", "报到社区", _line(data.community_name, 60))
        when = DateEdit()
        when.set_date(data.community_registered_on)
        b.add("community_registered_on", "报到日期", when)
        for form in (a, b):
            for name in form.names():
                w = form.field(name)
                if isinstance(w, QLineEdit):
                    w.setMinimumWidth(w.fontMetrics().horizontalAdvance("0" * 18) + 48)  # a full 身份证号
        for signal in (joined.textChanged, self.status_box.value_changed, self.extension.valueChanged):
            signal.connect(self._update_probation_hint)
        self._update_probation_hint()
        # An existing member's 身份证号, phone and birth date stay masked until revealed (accounts; audited).
        self.personal = (PersonalFields(a, ctx.session_factory, member_id, data.id_number or "", data.phone,
                                        data.birth_date)
                         if member_id else None)
        # 身份证号/性别/出生日期 stay optional (incomplete rosters are imported), but their absence is said here.
        self.identity_warning = QLabel()
        self.identity_warning.setObjectName("identity_warning")
        self.identity_warning.setWordWrap(True)
        self.identity_warning.setStyleSheet("color: #8a5a00;")
        self.body.addWidget(self.identity_warning)
        self.missing: list[str] = []
        for name in ("id_number", "birth_date"):
            line = a.field(name)
            assert isinstance(line, QLineEdit)
            line.textChanged.connect(self._update_identity_warning)
        self.gender_box.value_changed.connect(self._update_identity_warning)
        self._update_identity_warning()

    def _identity_now(self) -> MemberInput:
        """The identity fields as they stand (the stored ones where they are masked)."""
        try:
            birth = self._birth_date()
        except ValueError:
            birth = None
        return MemberInput(0, "", MemberStatus.FULL, gender=self.gender_box.value(), birth_date=birth,
                           id_number=self._personal("id_number"))

    def _update_identity_warning(self, *_: object) -> None:
        self.missing = missing_identity(self._identity_now())
        self.identity_warning.setText(
            f"提示：未填{'、'.join(self.missing)}。可以先保存，以后补填；保存后该党员在“提醒”中列为“党员信息不全”。"
            if self.missing else "")
        self.identity_warning.setVisible(bool(self.missing))

    def _update_probation_hint(self, *_: object) -> None:
        joined = self.party.date("joined_on")
        if self.status_box.value() != MemberStatus.PROBATIONARY or joined is None:
            self.probation_hint.setText("—")
            return
        end = probation_end(joined, self.extension.value(), self._probation_months)
        self.probation_hint.setText(f"{end:%Y-%m-%d}" if end else "—")

    def _check(self, name: str) -> bool:
        w = self.party.field(name)
        assert isinstance(w, QCheckBox)
        return w.isChecked()

    def _personal(self, name: str) -> str:
        shown = self.basic.text(name)
        return self.personal.value(name, shown) if self.personal is not None else shown

    def _birth_date(self) -> dt.date | None:
        return self.personal.birth_date() if self.personal is not None else self.basic.date("birth_date")

    def _write(self) -> int:
        a, b = self.basic, self.party
        org_id = self.org_box.value()
        if org_id is None:
            raise ValidationError(FieldProblem("org_id", "请选择所在党组织"))
        data = MemberInput(
            org_id=org_id, name=a.text("name"), status=self.status_box.value(), gender=self.gender_box.value(),
            ethnicity=a.text("ethnicity"), birth_date=self._birth_date(), id_number=self._personal("id_number"),
            phone=self._personal("phone"), education=a.text("education"), position=a.text("position"),
            joined_on=b.date("joined_on"), full_member_on=b.date("full_member_on"),
            probation_extension_months=self.extension.value(), is_leader=self._check("is_leader"),
            community_registered=self._check("community_registered"), community_name=b.text("community_name"),
            community_registered_on=b.date("community_registered_on"), note=a.text("note"),
        )
        old = self.loaded
        data.birth_month_only = old.birth_month_only and data.birth_date == old.birth_date
        data.joined_month_only = old.joined_month_only and data.joined_on == old.joined_on
        data.full_member_month_only = old.full_member_month_only and data.full_member_on == old.full_member_on
        saved = _save_or_reload(
            self, lambda: self.ctx.register.save_member(data, self.member_id, expected_version=self.version),
            lambda: MemberDialog(self.ctx, self.member_id, parent=self.parentWidget()))
        self.missing = missing_identity(data)
        return saved


def _month_hint(d: dt.date | None, month_only: bool, hint: str) -> str:
    """Under a date the register knows to the month only: say so, rather than let the 1st pass for the day."""
    if not month_only or d is None:
        return hint
    return f"登记为{month_text(d)}（只到月）；不改动则仍按月登记" + (f"。{hint}" if hint else "")


# -----------------------------------------------------------------------------------------------------------
# 组织关系转接


class TransferDialog(FormDialog):
    """Move a member within the county or out of it; the history of earlier moves is shown above."""

    def __init__(self, ctx: AppContext, member_id: int, parent: QWidget | None = None) -> None:
        super().__init__("组织关系转接", self._write, parent)
        self.ctx, self.member_id = ctx, member_id
        row = ctx.register.member_rows([member_id])[0]
        head = QLabel(f"党员：{row.name}　　现所在党组织：{row.org_name}（{row.unit_name}）")
        head.setWordWrap(True)
        self.body.addWidget(head)
        self.body.addWidget(QLabel("转接记录："))
        history = ctx.register.transfers_of(member_id)
        self.history_model = RowsTableModel(["转接日期", "类型", "转出党组织", "转入党组织"], history, parent=self)
        view = QTableView()
        view.setObjectName("transfer_history")
        view.setModel(self.history_model)
        view.verticalHeader().hide()
        view.horizontalHeader().setStretchLastSection(True)
        view.setEditTriggers(QTableView.EditTrigger.NoEditTriggers)
        view.setFixedHeight(120)
        if not history:
            view.hide()
            self.body.addWidget(QLabel("（无转接记录）"))
        self.body.addWidget(view)
        f = self.form = self.new_form()
        moved = DateEdit()
        moved.set_date(clock.today())
        f.add("moved_on", "转接日期(&D)", moved)
        where = QWidget()
        line = QHBoxLayout(where)
        line.setContentsMargins(0, 0, 0, 0)
        self.internal = QRadioButton("县内转接")
        self.external = QRadioButton("转出县外")
        self.internal.setChecked(True)
        line.addWidget(self.internal)
        line.addWidget(self.external)
        line.addStretch()
        f.add("direction", "去向", where)
        self.org_box = ChoiceBox(((name, oid) for oid, name in ctx.register.orgs()), searchable=True)
        self.org_box.setCurrentIndex(-1)
        f.add("to_org_id", "接收党组织(&T)", self.org_box)
        f.add("external_org", "县外接收组织", _line("", 100, "转出县外时填写"))
        f.add("note", "备注", _note())
        self.internal.toggled.connect(self._direction_changed)
        self._direction_changed(True)
        self.resize(560, self.sizeHint().height())

    def _direction_changed(self, internal: bool) -> None:
        self.org_box.setEnabled(internal)
        self.form.field("external_org").setEnabled(not internal)

    def _write(self) -> int:
        f = self.form
        moved = f.date("moved_on")
        if moved is None:
            raise ValidationError(FieldProblem("moved_on", "请填写转接日期"))
        if self.internal.isChecked():
            to_org = self.org_box.value()
            if to_org is None:
                raise ValidationError(FieldProblem("to_org_id", "请选择接收党组织"))
            return self.ctx.register.transfer_member(self.member_id, moved, to_org, note=f.text("note"))
        return self.ctx.register.transfer_member(self.member_id, moved, None, f.text("external_org"), f.text("note"))


# -----------------------------------------------------------------------------------------------------------
# 出党 / 去世 / 转出


class LeaveDialog(FormDialog):
    """A member leaves the register: 出党 (开除党籍、除名、退党), 去世, or 转出 to an organisation outside the
    county.  The record stays, as history, with the date and the way of leaving."""

    def __init__(self, ctx: AppContext, member_id: int, parent: QWidget | None = None) -> None:
        super().__init__("党员离开（出党、去世、转出）", self._write, parent)
        self.ctx, self.member_id = ctx, member_id
        row = ctx.register.member_rows([member_id])[0]
        head = QLabel(f"党员：{row.name}　　所在党组织：{row.org_name}（{row.unit_name}）")
        head.setWordWrap(True)
        self.body.addWidget(head)
        f = self.form = self.new_form()
        self.kind_box = ChoiceBox((k.label, k) for k in LEAVE_KINDS)
        self.kind_box.set_value(TransferKind.DECEASED)
        f.add("kind", "离开方式(&K)", self.kind_box, "出党：开除党籍、除名、退党；转出：组织关系转往县外")
        when = DateEdit()
        when.set_date(clock.today())
        f.add("moved_on", "日期(&D)", when)
        f.add("external_org", "县外接收组织", _line("", 100, "转出时填写"))
        f.add("note", "情形和依据", _note(), "出党须填写（如：开除党籍，依据……）；记入审计日志")
        self.kind_box.value_changed.connect(self._kind_changed)
        self._kind_changed()
        self.resize(520, self.sizeHint().height())

    def _kind_changed(self, *_: object) -> None:
        self.form.field("external_org").setEnabled(self.kind_box.value() == TransferKind.OUT)

    def _write(self) -> int:
        f = self.form
        on = f.date("moved_on")
        if on is None:
            raise ValidationError(FieldProblem("moved_on", "请填写日期"))
        return self.ctx.register.member_leaves(self.member_id, self.kind_box.value(), on, f.text("note"),
                                               f.text("external_org"))
