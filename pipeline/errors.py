"""Errors and findings: everything a user is told names a place in the source."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from .model import Loc

# The longest line a message may print: a quoted piece of hostile input (a
# 1 MB paragraph, 450,000 emphasis spans) must not become a 1 MB line.
MAX_MESSAGE = 300

# Every character a terminal acts on: all of C0 (ESC included, so no CSI,
# OSC -- OSC 52 writes the clipboard --, DCS, APC, PM or SOS sequence can
# start), DEL, all of C1 (their 8-bit forms: CSI 0x9b, OSC 0x9d, DCS 0x90...)
# and the Unicode line and paragraph separators (a second line).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _visible(match: re.Match[str]) -> str:
    # Shown, not obeyed: the character becomes its escape, so the reader sees
    # that the input held one and the terminal executes nothing (a sequence's
    # printable rest is harmless once its introducer is escaped).
    ch = match.group(0)
    named = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
    return named.get(ch) or (f"\\x{ord(ch):02x}" if ord(ch) <= 0xFF else f"\\u{ord(ch):04x}")


def terminal_safe(text: str, limit: int = MAX_MESSAGE) -> str:
    """`text` as one printable line: control sequences made visible, length capped."""
    if len(text) > 4 * limit:  # (escapes at most quadruple a character: cut first, then escape)
        text = text[: 4 * limit] + "\0" * (len(text) - 4 * limit)
    text = _CONTROL.sub(_visible, text)
    if len(text) > limit:
        text = f"{text[:limit]}... ({len(text) - limit} more characters)"
    return text


# Where the user ran the command: paths in messages are shown relative to it
# (so that a terminal or an editor can open them). Locations are recorded
# relative to the project root, which the command sets with `show_paths_from`.
_PROJECT_ROOT: Path | None = None


def show_paths_from(project_root: Path | None) -> None:
    global _PROJECT_ROOT
    _PROJECT_ROOT = project_root.resolve() if project_root is not None else None


def shown_path(file: str) -> str:
    """A project-relative path as the user should see it: relative to the cwd."""
    if _PROJECT_ROOT is None or os.path.isabs(file) or not file:
        return file
    try:
        shown = os.path.relpath(_PROJECT_ROOT / file)
    except ValueError:  # (another drive, on Windows)
        return file
    return shown if len(shown) < len(str(_PROJECT_ROOT / file)) else str(_PROJECT_ROOT / file)


def shown_file(path: Path | str) -> str:
    """An absolute path as the user should see it: relative to the cwd when that is shorter."""
    path = str(path)
    try:
        relative = os.path.relpath(path)
    except ValueError:
        return path
    return relative if len(relative) < len(path) else path


def shown_loc(loc: Loc) -> str:
    return terminal_safe(f"{shown_path(loc.file)}:{loc.line}" if loc.line else shown_path(loc.file))


class PipelineError(Exception):
    """A problem the user must fix; printed as one line, exit status 1, no traceback."""

    def __init__(self, message: str, loc: Loc | None = None) -> None:
        # One line, always, short and printable: a quoted piece of bad input may
        # hold line breaks, terminal control sequences or a megabyte of text.
        message = terminal_safe(message)
        super().__init__(message)
        self.message = message
        self.loc = loc

    def __str__(self) -> str:
        return f"{terminal_safe(str(self.loc))}: {self.message}" if self.loc else self.message

    def shown(self) -> str:
        """As the user is told it: the path relative to the folder the command runs in."""
        return f"{shown_loc(self.loc)}: {self.message}" if self.loc else self.message


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
        return f"{terminal_safe(str(self.loc))}: {self.severity}: {terminal_safe(self.message)} [{self.code}]"

    def shown(self) -> str:
        """As the user is told it: the path relative to the folder the command runs in."""
        return f"{shown_loc(self.loc)}: {self.severity}: {terminal_safe(self.message)} [{self.code}]"

    def as_dict(self) -> dict[str, object]:
        return {
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
            "file": self.loc.file,
            "line": self.loc.line,
        }
