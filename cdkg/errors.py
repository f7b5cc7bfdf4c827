"""The few errors cdkg raises.  The CLI reports each once, on stderr, with an exit code.

Exit codes (documented in the README):
  0  success
  1  the input is invalid (a curated source has errors) or a check found problems
  2  the command could not run (no build, unknown entity, unreadable file, bad option)
"""

from __future__ import annotations

from dataclasses import dataclass


class CdkgError(Exception):
    """Base class: every error cdkg raises on purpose."""

    exit_code = 2


@dataclass
class Problem:
    """One problem in a curated source: where it is, what is wrong, how to fix it."""

    file: str
    line: int | None
    field: str
    message: str
    hint: str = ""

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        text = f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        return text + (f"\n    hint: {self.hint}" if self.hint else "")


class SourceError(CdkgError):
    """One or more curated sources are invalid; nothing was written."""

    exit_code = 1

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(self.render())

    def render(self, limit: int = 20) -> str:
        shown = "\n".join(str(p) for p in self.problems[:limit])
        more = len(self.problems) - limit
        tail = f"\n... and {more} more" if more > 0 else ""
        n = len(self.problems)
        return f"{n} problem{'s' if n != 1 else ''} in the curated sources:\n{shown}{tail}"


class NotBuiltError(CdkgError):
    """The graph has not been built in the given folder."""


class EntityNotFound(CdkgError):
    """No entity (or more than one) matches what the user asked for."""


class UsageError(CdkgError):
    """A bad option or argument that the CLI parser could not catch."""
