"""Local accounts, the current user and what each role may do.

Who is acting is held for the whole process (`set_current`, in app.services.actor): the UI sets it after the login dialog, the CLI
after checking `--user`.  Services ask `require(permission)` at their entry points; on top of that every ORM
session refuses to write data (`before_flush`, bulk statements) when the current user's role may not change it,
so a forgotten check in some service still cannot let a 查阅 account change anything.  With no current user (a
database without accounts yet, tests, the start-up restore offer) the process acts as the operator with full
rights, as before accounts existed.

Logins, failed logins, reveals of personal data and account changes are written to the audit trail; the
trail's "who" becomes the logged-in user (`app.services.audit.operator`)."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import event, func, select
from sqlalchemy.orm import ORMExecuteState, Session

from app import settings as S
from app.errors import FieldProblem, NotFoundError, PermissionDenied, ValidationError
from app.models import AuditEntry, Member, Role, Setting, Unit, User
from app.services import actor, unit_scope
from app.services.audit import timestamp, unit_of_work
from app.services.common_passwords import is_common

SessionFactory = Callable[[], Session]

# A failed login under a name no account has: the trail keeps neither the name nor the text typed.
UNKNOWN_USER = "未知用户"
UNKNOWN_USER_REASON = "用户名不存在（所输入的用户名不记录：它常是输错位置的密码）"

# Who acts and what each role may do live below the audit trail, which names the actor in every entry; they are
# part of this module's interface as well (`accounts.current()`, `accounts.Permission`, …).
ROLE_PERMISSIONS = actor.ROLE_PERMISSIONS
Actor = actor.Actor
Permission = actor.Permission
acting_as = actor.acting_as
allowed = actor.allowed
current = actor.current
require = actor.require
set_current = actor.set_current
who = actor.who


# --- the write guard on every ORM session -------------------------------------------------------------------------

# Rows any logged-in user may cause to be written: their own login bookkeeping and the audit trail of it.
_ALWAYS_WRITABLE: tuple[type, ...] = (User, AuditEntry)


def _needed_for(obj: object) -> Permission | None:
    if isinstance(obj, _ALWAYS_WRITABLE):
        return None
    if isinstance(obj, Setting):
        return Permission.SETTINGS
    return Permission.WRITE


# A dry run (an import checked and then rolled back) for a role that may only read: its flushes are let through,
# and a session that flushed such changes may roll them back but not commit them (login bookkeeping and the audit
# of it still commit).  Per thread: it covers the code that runs the dry run, nothing else.
_rehearsing = threading.local()


@contextmanager
def rehearsal() -> Iterator[None]:
    """Run a dry run whose changes are rolled back: a 查阅 user may check an import (READ is enough), and
    nothing it staged can be committed (committing it needs the permission it always needs)."""
    require(Permission.READ)
    before = getattr(_rehearsing, "on", False)
    _rehearsing.on = True
    try:
        yield
    finally:
        _rehearsing.on = before


def _in_rehearsal() -> bool:
    return bool(getattr(_rehearsing, "on", False))


# Set on a session that flushed guarded changes during a rehearsal: it may roll them back, not commit them.
_REHEARSED = "dangjian_rehearsed_changes"


def _guard_commit(session: Session) -> None:
    """Before a commit: changes staged in a rehearsal (flushed already, or still pending: the commit's own
    flush comes after this hook) need their permission, as outside one."""
    needed = session.info.pop(_REHEARSED, None)
    if current() is None:
        return
    if needed is not None:
        require(needed)
    if _in_rehearsal() and not unit_scope.scoped():
        for obj in (*session.new, *session.dirty, *session.deleted):
            pending = _needed_for(obj)
            if pending is not None:
                require(pending)


def _guard_flush(session: Session, _context: Any, _instances: Any) -> None:
    if current() is None:
        return
    if unit_scope.scoped():  # a 单位填报员: its own unit's 自评, records and progress, nothing else
        unit_scope.check_writes(session, session.new, session.dirty, session.deleted)
        return
    for obj in (*session.new, *session.dirty, *session.deleted):
        needed = _needed_for(obj)
        if needed is None:
            continue
        if _in_rehearsal():
            session.info.setdefault(_REHEARSED, needed)
        else:
            require(needed)


def _forget_rehearsal(session: Session, _transaction: Any = None) -> None:
    session.info.pop(_REHEARSED, None)


def _guard_bulk(state: ORMExecuteState) -> None:
    if current() is None or not (state.is_insert or state.is_update or state.is_delete):
        return
    mapper = state.bind_mapper
    target = mapper.class_ if mapper is not None else None
    if unit_scope.scoped():
        unit_scope.check_bulk(state, target)
        return
    if target is not None and issubclass(target, _ALWAYS_WRITABLE):
        return
    needed = Permission.SETTINGS if target is Setting else Permission.WRITE
    if _in_rehearsal():
        state.session.info.setdefault(_REHEARSED, needed)
    else:
        require(needed)


if not event.contains(Session, "before_flush", _guard_flush):
    event.listen(Session, "before_flush", _guard_flush)
    event.listen(Session, "do_orm_execute", _guard_bulk)
    event.listen(Session, "before_commit", _guard_commit)
    event.listen(Session, "after_rollback", _forget_rehearsal)


# --- accounts ---------------------------------------------------------------------------------------------------

# argon2id with argon2-cffi's defaults (RFC 9106 low-memory profile); tests swap in a cheaper hasher.
hasher = PasswordHasher()

_DUMMY_HASH: list[str] = []  # verified against for unknown names, so that they take as long as known ones


@dataclass(frozen=True)
class UserView:
    id: int
    username: str
    display_name: str
    role: Role
    active: bool
    locked_until: dt.datetime | None
    last_login_at: dt.datetime | None
    unit_id: int | None = None  # a 单位填报员's unit
    unit_name: str = ""

    @property
    def role_text(self) -> str:
        """The role as the account list shows it: a 单位填报员 with its unit."""
        return f"{self.role.value}（{self.unit_name}）" if self.role == Role.UNIT_REPORTER else self.role.value


def _view(u: User, unit_name: str = "") -> UserView:
    return UserView(u.id, u.username, u.display_name, u.role, u.active, u.locked_until, u.last_login_at,
                    u.unit_id, unit_name)


def _actor(u: User) -> Actor:
    return Actor(u.id, u.username, u.display_name, u.role, u.unit_id if u.role == Role.UNIT_REPORTER else None)


class LoginFailed(PermissionDenied):
    """Wrong name or password, or the account is locked or disabled (the message says which, in Chinese)."""


class AccountService:
    def __init__(self, session_factory: SessionFactory, now: Callable[[], dt.datetime] | None = None) -> None:
        self._sf = session_factory
        self._now = now or (lambda: dt.datetime.now(dt.timezone.utc))

    # --- reading --------------------------------------------------------------------------------------------

    def password_rules(self) -> str:
        """The rules for a new password with the configured minimum length, to show before one is typed."""
        with self._sf() as s:
            return password_rules(int(S.get(s, S.PASSWORD_MIN_LENGTH)))

    def has_users(self) -> bool:
        with self._sf() as s:
            return bool(s.scalar(select(func.count()).select_from(User)))

    def users(self) -> list[UserView]:
        with self._sf() as s:
            return [_view(u, name or "") for u, name in s.execute(
                select(User, Unit.name).outerjoin(Unit, Unit.id == User.unit_id).order_by(User.username))]

    def units(self) -> list[tuple[int, str]]:
        """The units a 单位填报员 may be bound to, in the register's order."""
        with self._sf() as s:
            return [(i, n) for i, n in s.execute(select(Unit.id, Unit.name).order_by(Unit.sort_order, Unit.id))]

    # --- first start and logging in -------------------------------------------------------------------------

    def create_first_admin(self, username: str, display_name: str, password: str) -> Actor:
        """The administrator made on first start; refused once any account exists."""
        with unit_of_work(self._sf, "首次启动") as (s, log):
            if s.scalar(select(func.count()).select_from(User)):
                raise PermissionDenied("已经有用户账户，不能再创建首个管理员；请用管理员账户登录后添加用户")
            user = self._new_user(s, username, display_name, Role.ADMIN, password)
            log.who = _actor(user).who
            log.record("新建", "app_user", user.id, "role", None, user.role, reason="首次启动创建管理员")
            return _actor(user)

    def authenticate(self, username: str, password: str) -> Actor:
        """Check a login.  Every attempt is audited; too many wrong passwords lock the account for a while.
        Raises LoginFailed (after committing the failure) when the login is refused."""
        name = _clean_username(username)
        with unit_of_work(self._sf, UNKNOWN_USER) as (s, log):
            read = S.reader(s)
            user = s.scalar(select(User).where(User.username == name))
            refusal = self._check_login(user, password, int(read(S.LOGIN_ATTEMPTS)), int(read(S.LOCKOUT_MINUTES)))
            if refusal is None and user is not None:
                log.who = _actor(user).who
                log.record("登录", "app_user", user.id)
                return _actor(user)
            if user is not None:
                log.who = user.username
                log.record("登录失败", "app_user", user.id, "username", None, name, reason=refusal or "")
            else:
                # What was typed as a user name is not kept: it is often the password, typed one box too early.
                log.record("登录失败", "app_user", None, "username", None, None, reason=UNKNOWN_USER_REASON)
        raise LoginFailed(refusal or "用户名或密码错误")

    def _check_login(self, user: User | None, password: str, attempts: int, minutes: int) -> str | None:
        """None when the login succeeds (and the user row updated), else the Chinese reason for refusing.

        Wrong passwords back off exponentially per account: the `attempts`-th in a row locks it for `minutes`,
        each further one (tried once the lock has run out) for twice as long as the last, up to a day; a good
        login starts again from nothing.  While locked, the password is not even looked at."""
        now = self._now()
        if user is None:
            _verify_dummy(password)
            return "用户名或密码错误"
        if not user.active:
            return "该账户已停用，请联系管理员"
        if user.locked_until is not None and user.locked_until > now:
            return (f"密码已连续输错{user.failed_count}次，账户已锁定，"
                    f"请{_wait_text(user.locked_until - now)}后再试（{_local_time(user.locked_until)}以后）")
        if not _verify(user, password):
            user.failed_count += 1
            if user.failed_count >= attempts:
                lock = lockout_length(user.failed_count, attempts, minutes)
                user.locked_until = now + lock
                return (f"密码已连续输错{user.failed_count}次，账户已锁定{_wait_text(lock)}，"
                        f"请{_local_time(user.locked_until)}以后再试；再输错，锁定时间将加倍（最长24小时）")
            return f"用户名或密码错误（再错{attempts - user.failed_count}次将锁定账户）"
        user.failed_count = 0
        user.locked_until = None
        user.last_login_at = now
        return None

    # --- own password ------------------------------------------------------------------------------------------

    def change_password(self, username: str, old_password: str, new_password: str) -> None:
        """Any user changes their own password, knowing the old one."""
        name = _clean_username(username)
        with unit_of_work(self._sf) as (s, log):
            user = _user(s, name)
            if not _verify(user, old_password):
                raise ValidationError("原密码不正确", field="old_password")
            _check_password(s, new_password, user.username, "new_password")
            user.password_hash = hasher.hash(new_password)
            log.record("修改密码", "app_user", user.id)

    # --- administration --------------------------------------------------------------------------------------

    def add_user(self, username: str, display_name: str, role: Role | str, password: str,
                 unit: int | str | None = None) -> UserView:
        """A new account; a 单位填报员 needs its unit (`unit`: the unit's id or name)."""
        require(Permission.ACCOUNTS)
        new_role = _role(role)
        with unit_of_work(self._sf) as (s, log):
            unit_id = _unit_for(s, new_role, unit)
            user = self._new_user(s, username, display_name, new_role, password)
            user.unit_id = unit_id
            log.record("新建", "app_user", user.id, "role", None, user.role, reason=f"用户名 {user.username}")
            if unit_id is not None:
                log.record("新建", "app_user", user.id, "unit_id", None, unit_id, reason=_unit_name(s, unit_id))
            return _view(user, _unit_name(s, unit_id))

    def reset_password(self, username: str, new_password: str) -> None:
        """An administrator sets another user's password (and lifts a lockout)."""
        require(Permission.ACCOUNTS)
        with unit_of_work(self._sf) as (s, log):
            user = _user(s, _clean_username(username))
            _check_password(s, new_password, user.username, "password")
            user.password_hash = hasher.hash(new_password)
            user.failed_count, user.locked_until = 0, None
            log.record("重置密码", "app_user", user.id)

    def set_role(self, username: str, role: Role | str, unit: int | str | None = None) -> UserView:
        """Change an account's role; a 单位填报员 needs its unit (given, or the one it already has), any other
        role is bound to none."""
        require(Permission.ACCOUNTS)
        new_role = _role(role)
        with unit_of_work(self._sf) as (s, log):
            user = _user(s, _clean_username(username))
            keeps_unit = unit in (None, "") and new_role == user.role == Role.UNIT_REPORTER
            kept = user.unit_id if keeps_unit else unit
            unit_id = _unit_for(s, new_role, kept)
            if user.role == Role.ADMIN and new_role != Role.ADMIN:
                _keep_an_admin(s, user)
            if user.role != new_role:
                log.record("修改", "app_user", user.id, "role", user.role, new_role)
                user.role = new_role
            if user.unit_id != unit_id:
                log.record("修改", "app_user", user.id, "unit_id", user.unit_id, unit_id,
                           reason=_unit_name(s, unit_id) or "不再绑定单位")
                user.unit_id = unit_id
            return _view(user, _unit_name(s, unit_id))

    def set_active(self, username: str, active: bool) -> UserView:
        require(Permission.ACCOUNTS)
        with unit_of_work(self._sf) as (s, log):
            user = _user(s, _clean_username(username))
            if not active and user.role == Role.ADMIN:
                _keep_an_admin(s, user)
            if user.active != active:
                log.record("修改", "app_user", user.id, "active", user.active, active)
                user.active = active
            return _view(user, _unit_name(s, user.unit_id))

    def delete_user(self, username: str) -> None:
        require(Permission.ACCOUNTS)
        with unit_of_work(self._sf) as (s, log):
            user = _user(s, _clean_username(username))
            if user.role == Role.ADMIN:
                _keep_an_admin(s, user)
            log.record("删除", "app_user", user.id, "username", user.username, None)
            s.delete(user)

    def _new_user(self, s: Session, username: str, display_name: str, role: Role, password: str) -> User:
        name = _clean_username(username)
        display = (display_name or "").strip() or name
        problems = []
        if not name:
            problems.append(("username", "请填写用户名"))
        elif len(name) > 40 or any(c.isspace() for c in name):
            problems.append(("username", "用户名不能超过40个字符，也不能含空格"))
        elif s.scalar(select(User.id).where(User.username == name)) is not None:
            problems.append(("username", f"用户名“{name}”已存在"))
        if len(display) > 40:
            problems.append(("display_name", "姓名不能超过40个字符"))
        if problems:
            raise ValidationError([_problem(f, m) for f, m in problems])
        _check_password(s, password, name, "password")
        user = User(username=name, display_name=display, role=role, password_hash=hasher.hash(password),
                    failed_count=0, active=True, created_at=self._now())
        s.add(user)
        s.flush()
        return user


def _problem(field: str, message: str) -> FieldProblem:
    return FieldProblem(field, message)


def _clean_username(username: str) -> str:
    return (username or "").strip().lower()


def _role(role: Role | str) -> Role:
    if isinstance(role, Role):
        return role
    try:
        return Role(str(role).strip())
    except ValueError:
        raise ValidationError(f"角色只能是{'、'.join(r.value for r in Role)}", field="role") from None


def _unit_for(s: Session, role: Role, unit: int | str | None) -> int | None:
    """The unit an account of `role` is bound to: required for a 单位填报员 (by id or name), none otherwise."""
    if role != Role.UNIT_REPORTER:
        if unit not in (None, ""):
            raise ValidationError(f"只有“{Role.UNIT_REPORTER.value}”账户绑定单位，{role.value}账户不能指定单位", field="unit")
        return None
    if unit in (None, ""):
        raise ValidationError(f"“{Role.UNIT_REPORTER.value}”账户必须指定所属单位", field="unit")
    if isinstance(unit, int):
        found = s.scalar(select(Unit.id).where(Unit.id == unit))
    else:
        text = str(unit).strip()
        found = s.scalar(select(Unit.id).where(Unit.name == text))
        if found is None and text.isdigit():
            found = s.scalar(select(Unit.id).where(Unit.id == int(text)))
    if found is None:
        raise ValidationError(f"没有单位“{unit}”，请按单位名册中的名称填写", field="unit")
    return int(found)


def _unit_name(s: Session, unit_id: int | None) -> str:
    if unit_id is None:
        return ""
    return s.scalar(select(Unit.name).where(Unit.id == unit_id)) or ""


def _user(s: Session, name: str) -> User:
    user = s.scalar(select(User).where(User.username == name))
    if user is None:
        raise NotFoundError(f"没有用户“{name}”")
    return user


def _keep_an_admin(s: Session, leaving: User) -> None:
    """Refuse to take away the last active administrator (nobody could then manage accounts or reopen)."""
    others = s.scalar(select(func.count()).select_from(User).where(
        User.role == Role.ADMIN, User.active.is_(True), User.id != leaving.id))
    if not others:
        raise PermissionDenied("这是最后一个管理员账户，不能删除、停用或改为其他角色；请先添加另一个管理员")


def password_rules(minimum: int) -> str:
    """The rules a new password must meet, said before it is typed (the dialogs and `user add` show it)."""
    return (f"密码至少{minimum}个字符，不能是常见密码（如12345678、password、woaini1314、生日19900101），"
            "也不能与用户名相同")


def password_problem(password: str, username: str, minimum: int) -> str | None:
    """Why `password` may not be used by `username` (in Chinese), or None when it may."""
    text = password or ""
    if len(text) < minimum:
        return f"密码至少需要{minimum}个字符"
    if _built_on_name(text.strip().lower(), _clean_username(username)):
        return "密码不能与用户名相同，也不能只是用户名加几位数字或常见密码"
    if is_common(text):
        return "这是常见密码，几秒钟就能被猜中，请换一个（可用几个词加数字和符号组成的句子）"
    return None


def _built_on_name(folded: str, name: str) -> bool:
    """The user name, reversed, or with a few characters, digits or a common password before or after it."""
    if not name:
        return False
    if folded in (name, name[::-1]):
        return True
    rests = ([folded[len(name):]] if folded.startswith(name) else []) + \
        ([folded[:-len(name)]] if folded.endswith(name) else [])
    return any(len(rest) <= 4 or rest.isdigit() or is_common(rest) for rest in rests)


def _check_password(s: Session, password: str, username: str, field: str) -> None:
    problem = password_problem(password, username, int(S.get(s, S.PASSWORD_MIN_LENGTH)))
    if problem is not None:
        raise ValidationError(problem, field=field)


def _verify(user: User, password: str) -> bool:
    try:
        hasher.verify(user.password_hash, password or "")
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)  # parameters were raised since this hash was made
    return True


def _verify_dummy(password: str) -> None:
    if not _DUMMY_HASH:
        _DUMMY_HASH.append(hasher.hash("dummy-password-for-timing"))
    with suppress(VerifyMismatchError, VerificationError, InvalidHashError):
        hasher.verify(_DUMMY_HASH[0], password or "")


# The longest a run of wrong passwords locks an account: a day (so at most a guess or so a day once reached).
MAX_LOCKOUT = dt.timedelta(hours=24)


def lockout_length(failures: int, attempts: int, minutes: int) -> dt.timedelta:
    """How long the `failures`-th wrong password in a row locks the account: `minutes` at the `attempts`-th,
    doubling with each one after it, at most MAX_LOCKOUT."""
    doublings = min(max(0, failures - attempts), 20)  # 2**20 minutes is far past the cap already
    return min(dt.timedelta(minutes=minutes) * 2 ** doublings, MAX_LOCKOUT)


def _wait_text(left: dt.timedelta) -> str:
    """A wait in whole minutes, rounded up, said as 小时 and 分钟."""
    total = max(1, -(-int(left.total_seconds()) // 60))
    hours, mins = divmod(total, 60)
    if not hours:
        return f"{mins}分钟"
    return f"{hours}小时{f'{mins}分钟' if mins else ''}"


def _local_time(at: dt.datetime) -> str:
    """The machine's local clock time of `at`, as the user reads it: 3月2日 08:05."""
    local = at.astimezone() if at.tzinfo is not None else at
    return f"{local.month}月{local.day}日 {local:%H:%M}"


# --- personal data and the audit viewer ---------------------------------------------------------------------------

def reveal_member(session_factory: SessionFactory, member_id: int, purpose: str = "") -> tuple[str, str]:
    """The full 身份证号 and phone of one member, for a role allowed to see them; the reveal is audited."""
    require(Permission.REVEAL)
    with unit_of_work(session_factory) as (s, log):
        member = s.get(Member, member_id)
        if member is None:
            raise NotFoundError("该党员不存在（可能已被删除）")
        log.record("查看个人信息", "member", member.id, "身份证号和电话", reason=purpose.strip())
        return member.id_number or "", member.phone or ""


def record_restore(session_factory: SessionFactory, source: str = "") -> None:
    """A restore replaced the database: the restored trail records who did it (and from which backup)."""
    with unit_of_work(session_factory) as (_s, log):
        log.record("恢复", "database", None, reason=f"从备份恢复数据库{f'：{source}' if source else ''}")


def record_backup(session_factory: SessionFactory, file_name: str, kind: str) -> None:
    """A backup was written (PIPL: copies of personal data are accounted for); `kind` says why (manual, daily…)."""
    with unit_of_work(session_factory) as (_s, log):
        log.record("备份", "database", None, new=file_name, reason=kind)


@dataclass(frozen=True)
class AuditFilter:
    who: str = ""  # part of the name
    action: str = ""  # exact action, "" for all
    since: dt.date | None = None
    until: dt.date | None = None  # inclusive
    limit: int = 2000


@dataclass(frozen=True)
class AuditLine:
    seq: int
    at: str
    who: str
    action: str
    entity: str
    entity_id: int | None
    field: str
    old: str | None
    new: str | None
    reason: str


def audit_lines(session_factory: SessionFactory, f: AuditFilter) -> list[AuditLine]:
    """The newest audit entries matching the filter (administrators only)."""
    require(Permission.AUDIT_VIEW)
    q = select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(max(1, f.limit))
    if f.who.strip():
        q = q.where(AuditEntry.who.contains(f.who.strip()))
    if f.action.strip():
        q = q.where(AuditEntry.action == f.action.strip())
    # The days are this computer's; the entries' times are UTC stamps, compared as text.
    if f.since is not None:
        q = q.where(AuditEntry.at >= _day_start_stamp(f.since))
    if f.until is not None:
        q = q.where(AuditEntry.at < _day_start_stamp(f.until + dt.timedelta(days=1)))
    with session_factory() as s:
        return [AuditLine(e.seq, e.at, e.who, e.action, e.entity, e.entity_id, e.field, e.old, e.new, e.reason)
                for e in s.scalars(q)]


def _day_start_stamp(day: dt.date) -> str:
    """Local midnight of `day` as the trail's UTC stamp."""
    return timestamp(dt.datetime.combine(day, dt.time()).astimezone())


def audit_actions(session_factory: SessionFactory) -> list[str]:
    with session_factory() as s:
        return sorted(a for a in s.scalars(select(AuditEntry.action).distinct()) if a)
