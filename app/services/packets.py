"""Year-end packets: for every unit one .docx with everything the year produced about it, the county's
评议结果汇总表 (.docx and .xlsx) and the blank 测评表 for the meeting, in one folder that is also zipped.

How a run works:

1. Everything is read from the database in a few bulk queries and turned into plain data (`PacketContent` per
   unit, `ReviewSummaryContent`, `BallotFormContent`); nothing below touches the database.
2. Each file gets a content hash (SHA-256 of its data, the issuing body and the fonts; the print date left out).
   `manifest.json` in the output folder remembers the hash each file was written from, so a second run only
   rebuilds the files whose data changed (or that are missing); `force` rebuilds everything.
3. The files to build go to worker processes (`ProcessPoolExecutor`, spawn, one per core): charts and documents
   are rendered there.  Each worker writes its file atomically (`write_atomic`), so cancelling leaves every file
   either complete or absent; the manifest records the files that were finished, so the next run continues.
4. Files of units no longer in the packets (a previous run's) are removed; the folder is zipped beside itself
   (`<folder>.zip`, written atomically) whenever anything in it changed.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import json
import multiprocessing
import os
import time
import zipfile
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app import clock
from app import settings as S
from app.errors import OperationCancelled, ReportError, ValidationError
from app.failures import os_reason
from app.models import (
    Commitment,
    DutyList,
    DutyReview,
    Interview,
    Period,
    PeriodKind,
    PeriodState,
    Rectification,
    RectificationItem,
    RectificationStatus,
    ReviewReport,
    ScoreSheet,
    Unit,
)
from app.reports.annual import (
    BallotFormContent,
    BallotLine,
    ReviewSummaryContent,
    ballot_filename,
    summary_filename,
)
from app.reports.config import issuer_from_settings, style_from_settings
from app.reports.content import to_snapshot
from app.reports.output import temp_beside, write_atomic
from app.reports.packet import (
    InterviewLine,
    Job,
    MonthLine,
    PacketContent,
    QuarterLine,
    RectificationLine,
    packet_filename,
    write_job,
)
from app.services import packet_sections, unit_scope
from app.services.annual.commitments import _commitment_view as commitment_view
from app.services.annual.commitments import _duty_view as duty_view
from app.services.annual.commitments import commitment_content, duty_list_content
from app.services.annual.results import AnnualResults, grading_rule, review_rows
from app.services.annual.service import AnnualService
from app.services.quarter import one_place, stored_quarter_grades
from app.services.ranking import TierRules, competition_ranks, tiers

SessionFactory = Callable[[], Session]
Progress = Callable[[int, int, str], None]
Cancelled = Callable[[], bool]

MANIFEST = "manifest.json"
FORMAT = 2  # bump when the packet layout changes, so that every file is rebuilt once


@dataclass(frozen=True)
class PacketPlan:
    """What a run would write: the jobs (file name → job) and their content hashes."""

    year: int
    folder: Path
    jobs: dict[str, Job]
    digests: dict[str, str]
    units: dict[str, str]  # file name → unit (for progress)
    notes: list[str]  # what is left out and why (e.g. no 汇总表 before the results are complete)


@dataclass
class PacketRun:
    folder: Path
    zip_path: Path | None
    built: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def packets(self) -> int:
        return sum(1 for n in self.built + self.unchanged if n.endswith(".docx") and "考核材料" in n)

    def lines(self) -> list[str]:
        out = [f"输出文件夹：{self.folder}",
               f"本次生成{len(self.built)}个文件，{len(self.unchanged)}个文件数据未变化未重新生成"
               + (f"，删除过期文件{len(self.removed)}个" if self.removed else "") + f"，用时{self.seconds:.1f}秒"]
        if self.zip_path is not None:
            out.append(f"压缩包：{self.zip_path}")
        return out + [f"说明：{n}" for n in self.notes]


@unit_scope.committee_only("生成年度考评材料")
class PacketService:
    def __init__(self, session_factory: SessionFactory, today: Callable[[], dt.date] = clock.today) -> None:
        self._sf = session_factory
        self._today = today

    # --- gathering ------------------------------------------------------------------------------------------

    def contents(self, year: int, unit_ids: Sequence[int] | None = None) -> list[PacketContent]:
        """Each unit's packet data, in the 述职 order (or the register's)."""
        return [c for _, c in self._gather(year, unit_ids)[0]]

    def plan(self, year: int, folder: str | Path, unit_ids: Sequence[int] | None = None) -> PacketPlan:
        if not 2000 <= int(year) <= 2100:
            raise ValidationError("年度应在2000年至2100年之间", field="year")
        folder = Path(folder).expanduser().resolve()
        packets, results, ballot = self._gather(year, unit_ids)
        if not packets:
            raise ValidationError(f"{year}年度没有需要生成考核材料的单位", field="units")
        with self._sf() as s:
            read = S.reader(s)
            issuer, style = issuer_from_settings(read), style_from_settings(read)
            county = str(read(S.COUNTY_NAME)).strip()
            names = {i: n for i, n in s.execute(select(Unit.id, Unit.name).order_by(Unit.sort_order, Unit.id))}
            columns = packet_sections.summary_columns(s, year, names)
        jobs: dict[str, Job] = {}
        units: dict[str, str] = {}
        for number, content in packets:
            name = packet_filename(content, number)
            jobs[name] = Job("packet", content, str(folder / name), issuer, style)
            units[name] = content.unit
        notes: list[str] = []
        if not results.locked:
            notes.append(f"{year}年度考核结果尚未锁定：材料每页标注“征求意见稿（数据未锁定）”，文件名带“（征求意见稿）”；"
                         "锁定后重新生成即为正式材料")
        if unit_ids is None and results.complete:
            rules = results.rules
            summary = ReviewSummaryContent(year, review_rows(results), results.held_on, results.voters,
                                           (rules.weight_mean, rules.weight_check, rules.weight_vote), self._today(),
                                           county, rule=grading_rule(rules), draft=not results.locked,
                                           extra_columns=columns)
            for kind, ext in (("summary", "docx"), ("summary_xlsx", "xlsx")):
                name = summary_filename(summary, ext)
                jobs[name] = Job(kind, summary, str(folder / name), issuer, style)
                units[name] = "评议结果汇总表"
        elif unit_ids is None:
            notes.append("年度考核结果尚不完整，未生成评议结果汇总表（" + "；".join(results.problems[:3]) + "）")
        if unit_ids is None and ballot is not None:
            name = ballot_filename(ballot)
            jobs[name] = Job("ballot", ballot, str(folder / name), issuer, style)
            units[name] = "述职评议测评表"
        digests = {name: _digest(job) for name, job in jobs.items()}
        return PacketPlan(year, folder, jobs, digests, units, notes)

    def _gather(self, year: int, unit_ids: Sequence[int] | None
                ) -> tuple[list[tuple[int, PacketContent]], AnnualResults, BallotFormContent | None]:
        results = AnnualService(self._sf, today=self._today).results(year)
        today = self._today()
        with self._sf() as s:
            read = S.reader(s)
            county = str(read(S.COUNTY_NAME)).strip() or "全县"
            review = s.scalar(select(DutyReview).where(DutyReview.year == year))
            reports: dict[int, ReviewReport] = {}
            if review is not None:
                reports = {r.unit_id: r for r in s.scalars(select(ReviewReport).where(
                    ReviewReport.review_id == review.id).order_by(ReviewReport.sort_order, ReviewReport.id))}
                order = list(reports)
            else:
                order = list(s.scalars(select(Unit.id).where(Unit.active.is_(True)).order_by(Unit.sort_order, Unit.id)))
            units = {u.id: u for u in s.scalars(select(Unit).where(Unit.id.in_(order)))}
            wanted = set(unit_ids) if unit_ids is not None else None
            months = _months(s, year, TierRules.from_settings(read))
            quarters = _quarters(s, year)
            commitments = {c.unit_id: c for c in s.scalars(select(Commitment).where(Commitment.year == year)
                                                           .options(selectinload(Commitment.items)))}
            duties = {d.unit_id: d for d in s.scalars(select(DutyList).where(DutyList.year == year)
                                                      .options(selectinload(DutyList.items)))}
            interviews = _interviews(s, year)
            items = _rectifications(s, year, today)
            registers = packet_sections.sections(s, year, order)
            rows = {r.unit: r for r in review_rows(results)} if results.complete else {}
            rules = results.rules
            out = []
            for number, unit_id in enumerate(order, 1):
                if wanted is not None and unit_id not in wanted:
                    continue
                unit = units[unit_id]
                rep = reports.get(unit_id)
                c = commitments.get(unit_id)
                d = duties.get(unit_id)
                out.append((number, PacketContent(
                    year=year, unit=unit.name, secretary=rep.secretary if rep else unit.party_secretary,
                    post=rep.post if rep else "党组书记", made_on=today, county=county,
                    report=tuple(x for x in (rep.report_text.split("\n") if rep else []) if x.strip()),
                    report_file=rep.report_file if rep else "",
                    commitment=commitment_content(commitment_view(c), county, True) if c and c.items else None,
                    duties=duty_list_content(duty_view(d), county) if d and d.items else None,
                    months=months.get(unit_id, _empty_months(months)),
                    quarters=quarters.get(unit_id, ()), interviews=interviews.get(unit_id, ()),
                    rectifications=items.get(unit_id, ()), result=rows.get(unit.name),
                    voters=review.voters if review else 0, held_on=review.held_on if review else None,
                    unit_count=len(results.rows), weights=(rules.weight_mean, rules.weight_check, rules.weight_vote),
                    basis=rules.basis, draft=not results.locked, sections=registers[unit_id])))
            ballot = None
            if review is not None and reports:
                ballot = BallotFormContent(year, tuple(BallotLine(units[u].name, r.secretary, r.post)
                                                       for u, r in reports.items()), review.held_on, county)
        return out, results, ballot

    # --- generating -----------------------------------------------------------------------------------------

    def generate(self, year: int, folder: str | Path, *, unit_ids: Sequence[int] | None = None,
                 force: bool = False, workers: int | None = None, make_zip: bool = True,
                 progress: Progress | None = None, cancelled: Cancelled | None = None) -> PacketRun:
        """Write the year's packets into `folder` (created if needed); see the module's docstring."""
        report = progress or (lambda done, total, text: None)
        stop = cancelled or (lambda: False)
        started = time.perf_counter()
        report(0, 0, "正在读取全年考核数据……")
        plan = self.plan(year, folder, unit_ids)
        _prepare(plan.folder)
        manifest = _read_manifest(plan.folder)
        recorded: dict[str, str] = dict(manifest.get("files", {}))
        todo = [name for name, digest in plan.digests.items()
                if force or recorded.get(name) != digest or not (plan.folder / name).is_file()]
        run = PacketRun(plan.folder, None, unchanged=[n for n in plan.digests if n not in todo], notes=plan.notes)
        total = len(todo)

        def finished(name: str) -> None:
            recorded[name] = plan.digests[name]
            run.built.append(name)
            report(len(run.built), total, f"已生成：{plan.units[name]}（{len(run.built)}/{total}）")

        try:
            _run_jobs([plan.jobs[n] for n in todo], todo, _workers(workers, len(todo)), finished, stop)
        finally:
            if run.built:
                _write_manifest(plan.folder, year, recorded)
        if unit_ids is None:
            run.removed = _remove_stale(plan.folder, recorded, plan.digests)
            if run.removed:
                _write_manifest(plan.folder, year, recorded)
        zip_path = plan.folder.with_name(plan.folder.name + ".zip")
        if make_zip and (run.built or run.removed or not zip_path.is_file()):
            if stop():
                raise OperationCancelled("已取消：考核材料已全部生成，压缩包未更新")
            report(total, total, "正在打包……")
            _zip_folder(plan.folder, zip_path)
        run.zip_path = zip_path if make_zip else None
        run.seconds = time.perf_counter() - started
        report(total, total, "完成")
        return run


# ---------------------------------------------------------------------------------------------------------------
# reading helpers


def _empty_months(months: dict[int, tuple[MonthLine, ...]]) -> tuple[MonthLine, ...]:
    """A unit without sheets still shows the county's means."""
    any_unit = next(iter(months.values()), ())
    return tuple(MonthLine(m.month, None, m.county_mean) for m in any_unit) or tuple(
        MonthLine(m, None, None) for m in range(1, 13))


def _months(s: Session, year: int, rules: TierRules) -> dict[int, tuple[MonthLine, ...]]:
    """unit id → its twelve months (total, county mean, rank, tier) from the locked months of the year."""
    by_month: dict[int, list[tuple[int, Decimal, bool]]] = {}
    q = (select(Period.month, ScoreSheet.unit_id, ScoreSheet.review_total, ScoreSheet.veto)
         .join(Period, Period.id == ScoreSheet.period_id)
         .where(Period.kind == PeriodKind.MONTH, Period.year == year, Period.state == PeriodState.LOCKED))
    for month, unit_id, total, veto in s.execute(q):
        by_month.setdefault(int(month or 0), []).append((unit_id, total, bool(veto)))
    lines: dict[int, dict[int, MonthLine]] = {}
    means: dict[int, Decimal] = {}
    for month, rows in by_month.items():
        totals = [t for _, t, _ in rows]
        ranks = competition_ranks(totals)
        tier_list = tiers(totals, ranks, [v for _, _, v in rows], rules)
        means[month] = one_place(sum(totals, Decimal(0)) / len(totals))
        for (unit_id, total, veto), rank, tier in zip(rows, ranks, tier_list, strict=True):
            lines.setdefault(unit_id, {})[month] = MonthLine(month, total, means[month], rank, len(rows), tier.value,
                                                             veto)
    out = {}
    for unit_id, own in lines.items():
        out[unit_id] = tuple(own.get(m, MonthLine(m, None, means.get(m))) for m in range(1, 13))
    return out


def _quarters(s: Session, year: int) -> dict[int, tuple[QuarterLine, ...]]:
    grades = stored_quarter_grades(s, year)
    counts: dict[int, int] = {}
    for by_quarter in grades.values():
        for q in by_quarter:
            counts[q] = counts.get(q, 0) + 1
    return {unit_id: tuple(QuarterLine(q, r.score, r.rank, counts[q], r.grade.value, r.note)
                           for q, r in sorted(by_quarter.items()))
            for unit_id, by_quarter in grades.items()}


def _interviews(s: Session, year: int) -> dict[int, tuple[InterviewLine, ...]]:
    closed: dict[int, tuple[int, int]] = {}
    for interview_id, stored in s.execute(
            select(Rectification.interview_id, RectificationItem.status)
            .join(RectificationItem, RectificationItem.rectification_id == Rectification.id)
            .where(Rectification.interview_id.is_not(None))):
        key = int(interview_id or 0)
        n, c = closed.get(key, (0, 0))
        closed[key] = (n + 1, c + (stored == RectificationStatus.CLOSED))
    out: dict[int, list[InterviewLine]] = {}
    q = (select(Interview, Period).join(Period, Period.id == Interview.period_id)
         .where(Period.year == year).order_by(Period.key, Interview.id))
    for i, p in s.execute(q):
        n, c = closed.get(i.id, (0, 0))
        if not i.held:
            status = "待约谈" if i.scheduled_at else "待安排"
        else:
            status = "整改已销号" if n and c == n else "已约谈"
        reasons = "；".join(x.strip() for x in i.reasons.split("\n") if x.strip())
        out.setdefault(i.unit_id, []).append(InterviewLine(
            p.title, i.interviewee_post.value, i.interviewee_name,
            i.scheduled_at.date() if i.held and i.scheduled_at else None, reasons, status))
    return {u: tuple(v) for u, v in out.items()}


def _rectifications(s: Session, year: int, today: dt.date) -> dict[int, tuple[RectificationLine, ...]]:
    from app.services.rectification import effective_status

    periods = select(Period.id).where(Period.year == year)
    q = (select(RectificationItem, Rectification.unit_id, Rectification.source)
         .join(Rectification, Rectification.id == RectificationItem.rectification_id)
         .where(Rectification.period_id.in_(periods) | (Rectification.period_id.is_(None)
                                                         & Rectification.source.startswith(str(year))))
         .order_by(Rectification.unit_id, RectificationItem.deadline, RectificationItem.sort_order))
    out: dict[int, list[RectificationLine]] = {}
    for it, unit_id, source in s.execute(q):
        status = effective_status(it.status, it.deadline, it.submitted_on, today)
        out.setdefault(unit_id, []).append(RectificationLine(source, it.problem, it.measure, it.owner, it.deadline,
                                                             status.value, it.closed_on))
    return {u: tuple(v) for u, v in out.items()}


# ---------------------------------------------------------------------------------------------------------------
# running


def _digest(job: Job) -> str:
    """SHA-256 of what a file prints (its data without the print date, the issuing body and the fonts)."""
    data = json.loads(to_snapshot(job.content))
    data.pop("made_on", None)
    payload = json.dumps({"format": FORMAT, "kind": job.kind, "content": data,
                          "issuer": dataclasses.asdict(job.issuer), "style": dataclasses.asdict(job.style)},
                         ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _workers(asked: int | None, jobs: int) -> int:
    n = asked if asked is not None else (os.cpu_count() or 1)
    return max(0, min(n, jobs))


def _run_jobs(jobs: list[Job], names: list[str], workers: int, finished: Callable[[str], None],
              stop: Cancelled) -> None:
    """Build the files: in worker processes, or here when one worker (or none) is asked for."""
    if not jobs:
        return
    if workers <= 1:
        for job, name in zip(jobs, names, strict=True):
            _check(stop, len(jobs))
            write_job(job)
            finished(name)
        return
    # spawn, not fork: the GUI process has threads (Qt, the task pool) that a fork would copy in a broken state.
    executor = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))
    try:
        futures: dict[Future[tuple[str, int]], str] = {executor.submit(write_job, j): n
                                                      for j, n in zip(jobs, names, strict=True)}
        pending = set(futures)
        while pending:
            done, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
            for f in done:
                try:
                    f.result()  # a worker's error ends the run (the files already written stay valid)
                except BrokenProcessPool as exc:
                    raise ReportError("生成考核材料的后台进程意外退出（可能是内存不足），已生成的文件完整保存，"
                                      "请重新生成以补齐其余部分") from exc
                finished(futures[f])
            if pending and stop():
                for f in pending:
                    f.cancel()
                for f in wait(pending).done:  # the ones already running finish their (atomic) write
                    if not f.cancelled() and f.exception() is None:
                        finished(futures[f])
                _check(stop, len(jobs))
    finally:
        executor.shutdown(wait=True, cancel_futures=True)


def _check(stop: Cancelled, total: int) -> None:
    if stop():
        raise OperationCancelled("已取消生成考核材料：已生成的文件都是完整的，未生成的没有留下残缺文件；"
                                 "再次生成时只会补齐未完成的部分")


def _prepare(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ReportError(f"无法创建输出文件夹“{folder}”：{os_reason(exc)}") from exc
    if not os.access(folder, os.W_OK):
        raise ReportError(f"输出文件夹“{folder}”没有写入权限，请换一个文件夹")


def _read_manifest(folder: Path) -> dict[str, Any]:
    path = folder / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) and data.get("format") == FORMAT else {}


def _write_manifest(folder: Path, year: int, files: dict[str, str]) -> None:
    body = json.dumps({"format": FORMAT, "year": year, "files": dict(sorted(files.items()))}, ensure_ascii=False,
                      indent=1)
    write_atomic(folder / MANIFEST, body.encode("utf-8"))


def _remove_stale(folder: Path, recorded: dict[str, str], wanted: dict[str, str]) -> list[str]:
    """Files a previous run wrote that this one does not (a unit renamed or no longer assessed)."""
    removed = []
    for name in sorted(set(recorded) - set(wanted)):
        with contextlib.suppress(FileNotFoundError):
            (folder / name).unlink()
        del recorded[name]
        removed.append(name)
    return removed


def _zip_folder(folder: Path, target: Path) -> None:
    """The folder's documents in a zip beside it, written to a temporary file first (never half a zip)."""
    tmp: Path | None = None
    try:
        fd, tmp = temp_beside(target)
        os.close(fd)
        with zipfile.ZipFile(tmp, "w") as zf:
            for path in sorted(folder.iterdir()):
                if path.is_file() and not path.name.startswith(".") and path.name != MANIFEST:
                    # .docx and .xlsx are zip files already: stored, not compressed again.
                    zf.write(path, f"{folder.name}/{path.name}", compress_type=zipfile.ZIP_STORED)
        os.replace(tmp, target)
    except OSError as exc:
        _discard(tmp)
        why = ("正被其他程序打开或没有写入权限" if isinstance(exc, PermissionError) and target.exists()
               else os_reason(exc))
        raise ReportError(f"压缩包“{target}”无法写入：{why}。考核材料已全部生成，文件夹中的文件都是完整的，"
                          "没有留下残缺的压缩包；处理后再次生成即可补上压缩包（或加 --no-zip 不打包）") from exc
    except BaseException:
        _discard(tmp)
        raise


def _discard(tmp: Path | None) -> None:
    # On a read-only disk even removing a file fails; the error being reported is the one that matters.
    if tmp is not None:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
