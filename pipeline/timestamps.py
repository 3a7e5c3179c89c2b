"""The one timestamp every artifact carries: reproducible builds.

SOURCE_DATE_EPOCH (the reproducible-builds convention) wins; otherwise the
book's own date from book.yml. Never the clock.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime

from .errors import PipelineError
from .model import Book

# The dates a book may carry (book.yml `date`, SOURCE_DATE_EPOCH): from the
# start of the Unix epoch to the end of the century.
DATE_RANGE = (date(1970, 1, 1), date(2099, 12, 31))


def epoch_timestamp(epoch: str) -> datetime:
    """SOURCE_DATE_EPOCH as a date, or one message naming the variable."""
    low = int(datetime(*DATE_RANGE[0].timetuple()[:3], tzinfo=UTC).timestamp())
    high = int(datetime(*DATE_RANGE[1].timetuple()[:3], 23, 59, 59, tzinfo=UTC).timestamp())
    # (a length cap before int(): a million digits would take seconds to convert)
    if not (epoch.isascii() and epoch.isdigit()) or len(epoch) > 12 or not low <= int(epoch) <= high:
        shown = epoch if len(epoch) <= 40 else epoch[:40] + "..."
        raise PipelineError(f"SOURCE_DATE_EPOCH must be a whole number of seconds from {low} to {high} "
                            f"({DATE_RANGE[0]} to {DATE_RANGE[1]}), got '{shown}'")
    return datetime.fromtimestamp(int(epoch), tz=UTC)


def build_timestamp(book: Book) -> datetime:
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        return epoch_timestamp(epoch)
    return datetime.fromisoformat(book.meta.date).replace(tzinfo=UTC)


# Every environment variable that changes an artifact's bytes: part of the
# build's input key (scheduler.input_keys), validated before any work.
BYTE_CHANGING_ENVIRONMENT = ("SOURCE_DATE_EPOCH",)


def check_environment() -> None:
    """Refuse a bad SOURCE_DATE_EPOCH before anything is loaded or built."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        epoch_timestamp(epoch)
