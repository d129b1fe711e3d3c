"""Anchors: the audit chain's head kept outside the database, so that a trail cut short or rewritten with every
later hash recomputed is still found.

The anchor file (`audit-anchors.log` in the data folder, 0600) gets one line per anchor — when, the head's
sequence number and hash, and why: at every lock (锁定), 印发, backup (备份, also written into the backup's
manifest), restore (恢复) and when the main window closes (退出).  A line is only ever appended (append mode,
fsync), never rewritten.  `app.services.audit.verify` checks the chain against every anchor it is given.

The services never learn the data folder: the one who opens the database (`app.services.opening.open_app_database`, the GUI's
context) attaches an `AnchorFile` to its session factory (`attach`), and a unit of work that asks for an anchor
(`AuditLog.anchor`) writes its head there after it commits.  A database on a server is anchored in the local
client's data folder: each workstation keeps the heads it saw.

A restore (or a county replaced by the demo, or a new database made where one was) legitimately replaces the
chain: its line says so and holds the new head, and every anchor taken before it belongs to the history it
replaced (`in_force`).  Nothing is lost by that: the one anchor at the restored head protects every entry up to
it, since rewriting any of them changes the hash there."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.paths import PRIVATE_FILE_MODE, make_private

log = logging.getLogger(__name__)

ANCHOR_FILENAME = "audit-anchors.log"
MANIFEST_SUFFIX = ".manifest.json"
SESSION_KEY = "audit.anchors"  # Session.info: the AnchorFile of the database the session is on

LOCK = "锁定"
ISSUE = "印发"
BACKUP = "备份"
EXIT = "退出"
RESTORE = "恢复"
REPLACE = "替换"  # the county replaced by another (the demo with --force, a new database made where one was)
# Lines from which on earlier anchors no longer describe the chain (it was replaced).
CUTS = (RESTORE, REPLACE)


@dataclass(frozen=True)
class Anchor:
    at: dt.datetime  # aware
    seq: int
    hash: str
    why: str
    source: str = ""  # where it was read: the anchor file, or a backup's manifest

    @property
    def when(self) -> str:
        return f"{self.at.astimezone():%Y-%m-%d %H:%M:%S}"

    def line(self) -> str:
        return "\t".join((self.at.isoformat(timespec="microseconds"), str(self.seq), self.hash, self.why)) + "\n"


class AnchorFile:
    """The data folder's anchor file.  `warn` is told (in Chinese) when a line could not be written: the lock,
    issue or backup it anchors is done and stays done; only this copy of its head is missing."""

    def __init__(self, path: Path, warn: Callable[[str], None] | None = None) -> None:
        self.path = Path(path)
        self.warn = warn

    def append(self, seq: int, hash_: str, why: str, at: dt.datetime | None = None) -> bool:
        anchor = Anchor(at or dt.datetime.now().astimezone(), seq, hash_, why)
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, PRIVATE_FILE_MODE)
            try:
                os.write(fd, anchor.line().encode("utf-8"))
                os.fsync(fd)
            finally:
                os.close(fd)
            make_private(self.path)
        except OSError as exc:
            log.warning("audit anchor not written to %s (%s at seq %s)", self.path, why, seq, exc_info=True)
            message = (f"审计链头（第{seq}条）未能写入锚点文件 {self.path}：{exc.strerror or exc}。"
                       f"{why}已完成，不受影响；请检查数据文件夹是否可写")
            if self.warn is not None:
                self.warn(message)
            return False
        return True

    def read(self) -> list[Anchor]:
        """The file's anchors in the order written; unreadable lines are skipped (a torn last line)."""
        try:
            text = self.path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return []
        found = []
        for line in text.splitlines():
            anchor = _parse(line.split("\t"), f"锚点文件 {self.path.name}")
            if anchor is not None:
                found.append(anchor)
        return found


def _parse(parts: list[str], source: str) -> Anchor | None:
    if len(parts) != 4:
        return None
    try:
        at = dt.datetime.fromisoformat(parts[0])
        seq = int(parts[1])
    except ValueError:
        return None
    if at.tzinfo is None or seq < 0 or len(parts[2]) != 64:
        return None
    return Anchor(at, seq, parts[2], parts[3], source)


def attach(session_factory: Any, anchor_file: AnchorFile) -> None:
    """Every session `session_factory` (a sessionmaker) makes carries `anchor_file` in its info."""
    session_factory.configure(info={SESSION_KEY: anchor_file})


def attached(session_factory: Any) -> AnchorFile | None:
    info = getattr(session_factory, "kw", {}).get("info") or {}
    found = info.get(SESSION_KEY)
    return found if isinstance(found, AnchorFile) else None


# --- backup manifests --------------------------------------------------------------------------------------------

def manifest_path(backup_file: Path) -> Path:
    return backup_file.with_name(backup_file.name + MANIFEST_SUFFIX)


def write_manifest(backup_file: Path, seq: int, hash_: str, reason: str, at: dt.datetime | None = None) -> Path:
    """The backup's own record of the chain head it holds, beside it (0600)."""
    target = manifest_path(backup_file)
    body = json.dumps({"backup": backup_file.name, "taken_at": (at or dt.datetime.now().astimezone())
                       .isoformat(timespec="microseconds"), "reason": reason, "audit_seq": seq, "audit_hash": hash_},
                      ensure_ascii=False, indent=1)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE_MODE)
    with open(fd, "w", encoding="utf-8") as f:
        f.write(body)
        f.flush()
        os.fsync(f.fileno())
    return target


def read_manifests(backup_dir: Path) -> list[Anchor]:
    found: list[Anchor] = []
    if not backup_dir.is_dir():
        return found
    for p in backup_dir.glob(f"*{MANIFEST_SUFFIX}"):
        try:
            d = json.loads(p.read_text(encoding="utf-8"))
            anchor = _parse([str(d["taken_at"]), str(d["audit_seq"]), str(d["audit_hash"]), BACKUP],
                            f"备份 {d.get('backup') or p.name}")
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if anchor is not None:
            found.append(anchor)
    return found


def collect(anchor_file: Path, backup_dir: Path | None = None) -> list[Anchor]:
    """Every anchor this workstation has for its database: the anchor file's and the backups' manifests."""
    return in_force([*AnchorFile(anchor_file).read(), *(read_manifests(backup_dir) if backup_dir else [])])


def in_force(anchors: Iterable[Anchor]) -> list[Anchor]:
    """The anchors that still describe this chain, oldest first: those since the last restore or replacement
    (whose own line anchors the head the chain then had)."""
    kept: list[Anchor] = []
    for a in sorted(anchors, key=lambda a: a.at):
        if a.why in CUTS:
            kept = []
        kept.append(a)
    return [a for a in kept if a.seq > 0]
