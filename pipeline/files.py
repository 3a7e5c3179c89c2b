"""Files in and out: the one reader of text inputs, the one writer of outputs.

`read_source` reads every text input (Markdown, YAML, PO) the same way;
`project_path` names a file as locations do (relative to the project).
`atomic_path` writes an artifact to a temporary file beside it and renames it
into place: a failed or interrupted build never leaves a half-written file
where the previous good one stood (the rename is atomic on one filesystem).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from .errors import PipelineError, SourceError, shown_file
from .model import Loc


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside `target`; on success rename it into place.

    A failing disk (full, read-only, gone) is one clear message naming the
    file, and the previous `target` stays as it was.
    """
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
        os.close(fd)
    except OSError as exc:
        raise PipelineError(f"cannot write '{shown_file(target)}': {exc.strerror or exc}") from None
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except OSError as exc:
        raise PipelineError(f"cannot write '{shown_file(target)}': {exc.strerror or exc}; "
                            "the previous file is left as it was") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


# The largest input file read: a source file of the book (2 MB), or a
# factsheet file (its own, smaller, cap). Refusing more keeps the pipeline
# responsive on a runaway generator or a binary file.
MAX_SOURCE_BYTES = 2 * 1024 * 1024


def read_source(path: Path, shown: str, limit: int | None = MAX_SOURCE_BYTES, kind: str = "a source file",
                advice: str = "save the file as UTF-8") -> str:
    """A text input (Markdown, YAML, PO) as every reader of the pipeline takes it.

    UTF-8 without a byte order mark, no NUL character, at most `limit` bytes;
    line ends become LF (Windows CRLF and old Mac CR alike: line numbers must
    agree with markdown-it's, which counts a lone CR as a line end). Anything
    else is one SourceError naming `shown` (the path as messages name it) and
    the line. `kind` names the file in the size message, `advice` ends the
    encoding message.
    """
    try:
        size = path.stat().st_size
        if limit is not None and size > limit:
            if limit >= 1048576:
                said = f"file is {size / 1048576:.1f} MB; {kind} may be at most {limit // 1048576} MB"
            else:
                said = f"file is {size // 1024} KB; {kind} may be at most {limit // 1024} KB"
            raise SourceError(said, Loc(shown, 1))
        data = path.read_bytes()
    except OSError as exc:
        raise SourceError(f"cannot read '{shown}': {exc.strerror or exc}") from None
    if data.startswith(b"\xef\xbb\xbf"):
        raise SourceError("file starts with a byte order mark (BOM); save it as UTF-8 without BOM", Loc(shown, 1))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SourceError(f"not valid UTF-8 (byte 0x{data[exc.start]:02x}); {advice}", Loc(shown, line)) from None
    if "\x00" in text:
        raise SourceError("file contains NUL characters (is it a binary file?)",
                          Loc(shown, text[: text.index("\x00")].count("\n") + 1))
    return text.replace("\r\n", "\n").replace("\r", "\n")


def project_path(path: Path, root: Path) -> str:
    """`path` as locations and messages name it: relative to the project folder
    `root` when it lies inside (as named, else once symlinks are resolved),
    otherwise as given. The terminal then shows it from the working folder
    (errors.shown_path)."""
    for candidate, base in ((path, root), (path.resolve(), root.resolve())):
        if candidate.is_relative_to(base):
            return str(candidate.relative_to(base))
    return str(path)
