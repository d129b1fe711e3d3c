"""The import graph keeps its shape: each layer imports only the layers below it (cli → ui → services → reports
→ the data layer → models → the base) and no two modules of one package import each other, directly or round a
circle; imports inside functions count too.  The contracts are in pyproject.toml ([tool.importlinter])."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

LINT = ("import sys; from importlinter.cli import lint_imports; "
        "sys.exit(lint_imports(config_filename='pyproject.toml', no_cache=True, no_logo=True))")


def lint(cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", LINT], cwd=cwd, capture_output=True, text=True, timeout=300,
                          env={"PYTHONPATH": str(cwd), "PATH": "/usr/bin:/bin"})


def test_layers_and_no_circles() -> None:
    run = lint(ROOT)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "2 kept, 0 broken" in run.stdout


def test_a_new_circle_or_upward_import_is_caught(tmp_path: Path) -> None:
    # The same contracts over a copy of the app with one module of the base importing a service, lazily, the
    # way circles were hidden before: both contracts must break.
    copy = tmp_path / "copy"
    shutil.copytree(ROOT / "app", copy / "app", ignore=shutil.ignore_patterns("__pycache__"))
    (copy / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text(encoding="utf-8"), encoding="utf-8")
    paths = copy / "app" / "paths.py"
    paths.write_text(paths.read_text(encoding="utf-8") + "\n\ndef _sneaky() -> None:\n"
                     "    from app.services import audit  # noqa: F401\n", encoding="utf-8")
    run = lint(copy)
    assert run.returncode != 0
    assert "app.paths is not allowed to import app.services" in run.stdout
    assert "No cycles are allowed in app." in run.stdout


def test_every_module_of_the_app_has_its_layer() -> None:
    # A new top-level module or package outside the layers would be checked by nothing.
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10: import-linter brings tomli there
        import tomli as tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    [layers] = [c["layers"] for c in config["contracts"] if c["type"] == "layers"]
    named = {m.strip() for layer in layers for m in layer.split("|")}
    present = {f"app.{p.stem}" for p in (ROOT / "app").iterdir()
               if (p.suffix == ".py" and p.stem != "__init__") or (p / "__init__.py").is_file()}
    assert present <= named, sorted(present - named)
