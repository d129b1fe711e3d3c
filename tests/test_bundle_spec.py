"""The offline bundle's PyInstaller spec (packaging/dangjian.spec), read without building it: every folder the app
reads at run time is bundled where the frozen app looks for it, both programs are there, and nothing in it is
tied to this machine (the same spec builds the Windows bundle).  `python3 .ci/dev.py bundle --check` builds and
runs the real thing."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

from app import paths
from app.services.scheme import DEFAULT_SCHEME_FILE

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "packaging" / "dangjian.spec"


def _spec_tree() -> ast.Module:
    return ast.parse(SPEC.read_text(encoding="utf-8"), filename=str(SPEC))


def _spec_data_folders() -> set[str]:
    for node in _spec_tree().body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "DATA_FOLDERS"
                                                for t in node.targets):
            return set(ast.literal_eval(node.value))
    raise AssertionError("packaging/dangjian.spec has no DATA_FOLDERS list")


def _folders_the_app_reads() -> set[str]:
    """The names app/paths.py passes to _data_package: the top-level folders the app opens files in."""
    tree = ast.parse(Path(paths.__file__).read_text(encoding="utf-8"))
    return {node.args[0].value for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "_data_package"
            and node.args and isinstance(node.args[0], ast.Constant)}


def _folders_the_wheel_ships() -> set[str]:
    """setup.py's package_dir: the source folders an installed wheel carries as app.<name> data packages."""
    tree = ast.parse((ROOT / "setup.py").read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg == "package_dir":
            mapping = ast.literal_eval(node.value)
            return {folder for package, folder in mapping.items() if package != "app"}
    raise AssertionError("setup.py has no package_dir")


def test_the_spec_bundles_every_folder_the_app_reads() -> None:
    reads = _folders_the_app_reads()
    assert reads >= {"resources", "migrations"}, reads
    assert reads <= _spec_data_folders(), f"不在程序包中：{sorted(reads - _spec_data_folders())}"
    assert _folders_the_wheel_ships() <= _spec_data_folders()
    for folder in _spec_data_folders():
        assert (ROOT / folder).is_dir(), folder


def test_a_frozen_app_finds_every_file_it_reads_in_the_bundle_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    """The spec puts each data folder under its own name in the bundle's folder (sys._MEIPASS); the source tree
    has the same layout, so pointing _MEIPASS at it must find the font, the help, the default scheme and the
    migrations exactly where the frozen app will look."""
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(ROOT), raising=False)
    assert paths.font_path() == ROOT / "resources" / "fonts" / "wqy-microhei.ttc"
    assert paths.font_path().stat().st_size > 1_000_000  # the real font, not a pointer file
    assert paths.resource_path("help", "manual.html").is_file()
    assert paths.resource_path(*DEFAULT_SCHEME_FILE).is_file()
    assert (paths.migrations_dir() / "env.py").is_file()
    assert list((paths.migrations_dir() / "versions").glob("0001_*.py"))


def test_not_frozen_the_source_folders_are_used() -> None:
    assert not getattr(sys, "frozen", False)
    assert paths.font_path().is_file()
    assert (paths.migrations_dir() / "env.py").is_file()


def test_the_spec_builds_both_programs_sharing_one_folder() -> None:
    text = SPEC.read_text(encoding="utf-8")
    assert 'executable("dangjian", console=False)' in text  # double-clicked on Windows: no console window
    assert 'executable("dangjian-cli", console=True)' in text
    assert "COLLECT(gui, cli," in text
    entry = (ROOT / "packaging" / "entry.py").read_text(encoding="utf-8")
    # the year-end packets spawn workers: a frozen program must serve them instead of starting again
    assert "multiprocessing.freeze_support()" in entry


def test_the_spec_holds_no_path_of_this_machine() -> None:
    """Paths come from SPECPATH; a literal absolute path, a venv or a Linux library would break the Windows build."""
    strings = [n.value for n in ast.walk(_spec_tree()) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
    tied = [s for s in strings if s.startswith(("/", "\\")) or ":\\" in s or "site-packages" in s
            or ".venv" in s or ".so" in s or "/usr/" in s]
    assert not tied, tied


def test_the_install_guide_names_the_programs_and_the_data_folder() -> None:
    guide = (ROOT / "packaging" / "安装说明.txt").read_text(encoding="utf-8")
    assert "dangjian.exe" in guide and "dangjian-cli.exe" in guide
    # platformdirs' per-user data folder (app.paths.default_data_dir) on Windows and Linux
    assert r"AppData\Local\dangjian" in guide and "~/.local/share/dangjian" in guide
    assert "{版本}" in guide  # .ci/dev.py fills in the version
    assert "备份" in guide and "升级" in guide
