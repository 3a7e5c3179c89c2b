"""Errors and findings: everything a user is told names a place in the source."""

from __future__ import annotations

from dataclasses import dataclass

from .model import Loc


class PipelineError(Exception):
    """A problem the user must fix; printed as one line, exit status 1, no traceback."""

    def __init__(self, message: str, loc: Loc | None = None) -> None:
        # One line, always: a quoted piece of bad input may hold line breaks.
        message = message.replace("\r", "\\r").replace("\n", "\\n")
        super().__init__(message)
        self.message = message
        self.loc = loc

    def __str__(self) -> str:
        return f"{self.loc}: {self.message}" if self.loc else self.message


class SourceError(PipelineError):
    """The source cannot be loaded (bad YAML, an unclosed box, a missing file...)."""


@dataclass(frozen=True)
class Finding:
    """One result of a check. `severity` is 'error' or 'warning'."""

    severity: str
    code: str
    message: str
    loc: Loc

    def __str__(self) -> str:
        return f"{self.loc}: {self.severity}: {self.message} [{self.code}]"

    def as_dict(self) -> dict[str, object]:
        return {
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
            "file": self.loc.file,
            "line": self.loc.line,
        }
