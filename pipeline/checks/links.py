"""External links, checked for form only (online checking is `compendium links`).

The extraction left pseudo-links behind: `issues_doc/...pdf (domain)`,
`file (gafilat.org)`, addresses broken by a space. Each is an error here so
that nothing broken reaches print.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from ..errors import Finding
from ..model import Book, Link, block_inlines, walk_blocks, walk_inlines
from ._text import text_runs

# A bare address written as text, outside any link: "www.example.org/x" or
# "https://..." that the Markdown did not turn into a link.
_BARE_URL = re.compile(r"(?:https?://|www\.)\S+")
# The extraction's leftovers of links whose address was lost.
_FRAGMENT = re.compile(
    r"\b(?:issues_doc/\S*|[\w-]+\.(?:pdf|html?)\s*\(\S*|\w+ \((?:[\w-]+\.)+[a-z]{2,}\))"
)


def link_problem(href: str) -> str | None:
    """Why `href` is not a well-formed external address, or None."""
    if any(c.isspace() for c in href):
        return "contains a space"
    parts = urlsplit(href)
    if parts.scheme not in ("http", "https"):
        if parts.scheme in ("javascript", "data", "file", "vbscript"):
            return f"'{parts.scheme}:' addresses are refused"
        if not parts.scheme:
            return "has no scheme (expected http:// or https://)"
        return f"scheme '{parts.scheme}:' is not allowed (only http and https)"
    try:
        port = parts.port  # ValueError: not a number, or not 0..65535
    except ValueError:
        return "the port is not a number from 1 to 65535"
    if port == 0:
        return "the port is not a number from 1 to 65535"
    if parts.username is not None or parts.password is not None:
        return "carries a user name or password"
    host = parts.hostname or ""
    if not host or "." not in host or host.startswith(".") or host.endswith("."):
        return f"host '{host}' is not a domain name"
    if not _HOST.match(host) and not host.startswith("["):
        return f"host '{host}' is not a domain name"
    try:
        host.encode("idna")  # what the link checker and a reader's browser will send
    except UnicodeError:
        return f"host '{host}' is not a valid international domain name"
    return None


# Labels of letters (any script), digits and hyphens, not starting or ending
# with a hyphen, each 1..63 characters.
_HOST = re.compile(r"\A(?:(?!-)[^\W_](?:[^\W_]|-){0,62}(?<!-)\.)+(?!-)[^\W_](?:[^\W_]|-){0,62}(?<!-)\Z")


def check(book: Book) -> list[Finding]:
    out: list[Finding] = []

    def visit(inlines, loc) -> None:  # type: ignore[no-untyped-def]
        for node in walk_inlines(inlines):
            if isinstance(node, Link):
                problem = link_problem(node.href)
                if problem:
                    out.append(
                        Finding(
                            "error",
                            "link-malformed",
                            f"malformed link '{node.href}': {problem}",
                            node.loc,
                        )
                    )
        for run in text_runs(inlines, loc):
            for m in _BARE_URL.finditer(run.text):
                out.append(Finding("error", "link-bare",
                                   f"address written as text, not a link: '{m.group(0)[:60]}' "
                                   "(write it as <https://...>)", run.loc_at(m.start())))
            for m in _FRAGMENT.finditer(run.text):
                out.append(Finding("error", "link-fragment",
                                   f"looks like the remains of a lost link: '{m.group(0)[:60]}'",
                                   run.loc_at(m.start())))

    for section in book.sections():
        visit(section.title_inlines, section.loc)
        for block in walk_blocks(section.blocks):
            for loc, run in block_inlines(block):
                visit(run, loc)
    for note in book.footnotes:
        visit(note.children, note.loc)
    for sector in book.sectors.values():
        for block in walk_blocks(sector.intro):
            for loc, run in block_inlines(block):
                visit(run, loc)
    return out
