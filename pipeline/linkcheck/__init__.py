"""`compendium links`: are the book's external links alive?

    collect.py  which links there are and where each is cited; dead-links.yml
    check.py    the engine (concurrent, polite per host, retries, redirects) and the cache
    report.py   the report: terminal table, JSON, Markdown
    cli.py      the `links` command

This is the only part of the pipeline that touches the network, and only
when `compendium links` runs.
"""

from __future__ import annotations

from collections.abc import Callable

from .check import CATEGORIES, FAILURES, Cache, Checker, Options, Result, check_urls
from .collect import CitedLink, DeadLink, book_links, collect_links, load_dead_links, text_links
from .report import Entry, Report

__all__ = [
    "CATEGORIES",
    "FAILURES",
    "Cache",
    "Checker",
    "CitedLink",
    "DeadLink",
    "Entry",
    "Options",
    "Report",
    "Result",
    "book_links",
    "check_urls",
    "collect_links",
    "load_dead_links",
    "run_linkcheck",
    "text_links",
]


def run_linkcheck(
    links: list[CitedLink],
    *,
    options: Options | None = None,
    declared: dict[str, DeadLink] | None = None,
    cache: Cache | None = None,
    use_cache: bool = True,
    on_result: Callable[[Result], None] | None = None,
    whole_book: bool = False,
) -> Report:
    """Check `links` and report on them.

    A link declared dead is not fetched. With a `cache`, a fresh result is
    reused (unless `use_cache` is false) and every new result is remembered;
    the caller saves the cache. `whole_book` says that `links` are all the
    book's, so that declarations matching none of them can be reported.
    """
    declared = declared or {}
    results: dict[str, Result] = {}
    to_check: list[str] = []
    for link in links:
        dead = declared.get(link.key)
        if dead is not None:
            results[link.key] = Result(link.url, "declared-dead", detail=dead.reason)
        elif cache is not None and use_cache and (hit := cache.get(link.url)) is not None:
            results[link.key] = hit
        else:
            to_check.append(link.url)
            continue
        if on_result is not None:
            on_result(results[link.key])
    fresh = Checker(options).check(to_check, on_result)
    results.update(fresh)
    if cache is not None:
        for result in fresh.values():
            cache.put(result)
    entries = [Entry(link, results[link.key], declared.get(link.key)) for link in links]
    cited = {link.key for link in links}
    unused = [d for key, d in declared.items() if key not in cited] if whole_book else []
    return Report(entries, unused)
