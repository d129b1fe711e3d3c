#!/usr/bin/env python3
"""An offline kit for a machine that has Python but no network: every wheel the app needs, in one folder.

    python .ci/wheelhouse.py --platform win_amd64|manylinux_x86_64|manylinux_aarch64 --python 3.10|3.11|3.12
                             [--glibc 2.28] [--pin REQ ...] [--out DIR] [--check]

Builds the app's own wheel, downloads binary wheels only for the target platform and Python, and writes
install.sh / install.bat and 安装说明.txt beside them.  pip evaluates environment markers (`sys_platform`,
`python_version`) for the machine it runs on, not for --platform/--python-version, so a kit downloaded on Linux for
Windows would lack `tzdata` (psycopg needs it on win32) and one for 3.10 would lack `tomli` (alembic): the kit's
set is therefore closed here with the target's markers, from each wheel's own METADATA.  A dependency published
only as an sdist is built into a wheel with `pip wheel`, and must come out pure Python (`-none-any`).

--check: the set is closed and every wheel fits the target's tags; pip resolves `dangjian` against the folder alone
(`pip install --dry-run --no-index --only-binary=:all: --platform …`); and when the target is this machine (Linux,
same architecture, that Python found), install.sh installs into a fresh venv with a clean environment and the
installed `dangjian` builds the small demo county and a 通报 for a locked month (a Python other than this one:
`PYTHON=/path/python3.10`).  Run with the project's venv
Python (it needs `packaging`); `python3 .ci/dev.py wheelhouse …` does that."""

from __future__ import annotations

import argparse
import os
import platform as host
import shutil
import subprocess
import sys
import tempfile
import zipfile
from email.parser import Parser
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name, parse_wheel_filename
from packaging.version import Version

from packaging import tags

ROOT = Path(__file__).resolve().parent.parent
PLATFORMS = ("win_amd64", "manylinux_x86_64", "manylinux_aarch64")
PYTHONS = ("3.10", "3.11", "3.12")
LINUX_ARCH = {"manylinux_x86_64": "x86_64", "manylinux_aarch64": "aarch64"}
# The newest glibc the kit may assume.  x86_64: 2.28 reaches UOS 20 / Kylin V10 and picks PySide6 6.9 (6.10 and
# later are manylinux_2_34).  aarch64: PySide6 ≥ 6.8.1 has only manylinux_2_39 wheels (6.8.0.x: 2_31).
DEFAULT_GLIBC = {"manylinux_x86_64": "2.28", "manylinux_aarch64": "2.39"}
# The oldest tag pip itself generates per architecture (manylinux1 = 2_5; aarch64 starts at manylinux2014 = 2_17).
OLDEST_GLIBC_MINOR = {"x86_64": 5, "aarch64": 17}
LEGACY_MANYLINUX = {17: "manylinux2014", 12: "manylinux2010", 5: "manylinux1"}
KIT_SUFFIXES = {".whl", ".sh", ".bat", ".txt"}


def platform_tags(platform: str, glibc: str | None = None) -> list[str]:
    """The --platform values for pip, newest first: a manylinux kit accepts every older glibc's wheels too."""
    if platform == "win_amd64":
        return ["win_amd64"]
    arch = LINUX_ARCH[platform]
    major, minor = (int(p) for p in (glibc or DEFAULT_GLIBC[platform]).split("."))
    found = [f"manylinux_{major}_{m}_{arch}" for m in range(minor, OLDEST_GLIBC_MINOR[arch] - 1, -1)]
    found += [f"{name}_{arch}" for m, name in LEGACY_MANYLINUX.items()
              if m <= minor and m >= OLDEST_GLIBC_MINOR[arch]]
    return found


def marker_environment(platform: str, python: str) -> dict[str, str]:
    """The target machine as environment markers see it (pip would use this machine's)."""
    win = platform == "win_amd64"
    return {
        "sys_platform": "win32" if win else "linux", "platform_system": "Windows" if win else "Linux",
        "os_name": "nt" if win else "posix", "platform_machine": "AMD64" if win else LINUX_ARCH[platform],
        "python_version": python, "python_full_version": f"{python}.0", "implementation_name": "cpython",
        "implementation_version": f"{python}.0", "platform_python_implementation": "CPython",
        "platform_release": "", "platform_version": "", "extra": "",
    }


def supported_tags(platform: str, python: str, glibc: str | None = None) -> set[tags.Tag]:
    version = tuple(int(p) for p in python.split("."))
    interpreter = f"cp{version[0]}{version[1]}"
    plats = platform_tags(platform, glibc)
    return set(tags.cpython_tags(version, abis=[interpreter], platforms=plats)) | set(
        tags.compatible_tags(version, interpreter, plats))


def pip_target_args(platform: str, python: str, glibc: str | None = None) -> list[str]:
    args = ["--only-binary=:all:", "--python-version", python, "--implementation", "cp",
            "--abi", "cp" + python.replace(".", "")]
    for tag in platform_tags(platform, glibc):
        args += ["--platform", tag]
    return args


def wheel_metadata(path: Path) -> tuple[str, Version, list[str]]:
    with zipfile.ZipFile(path) as whl:
        name = next(n for n in whl.namelist() if n.count("/") == 1 and n.endswith(".dist-info/METADATA"))
        meta = Parser().parsestr(whl.read(name).decode("utf-8"))
    return canonicalize_name(meta["Name"]), Version(meta["Version"]), meta.get_all("Requires-Dist") or []


def needed(requirements: list[str], env: dict[str, str], extras: tuple[str, ...]) -> list[Requirement]:
    out = []
    for text in requirements:
        req = Requirement(text)
        if req.marker is None or any(req.marker.evaluate(dict(env, extra=e)) for e in ("", *extras)):
            out.append(req)
    return out


def missing_requirements(folder: Path, env: dict[str, str], root: str = "dangjian") -> list[Requirement]:
    """What the kit's wheels require on the target and the folder lacks, following dependencies from `root`."""
    wheels: dict[str, list[tuple[Version, list[str]]]] = {}
    for path in folder.glob("*.whl"):
        name, version, requires = wheel_metadata(path)
        wheels.setdefault(name, []).append((version, requires))
    missing: list[Requirement] = []
    seen: set[tuple[str, tuple[str, ...]]] = set()
    todo: list[tuple[str, tuple[str, ...]]] = [(canonicalize_name(root), ())]
    while todo:
        name, extras = todo.pop()
        if (name, extras) in seen:
            continue
        seen.add((name, extras))
        for _version, requires in wheels.get(name, [])[:1]:
            for req in needed(requires, env, extras):
                dep = canonicalize_name(req.name)
                if not any(req.specifier.contains(v, prereleases=True) for v, _ in wheels.get(dep, [])):
                    missing.append(req)
                else:
                    todo.append((dep, tuple(sorted(req.extras))))
    return missing


def misfits(folder: Path, supported: set[tags.Tag]) -> list[str]:
    """Wheels in the folder that cannot install on the target."""
    return sorted(p.name for p in folder.glob("*.whl") if not parse_wheel_filename(p.name)[3] & supported)


def bare(req: Requirement) -> str:
    """The requirement without its marker, for pip's command line."""
    extras = f"[{','.join(sorted(req.extras))}]" if req.extras else ""
    return f"{req.name}{extras}{req.specifier}"


def pip(*args: str, **kw: object) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "pip", *args]
    print("+", " ".join(cmd), flush=True)
    return subprocess.run(cmd, text=True, **kw)  # type: ignore[call-overload, no-any-return]


def prepare_folder(out: Path) -> None:
    if out.exists():
        strangers = [p.name for p in out.iterdir() if p.suffix not in KIT_SUFFIXES]
        if strangers:
            raise SystemExit(f"错误：{out} 中有不属于安装包的文件（{', '.join(strangers[:5])}），请换一个 --out 目录")
        shutil.rmtree(out)
    out.mkdir(parents=True)


def build(platform: str, python: str, out: Path, glibc: str | None, pins: list[str]) -> list[str]:
    """Fill `out` with the kit; returns the dependencies that had to be built from an sdist."""
    prepare_folder(out)
    pip("wheel", "--no-deps", "--wheel-dir", str(out), str(ROOT), check=True)
    env = marker_environment(platform, python)
    constraints = out.parent / f".{out.name}-constraints.txt"
    constraints.write_text("".join(f"{p}\n" for p in pins), encoding="utf-8")
    target = [*pip_target_args(platform, python, glibc), "-c", str(constraints), "--dest", str(out)]
    built: list[str] = []
    try:
        for round_ in range(10):
            lacking = missing_requirements(out, env)
            if not lacking:
                return built
            # The first round fetches the app's dependencies with pip's resolver (one consistent set); later rounds
            # add what pip's own markers left out, one by one.
            deps = [bare(r) for r in lacking]
            first = pip("download", *target, *deps) if round_ == 0 else None
            if first is None or first.returncode != 0:
                for dep in deps:
                    if pip("download", "--no-deps", *target, dep).returncode != 0:
                        built.append(_wheel_from_sdist(dep, out, constraints))
        raise SystemExit("错误：依赖集合在10轮内未能补全")
    finally:
        constraints.unlink(missing_ok=True)


def _wheel_from_sdist(dep: str, out: Path, constraints: Path) -> str:
    before = set(out.glob("*.whl"))
    pip("wheel", "--no-deps", "-c", str(constraints), "--wheel-dir", str(out), dep, check=True)
    for path in set(out.glob("*.whl")) - before:
        if not path.name.endswith("-none-any.whl"):
            path.unlink()
            raise SystemExit(f"错误：{dep} 没有适合目标平台的二进制包，只能从源码编译（{path.name}），不能放进离线安装包")
    return dep


# ---- the scripts in the kit -------------------------------------------------------------------------------------

def install_sh(python: str) -> str:
    return f"""#!/bin/sh
# 机关党建考评 离线安装（Linux）：在本目录中安装，不需要网络。用法：sh install.sh [安装目录]
set -e
KIT="$(cd "$(dirname "$0")" && pwd)"
VENV="${{1:-$HOME/dangjian-venv}}"
PY="${{PYTHON:-python{python}}}"
if ! command -v "$PY" >/dev/null 2>&1; then
  echo "未找到 Python {python}（命令 python{python}）。本安装包只适用于 Python {python}；"
  echo "已装有其他路径的 Python {python} 时：PYTHON=/路径/python{python} sh install.sh"
  exit 1
fi
if ! "$PY" -c 'import sys; sys.exit(sys.version_info[:2] != ({python.replace(".", ", ")}))'; then
  echo "$PY 不是 Python {python}，本安装包只适用于 Python {python}"
  exit 1
fi
if ! "$PY" -m venv "$VENV"; then
  echo "创建虚拟环境失败：请先安装 python{python}-venv（或同名的系统软件包）"
  exit 1
fi
"$VENV/bin/python" -m pip install --no-index --find-links "$KIT" --upgrade dangjian
echo
echo "安装完成：$VENV"
echo "打开程序：      \\"$VENV/bin/dangjian\\" --data-dir \\"$HOME/dangjian-数据\\""
echo "生成示范县试用：\\"$VENV/bin/dangjian\\" demo --size small --data-dir \\"$HOME/dangjian-示范县\\""
"""


def install_bat(python: str) -> str:
    # cmd.exe reads a .bat in the console's code page: on a Chinese Windows that is GBK (936), so the file is
    # written in GBK.  "%~dp0." rather than "%~dp0": a path ending in \" would escape the closing quote.
    return f"""@echo off
rem 机关党建考评 离线安装（Windows）：在本目录中安装，不需要网络。用法：install.bat [安装目录]
setlocal
set "KIT=%~dp0."
set "VENV=%~1"
if "%VENV%"=="" set "VENV=%LOCALAPPDATA%\\dangjian-venv"
set "PY=py -{python}"
py -{python} -c "pass" >nul 2>&1 || set "PY=python"
%PY% -c "import sys; sys.exit(sys.version_info[:2] != ({python.replace(".", ", ")}))" >nul 2>&1
if errorlevel 1 (
  echo 未找到 Python {python}。本安装包只适用于 Python {python}：请先安装 python.org 的 Python {python}（64位）。
  pause
  exit /b 1
)
%PY% -m venv "%VENV%"
if errorlevel 1 (
  echo 创建虚拟环境失败：%VENV%
  pause
  exit /b 1
)
"%VENV%\\Scripts\\python.exe" -m pip install --no-index --find-links "%KIT%" --upgrade dangjian
if errorlevel 1 (
  echo 安装失败，请把上面的信息发给技术人员。
  pause
  exit /b 1
)
echo.
echo 安装完成：%VENV%
echo 打开程序（无黑色窗口）："%VENV%\\Scripts\\dangjian-gui.exe"
echo 命令行：              "%VENV%\\Scripts\\dangjian.exe" --data-dir D:\\dangjian-数据
echo 生成示范县试用：      "%VENV%\\Scripts\\dangjian.exe" demo --size small --data-dir D:\\dangjian-示范县
pause
"""


def readme(platform: str, python: str, glibc: str | None) -> str:
    if platform == "win_amd64":
        where = "Windows 10/11（64位）"
        run = "双击 install.bat（或在命令提示符中运行 install.bat [安装目录]），默认安装到 %LOCALAPPDATA%\\dangjian-venv。"
        start = "打开程序：%LOCALAPPDATA%\\dangjian-venv\\Scripts\\dangjian-gui.exe（可在桌面建立快捷方式）。"
    else:
        where = f"Linux {LINUX_ARCH[platform]}，glibc {glibc or DEFAULT_GLIBC[platform]} 及以上（用 ldd --version 查看）"
        run = "在终端中运行 sh install.sh [安装目录]，默认安装到 ~/dangjian-venv。"
        start = "打开程序：~/dangjian-venv/bin/dangjian --data-dir 数据目录。"
    return f"""机关党建考评 离线安装包
========================

适用：{where}，需已安装 Python {python}（其他版本的 Python 不能使用本安装包）。
本目录包含程序及其全部依赖，安装时不需要连接网络。

安装：{run}
{start}
试用：dangjian demo --size small --data-dir 一个空目录，生成示范县后用 dangjian --data-dir 该目录 打开。
数据目录默认在本用户的应用数据目录（Windows：%LOCALAPPDATA%\\dangjian，Linux：~/.local/share/dangjian）。

升级：用新版本的安装包再运行一次安装脚本（安装到同一目录）。数据目录不受影响；新版本第一次打开旧数据库时
先自动备份，再升级数据库。
卸载：删除安装目录即可（数据目录不会被删除）。
"""


def write_scripts(out: Path, platform: str, python: str, glibc: str | None) -> None:
    sh = out / "install.sh"
    sh.write_text(install_sh(python), encoding="utf-8", newline="\n")
    sh.chmod(0o755)
    (out / "install.bat").write_bytes(install_bat(python).replace("\n", "\r\n").encode("gbk"))
    # With a BOM: Notepad on every Windows 10 opens it as UTF-8; Linux editors ignore the BOM.
    (out / "安装说明.txt").write_bytes(readme(platform, python, glibc).replace("\n", "\r\n").encode("utf-8-sig"))


# ---- checks -----------------------------------------------------------------------------------------------------

def check(out: Path, platform: str, python: str, glibc: str | None) -> int:
    lacking = missing_requirements(out, marker_environment(platform, python))
    wrong = misfits(out, supported_tags(platform, python, glibc))
    if lacking or wrong:
        print(f"离线安装包不完整：缺少 {', '.join(map(str, lacking)) or '无'}；不适用于目标平台：{', '.join(wrong) or '无'}",
              file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="dangjian-kit-") as tmp:
        resolved = pip("install", "--dry-run", "--ignore-installed", "--no-index", *pip_target_args(platform, python, glibc),
                       "--target", str(Path(tmp) / "target"), "--find-links", str(out), "dangjian",
                       env=_clean_env(Path(tmp)))
        if resolved.returncode != 0:
            print("pip 不能仅用离线安装包中的文件解析出全部依赖", file=sys.stderr)
            return 1
        exe = _host_python(platform, python)
        if exe is None:
            print(f"（本机不是目标平台或没有 Python {python}：只检查了依赖是否齐全，未实际安装运行）")
            return 0
        return _install_and_run(out, exe, Path(tmp))


def _host_python(platform: str, python: str) -> str | None:
    if not sys.platform.startswith("linux") or LINUX_ARCH.get(platform) != host.machine():
        return None
    if f"{sys.version_info[0]}.{sys.version_info[1]}" == python:
        return sys.executable
    found = os.environ.get("PYTHON") or shutil.which(f"python{python}")
    if found is None:
        return None
    # The real interpreter, not a launcher such as pyenv's shim, which needs this machine's HOME and PATH.
    real = subprocess.run([found, "-c", "import sys; print(sys.executable, '%d.%d' % sys.version_info[:2])"],
                          capture_output=True, text=True)
    exe, _, version = real.stdout.strip().rpartition(" ")
    return exe if real.returncode == 0 and version == python else None


def _clean_env(tmp: Path) -> dict[str, str]:
    """No venv, no PYTHONPATH, no pip configuration of this machine (its extra indexes and find-links)."""
    home = tmp / "home"
    home.mkdir(exist_ok=True)
    keep = {k: v for k, v in os.environ.items() if k in {"LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT", "TEMP", "TMP"}}
    return dict(keep, HOME=str(home), PATH=os.pathsep.join(["/usr/local/bin", "/usr/bin", "/bin"]),
                PIP_CONFIG_FILE=os.devnull, PIP_NO_INDEX="1", QT_QPA_PLATFORM="offscreen", MPLBACKEND="Agg")


def _install_and_run(out: Path, exe: str, tmp: Path) -> int:
    env = dict(_clean_env(tmp), PYTHON=exe)
    venv, data = tmp / "venv", tmp / "数据"
    dangjian = str(venv / "bin" / "dangjian")
    steps = [["sh", str(out / "install.sh"), str(venv)],
             [dangjian, "--version"],
             [dangjian, "demo", "--size", "small", "--data-dir", str(data)]]
    for step in steps:
        print("+", " ".join(step), flush=True)
        if subprocess.run(step, env=env, cwd=tmp).returncode != 0:
            return 1
    periods = subprocess.run([dangjian, "period", "list", "--data-dir", str(data)], env=env, capture_output=True,
                             text=True, check=True).stdout
    locked = next((line.split()[0] for line in periods.splitlines() if "已锁定" in line), None)
    if locked is None:
        print("示范县中没有已锁定的考评期", file=sys.stderr)
        return 1
    docx = tmp / f"通报-{locked}.docx"
    step = [dangjian, "report", "bulletin", locked, "--out", str(docx), "--data-dir", str(data)]
    print("+", " ".join(step), flush=True)
    if subprocess.run(step, env=env, cwd=tmp).returncode != 0 or docx.stat().st_size == 0:
        return 1
    print(f"离线安装包检查通过：在全新的虚拟环境中离线安装，生成示范县和 {locked} 月通报（{docx.stat().st_size:,} 字节）")
    return 0


def folder_size(out: Path) -> str:
    return f"{sum(p.stat().st_size for p in out.iterdir()) / 2**20:.0f} MB"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="dev.py wheelhouse", description="离线安装包：目标平台的全部二进制依赖")
    parser.add_argument("--platform", choices=PLATFORMS, required=True)
    parser.add_argument("--python", choices=PYTHONS, required=True)
    parser.add_argument("--glibc", metavar="2.NN", help="Linux：目标系统的 glibc 版本（默认 x86_64 2.28，aarch64 2.39）")
    parser.add_argument("--pin", action="append", default=[], metavar="REQ",
                        help="额外的版本约束，如 'PySide6-Essentials==6.9.*'（可重复）")
    parser.add_argument("--out", type=Path, help="输出目录（默认 dist/wheelhouse-PLATFORM-pyX.Y）")
    parser.add_argument("--check", action="store_true", help="生成后检查：依赖齐全，本机为目标平台时离线安装并运行")
    args = parser.parse_args(argv)
    if args.glibc and args.platform == "win_amd64":
        parser.error("--glibc 只适用于 Linux 平台")
    out = (args.out or ROOT / "dist" / f"wheelhouse-{args.platform}-py{args.python}").resolve()
    built = build(args.platform, args.python, out, args.glibc, args.pin)
    write_scripts(out, args.platform, args.python, args.glibc)
    wheels = sorted(p.name for p in out.glob("*.whl"))
    print(f"离线安装包：{out}（{len(wheels)} 个 wheel，{folder_size(out)}）")
    print("由源码构建为 wheel 的依赖：" + (", ".join(built) if built else "无（全部依赖都有二进制 wheel）"))
    return check(out, args.platform, args.python, args.glibc) if args.check else 0


if __name__ == "__main__":
    raise SystemExit(main())
