"""The one exception family of the library, and the exit codes it maps to.

Every failure the library expects is a :class:`TwinningError`: either the data has a problem
a person can fix (:class:`DataProblem`, exit 1) or the command could not run at all
(:class:`CannotRun`, exit 2). The CLI maps them to exit codes in one place
(``cli.TwinningGroup``); any other exception escaping a command is a bug.
"""

from __future__ import annotations

from pathlib import Path

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_CANNOT_RUN = 2
EXIT_INTERRUPTED = 130


class TwinningError(Exception):
    """An expected failure, told in one line, located as ``file:line:column`` where known."""

    exit_code = EXIT_CANNOT_RUN
    # A longer text (a validation report, say) printed before the one-line message.
    details: str | None = None

    def __init__(
        self,
        message: str,
        *,
        path: Path | str | None = None,
        line: int | None = None,
        column: int | None = None,
    ):
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line
        self.column = column
        super().__init__(self.one_line())

    @property
    def where(self) -> str:
        """``file:line:column`` (as much of it as is known), or the empty string."""
        if self.path is None:
            return ""
        where = self.path
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return where

    def one_line(self) -> str:
        """The message a person reads: location first, never more than one line."""
        text = f"{self.where}: {self.message}" if self.where else self.message
        return " ".join(text.split()) if "\n" in text else text


class DataProblem(TwinningError):
    """The command ran and found problems in the data (violations, bad cells): exit 1."""

    exit_code = EXIT_PROBLEMS


class CannotRun(TwinningError):
    """The command could not run (unreadable input, bad option, unreachable server): exit 2."""

    exit_code = EXIT_CANNOT_RUN
