"""The CLI builds its parser without importing its commands (issue 14, part 2).

`dangjian --help` lists every command with its help from the table in app/cli/__init__.py, and imports none of
the commands' modules (no demo data, no python-docx, matplotlib or openpyxl); `dangjian X --help` shows X's own
arguments, exactly as the module's parser has them.  The table must say what the modules say: same commands, same
order, same help."""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import app.cli as cli

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("app.demo", "docx", "matplotlib", "openpyxl")


def _commands(parser: argparse.ArgumentParser) -> argparse._SubParsersAction:
    return next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))


def _listed(parser: argparse.ArgumentParser) -> list[tuple[str, str | None]]:
    """The commands as `dangjian --help` lists them: name and help."""
    return [(a.dest, a.help) for a in _commands(parser)._choices_actions]


def _output(parser: argparse.ArgumentParser, argv: list[str]) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit) as exit_:
        parser.parse_args(argv)
    assert exit_.value.code == 0
    return out.getvalue()


def _in_subprocess(code: str) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, encoding="utf-8",
                          cwd=ROOT, env=env, timeout=120, check=True)
    marker = proc.stdout.rindex("RESULT ")
    return {"help": proc.stdout[:marker], **json.loads(proc.stdout[marker + len("RESULT "):])}


RUN_MAIN = """
import json, sys
from app.cli import main
try:
    main({argv!r})
except SystemExit:
    pass
heavy = {heavy!r}
print("RESULT " + json.dumps({{"loaded": [m for m in heavy if m in sys.modules],
                              "cli_modules": sorted(m for m in sys.modules if m.startswith("app.cli."))}}))
"""


def test_the_table_says_what_the_modules_register() -> None:
    full = cli.build_parser(load_all=True)
    assert _listed(full) == [(name, help_text) for name, help_text, _module in cli.COMMANDS]
    assert _listed(cli.build_parser()) == _listed(full)
    assert list(_commands(cli.build_parser()).choices) == list(_commands(full).choices)


def test_the_help_lists_every_command_as_the_full_parser_does() -> None:
    assert _output(cli.build_parser(), ["--help"]) == _output(cli.build_parser(load_all=True), ["--help"])


@pytest.mark.parametrize("name", [name for name, _help, _module in cli.COMMANDS])
def test_each_command_help_shows_its_own_arguments(name: str) -> None:
    lazy = _output(cli.build_parser(), [name, "--help"])
    assert lazy == _commands(cli.build_parser(load_all=True)).choices[name].format_help()
    assert "--user" in lazy  # the login option every command takes (app.cli.accounts.prepare_commands)


def test_dangjian_help_imports_no_command_module() -> None:
    result = _in_subprocess(RUN_MAIN.format(argv=["--help"], heavy=HEAVY))
    assert result["loaded"] == []
    assert result["cli_modules"] == []
    text = str(result["help"])
    for name, help_text, _module in cli.COMMANDS:
        assert f"    {name}" in text and help_text in text


def test_a_command_loads_only_its_own_module() -> None:
    result = _in_subprocess(RUN_MAIN.format(argv=["ranking", "--help"], heavy=HEAVY))
    assert result["loaded"] == []  # app.cli.scoring's `scores` imports openpyxl only when it runs
    assert "app.cli.scoring" in result["cli_modules"]  # type: ignore[operator]
    others = {"app.cli.demo", "app.cli.report", "app.cli.annual"}
    assert not others & set(result["cli_modules"])  # type: ignore[arg-type]
    assert "--json" in str(result["help"]) and "YYYY-MM" in str(result["help"])


def test_an_unknown_command_is_refused_with_the_list(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.build_parser().parse_args(["rankings"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "无效的选项： 'rankings'" in err and "'ranking'" in err and "'user'" in err
