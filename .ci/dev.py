#!/usr/bin/env python3
"""Set up a fresh machine and run the app or the tests: the two commands of the README.

    python3 .ci/dev.py demo [--size small|large]   set up, build the demo county (once), open the app on it
    python3 .ci/dev.py test [--sqlite-only] [--one-day] [pytest args]
                                                   set up, lint, type-check and run the whole test suite: on
                                                   SQLite, then on a throw-away PostgreSQL server, then on
                                                   SQLite again under each of CALENDAR_DAYS (--one-day: not)

Works on Linux and Windows (`py -3 .ci\\dev.py ...`).  On a bare Debian/Ubuntu machine it installs the system
libraries Qt needs and the PostgreSQL server (as root, or through sudo).  Everything else goes into a virtual
environment `.venv`.  The PostgreSQL half runs on a cluster made for the run in a temporary folder, listening on
127.0.0.1 only, and stopped at the end even when tests fail (.ci/pgserver.py)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
# PLATFORM.md: what offscreen Qt needs on a bare Debian 12; a real window needs the xcb ones too.
QT_OFFSCREEN_DEBS = ["libglib2.0-0", "libgl1", "libxkbcommon0", "libegl1", "libfreetype6", "libfontconfig1", "libdbus-1-3"]
QT_WINDOW_DEBS = ["libxkbcommon-x11-0", "libxcb-cursor0", "libxcb-icccm4", "libxcb-keysyms1", "libxcb-shape0",
                  "libxcb-randr0", "libxcb-render-util0", "libxcb-xinerama0", "libxcb-image0"]


def run(cmd: list[str], **kw: object) -> None:
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, **kw)  # type: ignore[call-overload]


def venv_bin(name: str) -> str:
    sub = "Scripts" if os.name == "nt" else "bin"
    exe = ".exe" if os.name == "nt" else ""
    return str(VENV / sub / f"{name}{exe}")


def install_debian_packages(packages: list[str]) -> None:
    if not sys.platform.startswith("linux") or shutil.which("dpkg-query") is None:
        return
    missing = []
    for pkg in packages:
        probe = subprocess.run(["dpkg-query", "-W", "-f=${Status}", pkg], capture_output=True, text=True)
        if "install ok installed" not in probe.stdout:
            missing.append(pkg)
    if not missing:
        return
    prefix: list[str] = []
    if os.geteuid() != 0:
        if shutil.which("sudo") is None:
            print("缺少系统库（请管理员安装）：", " ".join(missing), file=sys.stderr)
            return
        prefix = ["sudo"]
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    run([*prefix, "apt-get", "update", "-q"], env=env)
    run([*prefix, "apt-get", "install", "-y", "-q", "--no-install-recommends", *missing], env=env)


def ensure_venv(extras: str) -> None:
    if not Path(venv_bin("python")).exists():
        print("+ python -m venv .venv", flush=True)
        venv.create(VENV, with_pip=True)
    run([venv_bin("python"), "-m", "pip", "install", "-q", "--disable-pip-version-check", "-e", f".[{extras}]" if extras else "."],
        cwd=ROOT)


def cmd_demo(args: list[str]) -> int:
    size = "small"
    if "--size" in args:
        size = args[args.index("--size") + 1]
    install_debian_packages(QT_OFFSCREEN_DEBS + QT_WINDOW_DEBS)
    ensure_venv("")
    data = ROOT / "demo-data" / size
    if not (data / "dangjian.sqlite3").exists():
        run([venv_bin("dangjian"), "demo", "--data-dir", str(data), "--size", size])
    return subprocess.call([venv_bin("dangjian"), "--data-dir", str(data)])


# Days that stress the calendar: the whole suite runs once more on each (tests/frozen.py): a year's last day, the
# next year's first, a leap day, a quarter's last day.
CALENDAR_DAYS = ["2026-12-31", "2027-01-01", "2028-02-29", "2027-06-30"]


def cmd_test(args: list[str]) -> int:
    sqlite_only = "--sqlite-only" in args
    one_day = "--one-day" in args
    args = [a for a in args if a not in {"--sqlite-only", "--one-day"}]
    # libreoffice-writer-nogui: the page-level checks render documents to PDF (skipped, and said, without it).
    install_debian_packages(QT_OFFSCREEN_DEBS + ["libreoffice-writer-nogui", "poppler-utils"]
                            + ([] if sqlite_only else ["postgresql"]))
    ensure_venv("test")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", MPLBACKEND="Agg")
    run([venv_bin("ruff"), "check", "."], cwd=ROOT)
    run([venv_bin("mypy"), "app"], cwd=ROOT)
    pytest = [venv_bin("python"), "-m", "pytest", "-q", *args]
    print("+ 测试（SQLite）", flush=True)
    rc = subprocess.call(pytest, cwd=ROOT, env=env)
    if not sqlite_only:
        if _postgresql_available():
            rc = _test_on_postgresql(pytest, env) or rc
        else:
            print("未找到 PostgreSQL 服务器程序（initdb），PostgreSQL 部分未运行；安装 postgresql 后重试，"
                  "或用 --sqlite-only 只测 SQLite", file=sys.stderr)
            rc = rc or 1
    if one_day or any(a.startswith("--today") for a in args):
        return rc
    for day in CALENDAR_DAYS:
        print(f"+ 测试（SQLite，日期固定为 {day}）", flush=True)
        rc = subprocess.call([*pytest, f"--today={day}"], cwd=ROOT, env=env) or rc
    return rc


def _postgresql_available() -> bool:
    return subprocess.call([sys.executable, str(ROOT / ".ci" / "pgserver.py"), "bin"], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL) == 0


def _test_on_postgresql(pytest: list[str], env: dict[str, str]) -> int:
    """The whole suite again on a throw-away server; the server is stopped whatever happens."""
    server = ROOT / ".ci" / "pgserver.py"
    root = Path(tempfile.mkdtemp(prefix="dangjian-pg-"))
    if os.name != "nt" and os.geteuid() == 0:
        shutil.chown(root, "postgres")  # the server refuses to run as root: it runs as Debian's postgres user
    try:
        url = subprocess.run([sys.executable, str(server), "start", str(root)], check=True, capture_output=True,
                             text=True).stdout.strip()
        print("+ 测试（PostgreSQL，临时服务器 127.0.0.1）", flush=True)
        # The superuser URL holds the cluster's password: in the environment (tests/conftest.py reads it), not on
        # the command line, where every user of the machine sees it in the process list.
        return subprocess.call([*pytest, "--db=postgresql"], cwd=ROOT, env=dict(env, DANGJIAN_TEST_PG_URL=url))
    except subprocess.CalledProcessError as exc:
        print(f"临时 PostgreSQL 服务器未能启动：{exc.stderr or exc}", file=sys.stderr)
        return exc.returncode or 1
    finally:
        subprocess.call([sys.executable, str(server), "stop", str(root)])
        shutil.rmtree(root, ignore_errors=True)


def main() -> int:
    # A CI runner that gives up sends SIGTERM: turn it into SystemExit so the `finally` that stops the
    # throw-away PostgreSQL server still runs.
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(143))
    if len(sys.argv) < 2 or sys.argv[1] not in {"demo", "test"}:
        print(__doc__)
        return 2
    handler = cmd_demo if sys.argv[1] == "demo" else cmd_test
    try:
        return handler(sys.argv[2:])
    except subprocess.CalledProcessError as exc:
        return exc.returncode or 1


if __name__ == "__main__":
    raise SystemExit(main())
