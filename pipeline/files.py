"""Write an artifact to a temporary file beside it and rename it into place.

A failed or interrupted build never leaves a half-written file where the
previous good one stood: the rename is atomic on the same filesystem.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from .errors import PipelineError, shown_file


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
