"""The register: units, the party-organisation tree, committee posts, members and their moves."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    false,
)
from sqlalchemy.orm import Mapped, Session, SessionTransaction, mapped_column, relationship

from app.models.base import Base, Name
from app.models.enums import Gender, MemberStatus, OrgKind, OrgPostKind, TransferKind


def label_enum(cls: type) -> Enum:
    """Store an enum by its Chinese label, as a plain string column (portable, readable in SQL)."""
    return Enum(
        cls,
        native_enum=False,
        length=20,
        validate_strings=True,
        values_callable=lambda e: [m.value for m in e],
        name=cls.__name__.lower(),
        create_constraint=False,
    )


class Unit(Base):
    """单位: a county department, the assessed entity."""

    __tablename__ = "unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(Name, unique=True)
    short_name: Mapped[str] = mapped_column(String(40), default="")
    category: Mapped[str] = mapped_column(String(40), default="")  # 党政机关 / 事业单位 / 群团组织 …
    party_secretary: Mapped[str] = mapped_column(String(40), default="")  # 党组（党委）书记
    contact_person: Mapped[str] = mapped_column(String(40), default="")
    contact_phone: Mapped[str] = mapped_column(String(40), default="")
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    note: Mapped[str] = mapped_column(Text, default="")
    # Moves with each transaction that changes the row (`_move_versions`: a form's save, a 转接, an import …): a
    # form's save made with an older version is refused (RegisterService.save_*, ConcurrentChangeError).
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    orgs: Mapped[list[PartyOrg]] = relationship(back_populates="unit")


class PartyOrg(Base):
    """党组织: 机关党委 / 党总支 / 党支部 / 联合支部, a tree per unit."""

    __tablename__ = "party_org"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("party_org.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(Name, unique=True)
    kind: Mapped[OrgKind] = mapped_column(label_enum(OrgKind))
    established_on: Mapped[dt.date | None] = mapped_column(Date)
    term_start: Mapped[dt.date | None] = mapped_column(Date)
    term_end: Mapped[dt.date | None] = mapped_column(Date)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    note: Mapped[str] = mapped_column(Text, default="")
    # Moves with each transaction that changes the row (`_move_versions`: a form's save, a 转接, an import …): a
    # form's save made with an older version is refused (RegisterService.save_*, ConcurrentChangeError).
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    unit: Mapped[Unit] = relationship(back_populates="orgs")
    parent: Mapped[PartyOrg | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[PartyOrg]] = relationship(back_populates="parent")
    posts: Mapped[list[OrgPost]] = relationship(back_populates="org", order_by="OrgPost.start_on")
    members: Mapped[list[Member]] = relationship(back_populates="org")


class OrgPost(Base):
    """支部委员会职务: one holding (or vacancy, when `member_id` is NULL) of a post over a span of dates."""

    __tablename__ = "org_post"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("party_org.id", ondelete="CASCADE"), index=True)
    kind: Mapped[OrgPostKind] = mapped_column(label_enum(OrgPostKind))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="RESTRICT"), index=True)
    start_on: Mapped[dt.date] = mapped_column(Date)
    end_on: Mapped[dt.date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")

    org: Mapped[PartyOrg] = relationship(back_populates="posts")
    member: Mapped[Member | None] = relationship()


class Member(Base):
    """党员."""

    __tablename__ = "member"
    __table_args__ = (Index("ix_member_org_active", "org_id", "left_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("party_org.id", ondelete="RESTRICT"))
    name: Mapped[str] = mapped_column(String(40))
    name_initials: Mapped[str] = mapped_column(String(40), default="", index=True)  # pinyin initials: 张三 → zs
    # The list's order: full pinyin with tones (张三 → "zhang1 san1"; idcard.pinyin_sort_key), derived from name.
    name_sort: Mapped[str] = mapped_column(String(200), default="", server_default="", index=True)
    gender: Mapped[Gender | None] = mapped_column(label_enum(Gender))
    ethnicity: Mapped[str] = mapped_column(String(20), default="汉族")
    birth_date: Mapped[dt.date | None] = mapped_column(Date)
    id_number: Mapped[str | None] = mapped_column(String(18), unique=True)  # 身份证号, personal data
    phone: Mapped[str] = mapped_column(String(20), default="")  # personal data
    education: Mapped[str] = mapped_column(String(20), default="")
    position: Mapped[str] = mapped_column(String(60), default="")  # 职务
    status: Mapped[MemberStatus] = mapped_column(label_enum(MemberStatus))
    joined_on: Mapped[dt.date | None] = mapped_column(Date)  # 入党日期 (支部大会通过接收为预备党员之日)
    full_member_on: Mapped[dt.date | None] = mapped_column(Date)  # 转正日期
    # Offices often keep 出生年月, 入党时间 and 转正时间 to the month only (1992.03): such a date is stored as the
    # first of its month with its flag set, and shown as 1992年3月, never as an invented day.
    birth_month_only: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    joined_month_only: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    full_member_month_only: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    probation_extension_months: Mapped[int] = mapped_column(Integer, default=0)  # 延长预备期 6–12
    is_leader: Mapped[bool] = mapped_column(Boolean, default=False)  # 党员领导干部
    community_registered: Mapped[bool] = mapped_column(Boolean, default=False)  # 在职党员到社区报到
    community_name: Mapped[str] = mapped_column(String(60), default="")
    community_registered_on: Mapped[dt.date | None] = mapped_column(Date)
    left_on: Mapped[dt.date | None] = mapped_column(Date)  # 转出县外 / 去世 …; NULL while in the register
    note: Mapped[str] = mapped_column(Text, default="")
    # Moves with each transaction that changes the row (`_move_versions`: a form's save, a 转接, an import …): a
    # form's save made with an older version is refused (RegisterService.save_*, ConcurrentChangeError).
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    org: Mapped[PartyOrg] = relationship(back_populates="members")
    transfers: Mapped[list[Transfer]] = relationship(back_populates="member", order_by="Transfer.moved_on")


class Transfer(Base):
    """组织关系转接: one move of a member, kept as history."""

    __tablename__ = "transfer"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), index=True)
    kind: Mapped[TransferKind] = mapped_column(label_enum(TransferKind))
    from_org_id: Mapped[int | None] = mapped_column(ForeignKey("party_org.id", ondelete="SET NULL"))
    to_org_id: Mapped[int | None] = mapped_column(ForeignKey("party_org.id", ondelete="SET NULL"))
    external_org: Mapped[str] = mapped_column(String(100), default="")  # 县外党组织名称
    moved_on: Mapped[dt.date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")

    member: Mapped[Member] = relationship(back_populates="transfers")


class Setting(Base):
    """A setting stored with the county's data (declared with type and default in `app.settings`)."""

    __tablename__ = "setting"
    __table_args__ = (UniqueConstraint("key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80))
    value: Mapped[str] = mapped_column(Text)  # JSON


# ---------------------------------------------------------------------------------------------------------------
# versions: every path that changes a unit, 党组织 or member (a form's save, a 转接, 出党 through a 处置 case, the
# Excel import) moves the row's version, so a form opened before it cannot save over it unseen.

_VERSIONED = (Unit, PartyOrg, Member)
_MOVED = "register.versions_moved"  # Session.info: (class, id) of the rows whose version this transaction moved


def _move_versions(s: Session, _context: Any, _instances: Any) -> None:
    """Before a flush: a row that really changes moves its version, once a transaction (a unit of work that
    flushes twice moves it by one; a save that sets every field to what it was does not move it)."""
    moved: set[tuple[type, int]] = s.info.setdefault(_MOVED, set())
    for obj in s.dirty:
        if not isinstance(obj, _VERSIONED) or obj.id is None or (type(obj), obj.id) in moved:
            continue
        if s.is_modified(obj, include_collections=False):
            moved.add((type(obj), obj.id))
            obj.version = (obj.version or 1) + 1


def _transaction_ended(s: Session, transaction: SessionTransaction) -> None:
    """The next transaction (or the rest of this one after a savepoint) moves versions afresh."""
    if transaction.parent is None or transaction.nested:
        s.info.pop(_MOVED, None)


event.listen(Session, "before_flush", _move_versions)
event.listen(Session, "after_transaction_end", _transaction_ended)
