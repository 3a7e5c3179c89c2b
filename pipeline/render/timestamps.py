"""The one timestamp every artifact carries: reproducible builds.

SOURCE_DATE_EPOCH (the reproducible-builds convention) wins; otherwise the
book's own date from book.yml. Never the clock.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

from ..errors import PipelineError
from ..model import Book


def build_timestamp(book: Book) -> datetime:
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        if not epoch.isdigit():
            raise PipelineError(f"SOURCE_DATE_EPOCH must be a whole number of seconds, got '{epoch}'")
        return datetime.fromtimestamp(int(epoch), tz=UTC)
    return datetime.fromisoformat(book.meta.date).replace(tzinfo=UTC)
