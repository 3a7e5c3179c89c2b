"""Which external links there are, and where each is cited.

`collect_links(book)` walks the model (sections and their titles, the About
page, footnotes, sectors' introductions) and returns every external link
once, with every place that cites it, in reading order. More sources are
fed in through `extra_sources`: each is an iterable of (url, Loc) pairs, such
as `book_links(french_book)` for a translated edition or
`text_links(text, "source/factsheets/general.yml")` for a YAML file.

Known-dead links are declared in source/dead-links.yml; `load_dead_links`
reads and validates it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from ..errors import SourceError
from ..files import read_source
from ..model import Book, Inline, Link, Loc, block_inlines, walk_blocks, walk_inlines
from ..yamlfile import parse_yaml_located

DEAD_LINKS_FILE = "dead-links.yml"

LinkSource = Iterable[tuple[str, Loc | None]]

# An address written in a YAML or text file: up to whitespace, a quote or a
# closing bracket; trailing punctuation of the sentence is not part of it.
_URL_IN_TEXT = re.compile(r"https?://[^\s<>\"'`)\]}]+")
_TRAILING = ".,;:!?"


@dataclass
class CitedLink:
    """One external address and every place in the source that cites it."""

    url: str
    places: list[Loc] = field(default_factory=list)

    @property
    def key(self) -> str:
        return url_key(self.url)


def url_key(url: str) -> str:
    """The form under which two spellings of one address are the same link.

    Scheme and host are case-insensitive, a default port is the same as none,
    and the fragment (#...) is never sent to the server; path and query are
    kept as written.
    """
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError:
        return url.strip()
    scheme = parts.scheme.lower()
    if ":" in host:  # an IPv6 literal keeps its brackets
        host = f"[{host}]"
    if port is not None and (scheme, port) not in (("http", 80), ("https", 443)):
        host = f"{host}:{port}"
    userinfo = parts.netloc.rpartition("@")[0]
    netloc = f"{userinfo}@{host}" if userinfo else host
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))


def is_checkable(url: str) -> bool:
    """An http(s) address with a host: what can be fetched at all.

    Anything else (a relative path, a mailto:, a space in the address) is
    `compendium check`'s business, not the link checker's.
    """
    if not url or any(c.isspace() for c in url):
        return False
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


# --------------------------------------------------------------------------
# Sources of links
# --------------------------------------------------------------------------


def _inline_links(inlines: list[Inline], loc: Loc) -> Iterator[tuple[str, Loc]]:
    for node in walk_inlines(inlines):
        if isinstance(node, Link):
            yield node.href, node.loc or loc


def _block_links(blocks: list) -> Iterator[tuple[str, Loc]]:
    for block in walk_blocks(blocks):
        for loc, run in block_inlines(block):
            yield from _inline_links(run, loc)


def book_links(book: Book) -> Iterator[tuple[str, Loc]]:
    """Every external link of a book, in reading order, with its place."""
    yield from _block_links(book.meta.about)
    for section in book.sections():
        yield from _inline_links(section.title_inlines, section.loc)
        yield from _block_links(section.blocks)
    for note in book.footnotes:
        yield from _inline_links(note.children, note.loc)
    for sector in book.sectors.values():
        yield from _block_links(sector.intro)


def text_links(text: str, file: str) -> Iterator[tuple[str, Loc]]:
    """Addresses written in a plain text or YAML file (a factsheet's YAML...)."""
    for lineno, line in enumerate(text.split("\n"), start=1):
        for m in _URL_IN_TEXT.finditer(line):
            yield m.group(0).rstrip(_TRAILING), Loc(file, lineno)


def collect_links(book: Book | None, extra_sources: Iterable[LinkSource] = (),
                  skipped: list[tuple[str, Loc | None]] | None = None) -> list[CitedLink]:
    """Every checkable external link, once, with every place that cites it.

    Links come in order of first citation: the book's reading order, then
    each extra source in turn. Two spellings that differ only in the case of
    the host or a fragment are one link (the first spelling is kept).
    """
    sources: list[LinkSource] = [book_links(book)] if book is not None else []
    sources.extend(extra_sources)
    found: dict[str, CitedLink] = {}
    for source in sources:
        for url, loc in source:
            url = url.strip()
            if not is_checkable(url):
                # an http(s) address that cannot be fetched (a port 99999, no
                # host) is said, not silently left out
                if skipped is not None and url.lower().startswith(("http:", "https:")):
                    skipped.append((url, loc))
                continue
            entry = found.setdefault(url_key(url), CitedLink(url))
            if loc is not None and loc not in entry.places:
                entry.places.append(loc)
    return list(found.values())


# --------------------------------------------------------------------------
# Declared dead links
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class DeadLink:
    """A link known to be dead that stays in the book, and why."""

    url: str
    reason: str
    loc: Loc
    archived: str = ""


def load_dead_links(path: Path, name: str | None = None) -> dict[str, DeadLink]:
    """The declarations of dead-links.yml by url_key; none if the file does not exist.

    `name` is how messages name the file (default: the path as given).
    """
    name = name or str(path)
    if not path.exists():
        return {}
    if not path.is_file():
        raise SourceError(f"'{name}' is not a file", Loc(name))
    text = read_source(path, name)
    data, lines = parse_yaml_located(text, name)

    def at(*key: str | int) -> Loc:
        while key and key not in lines:
            key = key[:-1]
        return Loc(name, lines.get(key, 1))

    if data is None:
        return {}
    if not isinstance(data, list):
        raise SourceError(
            "expected a list of dead links (- url: ..., reason: ...), or [] for none", at()
        )
    declared: dict[str, DeadLink] = {}
    for n, entry in enumerate(data):
        if not isinstance(entry, dict):
            raise SourceError(
                "each dead link is a mapping: url, reason, archived (optional)", at(n)
            )
        unknown = sorted(map(str, set(entry) - {"url", "reason", "archived"}))
        if unknown:
            raise SourceError(
                f"unknown key(s) {', '.join(unknown)} (expected url, reason, archived)",
                at(n, unknown[0]),
            )
        for key in ("url", "reason"):
            if key not in entry:
                raise SourceError(f"dead link: missing key '{key}'", at(n))
            if not isinstance(entry[key], str) or not entry[key].strip():
                raise SourceError(f"dead link: '{key}' should be text", at(n, key))
        url = entry["url"].strip()
        if not is_checkable(url):
            raise SourceError(f"dead link: '{url}' is not an http(s) address", at(n, "url"))
        archived = entry.get("archived", "")
        if (
            archived is None
            or not isinstance(archived, str)
            or (archived and not is_checkable(archived))
        ):
            raise SourceError(
                "dead link: 'archived' should be an http(s) address", at(n, "archived")
            )
        key = url_key(url)
        if key in declared:
            raise SourceError(
                f"'{url}' is declared twice (first on line {declared[key].loc.line})", at(n, "url")
            )
        declared[key] = DeadLink(
            url, " ".join(entry["reason"].split()), at(n, "url"), archived.strip()
        )
    return declared
