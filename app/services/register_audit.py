"""The register in the audit trail: units, 党组织, committee posts, members and their moves, 组织生活 records,
发展党员 records, 不合格党员处置 cases, and the 队伍建设 registers (民主生活会 and their 批评意见, 中心组学习 meetings and
plans, 党务干部 and their training records, 问责), so that `dangjian audit verify` finds any of them changed, added or
deleted outside the app.

What the trail holds for a record (entity = the table's name, entity_id = its id):
- 新建 (and 基线, the records a database already held when this began): field "", `new` = a snapshot of the
  record (JSON object: column → text), taken from the database after the change;
- 修改: one entry per changed column (field = the column), `old` and `new` as text;
- 删除: field "", `old` = the last snapshot, `new` = NULL.
The state check replays these entries in order (a 新建 starts a record afresh, so an id SQLite hands out again
after a delete is no confusion) and compares every column the trail knows with the database.

Personal numbers (身份证号, phones) never enter the trail in plain: it is shown on the 审计日志 page and exported.
They are recorded as an HMAC-SHA256 under a key made at first use and kept in this database's `setting` table
(`DIGEST_SETTING`).  A plain SHA-256 would not do: a 身份证号 whose region and birth date are known (the member list
shows the unit, the trail the name) has 1,000 candidates (the check digit follows from the rest), the county's
regions over sixty years of birth dates about 10^9, a mobile number with a known prefix 10^8: a laptop hashes
them all in minutes.  The key (32 random bytes) protects the numbers from
whoever sees the trail without the database (a screenshot, an export of the log, a printed page); whoever holds
the database file holds the key and the numbers themselves, so it protects nothing against them — and it is not
what catches a forger: the chain and its anchors are.

Writers: services wrap a write in `register_work` (a `unit_of_work` whose ORM changes to these tables are
collected by a flush listener and written to the trail before it commits); bulk writers (the Excel import, the
demo, migration 0009's baseline) use `start` and `write_bulk` or `record_untracked`, which chain rows in bulk."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import itertools
import json
import operator
import secrets
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import repeat
from typing import Any

from sqlalchemy import Boolean, Connection, Table, event, insert, inspect, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, object_session

from app import clock
from app.models import AuditEntry, Member, OrgPost, PartyOrg, Setting, Transfer, Unit
from app.models.accountability import Accountability
from app.models.base import Score
from app.models.disposal import DisposalCase, DisposalStep
from app.models.leadership import LeadershipCriticism, LeadershipMeeting
from app.models.orglife import OrgLifeAttendance, OrgLifeRecord
from app.models.party_workers import PartyWorker, TrainingRecord
from app.models.recruit import Recruit, RecruitStage
from app.models.study import StudyMeeting, StudyPlan
from app.services import audit as audit_trail
from app.services.audit import AuditFinding, AuditLog, ChainHead, LastValues, chained_rows, fmt, timestamp
from app.settings import SETTINGS

SessionFactory = Callable[[], Session]

ENTITIES: dict[str, type[Any]] = {
    "unit": Unit, "party_org": PartyOrg, "org_post": OrgPost, "member": Member, "transfer": Transfer,
    "org_life_record": OrgLifeRecord, "recruit": Recruit, "recruit_stage": RecruitStage,
    "disposal_case": DisposalCase, "disposal_step": DisposalStep,
    "leadership_meeting": LeadershipMeeting, "leadership_criticism": LeadershipCriticism,
    "study_meeting": StudyMeeting, "study_plan": StudyPlan,
    "party_worker": PartyWorker, "training_record": TrainingRecord,
    "accountability": Accountability,
}
_ENTITY_OF = {model: name for name, model in ENTITIES.items()}
ENTITY_LABELS = {"unit": "单位", "party_org": "党组织", "org_post": "支委职务", "member": "党员", "transfer": "组织关系转接",
                 "org_life_record": "组织生活记录", "recruit": "发展党员", "recruit_stage": "发展党员阶段",
                 "disposal_case": "党员处置案件", "disposal_step": "党员处置步骤",
                 "leadership_meeting": "民主生活会记录", "leadership_criticism": "民主生活会批评意见",
                 "study_meeting": "中心组学习记录", "study_plan": "中心组学习计划",
                 "party_worker": "党务干部", "training_record": "党务干部培训记录", "accountability": "问责记录"}

# Columns left out: the key, derived values (pinyin initials and sort key), the edit counter forms check (version)
# and the moments a row was typed in and last saved.
_SKIP = frozenset({"id", "name_initials", "name_sort", "version", "created_at", "updated_at"})
SECRET_FIELDS = frozenset({"id_number", "phone", "contact_phone"})
ATTENDANCE = "attendance"  # an org-life record's attendance lines, summarised with a check code
MY_ACTIONS = ("新建", "修改", "删除", "基线")
DIGEST_SETTING = "audit.digest_key"
DIGEST_PREFIX = "hmac:"
DIGEST_SHOWN = "（已加密摘要）"

FIELD_LABELS = {
    "name": "名称", "short_name": "简称", "category": "类别", "party_secretary": "党组（党委）书记",
    "contact_person": "联系人", "contact_phone": "联系电话", "sort_order": "排序", "active": "在用", "note": "备注",
    "unit_id": "所属单位", "parent_id": "上级党组织", "kind": "类别", "established_on": "成立日期",
    "term_start": "本届任期开始", "term_end": "本届任期结束", "org_id": "所在党组织", "member_id": "党员",
    "start_on": "任职日期", "end_on": "离任日期", "gender": "性别", "ethnicity": "民族", "birth_date": "出生日期",
    "id_number": "身份证号", "phone": "联系电话", "education": "学历", "position": "职务", "status": "党员类别",
    "joined_on": "入党日期", "full_member_on": "转正日期", "probation_extension_months": "延长预备期（月）",
    "is_leader": "党员领导干部", "community_registered": "到社区报到", "community_name": "报到社区",
    "community_registered_on": "报到日期", "left_on": "离开日期", "birth_month_only": "出生日期只到月",
    "joined_month_only": "入党日期只到月", "full_member_month_only": "转正日期只到月",
    "from_org_id": "转出党组织", "to_org_id": "转入党组织", "external_org": "县外党组织", "moved_on": "转接日期",
    "held_on": "召开日期", "recorded_on": "登记日期", "topic": "主题", "place": "地点", "host": "主持人",
    "lecturer": "主讲人", "lecturer_member_id": "主讲党员", "lecturer_is_leader": "主讲人为书记或领导干部",
    "content": "内容", ATTENDANCE: "出勤登记", "stage": "阶段", "applied_on": "递交申请书日期", "talked_on": "谈话日期",
    "activist_on": "确定积极分子日期", "contacts": "培养联系人", "candidate_on": "确定发展对象日期",
    "review_result": "政治审查结果", "reviewed_on": "政治审查日期", "training_hours": "集中培训学时",
    "sponsor1_id": "入党介绍人一", "sponsor2_id": "入党介绍人二", "publicity_from": "公示开始",
    "publicity_to": "公示结束", "admitted_on": "支部大会接收日期", "votes_for": "赞成票", "votes_against": "反对票",
    "votes_abstain": "弃权票", "approved_on": "上级党委审批日期", "extension_months": "延长预备期（月）",
    "full_on": "转正日期", "recruit_id": "发展党员", "entered_on": "进入阶段日期",
    "appraisal_record_id": "民主评议记录", "opened_on": "启动处置日期", "lost_since": "失联起始日期",
    "search_efforts": "查找情况", "closed_on": "结案日期", "outcome": "处置结果", "case_id": "处置案件",
    "decided_on": "支部大会决定日期", "deadline": "改正期限",
    "created_by": "录入人", "attendees": "参会班子成员", "supervisors": "上级督导",
    "opinions_solicited": "会前征求意见（条）", "rectification_id": "问题清单（整改）", "meeting_id": "所属会议",
    "target": "被批评的班子成员", "raised_by": "提出人", "form": "学习形式", "speeches": "研讨发言人数",
    "members_present": "班子成员出席人数", "members_total": "班子成员应到人数", "year": "年度",
    "planned_meetings": "计划学习次数", "planned_seminars": "计划专题研讨次数", "topics": "学习专题",
    "made_on": "制定日期", "role": "党务岗位", "worker_id": "党务干部", "course": "培训班次",
    "organiser": "主办单位", "hours": "学时", "concentrated": "集中培训", "person_name": "被问责人",
    "post": "所任党务职务", "deciding_body": "作出决定的机关", "doc_number": "决定文号", "decision": "问责决定",
    "interview_id": "关联约谈",
}
# Where one register's column means something else than the same name elsewhere: a member's "name" is a 姓名, a
# 问责's "kind" its 问责方式, a course's dates the course's.
_ENTITY_FIELD_LABELS = {
    ("member", "name"): "姓名", ("recruit", "name"): "姓名", ("party_worker", "name"): "姓名",
    ("training_record", "name"): "姓名", ("accountability", "kind"): "问责方式",
    ("accountability", "decided_on"): "问责决定日期", ("leadership_meeting", "kind"): "会议类型",
    ("leadership_criticism", "kind"): "批评类型", ("leadership_criticism", "content"): "批评意见",
    ("training_record", "start_on"): "培训开始日期", ("training_record", "end_on"): "培训结束日期",
    ("party_worker", "start_on"): "任职日期", ("party_worker", "end_on"): "离任日期",
}


def field_label(entity: str, column: str) -> str:
    return _ENTITY_FIELD_LABELS.get((entity, column)) or FIELD_LABELS.get(column, column)


def columns(model: type[Any]) -> list[str]:
    return [c.key for c in model.__table__.columns if c.key not in _SKIP]


# ---------------------------------------------------------------------------------------------------------------
# the key and the digests


def digest_key(conn: Connection, *, create: bool) -> bytes | None:
    """This database's key for digests of personal numbers (made at first use when `create`)."""
    stored = conn.execute(select(Setting.value).where(Setting.key == DIGEST_SETTING)).scalar()
    if stored is not None:
        try:
            return bytes.fromhex(json.loads(stored))
        except (ValueError, TypeError):
            return b""  # damaged: every digest then differs from the trail's, and verify says so
    if not create:
        return None
    # Two clients of a server making the county's first register change at once both get here: the second
    # insert waits for the first to commit and then does nothing, and both use the key that was stored.
    made = json.dumps(secrets.token_bytes(32).hex())
    upsert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    conn.execute(upsert(Setting).values(key=DIGEST_SETTING, value=made).on_conflict_do_nothing(index_elements=["key"]))
    return digest_key(conn, create=False)


def digest(key: bytes | None, value: Any) -> str | None:
    """An empty number stays empty (nothing to hide); any other is `hmac:` and 32 hex digits."""
    if value is None or value == "":
        return fmt(value)
    if key is None:
        return DIGEST_PREFIX + "无密钥"
    text = str(value).strip().upper()
    return DIGEST_PREFIX + hmac.digest(key, text.encode("utf-8"), "sha256").hex()[:32]


def _text(key: bytes | None, column: str, value: Any) -> str | None:
    return digest(key, value) if column in SECRET_FIELDS else fmt(value)


# ---------------------------------------------------------------------------------------------------------------
# snapshots from the database


def _present_columns(conn: Connection, model: type[Any]) -> list[str]:
    """The audited columns the database has (a migration reads a table as it was at its revision)."""
    there = {c["name"] for c in inspect(conn).get_columns(model.__tablename__)}
    return [c for c in columns(model) if c in there]


def snapshots(conn: Connection, entity: str, key: bytes | None, ids: Iterable[int] | None = None, *,
              reflect: bool = False, grouped: bool = False) -> dict[int, dict[str, str | None]]:
    """Each record's audited columns as the trail writes them (all records, or those with `ids`).  `reflect`:
    only the columns the database has (a migration's baseline, at its revision); else the models' (at head).
    `grouped`: attendance summaries from `grouped_attendance` (for comparing, not for writing)."""
    model = ENTITIES[entity]
    table: Table = model.__table__
    names = _present_columns(conn, model) if reflect else columns(model)
    wanted = None if ids is None else sorted(set(ids))
    out: dict[int, dict[str, str | None]] = {}
    convert = [_Column(key, n, table.c[n].type) for n in names]
    for chunk in _chunks(wanted):
        if chunk is None:
            # All records (the demo, the baseline, verify): the driver's own values in large batches, without
            # SQLAlchemy turning SQLite's date text into dates only for them to be written as text again.
            batches: Iterable[Any] = _driver_batches(conn, f"SELECT id, {', '.join(names)} FROM {table.name}")
        else:
            batches = [conn.execute(select(table.c.id, *(table.c[n] for n in names))
                                    .where(table.c.id.in_(chunk))).all()]
        for batch in batches:
            if batch:
                # Column by column: a column of texts (or of integers) is converted whole, without a step per value.
                ids_, *values = zip(*batch, strict=True)
                texts = [c.convert(v) for c, v in zip(convert, values, strict=True)]
                out.update(zip(ids_, map(dict, map(zip, repeat(names), zip(*texts, strict=True))), strict=True))
    if entity == "org_life_record" and out:
        if grouped and wanted is None:
            summaries = grouped_attendance(conn)
        else:
            summaries = attendance_summaries(conn, None if wanted is None else list(out))
        nobody = attendance_summary([])
        for rid, snap in out.items():
            snap[ATTENDANCE] = summaries.get(rid, nobody)
    return out


def _driver_batches(conn: Connection, sql: str) -> Iterator[Sequence[Any]]:
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql)
        while batch := cursor.fetchmany(20_000):
            yield batch
    finally:
        cursor.close()


def _driver_rows(conn: Connection, sql: str) -> Iterator[Any]:
    for batch in _driver_batches(conn, sql):
        yield from batch


def _converter(key: bytes | None, name: str, kind: Any) -> Callable[[Any], str | None]:
    """How one column's value becomes the trail's text, from a typed value or the driver's raw one alike (a
    raw SQLite boolean is 0/1, a date 'YYYY-MM-DD', an enum its text: `fmt` of the typed value gives the same)."""
    if name in SECRET_FIELDS:
        return lambda v: digest(key, v)
    if isinstance(kind, Boolean):
        return lambda v: None if v is None else ("是" if v else "否")
    if isinstance(kind, Score):
        # Stored as tenths (an integer): the raw value is read as the ORM reads it, 16.0 not 160.
        return lambda v: fmt(v if isinstance(v, Decimal) else kind.process_result_value(v, None))  # type: ignore[arg-type]
    return lambda v: v if type(v) is str else fmt(v)


_TEXTS, _INTEGERS, _FLAG_KINDS = frozenset({str, type(None)}), frozenset({int}), frozenset({int, bool, type(None)})
_FLAG_TEXT: dict[Any, str | None] = {0: "否", 1: "是", None: None}


class _Column:
    """`_converter` over a whole column of values.  The same texts, made in C where the column's values allow:
    texts and NULLs stay as they are, integers become their digits, flags 0/1 是/否; any other column (dates from
    PostgreSQL, numbers of personal data) value by value."""

    def __init__(self, key: bytes | None, name: str, kind: Any) -> None:
        self.one = _converter(key, name, kind)
        self.plain = name not in SECRET_FIELDS and not isinstance(kind, (Boolean, Score))
        self.flag = name not in SECRET_FIELDS and isinstance(kind, Boolean)

    def convert(self, values: tuple[Any, ...]) -> Iterable[str | None]:
        kinds = set(map(type, values))
        if self.plain and kinds <= _TEXTS:
            return values
        if self.plain and kinds == _INTEGERS:
            return map(str, values)
        if self.flag and kinds <= _FLAG_KINDS and set(values) <= _FLAG_TEXT.keys():
            return map(_FLAG_TEXT.__getitem__, values)
        return map(self.one, values)


def _chunks(ids: list[int] | None, size: int = 900) -> Iterator[list[int] | None]:
    if ids is None:
        yield None
        return
    for i in range(0, len(ids), size):
        yield ids[i:i + size]


def attendance_summary(lines: list[tuple[Any, ...]], *, in_order: bool = False) -> str:
    """出席/缺席 counts and a check code over every line (member, present, reason, grade), sorted by member."""
    if not in_order:
        lines = sorted(lines, key=lambda r: r[0])
    # A grade is an enum from the ORM and its text from the cursor: both print as the text.
    texts = [f"{r[0]}\x1f{1 if r[1] else 0}\x1f{r[2] or ''}\x1f{r[3] or ''}" for r in lines]
    return _summary(texts, sum(1 for r in lines if r[1]))


def _summary(line_texts: list[str], present: int) -> str:
    code = hashlib.sha256("\x1e".join(line_texts).encode("utf-8")).hexdigest()[:12]
    return f"出席{present}人，缺席{len(line_texts) - present}人（核对码{code}）"


# Each line's text as `attendance_summary` writes it, made by the database (the same text on SQLite and
# PostgreSQL: a flag is 0/1 either way, an empty reason or grade is ''), in the order of the (record, member) unique
# index: no sort, and each record's lines come sorted by member.  The large county has 600,000 lines: Python then
# only groups and joins them.
_ATTENDANCE_SQL = ("SELECT record_id, CAST(member_id AS VARCHAR(20)) || '\x1f' || "
                   "CASE WHEN present THEN '1' ELSE '0' END || '\x1f' || COALESCE(absence_reason, '') || '\x1f' || "
                   "COALESCE(grade, ''), CASE WHEN present THEN 1 ELSE 0 END "
                   "FROM org_life_attendance ORDER BY record_id, member_id")


def attendance_summaries(conn: Connection, record_ids: list[int] | None) -> dict[int, str]:
    """Each record's attendance summary.  All records: their lines' text made by the database, read through the
    DB-API cursor (the grade is read as the text it is stored as, which is what `fmt` makes of the enum)."""
    if record_ids is None:
        out: dict[int, str] = {}
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(_ATTENDANCE_SQL)
            rows = itertools.chain.from_iterable(iter(lambda: cursor.fetchmany(50_000), []))
            for rid, group in itertools.groupby(rows, key=_FIRST):
                lines = list(group)
                out[rid] = _summary(list(map(_SECOND, lines)), sum(map(_THIRD, lines)))
        finally:
            cursor.close()
        return out
    by_record: dict[int, list[tuple[Any, ...]]] = {}
    table = OrgLifeAttendance.__table__
    for chunk in _chunks(sorted(record_ids)):
        q = select(table.c.record_id, table.c.member_id, table.c.present, table.c.absence_reason, table.c.grade)
        for rid, *line in conn.execute(q.where(table.c.record_id.in_(chunk or []))):
            by_record.setdefault(rid, []).append(tuple(line))
    return {rid: attendance_summary(lines) for rid, lines in by_record.items()}


_FIRST, _SECOND, _THIRD = operator.itemgetter(0), operator.itemgetter(1), operator.itemgetter(2)

# Each record's lines joined by the database itself, one row per record.  PostgreSQL joins them in member order, as
# asked.  SQLite (before 3.44) cannot be asked: it joins them in the order it reads them, which is the (record,
# member) unique index's, but nothing promises that, so a summary made here is only ever used to say "the same as
# the trail": one that differs is made again by `attendance_summaries` before anything is said about it.
_GROUPED_SQL = ("SELECT record_id, COUNT(*), SUM(CASE WHEN present THEN 1 ELSE 0 END), {join}(CAST(member_id AS "
                "VARCHAR(20)) || '\x1f' || CASE WHEN present THEN '1' ELSE '0' END || '\x1f' || "
                "COALESCE(absence_reason, '') || '\x1f' || COALESCE(grade, ''), '\x1e'{order}) "
                "FROM org_life_attendance GROUP BY record_id")
_GROUPED_WORDS = {"postgresql": {"join": "string_agg", "order": " ORDER BY member_id"},
                  "sqlite": {"join": "group_concat", "order": ""}}


def grouped_attendance(conn: Connection) -> dict[int, str]:
    """Every record's attendance summary, its lines joined by the database (verify: 600,000 lines of a large county
    become 45,000 texts to hash, not 600,000 rows to group); see _GROUPED_SQL for when it may be trusted."""
    sql = _GROUPED_SQL.format(**_GROUPED_WORDS[conn.dialect.name])
    out: dict[int, str] = {}
    sha = hashlib.sha256
    for batch in _driver_batches(conn, sql):
        for rid, n, present, lines in batch:
            code = sha(lines.encode("utf-8")).hexdigest()[:12]
            out[rid] = f"出席{present}人，缺席{n - present}人（核对码{code}）"
    return out


# ---------------------------------------------------------------------------------------------------------------
# collecting the changes of a unit of work

_COLLECT = "register_audit.changes"


@dataclass
class Changes:
    """What a unit of work did to audited records (filled by the flush listener, or told by bulk writers)."""

    created: dict[str, set[int]] = field(default_factory=dict)
    old: dict[tuple[str, int], dict[str, Any]] = field(default_factory=dict)  # first value seen of each column
    deleted: dict[tuple[str, int], dict[str, Any]] = field(default_factory=dict)  # raw values at deletion
    attendance: dict[int, str] = field(default_factory=dict)  # record id → summary before the change

    def was_created(self, entity: str, rid: int) -> bool:
        return rid in self.created.get(entity, set())


def start(s: Session) -> Changes:
    """Collect this session's changes to audited records from now on (until `write`/`write_bulk`)."""
    changes = s.info.get(_COLLECT)
    if not isinstance(changes, Changes):
        changes = s.info[_COLLECT] = Changes()
    return changes


def created(s: Session, entity: str, ids: Iterable[int]) -> None:
    """Records inserted in bulk (Core inserts), to be recorded as 新建 with the other changes."""
    start(s).created.setdefault(entity, set()).update(ids)


def attendance_changing(s: Session, record_id: int) -> None:
    """Called before a record's attendance lines are replaced: keeps their summary as the old value."""
    changes = s.info.get(_COLLECT)
    if isinstance(changes, Changes) and record_id not in changes.attendance:
        with s.no_autoflush:
            changes.attendance[record_id] = attendance_summaries(s.connection(), [record_id]).get(
                record_id, attendance_summary([]))


def _after_flush(s: Session, _context: Any) -> None:
    changes = s.info.get(_COLLECT)
    if not isinstance(changes, Changes):
        return
    for obj in s.new:
        entity = _ENTITY_OF.get(type(obj))
        if entity is not None:
            changes.created.setdefault(entity, set()).add(obj.id)
    for obj in s.dirty:
        entity = _ENTITY_OF.get(type(obj))
        if entity is None or changes.was_created(entity, obj.id):
            continue
        state = inspect(obj)
        old = changes.old.setdefault((entity, obj.id), {})
        for name in columns(type(obj)):
            hist = state.attrs[name].history
            if hist.has_changes() and name not in old:
                old[name] = hist.deleted[0] if hist.deleted else None
    for obj in s.deleted:
        entity = _ENTITY_OF.get(type(obj))
        if entity is not None:
            values = dict(inspect(obj).dict)
            values.update(changes.old.get((entity, obj.id), {}))
            changes.deleted[(entity, obj.id)] = values


event.listen(Session, "after_flush", _after_flush)


def _after_delete(_mapper: Any, _conn: Connection, obj: Any) -> None:
    """A record the flush deletes without `Session.delete`: an orphan of a replaced collection (a 民主生活会's 批评意见
    when the meeting is saved again), which `Session.deleted` never lists."""
    s = object_session(obj)
    changes = s.info.get(_COLLECT) if s is not None else None
    entity = _ENTITY_OF.get(type(obj))
    if isinstance(changes, Changes) and entity is not None and (entity, obj.id) not in changes.deleted:
        values = dict(inspect(obj).dict)
        values.update(changes.old.get((entity, obj.id), {}))
        changes.deleted[(entity, obj.id)] = values


for _model in ENTITIES.values():
    event.listen(_model, "after_delete", _after_delete)


def _entries(conn: Connection, changes: Changes, reason: str, bulk_action: str = "新建"
             ) -> Iterator[tuple[str, str, int, str, Any, Any, str]]:
    """(action, entity, id, field, old, new, reason) for the collected changes, read back from the database."""
    key = digest_key(conn, create=True)
    for entity, ids in changes.created.items():
        live = [i for i in ids if (entity, i) not in changes.deleted]
        for rid, snap in sorted(snapshots(conn, entity, key, live).items()):
            yield bulk_action, entity, rid, "", None, snap, reason
    by_entity: dict[str, list[int]] = {}
    for (entity, rid) in changes.old:
        if (entity, rid) not in changes.deleted:
            by_entity.setdefault(entity, []).append(rid)
    for rid in changes.attendance:
        if not changes.was_created("org_life_record", rid) and ("org_life_record", rid) not in changes.deleted:
            by_entity.setdefault("org_life_record", []).append(rid)
    for entity, changed in by_entity.items():
        now = snapshots(conn, entity, key, changed)
        for rid in sorted(set(changed)):
            current = now.get(rid, {})
            olds = {n: _text(key, n, v) for n, v in changes.old.get((entity, rid), {}).items()}
            if entity == "org_life_record" and rid in changes.attendance:
                olds[ATTENDANCE] = changes.attendance[rid]
            for name, before in olds.items():
                if name in current and current[name] != before:
                    yield "修改", entity, rid, name, before, current[name], reason
    for (entity, rid), values in changes.deleted.items():
        if not changes.was_created(entity, rid):
            snap = {n: _text(key, n, values[n]) for n in columns(ENTITIES[entity]) if n in values}
            yield "删除", entity, rid, "", snap, None, reason


def write(s: Session, log: AuditLog, reason: str = "") -> None:
    """Record the collected changes through `log` (a unit of work's), and stop collecting."""
    s.flush()
    changes = s.info.pop(_COLLECT, None)
    if isinstance(changes, Changes):
        for action, entity, rid, fld, old, new, why in list(_entries(s.connection(), changes, reason)):
            log.record(action, entity, rid, fld, old, new, reason=why)


def write_bulk(s: Session, who: str, reason: str = "", *, at: dt.datetime | None = None) -> int:
    """Record the collected changes as chained rows in bulk (imports of thousands); the number written."""
    s.flush()
    changes = s.info.pop(_COLLECT, None)
    if not isinstance(changes, Changes):
        return 0
    conn = s.connection()
    rows = list(_entries(conn, changes, reason))
    return _insert_chained(conn, audit_trail.locked_head(s), who, rows, at)


def _insert_chained(conn: Connection, head: ChainHead | None, who: str,
                    rows: list[tuple[str, str, int, str, Any, Any, str]], at: dt.datetime | None) -> int:
    stamp = timestamp(at or clock.now())
    params = list(chained_rows(head, ((stamp, who, *r) for r in rows)))
    for i in range(0, len(params), 5_000):
        conn.execute(insert(AuditEntry), params[i:i + 5_000])
    return len(params)


Reason = str | Callable[[], str]  # a callable: read when the entries are written (a name the checks fill in)


@contextmanager
def register_work(session_factory: SessionFactory, who: str | None = None, reason: Reason = ""
                  ) -> Iterator[Session]:
    """A `unit_of_work` whose changes to the register, org-life and recruit records become audit entries."""
    with register_unit_of_work(session_factory, who, reason) as (s, _log):
        yield s


@contextmanager
def register_unit_of_work(session_factory: SessionFactory, who: str | None = None, reason: Reason = ""
                          ) -> Iterator[tuple[Session, AuditLog]]:
    """`register_work` with its audit log, for writers that also record entries of their own (a 整改's items,
    an import's summary line)."""
    with audit_trail.unit_of_work(session_factory, who) as (s, log):
        start(s)
        try:
            yield s, log
            write(s, log, reason() if callable(reason) else reason)
        finally:
            s.info.pop(_COLLECT, None)


# ---------------------------------------------------------------------------------------------------------------
# records the trail does not know yet: the demo county, and a database from before this module (migration 0009)


def _trail_state(conn: Connection, rows: Iterable[tuple[Any, ...]] | None = None
                 ) -> dict[tuple[str, int], dict[str, str | None]]:
    """The register as the trail says it is: its entries for these tables replayed in order.  `rows`: those entries
    (seq, at, who, action, entity, entity_id, field, old, new, …) as `audit verify`'s walk kept them; else read."""
    if rows is None:
        rows = _driver_rows(conn, "SELECT seq, at, who, action, entity, entity_id, field, old, new FROM audit_entry "
                                  f"WHERE entity IN ({_quoted(ENTITIES)}) AND action IN ({_quoted(MY_ACTIONS)}) "
                                  "ORDER BY seq")
    # A snapshot is kept as its text until a later entry changes one of its columns, or to the end: a record's
    # snapshots are parsed once each at most, those a later snapshot replaces never.
    state: dict[tuple[str, int], Any] = {}
    for r in rows:
        entity, rid, fld, new = r[4], r[5], r[6], r[8]
        if rid is None:
            continue
        k = (entity, rid)
        if fld == "":
            if new is None:
                state.pop(k, None)
            else:
                state[k] = new
        else:
            recorded = state.get(k)
            if recorded is None:
                state[k] = {fld: new}
            else:
                if not isinstance(recorded, dict):
                    recorded = state[k] = _snapshot_of(recorded)
                recorded[fld] = new
    for k, recorded in state.items():
        if not isinstance(recorded, dict):
            state[k] = _snapshot_of(recorded)
    return state


def _snapshot_of(text: str) -> dict[str, str | None]:
    """The snapshot's columns, as json.loads reads it (the decoder's C scanner called directly when the whole text
    is one value: a snapshot as written; anything else goes through json.loads)."""
    try:
        loaded, end = _SCAN(text, 0)
        exact = end == len(text)
    except (StopIteration, ValueError, TypeError):
        exact = False
    if not exact:
        try:
            loaded = json.loads(text)
        except ValueError:
            loaded = None
    return loaded if isinstance(loaded, dict) else {}


_SCAN = json.JSONDecoder().scan_once  # type: ignore[attr-defined]


def _quoted(names: Iterable[str]) -> str:
    return ", ".join(f"'{n}'" for n in names)  # the module's own table and action names


def record_untracked(conn: Connection, who: str, action: str, reason: str, *,
                     at: dt.datetime | None = None) -> int:
    """A 新建 (or 基线) entry for every record the trail does not know, in bulk; the number written.  Records it
    already knows are left alone, so a record changed outside the app stays found."""
    # A migration's baseline runs at its revision: registers whose tables come later are not there yet.
    present = {name: model for name, model in ENTITIES.items() if inspect(conn).has_table(model.__tablename__)}
    if not any(conn.execute(select(model.id).limit(1)).first() for model in present.values()):
        return 0  # an empty county: nothing to record, and no key made before it is needed
    known = set(_trail_state(conn))
    rows_at = at or clock.now()
    key = digest_key(conn, create=True)
    head_row = conn.execute(select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)).first()
    head = ChainHead(head_row[0], head_row[1]) if head_row is not None else None
    rows: list[tuple[str, str, int, str, Any, Any, str]] = []
    for entity in present:
        for rid, snap in sorted(snapshots(conn, entity, key, reflect=True).items()):
            if (entity, rid) not in known:
                rows.append((action, entity, rid, "", None, snap, reason))
    return _insert_chained(conn, head, who, rows, rows_at)


def demo_step(ctx: Any) -> None:
    """The demo county's register, org-life and recruit records enter the trail as 新建 (after every step)."""
    s = ctx.session
    audit_trail.lock_chain(s)
    s.flush()
    at = dt.datetime.combine(ctx.today, dt.time(0, 30), dt.timezone.utc)
    ctx.count("审计日志（登记记录）", record_untracked(s.connection(), "机关工委", "新建", "示范数据", at=at))


# ---------------------------------------------------------------------------------------------------------------
# the state check


def _describe(entity: str, snap: Mapping[str, str | None], rid: int, names: _Names) -> str:
    """A record in words: 党员张三, 单位县财政局, 县财政局机关党支部的书记职务, …"""
    label = ENTITY_LABELS[entity]
    if entity in ("unit", "party_org", "member", "recruit") and snap.get("name"):
        return f"{label}{snap['name']}"
    if entity == "org_post":
        return f"{names.org(snap.get('org_id'))}的{snap.get('kind') or ''}职务（编号{rid}）"
    if entity == "transfer":
        return f"党员{names.member(snap.get('member_id'))}{snap.get('moved_on') or ''}的组织关系转接（编号{rid}）"
    if entity == "org_life_record":
        where = names.org(snap.get("org_id")) if snap.get("org_id") else names.unit(snap.get("unit_id"))
        return f"{where}{snap.get('held_on') or ''}的{snap.get('kind') or '组织生活'}记录（编号{rid}）"
    if entity in ("disposal_case", "disposal_step"):
        what = snap.get("kind") or ""
        if entity == "disposal_case":
            return f"党员{names.member(snap.get('member_id'))}的{what}案件（编号{rid}）"
        return f"党员处置案件{snap.get('case_id') or ''}的“{what}”步骤（编号{rid}）"
    if entity == "recruit_stage":
        return f"发展党员{names.recruit(snap.get('recruit_id'))}的“{snap.get('stage') or ''}”阶段记录（编号{rid}）"
    return _describe_team(entity, snap, rid, names) or f"{label}（编号{rid}）"


def _describe_team(entity: str, snap: Mapping[str, str | None], rid: int, names: _Names) -> str:
    """The 队伍建设 registers' records in words (民主生活会, 中心组学习, 党务干部与培训, 问责); "" for others."""
    unit = names.unit(snap.get("unit_id")) if snap.get("unit_id") else ""
    day = snap.get("held_on") or ""
    if entity == "leadership_meeting":
        return f"{unit}{day}的{snap.get('kind') or '民主生活会'}记录（民主生活会登记，编号{rid}）"
    if entity == "leadership_criticism":
        return (f"民主生活会记录（编号{snap.get('meeting_id') or ''}）中对{snap.get('target') or ''}的"
                f"{snap.get('kind') or '批评意见'}（编号{rid}）")
    if entity == "study_meeting":
        return f"{unit}{day}的中心组学习记录（编号{rid}）"
    if entity == "study_plan":
        return f"{unit}{snap.get('year') or ''}年中心组学习计划（编号{rid}）"
    if entity == "party_worker":
        return f"{unit}的党务干部{snap.get('name') or ''}（{snap.get('role') or ''}，编号{rid}）"
    if entity == "training_record":
        return f"{snap.get('name') or ''}的党务干部培训记录“{snap.get('course') or ''}”（编号{rid}）"
    if entity == "accountability":
        return (f"{unit}{snap.get('person_name') or ''}{snap.get('decided_on') or ''}的问责记录"
                f"（{snap.get('kind') or ''}，编号{rid}）")
    return ""


class _Names:
    """Names of the records a finding mentions (looked up only for those)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.cache: dict[tuple[str, str | None], str] = {}

    def _name(self, model: type[Any], rid: str | None, fallback: str) -> str:
        k = (model.__tablename__, rid)
        if k not in self.cache:
            table = model.__table__
            found = None
            if rid is not None and str(rid).isdigit():
                found = self.conn.execute(select(table.c.name).where(table.c.id == int(rid))).scalar()
            self.cache[k] = found or f"{fallback}（编号{rid}）"
        return self.cache[k]

    def org(self, rid: str | None) -> str:
        return self._name(PartyOrg, rid, "党组织")

    def unit(self, rid: str | None) -> str:
        return self._name(Unit, rid, "单位")

    def member(self, rid: str | None) -> str:
        return self._name(Member, rid, "党员")

    def recruit(self, rid: str | None) -> str:
        return self._name(Recruit, rid, "发展对象")


def _differs(entity: str, what: str, name: str, value: str | None, recorded: str | None) -> str:
    """A column that differs from the trail: with both values when they say something and reveal nothing."""
    label = field_label(entity, name)
    if name in SECRET_FIELDS or name.endswith("_id") or name == ATTENDANCE or len(value or "") > 40 \
            or len(recorded or "") > 40:
        return f"{what}的{label}与审计日志记录不一致（数据库被绕过程序修改）"
    return f"{what}的{label}为“{value or '空'}”，审计日志记录为“{recorded or '空'}”（数据库被绕过程序修改）"


def check_register_state(s: Session, _last: LastValues) -> list[AuditFinding]:
    """Every audited record as it is now against the trail: a column that differs, a record the trail does not
    know (written outside the app) and one it knows that is gone (deleted outside the app)."""
    conn = s.connection()
    trail = _trail_state(conn, s.info.get(audit_trail.REPLAYED_ROWS))
    key = digest_key(conn, create=False)
    names = _Names(conn)
    findings: list[AuditFinding] = []
    extra = 0

    def add(entity: str, rid: int, message: str) -> None:
        nonlocal extra
        if len(findings) < 10_000:
            findings.append(AuditFinding("state", message, None, entity, rid))
        else:
            extra += 1

    for entity in ENTITIES:
        for rid, snap in snapshots(conn, entity, key, grouped=True).items():
            recorded = trail.pop((entity, rid), None)
            if recorded is None:
                add(entity, rid, f"{_describe(entity, snap, rid, names)}没有审计记录（绕过程序写入数据库）")
                continue
            if recorded == snap:
                continue  # every column as the trail says (compared in C; the loop below names what differs)
            if ATTENDANCE in snap and recorded.get(ATTENDANCE, snap[ATTENDANCE]) != snap[ATTENDANCE]:
                # Joined by the database in an order it does not promise: made again in member order.
                snap[ATTENDANCE] = attendance_summaries(conn, [rid]).get(rid, attendance_summary([]))
            # Named only when it differs: the names are looked up in the database, one query per record.
            for name, value in snap.items():
                if name in recorded and recorded[name] != value:
                    what = _describe(entity, snap, rid, names)
                    add(entity, rid, _differs(entity, what, name, value, recorded[name]))
    for (entity, rid), recorded in trail.items():
        add(entity, rid, f"审计日志记录的{_describe(entity, recorded, rid, names)}在数据库中已不存在（被绕过程序删除）")
    if extra:
        findings.append(AuditFinding("state", f"另有{extra}处登记记录与审计日志不一致，未逐条列出"))
    return findings


def register_hooks() -> None:
    """Join the audit verification (idempotent; done when this module is imported)."""
    if check_register_state not in audit_trail.STATE_CHECKS:
        audit_trail.STATE_CHECKS.append(check_register_state)
    audit_trail.REPLAYED.update((action, entity) for action in MY_ACTIONS for entity in ENTITIES)


register_hooks()


# ---------------------------------------------------------------------------------------------------------------
# showing entries


def readable_value(entity: str, fld: str, value: str | None) -> str:
    """An entry's old or new value as the 审计日志 page shows it: a snapshot as 名称：值 pairs, a digest never."""
    if value is None:
        return ""
    if fld in SECRET_FIELDS and value.startswith(DIGEST_PREFIX):
        return DIGEST_SHOWN
    if fld == "" and entity in ENTITIES and value.startswith("{"):
        try:
            snap = json.loads(value)
        except ValueError:
            return value
        if isinstance(snap, dict):
            order = {name: i for i, name in enumerate([*columns(ENTITIES[entity]), ATTENDANCE])}
            keys = sorted(snap, key=lambda k: order.get(k, len(order)))  # as the form lists them
            return "；".join(f"{field_label(entity, k)}：{readable_value(entity, k, snap[k])}"
                            for k in keys if snap[k] not in (None, ""))
    if fld.endswith("_id") and value.isdigit():
        return f"编号{value}"
    return value


# The trail's other entities, named on the 审计日志 page as the register's are.
_OTHER_LABELS = {
    "period": "考评期", "score_sheet": "考评表", "score_item": "考评项目", "deduction": "扣分", "bonus": "加分",
    "indicator_scheme": "指标体系", "indicator_category": "指标类别", "indicator": "考评指标", "app_user": "用户",
    "database": "数据库", "register": "党员名册", "bulletin": "通报", "interview": "约谈",
    "rectification_item": "整改事项", "review_report": "述职评议", "review_ballot": "评议选票", "commitment": "公开承诺",
    "commitment_item": "承诺事项", "duty_list": "责任清单", "duty_review": "责任清单评定",
    "quarter_result": "季度分级结果", "annual_result": "年度考评结果", "setting": "设置",
    "honor": "表彰", "care_subject": "关怀对象", "care_visit": "慰问帮扶走访",
}


# Their fields (the register's own come from FIELD_LABELS); a setting's field is its key, named by its label.
_OTHER_FIELDS = {
    "state": "状态", "status": "状态", "digest": "锁定时数据摘要", "sheets": "考评表", "reviewed": "已复核",
    "review_score": "复核得分", "self_score": "自评得分", "self_note": "自评说明", "doc_number": "发文字号", "items": "事项数", "voters": "评议人数",
    "votes": "评议票数", "check_score": "年终检查得分", "frozen": "冻结", "result": "评定结果", "role": "角色",
    "active": "可登录", "username": "用户名", "deadline": "整改时限", "reason": "原因", "sequence": "序号",
    "period": "考评期", "year": "年度", "month": "月份", "quarter": "季度", "months": "月份", "marks": "分值",
    "scheme": "指标体系", "note": "说明", "name": "名称", "indicator": "考评指标", "veto": "一票否决",
    "veto_reason": "否决原因", "unit": "单位", "units": "单位数", "status_note": "状态说明", "results": "结果",
    "is_bonus": "加分项", "working_days": "工作日数", "size": "规模", "secretary": "书记", "scheduled_at": "约谈时间",
    "reports": "述职报告", "report_text": "述职报告", "org_id": "所在党组织", "old_password": "原密码", "kind": "类别",
    "issuer": "发文机关", "interview": "约谈", "end_on": "结束日期", "members": "党员",
    "level": "级别", "awarded_on": "表彰日期", "awarded_by": "授予机关", "ended_on": "结束关怀日期",
    "visited_on": "走访日期", "visitors": "走访人", "forms": "走访内容", "amount_yuan": "慰问金（元）", "goods": "慰问物资",
    "talk_record_id": "关联谈心谈话",
}


def readable_entity(entity: str) -> str:
    return ENTITY_LABELS.get(entity) or _OTHER_LABELS.get(entity, entity)


def readable_field(entity: str, fld: str) -> str:
    if not fld:
        return ""
    if entity in ENTITIES:
        return field_label(entity, fld)
    if entity == "setting":
        d = SETTINGS.get(fld)
        return d.label if d is not None else fld
    return _OTHER_FIELDS.get(fld, fld)


def shown_time(at: str) -> str:
    """An entry's time (stored in UTC, `2026-12-03T07:05:00Z`) in this computer's local time, to the second."""
    try:
        t = dt.datetime.strptime(at, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc)
    except ValueError:
        return at  # not written by this app: shown as it is
    return f"{t.astimezone():%Y-%m-%d %H:%M:%S}"

