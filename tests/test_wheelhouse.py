"""The offline kit's logic (.ci/wheelhouse.py) without the network: which wheels fit the target, what the kit's set
still lacks under the target's markers, and the install scripts it writes."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement

SPEC = importlib.util.spec_from_file_location("wheelhouse", Path(__file__).parent.parent / ".ci" / "wheelhouse.py")
assert SPEC and SPEC.loader
wheelhouse = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(wheelhouse)


def test_x86_64_kit_reaches_glibc_2_28_and_every_older_manylinux():
    found = wheelhouse.platform_tags("manylinux_x86_64")
    assert found[0] == "manylinux_2_28_x86_64"
    assert {"manylinux_2_17_x86_64", "manylinux2014_x86_64", "manylinux2010_x86_64", "manylinux1_x86_64"} <= set(found)
    assert not any(t.startswith(("manylinux_2_29", "manylinux_2_34")) for t in found)


def test_aarch64_kit_has_no_x86_only_legacy_tags():
    found = wheelhouse.platform_tags("manylinux_aarch64")
    assert found[0] == "manylinux_2_39_aarch64"
    assert "manylinux2014_aarch64" in found and "manylinux_2_17_aarch64" in found
    assert not any(t.startswith(("manylinux1", "manylinux2010", "manylinux_2_16")) for t in found)


def test_glibc_option_moves_the_newest_tag():
    assert wheelhouse.platform_tags("manylinux_x86_64", "2.34")[0] == "manylinux_2_34_x86_64"
    assert wheelhouse.platform_tags("win_amd64") == ["win_amd64"]


def test_pip_arguments_name_every_platform_tag_and_the_abi():
    args = wheelhouse.pip_target_args("manylinux_x86_64", "3.10")
    assert args[:1] == ["--only-binary=:all:"]
    assert args[args.index("--abi") + 1] == "cp310" and args[args.index("--python-version") + 1] == "3.10"
    assert args.count("--platform") == len(wheelhouse.platform_tags("manylinux_x86_64"))


@pytest.mark.parametrize(("name", "fits"), [
    ("pyside6_essentials-6.9.3-cp39-abi3-manylinux_2_28_x86_64.whl", True),
    ("pyside6_essentials-6.11.3-cp310-abi3-manylinux_2_34_x86_64.whl", False),  # needs glibc 2.34
    ("numpy-2.2.6-cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", False),  # another Python
    ("numpy-2.4.6-cp311-cp311-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl", True),
    ("tomli-2.5.0-py3-none-any.whl", True),
    ("pypdfium2-5.15.2-py3-none-win_amd64.whl", False),
])
def test_which_wheels_fit_a_python_3_11_x86_64_kit(tmp_path, name, fits):
    (tmp_path / name).write_bytes(b"")
    supported = wheelhouse.supported_tags("manylinux_x86_64", "3.11")
    assert (wheelhouse.misfits(tmp_path, supported) == []) is fits


def _wheel(folder: Path, name: str, version: str, *requires: str) -> None:
    meta = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n" + "".join(
        f"Requires-Dist: {r}\n" for r in requires)
    dist = f"{name.replace('-', '_')}-{version}"
    with zipfile.ZipFile(folder / f"{dist}-py3-none-any.whl", "w") as whl:
        whl.writestr(f"{dist}.dist-info/METADATA", meta)


def _kit(folder: Path) -> None:
    _wheel(folder, "dangjian", "0.1.0", "psycopg[binary]>=3.1", "alembic>=1.13")
    _wheel(folder, "psycopg", "3.3.9", 'tzdata; sys_platform == "win32"', 'psycopg-binary==3.3.9; extra == "binary"',
           'psycopg-c==3.3.9; extra == "c"')
    _wheel(folder, "psycopg-binary", "3.3.9")
    _wheel(folder, "alembic", "1.20.1", 'tomli; python_version < "3.11"', "SQLAlchemy>=2.0")
    _wheel(folder, "SQLAlchemy", "2.0.58")


def test_the_targets_markers_decide_what_the_kit_lacks(tmp_path):
    """pip on this machine would skip tzdata for Windows and tomli for 3.10: the kit's own closure does not."""
    _kit(tmp_path)
    linux = wheelhouse.missing_requirements(tmp_path, wheelhouse.marker_environment("manylinux_x86_64", "3.11"))
    windows = wheelhouse.missing_requirements(tmp_path, wheelhouse.marker_environment("win_amd64", "3.11"))
    old = wheelhouse.missing_requirements(tmp_path, wheelhouse.marker_environment("manylinux_x86_64", "3.10"))
    assert linux == []
    assert [r.name for r in windows] == ["tzdata"]
    assert [r.name for r in old] == ["tomli"]


def test_a_requested_extra_is_followed_and_a_wrong_version_is_missing(tmp_path):
    _kit(tmp_path)
    (tmp_path / "psycopg_binary-3.3.9-py3-none-any.whl").unlink()
    _wheel(tmp_path, "psycopg-binary", "3.2.0")
    lacking = wheelhouse.missing_requirements(tmp_path, wheelhouse.marker_environment("manylinux_x86_64", "3.12"))
    assert [str(r) for r in lacking] == ['psycopg-binary==3.3.9; extra == "binary"']  # psycopg-c: extra not asked


def test_bare_requirement_keeps_extras_and_version_but_not_the_marker():
    assert wheelhouse.bare(Requirement('psycopg[binary]>=3.1; sys_platform == "win32"')) == "psycopg[binary]>=3.1"


def test_kit_folder_with_other_files_is_refused(tmp_path):
    (tmp_path / "kit").mkdir()
    (tmp_path / "kit" / "notes.docx").write_bytes(b"x")
    with pytest.raises(SystemExit, match="不属于安装包"):
        wheelhouse.prepare_folder(tmp_path / "kit")
    assert (tmp_path / "kit" / "notes.docx").exists()


def test_scripts_install_from_the_folder_alone(tmp_path):
    wheelhouse.write_scripts(tmp_path, "win_amd64", "3.11", None)
    bat = (tmp_path / "install.bat").read_bytes()
    assert b"\r\n" in bat and b"\n" not in bat.replace(b"\r\n", b"")
    text = bat.decode("gbk")  # cmd.exe on a Chinese Windows reads the console's code page
    assert '--no-index --find-links "%KIT%"' in text and 'set "KIT=%~dp0."' in text
    assert "py -3.11" in text and "(3, 11)" in text and "dangjian-gui.exe" in text
    guide = (tmp_path / "安装说明.txt").read_bytes()
    assert guide.startswith(b"\xef\xbb\xbf")
    assert "Python 3.11" in guide.decode("utf-8-sig") and "install.bat" in guide.decode("utf-8-sig")


def test_linux_script_checks_the_python_version_and_says_how_to_start(tmp_path):
    wheelhouse.write_scripts(tmp_path, "manylinux_x86_64", "3.10", None)
    sh = (tmp_path / "install.sh").read_text(encoding="utf-8")
    assert sh.startswith("#!/bin/sh") and "\r" not in sh
    assert 'PY="${PYTHON:-python3.10}"' in sh and "(3, 10)" in sh
    assert '-m pip install --no-index --find-links "$KIT" --upgrade dangjian' in sh
    assert "demo --size small" in sh and "--data-dir" in sh
    assert (tmp_path / "install.sh").stat().st_mode & 0o111
    assert "glibc 2.28" in (tmp_path / "安装说明.txt").read_text(encoding="utf-8-sig")


@pytest.mark.skipif(sys.platform == "win32", reason="a POSIX shell script")
def test_linux_script_refuses_another_python(tmp_path):
    other = "3.10" if sys.version_info[:2] != (3, 10) else "3.12"
    wheelhouse.write_scripts(tmp_path, "manylinux_x86_64", other, None)
    assert subprocess.run(["sh", "-n", str(tmp_path / "install.sh")]).returncode == 0
    done = subprocess.run(["sh", str(tmp_path / "install.sh"), str(tmp_path / "venv")], capture_output=True,
                          text=True, env=dict(os.environ, PYTHON=sys.executable))
    assert done.returncode == 1
    assert f"不是 Python {other}" in done.stdout and not (tmp_path / "venv").exists()
