#!/usr/bin/env python3
"""Set up a fresh machine and run the app or the tests: the two commands of the README.

    python3 .ci/dev.py demo [--size small|large]   set up, build the demo county (once), open the app on it
    python3 .ci/dev.py test [--sqlite-only] [--one-day] [--no-bundle] [pytest args]
                                                   set up, lint, type-check and run the whole test suite: on
                                                   SQLite, then on a throw-away PostgreSQL server, then on
                                                   SQLite again under each of CALENDAR_DAYS (--one-day: not);
                                                   the whole suite (no pytest args) also runs `bundle --check`
                                                   and the offline kits' checks (--no-bundle: neither)
    python3 .ci/dev.py bundle [--check]            build the self-contained folder (PyInstaller, for this
                                                   machine's system) into dist/dangjian-<版本>-<系统>-<架构>.zip;
                                                   --check: then run it from a temporary copy in a clean
                                                   environment (packaging/安装说明.txt is the user's guide)
    python3 .ci/dev.py wheelhouse --platform win_amd64|manylinux_x86_64|manylinux_aarch64 --python 3.10|3.11|3.12
                          [--glibc 2.NN] [--pin REQ] [--out DIR] [--check]
                                                   an offline kit for a machine with Python: every wheel, and
                                                   install.sh / install.bat (.ci/wheelhouse.py says more)

Works on Linux and Windows (`py -3 .ci\\dev.py ...`).  On a bare Debian/Ubuntu machine it installs the system
libraries Qt needs and the PostgreSQL server (as root, or through sudo).  Everything else goes into a virtual
environment `.venv`.  The PostgreSQL half runs on a cluster made for the run in a temporary folder, listening on
127.0.0.1 only, and stopped at the end even when tests fail (.ci/pgserver.py)."""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import venv
import zipfile
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
    # The bundle is built and checked once per run of the whole suite (a CI run), not for a chosen test file.
    with_bundle = "--no-bundle" not in args and not [a for a in args if a not in {"--sqlite-only", "--one-day"}]
    args = [a for a in args if a not in {"--sqlite-only", "--one-day", "--no-bundle"}]
    # libreoffice-writer-nogui: the page-level checks render documents to PDF (skipped, and said, without it).
    install_debian_packages(QT_OFFSCREEN_DEBS + ["libreoffice-writer-nogui", "poppler-utils"]
                            + ([] if sqlite_only else ["postgresql"]))
    ensure_venv("test,bundle" if with_bundle else "test")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", MPLBACKEND="Agg")
    run([venv_bin("ruff"), "check", "."], cwd=ROOT)
    run([venv_bin("mypy"), "app"], cwd=ROOT)
    pytest = [venv_bin("python"), "-m", "pytest", "-q", *args]
    print("+ 测试（SQLite）", flush=True)
    rc = subprocess.call(pytest, cwd=ROOT, env=env)
    if with_bundle:
        print("+ 自带运行环境的程序包：构建并在干净环境中检查", flush=True)
        try:
            rc = cmd_bundle(["--check"]) or rc
        except subprocess.CalledProcessError as exc:  # the build failed: the other test runs still go on
            print(f"程序包构建失败（退出码 {exc.returncode}）", file=sys.stderr)
            rc = rc or exc.returncode or 1
        rc = check_wheelhouses() or rc
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


# --- the offline bundle (issue 17) -----------------------------------------------------------------------------------

BUNDLE_BUILD = ROOT / "build" / "bundle"
BUNDLE_DIST = ROOT / "dist"
EXE = ".exe" if os.name == "nt" else ""
# The 通报's last section is its 版记 page, which by GB/T 9704 7.5 has no page number; the checker reads the page
# numbers of the last section only, so it reports this rule as FAIL on every 通报 with a 版记 page.  The tests
# show it the numbered pages' footers instead (tests/reports_samples._numbered_footers_last); here it is expected.
EXPECTED_GONGWEN_FAILS = {"footer-page-number"}


def _version() -> str:
    text = (ROOT / "app" / "__init__.py").read_text(encoding="utf-8")
    found = re.search(r'^__version__ = "([^"]+)"', text, re.M)
    assert found, "app/__init__.py has no __version__"
    return found.group(1)


def _bundle_name() -> str:
    system = {"darwin": "macos"}.get(platform.system().lower(), platform.system().lower())
    machine = platform.machine().lower()
    arch = {"amd64": "x86_64", "x64": "x86_64", "arm64": "aarch64"}.get(machine, machine)
    return f"dangjian-{_version()}-{system}-{arch}"


def cmd_bundle(args: list[str]) -> int:
    # binutils: PyInstaller writes the Linux executables with objcopy and reads libraries with objdump.
    install_debian_packages(QT_OFFSCREEN_DEBS + ["binutils"])
    ensure_venv("bundle")
    started = time.monotonic()
    shutil.rmtree(BUNDLE_BUILD / "dist", ignore_errors=True)
    run([venv_bin("pyinstaller"), "--noconfirm", "--log-level", "WARN", "--distpath", str(BUNDLE_BUILD / "dist"),
         "--workpath", str(BUNDLE_BUILD / "work"), str(ROOT / "packaging" / "dangjian.spec")], cwd=ROOT)
    folder = BUNDLE_BUILD / "dist" / "dangjian"
    archive = _zip_bundle(folder, _bundle_name())
    size = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file() and not f.is_symlink())
    print(f"已生成：{archive}（压缩包 {archive.stat().st_size / 2**20:.0f} MB，解压后 {size / 2**20:.0f} MB，"
          f"构建用时 {time.monotonic() - started:.0f} 秒）", flush=True)
    if "--check" in args:
        return check_bundle(archive)
    return 0


def _zip_bundle(folder: Path, name: str) -> Path:
    """The bundle folder as `name/` in dist/name.zip, with the 安装说明 beside the programs."""
    BUNDLE_DIST.mkdir(exist_ok=True)
    archive = BUNDLE_DIST / f"{name}.zip"
    partial = archive.with_suffix(".zip.partial")
    guide = (ROOT / "packaging" / "安装说明.txt").read_text(encoding="utf-8").replace("{版本}", _version())
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as z:
        z.writestr(f"{name}/安装说明.txt", guide.replace("\n", "\r\n").encode("utf-8-sig"))  # Notepad-friendly
        for path in sorted(folder.rglob("*")):
            if path.is_file() or path.is_symlink():
                _add_file(z, path, f"{name}/{path.relative_to(folder).as_posix()}")
    partial.replace(archive)
    return archive


def _add_file(z: zipfile.ZipFile, path: Path, arcname: str) -> None:
    """A file with its mode (unzip restores the execute bits).  PyInstaller links the Linux libraries it finds
    twice (_internal/libQt6Core.so.6 → PySide6/Qt/lib/…): a link is stored as a link, as Info-ZIP does (the
    target as data, S_IFLNK in the mode), so the archive does not carry 60 MB twice; unzip and the desktops'
    archive tools restore it.  Windows bundles have no links."""
    if path.is_symlink():
        info = zipfile.ZipInfo(arcname, date_time=time.localtime(path.lstat().st_mtime)[:6])
        info.external_attr = (0o120777 << 16)
        z.writestr(info, os.readlink(path))
        return
    info = zipfile.ZipInfo.from_file(path, arcname)
    info.compress_type = zipfile.ZIP_DEFLATED
    with path.open("rb") as src, z.open(info, "w") as dst:
        shutil.copyfileobj(src, dst, 1 << 20)


def _unzip(archive: Path, into: Path) -> None:
    """Like unzip: the links back as links and the execute bits kept (zipfile.extractall does neither)."""
    with zipfile.ZipFile(archive) as z:
        for info in z.infolist():
            target = into / info.filename
            mode = info.external_attr >> 16
            target.parent.mkdir(parents=True, exist_ok=True)
            if info.is_dir():
                target.mkdir(exist_ok=True)
            elif mode & 0o170000 == 0o120000 and os.name != "nt":
                os.symlink(z.read(info).decode("utf-8"), target)
            else:
                with z.open(info) as src, target.open("wb") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
                if mode and os.name != "nt":
                    os.chmod(target, mode & 0o777)


def check_bundle(archive: Path) -> int:
    """Unzip the bundle into a temporary folder and run it there with a clean environment: no venv, no
    PYTHONPATH, its own HOME (so its default data folder) and no display.  Returns 0 when every check passes."""
    tmp = Path(tempfile.mkdtemp(prefix="dangjian-bundle-"))
    try:
        _unzip(archive, tmp / "app")
        folder = tmp / "app" / archive.stem
        return _run_checks(folder, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _without_network() -> list[str]:
    """`unshare --net` where this machine allows it (Linux, as root): the bundled program then runs with no
    network at all, as on an office workstation, so anything fetched at run time fails the check."""
    if not sys.platform.startswith("linux") or shutil.which("unshare") is None:
        return []
    probe = subprocess.run(["unshare", "--net", "true"], capture_output=True)
    return ["unshare", "--net"] if probe.returncode == 0 else []


def _clean_env(home: Path) -> dict[str, str]:
    env = {"HOME": str(home), "QT_QPA_PLATFORM": "offscreen", "PATH": os.defpath, "TMPDIR": str(home / "tmp")}
    if os.name == "nt":  # what Windows itself needs, and the per-user folders moved into the temporary HOME
        env.update({k: os.environ[k] for k in ("SYSTEMROOT", "WINDIR", "COMSPEC") if k in os.environ},
                   USERPROFILE=str(home), APPDATA=str(home / "Roaming"), LOCALAPPDATA=str(home / "Local"),
                   TEMP=str(home / "tmp"), TMP=str(home / "tmp"),
                   # output into a pipe takes the ANSI code page (cp1252 on an English runner has no Chinese)
                   PYTHONUTF8="1")
    (home / "tmp").mkdir(parents=True, exist_ok=True)
    return env


def _run_checks(folder: Path, tmp: Path) -> int:
    cli = folder / f"dangjian-cli{EXE}"
    gui = folder / f"dangjian{EXE}"
    home = tmp / "home"
    env = _clean_env(home)
    failures: list[str] = []

    offline = _without_network()
    # Linux: the default data folder under the temporary HOME (XDG), so the frozen app's default is checked too.
    # Windows resolves the per-user folder through the shell, not the environment: the folder is given there.
    data_dir = ["--data-dir", str(home / "data")] if os.name == "nt" else []

    def bundled(*argv: str, timeout: int = 600) -> tuple[subprocess.CompletedProcess[str], float]:
        print("+ [程序包]", *offline, cli.name, " ".join(argv), flush=True)
        began = time.monotonic()
        try:
            command = [*offline, str(cli), *argv, *(data_dir if argv[0] != "--version" else [])]
            done = subprocess.run(command, cwd=tmp, env=env, capture_output=True, text=True, encoding="utf-8",
                                  errors="replace", timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            done = subprocess.CompletedProcess(exc.cmd, -1, str(exc.stdout or ""), f"{timeout} 秒内没有结束")
        took = time.monotonic() - began
        if done.returncode != 0:
            failures.append(f"{' '.join(argv)}：退出码 {done.returncode}\n{done.stdout[-2000:]}{done.stderr[-3000:]}")
        return done, took

    failures += _check_contents(folder)
    if not gui.exists():
        failures.append(f"缺少主程序 {gui.name}")
    elif os.name != "nt":  # the program a double-click starts is the same program: it answers too (on Windows
        # it is windowed, with no console to print to: only dangjian-cli is run there)
        shown = subprocess.run([str(gui), "--version"], cwd=tmp, env=env, capture_output=True, text=True, timeout=60)
        if _version() not in shown.stdout:
            failures.append(f"{gui.name} --version 没有显示版本：{shown.stdout!r}{shown.stderr[-2000:]!r}")
    done, version_time = bundled("--version")
    if _version() not in done.stdout + done.stderr:
        failures.append(f"--version 没有显示版本 {_version()}：{done.stdout!r}")
    bundled("demo", "--size", "tiny")
    databases = list(home.rglob("dangjian.sqlite3"))
    if not databases:
        failures.append("示范县的数据库不在临时 HOME 的默认数据文件夹中")
    done, _ = bundled("period", "list")
    locked = re.findall(r"^(\d{4}-\d{2})\s+已锁定", done.stdout, re.M)
    if not locked:
        failures.append(f"示范县没有已锁定的考评期：{done.stdout!r}")
    else:
        docx = tmp / "通报.docx"
        bundled("report", "bulletin", locked[0], "--out", str(docx))
        failures += _check_gongwen(docx)
    shots = tmp / "screens"
    done, screenshot_time = bundled("screenshot", str(shots))
    failures += _check_screens(shots, [line for line in done.stdout.splitlines() if line.strip()])
    bundled("audit", "verify")
    # app.ui.application logs it when Qt's Chinese translation (确定/取消 in Qt's dialogs) is not found
    logs = "".join(p.read_text(encoding="utf-8", errors="replace") for p in home.rglob("logs/*.log*"))
    if "translation not found" in logs:
        failures.append("程序包中的 Qt 找不到中文翻译（qtbase_zh_CN.qm）")
    size = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file() and not f.is_symlink())
    print(f"程序包检查：解压后 {size / 2**20:.0f} MB；dangjian-cli --version 用时 {version_time:.2f} 秒；"
          f"screenshot（全部页面）用时 {screenshot_time:.1f} 秒", flush=True)
    for failure in failures:
        print("程序包检查未通过：", failure, file=sys.stderr)
    if not failures:
        print("程序包检查全部通过", flush=True)
    return 1 if failures else 0


# What the app opens at run time, each found somewhere in the bundle folder (packaging/dangjian.spec puts them there).
BUNDLED_FILES = ["resources/fonts/wqy-microhei.ttc", "resources/help/manual.html",
                 "resources/schemes/default_monthly.json", "migrations/env.py", "qtbase_zh_CN.qm"]


def _check_contents(folder: Path) -> list[str]:
    missing = [name for name in BUNDLED_FILES if not any(folder.rglob(name))]
    return [f"程序包中缺少 {name}" for name in missing]


def _check_gongwen(docx: Path) -> list[str]:
    """The 通报 the bundle wrote, through ../shared/tools/check_gongwen.py (with the venv's python: it needs lxml)."""
    checker = ROOT.parent / "shared" / "tools" / "check_gongwen.py"
    if not docx.exists():
        return [f"没有生成 {docx.name}"]
    if not checker.exists():
        print(f"未找到公文格式检查工具 {checker}，通报未检查", file=sys.stderr)
        return []
    done = subprocess.run([venv_bin("python"), str(checker), str(docx), "--json"], capture_output=True, text=True,
                          encoding="utf-8", timeout=120)
    try:
        results = json.loads(done.stdout)["results"]
    except (ValueError, KeyError):
        return [f"公文格式检查工具没有给出结果：{done.stderr[-2000:]}"]
    failed = {r["rule"]: r.get("detail", "") for r in results if r["status"] == "FAIL"}
    for rule in sorted(EXPECTED_GONGWEN_FAILS & failed.keys()):
        print(f"  通报 {rule}：FAIL（预期：最后一节是无页码的版记页，见 .ci/dev.py EXPECTED_GONGWEN_FAILS）")
    unexpected = {k: v for k, v in failed.items() if k not in EXPECTED_GONGWEN_FAILS}
    print(f"  通报公文格式检查：{sum(r['status'] == 'PASS' for r in results)} 项通过，意外失败 {len(unexpected)} 项",
          flush=True)
    return [f"通报不合公文格式：{rule}：{detail}" for rule, detail in unexpected.items()]


def _check_screens(folder: Path, printed: list[str]) -> list[str]:
    """Every page was written and none is blank (a uniform image: a page that drew nothing)."""
    pngs = sorted(folder.glob("*.png"))
    if len(pngs) < 10 or len(pngs) != len(printed):
        return [f"页面截图数目不对：写出 {len(pngs)} 张，程序报告 {len(printed)} 张"]
    script = ("import sys\nfrom PIL import Image\nfor p in sys.argv[1:]:\n"
              "    im = Image.open(p).convert('RGB')\n"
              "    print(p, len(im.getcolors(1 << 24) or []))\n")
    done = subprocess.run([venv_bin("python"), "-c", script, *map(str, pngs)], capture_output=True, text=True,
                          encoding="utf-8", timeout=300)
    if done.returncode != 0:
        return [f"无法读取页面截图：{done.stderr[-2000:]}"]
    # Anti-aliased text gives many colours; a page that drew nothing (or only flat boxes) has a handful.
    blank = [line for line in done.stdout.splitlines() if int(line.rsplit(" ", 1)[1]) < 20]
    print(f"  页面截图：{len(pngs)} 张，均非空白" if not blank else f"  空白截图：{blank}", flush=True)
    return [f"截图几乎是空白：{line}" for line in blank]


# --- the offline kit (issue 17): .ci/wheelhouse.py, run with the venv's Python (it needs `packaging`) -------------

def cmd_wheelhouse(args: list[str]) -> int:
    ensure_venv("")
    return subprocess.call([venv_bin("python"), str(ROOT / ".ci" / "wheelhouse.py"), *args], cwd=ROOT)


def check_wheelhouses() -> int:
    """This machine's Linux kit installed offline into a fresh venv and run; the Windows kit's set resolved."""
    python = f"{sys.version_info[0]}.{sys.version_info[1]}"
    python = python if python in {"3.10", "3.11", "3.12"} else "3.11"
    kits = [("win_amd64", python)]
    if sys.platform.startswith("linux") and platform.machine() in {"x86_64", "aarch64"}:
        kits.insert(0, (f"manylinux_{platform.machine()}", python))
    rc = 0
    with tempfile.TemporaryDirectory(prefix="dangjian-wheelhouse-") as tmp:
        for kit, version in kits:
            print(f"+ 离线安装包（{kit}，Python {version}）：下载、检查", flush=True)
            rc = cmd_wheelhouse(["--platform", kit, "--python", version, "--out", str(Path(tmp) / kit),
                                 "--check"]) or rc
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
    handlers = {"demo": cmd_demo, "test": cmd_test, "bundle": cmd_bundle, "wheelhouse": cmd_wheelhouse}
    if len(sys.argv) < 2 or sys.argv[1] not in handlers:
        print(__doc__)
        return 2
    handler = handlers[sys.argv[1]]
    try:
        return handler(sys.argv[2:])
    except subprocess.CalledProcessError as exc:
        return exc.returncode or 1


if __name__ == "__main__":
    raise SystemExit(main())
