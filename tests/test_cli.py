"""The command line: every command documented with an example, version, exit codes."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from twinning import __version__
from twinning.cli import main


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for name, command in sorted(group.commands.items()):
        path = (*prefix, name)
        if isinstance(command, click.Group):
            found += _commands(command, path)
        else:
            found.append(path)
    return found


COMMANDS = _commands(main)


def test_guard_commands_found() -> None:
    assert len(COMMANDS) == 12


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_every_command_has_help_with_an_example(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(main, [*path, "--help"])
    assert result.exit_code == 0
    assert "Example" in result.output, f"twinning {' '.join(path)} --help has no example"
    assert f"Usage: main {' '.join(path)}" in result.output


def test_version() -> None:
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0 and result.output == f"twinning, version {__version__}\n"


def test_top_level_help_states_exit_codes() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert (
        "Exit codes: 0 success, 1 the data has problems, 2 the command could not run."
        in result.output
    )


def test_missing_project_folder_is_exit_2(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TWINNING_ROOT", str(tmp_path / "nowhere"))
    result = CliRunner().invoke(main, ["validate"])
    assert result.exit_code == 2
    assert result.output == f"Error: TWINNING_ROOT={tmp_path / 'nowhere'} has no ontology/ folder\n"


def render_reference() -> str:
    """docs/cli.md: every command's --help, in the order of the command tree."""
    parts = [
        "# Command reference\n\n"
        "Generated from `--help`; `pytest --regenerate-golden` rewrites it and "
        "`tests/test_cli.py` fails when it is stale.\n"
    ]
    for path in [(), *COMMANDS]:
        result = CliRunner().invoke(main, [*path, "--help"], terminal_width=100)
        text = result.output.replace("Usage: main", "Usage: twinning")
        parts.append(
            f"\n## twinning {' '.join(path)}\n\n```text\n{text}```\n".replace(
                "twinning \n", "twinning\n"
            )
        )
    return "".join(parts)


def test_cli_reference_is_current(regenerate) -> None:
    from .conftest import ROOT, check_golden

    check_golden(ROOT / "docs" / "cli.md", render_reference(), regenerate)
