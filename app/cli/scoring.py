"""`dangjian ranking`, `dangjian scores`, `dangjian period` and `dangjian audit`: the monthly 考评 from a terminal.

Exit codes: 0 done; 1 the import or the audit found problems (each printed); 2 bad input or a known error."""

from __future__ import annotations

import argparse
import sys
import unicodedata
from pathlib import Path

from app.cli import add_data_dir
from app.cli.common import open_db, paths_of, print_json
from app.services import audit
from app.services.accounts import AuditFilter, audit_lines
from app.services.ranking import Ranking, RankingService
from app.services.register_audit import readable_entity, readable_field, readable_value, shown_time
from app.services.scoring import ScoringService, parse_month

EXIT_FINDINGS = 1


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("ranking", help="显示某月考评排名（默认最近一个已锁定的月份）",
                       description="按复核总分排名，并列同名次；显示档次（先进/中间/后进）和约谈对象及其依据。")
    add_data_dir(p)
    p.add_argument("month", nargs="?", metavar="YYYY-MM", help="月份，例如 2026-03；默认最近一个已锁定的月份")
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
    p.set_defaults(func=run_ranking)

    p = sub.add_parser("scores", help="生成某月评分模板或导入评分（.xlsx）")
    add_data_dir(p)
    p.add_argument("action", choices=["template", "import"], help="template 生成模板；import 导入")
    p.add_argument("month", metavar="YYYY-MM")
    p.add_argument("file", metavar="FILE.xlsx", type=Path)
    p.add_argument("--dry-run", action="store_true", help="只检查文件，不导入")
    p.set_defaults(func=run_scores)

    p = sub.add_parser("period", help="考评期：列出、开始、锁定、重新开放")
    add_data_dir(p)
    p.add_argument("action", choices=["list", "open", "lock", "reopen"])
    p.add_argument("month", nargs="?", metavar="YYYY-MM")
    p.add_argument("--reason", default="", help="重新开放的理由（必填）")
    p.add_argument("--admin", action="store_true", help="以管理员身份操作（重新开放已锁定的考评期时必需）")
    p.set_defaults(func=run_period)

    p = sub.add_parser("audit", help="审计日志：校验哈希链和当前数据，显示链头",
                       description="verify：逐条校验审计日志的哈希链，对照数据文件夹中的链头锚点文件、各备份记下的链头和"
                       "已印发通报上印的链头（发现末尾被删除或中途被改写），核对当前得分、扣分、考评期状态与日志最后记录"
                       "是否一致，并重算每个已锁定考评期的数据摘要与锁定时记下的比对；发现任何问题时以非零状态退出。"
                       "head：显示链头（序号和短哈希）。")
    add_data_dir(p)
    p.add_argument("action", choices=["verify", "head", "log"])
    p.add_argument("--limit", type=int, default=50, help="log：显示最近多少条（默认50）")
    p.set_defaults(func=run_audit)


def _width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def _pad(s: str, width: int, right: bool = False) -> str:
    fill = " " * max(0, width - _width(s))
    return fill + s if right else s + fill


def run_ranking(args: argparse.Namespace) -> int:
    db = open_db(args)
    try:
        service = RankingService(db.session_factory)
        ranking = service.month(*parse_month(args.month)) if args.month else service.latest_locked()
    finally:
        db.close()
    if args.json:
        print_json(ranking.to_json())
    else:
        _print_ranking(ranking)
    return 0


def _print_ranking(r: Ranking) -> None:
    d = r.distribution
    print(f"{r.title}考评排名（{r.state.value}）  单位{d.count}个  平均{d.mean}分  最高{d.highest}  最低{d.lowest}")
    names = max((_width(x.unit) for x in r.rows), default=4)
    print(f"{_pad('名次', 6)}{_pad('单位', names + 2)}{_pad('总分', 8, True)}  {_pad('环比', 7, True)}  档次  约谈")
    for x in r.rows:
        change = "" if x.change is None else f"{x.change:+}"
        print(f"{_pad(str(x.rank), 6)}{_pad(x.unit, names + 2)}{_pad(str(x.total), 8, True)}  {_pad(change, 7, True)}"
              f"  {x.tier.value}  {'；'.join(x.reasons) if x.interview else ''}")
    tiers = "  ".join(f"{t.value}{n}个" for t, n in d.tiers.items())
    print(f"档次：{tiers}；约谈对象{len(r.interviews)}个")


def run_scores(args: argparse.Namespace) -> int:
    from app.services import score_io  # openpyxl (and numpy): not for ranking, period or audit

    year, month = parse_month(args.month)
    db = open_db(args)
    try:
        if args.action == "template":
            info = score_io.write_template(db.session_factory, year, month, args.file)
            print(f"已生成{info.period_key}评分模板：{info.path}（{info.units}个单位，已填{info.rows}条扣分加分）")
            return 0
        report = score_io.import_scores(db.session_factory, year, month, args.file, dry_run=args.dry_run)
    finally:
        db.close()
    if report.problems:
        print(f"文件有{len(report.problems)}处问题，未导入任何内容：", file=sys.stderr)
        for p in report.problems:
            print(f"  {p}", file=sys.stderr)
        return EXIT_FINDINGS
    if not report.applied:
        print("检查通过（未导入，因为使用了 --dry-run）")
        return 0
    print(f"已导入：新增{report.created}条，修改或删除{report.updated}处，{report.unchanged}条未变")
    return 0


def run_period(args: argparse.Namespace) -> int:
    db = open_db(args)
    try:
        service = ScoringService(db.session_factory, attachment_dir=paths_of(args).attachment_dir)
        if args.action == "list":
            for p in service.periods():
                print(f"{p.key}  {p.state.value}  已复核{p.reviewed}/{p.sheets}")
            return 0
        if not args.month:
            print("错误：请指定月份（YYYY-MM）", file=sys.stderr)
            return 2
        year, month = parse_month(args.month)
        if args.action == "open":
            view = service.open_month(year, month)
        else:
            found = service.find_month(year, month)
            if found is None:
                print(f"错误：{year}年{month}月还没有考评", file=sys.stderr)
                return 2
            if args.action == "lock":
                view = service.lock_period(found.id)
            else:
                view = service.reopen_period(found.id, args.reason, is_admin=args.admin)
        print(f"{view.key}  {view.state.value}  已复核{view.reviewed}/{view.sheets}")
        return 0
    finally:
        db.close()


def _print_audit_log(session_factory: audit.SessionFactory, limit: int) -> int:
    """The newest entries, oldest first, as the 审计日志 page shows them (a personal number's digest never)."""
    lines = audit_lines(session_factory, AuditFilter(limit=max(1, limit)))
    for e in reversed(lines):
        what = f"{readable_entity(e.entity)}{'' if e.entity_id is None else f'（编号{e.entity_id}）'}"
        field = readable_field(e.entity, e.field)
        change = f"{field}：" if field else ""
        old, new = readable_value(e.entity, e.field, e.old), readable_value(e.entity, e.field, e.new)
        change += f"{old} → {new}" if old and new else (new or old)
        print(f"第{e.seq}条 {shown_time(e.at)} {e.who} {e.action} {what} {change}"
              + (f"（{e.reason}）" if e.reason else ""))
    if not lines:
        print("审计日志为空")
    return 0


def run_audit(args: argparse.Namespace) -> int:
    db = open_db(args)
    try:
        if args.action == "log":
            return _print_audit_log(db.session_factory, args.limit)
        if args.action == "head":
            head = audit.chain_head(db.session_factory)
            print(str(head) if head else "审计日志为空")
            return 0
        from app.services import anchors

        paths = paths_of(args)
        report = audit.verify(db.session_factory, anchored=anchors.collect(paths.anchor_path, paths.backup_dir))
    finally:
        db.close()
    if report.ok:
        print(f"审计日志完好：共{report.entries}条，链头 第{report.head.seq if report.head else 0}条 "
              f"{report.head.short if report.head else ''}；当前数据与日志一致")
        print(f"已对照链头锚点{report.anchors}个（锚点文件和备份）；已核对{report.digests}个锁定考评期的锁定时数据摘要"
              + (f"（另有{report.undigested}个锁定时未记录摘要，无法核对：由旧版本锁定或批量生成）" if report.undigested else ""))
        return 0
    print(f"发现{len(report.findings)}处问题（已校验{report.entries}条）：", file=sys.stderr)
    for f in report.findings[:200]:
        print(f"  {f}", file=sys.stderr)
    if len(report.findings) > 200:
        print(f"  ……另有{len(report.findings) - 200}处", file=sys.stderr)
    return EXIT_FINDINGS
