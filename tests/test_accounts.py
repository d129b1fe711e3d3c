"""Accounts: first administrator, logins with lockout and its expiry, password changes, user administration with
the last-administrator rule, and each role against the service operations (allowed and refused)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from scoring_support import make_county
from sqlalchemy import select

from app import settings as S
from app.db import Database
from app.errors import NotFoundError, PermissionDenied, ValidationError
from app.models import AuditEntry, Role, User
from app.services import accounts
from app.services.accounts import AccountService, Actor, LoginFailed, Permission, acting_as
from app.services.app_settings import SettingsService
from app.services.audit import verify
from app.services.register import RegisterService, UnitInput

pytestmark = pytest.mark.usefixtures("cheap_hashes")

PW = "correct horse"


class Clock:
    def __init__(self) -> None:
        self.t = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.timezone.utc)

    def __call__(self) -> dt.datetime:
        return self.t


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def svc(db: Database, clock: Clock) -> AccountService:
    return AccountService(db.session_factory, now=clock)


@pytest.fixture
def admin(svc: AccountService) -> Actor:
    return svc.create_first_admin("Admin", "王管理", PW)


def trail(db: Database) -> list[AuditEntry]:
    with db.session_factory() as s:
        return list(s.scalars(select(AuditEntry).order_by(AuditEntry.seq)))


def test_first_admin_is_created_once_and_hashed_with_argon2id(db: Database, svc: AccountService) -> None:
    assert not svc.has_users()
    actor = svc.create_first_admin(" Admin ", "王管理", PW)
    assert (actor.username, actor.role) == ("admin", Role.ADMIN)
    with db.session_factory() as s:
        stored = s.scalar(select(User.password_hash))
    assert stored is not None and stored.startswith("$argon2id$") and PW not in stored
    with pytest.raises(PermissionDenied, match="已经有用户账户"):
        svc.create_first_admin("other", "", PW)
    assert [u.username for u in svc.users()] == ["admin"]


def test_bad_account_inputs_are_refused_per_field(svc: AccountService, admin: Actor) -> None:
    with acting_as(admin), pytest.raises(ValidationError) as err:
        svc.add_user("", "", Role.ASSESSOR, "short")
    assert err.value.for_field("username") == ["请填写用户名"]
    with acting_as(admin), pytest.raises(ValidationError, match="已存在"):
        svc.add_user("ADMIN", "", Role.ASSESSOR, PW)
    with acting_as(admin), pytest.raises(ValidationError, match="至少需要8个字符"):
        svc.add_user("li", "李", Role.ASSESSOR, "1234567")
    with acting_as(admin), pytest.raises(ValidationError, match="角色只能是"):
        svc.add_user("li", "李", "超级用户", PW)


def test_login_succeeds_and_is_audited_under_the_users_name(db: Database, svc: AccountService, admin: Actor) -> None:
    actor = svc.authenticate("ADMIN", PW)
    assert actor == admin
    last = trail(db)[-1]
    assert (last.action, last.who, last.entity) == ("登录", "王管理（admin）", "app_user")


def test_wrong_password_and_unknown_user_are_refused_and_audited(db: Database, svc: AccountService,
                                                                 admin: Actor) -> None:
    with pytest.raises(LoginFailed, match="用户名或密码错误（再错4次将锁定账户）"):
        svc.authenticate("admin", "wrong")
    with pytest.raises(LoginFailed, match="^用户名或密码错误$"):
        svc.authenticate("nobody", PW)
    failed = [e for e in trail(db) if e.action == "登录失败"]
    assert [(e.who, e.entity_id) for e in failed] == [("admin", admin.user_id), ("未知用户", None)]
    assert verify(db.session_factory).ok


def test_a_password_typed_into_the_user_name_box_is_not_kept(db: Database, svc: AccountService,
                                                             admin: Actor) -> None:
    """`admin⇥password⏎` typed while the focus was elsewhere puts the password in the user-name box: a failed
    login under a name no account has keeps neither that text nor any trace of it in the trail."""
    with pytest.raises(LoginFailed, match="^用户名或密码错误$"):
        svc.authenticate("Qingshan#2026", "")
    [entry] = [e for e in trail(db) if e.action == "登录失败"]
    assert (entry.who, entry.new) == ("未知用户", None) and "不记录" in entry.reason
    assert not any("Qingshan" in " ".join(str(v) for v in (e.who, e.old, e.new, e.reason)) for e in trail(db))


def test_five_wrong_passwords_lock_for_five_minutes_then_expire(svc: AccountService, admin: Actor,
                                                                clock: Clock) -> None:
    for _ in range(4):
        with pytest.raises(LoginFailed):
            svc.authenticate("admin", "wrong")
    with pytest.raises(LoginFailed, match="账户已锁定5分钟"):
        svc.authenticate("admin", "wrong")
    clock.t += dt.timedelta(minutes=4)
    with pytest.raises(LoginFailed, match="请1分钟后再试"):
        svc.authenticate("admin", PW)  # even the right password while locked
    clock.t += dt.timedelta(minutes=1, seconds=1)
    assert svc.authenticate("admin", PW).username == "admin"


def test_lockout_follows_the_settings(db: Database, svc: AccountService, admin: Actor, clock: Clock) -> None:
    SettingsService(db.session_factory).save({S.LOGIN_ATTEMPTS.key: 2, S.LOCKOUT_MINUTES.key: 30})
    with pytest.raises(LoginFailed):
        svc.authenticate("admin", "wrong")
    with pytest.raises(LoginFailed, match="锁定30分钟"):
        svc.authenticate("admin", "wrong")
    clock.t += dt.timedelta(minutes=29)
    with pytest.raises(LoginFailed, match="已锁定"):
        svc.authenticate("admin", PW)


def _local(at: dt.datetime) -> str:
    local = at.astimezone()
    return f"{local.month}月{local.day}日 {local:%H:%M}以后"


def test_each_wrong_password_after_the_lock_doubles_it_up_to_a_day(svc: AccountService, admin: Actor,
                                                                    clock: Clock) -> None:
    for _ in range(4):
        with pytest.raises(LoginFailed):
            svc.authenticate("admin", "wrong")
    expected = ["5分钟", "10分钟", "20分钟", "40分钟", "1小时20分钟", "2小时40分钟", "5小时20分钟",
                "10小时40分钟", "21小时20分钟", "24小时", "24小时"]
    for n, wait in enumerate(expected, start=5):
        with pytest.raises(LoginFailed) as err:
            svc.authenticate("admin", "wrong")
        assert f"密码已连续输错{n}次，账户已锁定{wait}" in err.value.message
        until = svc.users()[0].locked_until
        assert until is not None and _local(until) in err.value.message  # when to try again, on the clock
        with pytest.raises(LoginFailed, match=f"请{wait}后再试"):
            svc.authenticate("admin", PW)  # the right password is not even looked at while locked
        clock.t = until + dt.timedelta(seconds=1)
    assert svc.authenticate("admin", PW) == admin  # the lock ran out: a good login resets everything
    with pytest.raises(LoginFailed, match="再错4次"):
        svc.authenticate("admin", "wrong")


def test_a_guesser_gets_about_a_guess_a_day_once_the_lock_is_at_its_cap(svc: AccountService, admin: Actor,
                                                                           clock: Clock) -> None:
    start = clock.t
    guesses_per_day = [0, 0, 0]
    while clock.t < start + dt.timedelta(days=3):
        try:
            svc.authenticate("admin", "wrong")
        except LoginFailed as exc:
            if "已锁定" in exc.message and "请" in exc.message and "后再试（" in exc.message:
                clock.t += dt.timedelta(minutes=1)  # refused unseen: wait and try again
                continue
        guesses_per_day[(clock.t - start).days] += 1
        clock.t += dt.timedelta(seconds=1)
    assert guesses_per_day[0] <= 15 and guesses_per_day[1] <= 2 and guesses_per_day[2] <= 2


def test_lockout_length_is_capped_and_starts_at_the_setting() -> None:
    assert accounts.lockout_length(3, 3, 1) == dt.timedelta(minutes=1)
    assert accounts.lockout_length(4, 3, 1) == dt.timedelta(minutes=2)
    assert accounts.lockout_length(13, 3, 1) == dt.timedelta(minutes=1024)
    assert accounts.lockout_length(14, 3, 1) == dt.timedelta(hours=24)
    assert accounts.lockout_length(10_000, 3, 1) == dt.timedelta(hours=24)


def _for_name(password: str, name: str) -> str:
    """The same weakness for another user name: zhangsan → name, nasgnahz → the name reversed."""
    swapped = re.sub("zhangsan", name, password, flags=re.IGNORECASE)
    return swapped.replace("nasgnahz", name[::-1])


@pytest.mark.parametrize("password, problem", [
    ("1234567", "至少需要8个字符"),
    ("12345678", "常见密码"),
    ("87654321", "常见密码"),
    ("11111111", "常见密码"),
    ("password", "常见密码"),
    ("Password2026", "常见密码"),
    ("P@ssw0rd!", "常见密码"),
    ("admin123", "常见密码"),
    ("qwertyuiop", "常见密码"),
    ("1qaz2wsx", "常见密码"),
    ("woaini1314", "常见密码"),
    ("19900101", "常见密码"),
    ("20011231!", "常见密码"),
    ("dangjian@123", "常见密码"),
    ("zhangsan01", "用户名"),
    ("ZhangSan", "用户名"),
    ("nasgnahz", "用户名"),
    ("zhangsan123456", "用户名"),
    ("password!zhangsan", "用户名"),
])
def test_weak_passwords_are_refused_everywhere_a_password_is_set(db: Database, svc: AccountService, password: str,
                                                                 problem: str) -> None:
    with pytest.raises(ValidationError, match=problem):
        svc.create_first_admin("zhangsan", "张三", password)
    admin = svc.create_first_admin("zhangsan", "张三", PW)
    with acting_as(admin):
        for attempt in (lambda: svc.add_user("liuxiaoyu", "", Role.VIEWER, _for_name(password, "liuxiaoyu")),
                        lambda: svc.reset_password("zhangsan", password),
                        lambda: svc.change_password("zhangsan", PW, password)):
            with pytest.raises(ValidationError, match=problem):
                attempt()
    assert svc.authenticate("zhangsan", PW) == admin  # nothing was changed


@pytest.mark.parametrize("password", ["correct horse", "Xk9#vLq2", "19901301", "zhang1990", "县委2026年考评",
                                      "dangjian@123456"])
def test_passwords_that_are_not_common_are_accepted(svc: AccountService, password: str) -> None:
    assert svc.create_first_admin("zhangsan", "", password).username == "zhangsan"
    assert svc.authenticate("zhangsan", password).username == "zhangsan"


def test_the_rules_are_said_with_the_configured_length(db: Database, svc: AccountService) -> None:
    assert svc.password_rules().startswith("密码至少8个字符，不能是常见密码")
    SettingsService(db.session_factory).save({S.PASSWORD_MIN_LENGTH.key: 12})
    assert "至少12个字符" in svc.password_rules() and "用户名" in svc.password_rules()


def test_a_good_login_resets_the_count(svc: AccountService, admin: Actor) -> None:
    for _ in range(4):
        with pytest.raises(LoginFailed):
            svc.authenticate("admin", "wrong")
    svc.authenticate("admin", PW)
    with pytest.raises(LoginFailed, match="再错4次"):
        svc.authenticate("admin", "wrong")


def test_password_change_needs_the_old_password(db: Database, svc: AccountService, admin: Actor) -> None:
    with pytest.raises(ValidationError, match="原密码不正确"):
        svc.change_password("admin", "wrong", "new password 1")
    with pytest.raises(ValidationError, match="至少需要"):
        svc.change_password("admin", PW, "short")
    with acting_as(admin):
        svc.change_password("admin", PW, "new password 1")
    with pytest.raises(LoginFailed):
        svc.authenticate("admin", PW)
    assert svc.authenticate("admin", "new password 1") == admin
    assert any(e.action == "修改密码" and e.who == admin.who for e in trail(db))


def test_disabled_user_cannot_log_in_and_admin_reset_lifts_a_lockout(svc: AccountService, admin: Actor) -> None:
    with acting_as(admin):
        svc.add_user("li", "李考评", Role.ASSESSOR, PW)
        svc.set_active("li", False)
    with pytest.raises(LoginFailed, match="已停用"):
        svc.authenticate("li", PW)
    with acting_as(admin):
        svc.set_active("li", True)
    for _ in range(5):
        with pytest.raises(LoginFailed):
            svc.authenticate("li", "wrong")
    with acting_as(admin):
        svc.reset_password("li", "brand new pw")
    assert svc.authenticate("li", "brand new pw").role == Role.ASSESSOR


def test_the_last_administrator_cannot_be_deleted_demoted_or_disabled(svc: AccountService, admin: Actor) -> None:
    with acting_as(admin):
        for attempt in (lambda: svc.delete_user("admin"), lambda: svc.set_role("admin", Role.VIEWER),
                        lambda: svc.set_active("admin", False)):
            with pytest.raises(PermissionDenied, match="最后一个管理员"):
                attempt()
        svc.add_user("zhao", "赵", Role.ADMIN, PW)
        svc.set_role("admin", Role.ASSESSOR)
        with pytest.raises(PermissionDenied, match="最后一个管理员"):
            svc.delete_user("zhao")
        svc.set_role("admin", Role.ADMIN)
        svc.delete_user("zhao")
        with pytest.raises(NotFoundError):
            svc.set_role("zhao", Role.ADMIN)
    assert [(u.username, u.role) for u in svc.users()] == [("admin", Role.ADMIN)]


@pytest.mark.parametrize("role", [Role.ASSESSOR, Role.VIEWER])
def test_only_administrators_manage_accounts(svc: AccountService, admin: Actor, role: Role) -> None:
    with acting_as(admin):
        svc.add_user("li", "李", role, PW)
    li = svc.authenticate("li", PW)
    with acting_as(li):
        for attempt in (lambda: svc.add_user("x", "", Role.ADMIN, PW), lambda: svc.set_role("li", Role.ADMIN),
                        lambda: svc.reset_password("admin", "taken over!"), lambda: svc.delete_user("admin"),
                        lambda: svc.set_active("admin", False)):
            with pytest.raises(PermissionDenied, match="无权管理用户账户"):
                attempt()
        svc.change_password("li", PW, "my own new pw")  # but their own password, yes


# --- roles against the services ---------------------------------------------------------------------------------

def make_actor(role: Role) -> Actor:
    return Actor(99, "someone", "某人", role)


@pytest.mark.parametrize("role,may_write", [(Role.ADMIN, True), (Role.ASSESSOR, True), (Role.VIEWER, False)])
def test_register_changes_by_role(db: Database, role: Role, may_write: bool) -> None:
    reg = RegisterService(db.session_factory)
    unit = reg.save_unit(UnitInput("县财政局"))
    with acting_as(make_actor(role)):
        if may_write:
            reg.save_unit(UnitInput("县教育局"))
            reg.delete_unit(unit)
        else:
            with pytest.raises(PermissionDenied, match="无权修改数据"):
                reg.save_unit(UnitInput("县教育局"))
            with pytest.raises(PermissionDenied):
                reg.delete_unit(unit)
        assert [u for _, u in reg.units()] == (["县教育局"] if may_write else ["县财政局"])


@pytest.mark.parametrize("role,allowed", [(Role.ADMIN, True), (Role.ASSESSOR, False), (Role.VIEWER, False)])
def test_settings_changes_by_role(db: Database, role: Role, allowed: bool) -> None:
    settings = SettingsService(db.session_factory)
    with acting_as(make_actor(role)):
        if allowed:
            settings.save({S.COUNTY_NAME.key: "新县"})
        else:
            with pytest.raises(PermissionDenied, match="无权修改设置"):
                settings.save({S.COUNTY_NAME.key: "新县"})
    assert settings.value(S.COUNTY_NAME) == ("新县" if allowed else "示范县")


# The 单位填报员 (its own unit's 自评 only) has its own tests: tests/test_unit_accounts.py.
@pytest.mark.parametrize("role", [Role.ADMIN, Role.ASSESSOR, Role.VIEWER])
def test_scoring_by_role_and_reopening_only_by_administrators(db: Database, role: Role) -> None:
    county = make_county(db, n=2)
    county.scoring._actor = None  # the trail's "who" comes from the logged-in user
    period = county.month()
    county.review_all(period)
    county.scoring.lock_period(period)
    with acting_as(make_actor(role)):
        if role == Role.ADMIN:
            county.scoring.reopen_period(period, "更正扣分", is_admin=True)
            assert trail(db)[-1].who == "某人（someone）"
        else:
            with pytest.raises(PermissionDenied, match="无权重新开放已锁定的考评期"):
                county.scoring.reopen_period(period, "更正扣分", is_admin=True)
    other = county.month(2026, 4)
    form = county.form(other)
    with acting_as(make_actor(role)):
        if role == Role.VIEWER:
            with pytest.raises(PermissionDenied):
                county.deduct(other, 0, form.items[0].indicator.code)
        else:
            county.deduct(other, 0, form.items[0].indicator.code)
            assert trail(db)[-1].who == "某人（someone）"


def test_without_accounts_the_operator_setting_is_who(db: Database) -> None:
    county = make_county(db, n=1)
    county.scoring._actor = None
    county.review_all(county.month())
    assert trail(db)[-1].who == "机关工委"


def test_permission_table() -> None:
    assert all(make_actor(Role.ADMIN).can(p) for p in Permission)
    assert [p for p in Permission if make_actor(Role.ASSESSOR).can(p)] == [Permission.READ, Permission.WRITE]
    assert [p for p in Permission if make_actor(Role.VIEWER).can(p)] == [Permission.READ]


def test_a_viewer_may_rehearse_a_change_but_never_commit_it(db: Database) -> None:
    """`--dry-run`: the viewer's staged rows are flushed (checked) and rolled back; a commit is refused."""
    from app.models import Unit

    with acting_as(make_actor(Role.VIEWER)), accounts.rehearsal():
        with db.session_factory() as s, s.begin():
            s.add(Unit(name="县财政局", short_name="财政局"))
            s.flush()  # the checks of a dry run see the row
            s.rollback()
        with pytest.raises(PermissionDenied, match="无权修改数据"), db.session_factory() as s, s.begin():
            s.add(Unit(name="县教育局", short_name="教育局"))  # pending at the commit
        with pytest.raises(PermissionDenied, match="无权修改数据"), db.session_factory() as s, s.begin():
            s.add(Unit(name="县教育局", short_name="教育局"))
            s.flush()  # flushed before the commit
    with acting_as(make_actor(Role.VIEWER)), pytest.raises(PermissionDenied, match="无权修改数据"), \
            db.session_factory() as s, s.begin():
        s.add(Unit(name="县教育局", short_name="教育局"))  # outside the rehearsal: refused at the flush
    assert RegisterService(db.session_factory).units() == []


def test_logging_in_during_a_rehearsal_still_commits(db: Database, svc: AccountService, admin: Actor) -> None:
    with acting_as(make_actor(Role.VIEWER)), accounts.rehearsal():
        assert svc.authenticate("admin", PW) == admin  # its own bookkeeping and audit entry are not staged data
    assert trail(db)[-1].action == "登录"
