"""The `links` command, `compendium links`.

pipeline.cli registers it: `from .linkcheck.cli import links; main.add_command(links)`.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from ..cliutil import reports_errors
from ..errors import PipelineError, show_paths_from, shown_file, shown_loc, terminal_safe
from ..model import Loc
from .check import Cache, Options, Result
from .collect import DEAD_LINKS_FILE, LinkSource, collect_links, is_checkable, load_dead_links
from .report import Report, loc_of

CACHE_NAME = "linkcheck-cache.json"
_AGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "": 86400}


class _Age(click.ParamType):
    name = "AGE"

    def convert(self, value: Any, param: Any, ctx: Any) -> float:
        if isinstance(value, int | float):
            return float(value)
        m = _AGE.match(str(value))
        if not m:
            self.fail(f"'{value}' is not an age like 7d, 12h, 30m or 90s", param, ctx)
        return float(m.group(1)) * _UNITS[m.group(2)]


def _whole_book_sources(source_dir: Path):  # type: ignore[no-untyped-def]
    """The book, its factsheets' YAML, and every translated edition (whose
    links are cited from the PO files' lines)."""
    from ..editions import edition_for, po_path
    from ..load import load_book
    from ..project import Project
    from .collect import book_links, text_links

    book = load_book(source_dir)
    extra = []
    for path in sorted((source_dir / "factsheets").glob("*.yml")):
        extra.append(list(text_links(path.read_text(encoding="utf-8"), _in_project(path, source_dir))))
    project = Project.at(source_dir.resolve().parent, source=source_dir)
    for language in book.meta.languages:
        if language.code != book.meta.language and po_path(project, language.code).is_file():
            edition, _report = edition_for(project, language.code, book=load_book(source_dir))
            extra.append(list(book_links(edition.book)))
    return book, extra


@click.command()
@click.option(
    "--source",
    "source_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("source"),
    show_default=True,
    help="The book's source folder; its dead-links.yml declares known-dead links, "
    "and the cache is kept in build/ beside it.",
)
@click.option(
    "--url",
    "urls",
    multiple=True,
    metavar="URL",
    help="Check this address instead of the book's links (repeatable).",
)
@click.option(
    "--from",
    "from_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Check the failures of a JSON report of an earlier run, or the addresses of a "
    "text file (one per line), instead of the book's links.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "markdown"]),
    help="table (terminal), json or markdown.  [default: table; with --output, from its extension]",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the json or markdown report to this file instead of stdout.",
)
@click.option(
    "--max-age",
    type=_Age(),
    default="7d",
    show_default=True,
    help="Check again a link whose remembered result is older than this (7d, 12h, 30m).",
)
@click.option("--no-cache", is_flag=True, help="Check every link, ignoring remembered results.")
@click.option(
    "--timeout",
    metavar="SECONDS",
    type=click.FloatRange(min=0.1),
    default=10.0,
    show_default=True,
    help="Seconds one request may take in all: connecting, sending, the status line and headers.",
)
@click.option(
    "--deadline",
    metavar="SECONDS",
    type=click.FloatRange(min=1),
    default=900.0,
    show_default=True,
    help="Seconds the whole run may take; links not checked by then are reported as timeouts.",
)
@click.option(
    "--connections",
    metavar="N",
    type=click.IntRange(1, 256),
    default=16,
    show_default=True,
    help="Requests in flight at once, in all.",
)
@click.option(
    "--per-host",
    metavar="N",
    type=click.IntRange(1, 32),
    default=2,
    show_default=True,
    help="Requests in flight at once to any one host.",
)
@click.option(
    "--retries",
    metavar="N",
    type=click.IntRange(0, 10),
    default=3,
    show_default=True,
    help="Further attempts after a 429 or 5xx answer, with exponential backoff.",
)
@click.option(
    "--backoff",
    metavar="SECONDS",
    type=click.FloatRange(min=0),
    default=1.0,
    show_default=True,
    help="Seconds before the first retry; doubled for each next one "
    "(a Retry-After is honoured instead, up to 60 s).",
)
@click.option(
    "--all", "show_all", is_flag=True, help="List the links found ok too, not only the others."
)
@click.option("-q", "--quiet", is_flag=True, help="No progress while checking.")
@reports_errors
def links(
    source_dir: Path,
    urls: tuple[str, ...],
    from_file: Path | None,
    fmt: str | None,
    output: Path | None,
    max_age: float,
    no_cache: bool,
    timeout: float,
    deadline: float,
    connections: int,
    per_host: int,
    retries: int,
    backoff: float,
    show_all: bool,
    quiet: bool,
) -> None:
    """Check that the book's external links are alive (this fetches them).

    Collects every external link of the book (body, footnotes, sectors'
    introductions), each once with every place that cites it, and checks
    them concurrently: at most --per-host requests to one host at a time,
    HEAD first and GET where HEAD is refused, redirects followed, 429 and
    5xx retried. Each link gets a category:

    \b
      ok             the address answers (2xx)
      redirected     it answers, after a permanent redirect (301/308):
                     write the new address, shown, in the source
      broken         4xx (404 not found, 410 gone...), a redirect loop
      server-error   5xx, or still 429, after the retries
      timeout        no complete answer within --timeout (or --deadline passed)
      unreachable    DNS, connection refused, TLS
      declared-dead  listed in source/dead-links.yml: not fetched, not a failure

    \b
    Links found alive are remembered in build/linkcheck-cache.json: a re-run
    checks again only those older than --max-age, and every failure.

    \b
    Examples:
      compendium links                                  the whole book
      compendium links --format markdown -o build/links.md
      compendium links --format json -o build/links.json
      compendium links --from build/links.json          only that report's failures, again
      compendium links --url https://www.unodc.org/     one address

    Exit status: 1 if any link is broken, server-error, timeout or
    unreachable and not declared dead; 0 otherwise.
    """
    if output is not None and fmt is None:
        fmt = {".json": "json", ".md": "markdown", ".markdown": "markdown"}.get(
            output.suffix.lower()
        )
        if fmt is None:
            raise PipelineError(f"--output '{output}': say --format json or --format markdown")
    fmt = fmt or "table"
    if output is not None and fmt == "table":
        raise PipelineError(
            "--output writes a json or markdown report: add --format json or markdown"
        )

    # Locations name files relative to the project, as the rest of the pipeline
    # does; messages show them from the folder the command was run in.
    show_paths_from(source_dir.resolve().parent)
    extra: list[LinkSource] = []
    for url in urls:
        if not is_checkable(url):
            raise PipelineError(f"--url '{url}' is not an http(s) address")
    if urls:
        extra.append((url, None) for url in urls)
    if from_file is not None:
        extra.append(_links_from_file(from_file, source_dir))

    whole_book = not extra
    skipped: list[tuple[str, Loc | None]] = []
    if whole_book:
        cited = collect_links(*_whole_book_sources(source_dir), skipped=skipped)
    else:
        cited = collect_links(None, extra, skipped=skipped)
    for url, loc in skipped:
        where = f"{shown_loc(loc)}: " if loc else ""
        click.echo(terminal_safe(f"{where}error: not checked: '{url}' is not a well-formed "
                                 "address (see `compendium check`)", 4000), err=True)

    declared = load_dead_links(source_dir / DEAD_LINKS_FILE, _in_project(source_dir / DEAD_LINKS_FILE, source_dir))
    cache = Cache.load(source_dir.resolve().parent / "build" / CACHE_NAME, max_age=max_age)
    if cache.warning:
        click.echo(f"warning: {cache.warning}", err=True)
    try:
        options = Options(
            timeout=timeout,
            deadline=deadline,
            connections=connections,
            per_host=per_host,
            retries=retries,
            backoff=backoff,
        )
    except ValueError as exc:
        raise PipelineError(str(exc)) from None

    from . import run_linkcheck

    with _progress(len(cited), quiet) as on_result:
        report = run_linkcheck(
            cited,
            options=options,
            declared=declared,
            cache=cache,
            use_cache=not no_cache,
            on_result=on_result,
            whole_book=whole_book,
        )
    warning = cache.save()
    if warning:
        click.echo(f"warning: {warning}", err=True)

    _emit(report, fmt, output, show_all)
    if report.failures or skipped:
        sys.exit(1)


def _emit(report: Report, fmt: str, output: Path | None, show_all: bool) -> None:
    if fmt == "table":
        if sys.stdout.isatty():
            from rich.console import Console

            report.print_table(Console(), show_all)
        else:
            for line in report.plain_lines(show_all):
                click.echo(terminal_safe(line, 4000))
        return
    text = report.to_json() if fmt == "json" else report.to_markdown()
    if output is None:
        # to a terminal, possibly: what a server said is shown, not obeyed
        # (JSON escapes control characters itself; Markdown does not)
        click.echo("".join(terminal_safe(line, 1 << 20) + "\n" for line in text.splitlines()), nl=False)
        return
    tmp = output.with_name(f".{output.name}.{os.getpid()}.tmp")
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, output)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise PipelineError(f"cannot write '{shown_file(output)}': {exc.strerror or exc}") from None
    click.echo(f"wrote {shown_file(output)}: {report.summary_line()}", err=True)


@contextmanager
def _progress(total: int, quiet: bool) -> Iterator[Callable[[Result], None] | None]:
    """A callback for each result: a rich progress bar on a terminal, plain lines otherwise."""
    if quiet or total == 0:
        yield None
        return
    if sys.stdout.isatty():
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        with Progress(
            TextColumn("checking links"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("[dim]{task.description}"),
            console=Console(stderr=True),
            transient=True,
        ) as progress:
            task = progress.add_task("", total=total)

            def advance(result: Result) -> None:
                progress.update(task, advance=1, description=f"{result.category} {result.url[:60]}")

            yield advance
        return
    done = 0
    width = len(str(total))

    def line(result: Result) -> None:
        nonlocal done
        done += 1
        cached = " (cached)" if result.cached else ""
        click.echo(terminal_safe(
            f"[{done:>{width}}/{total}] {result.category:<13} {result.url}{cached}", 4000), err=True
        )

    yield line


MAX_FROM_BYTES = 16 * 1024 * 1024  # a report of every link of every edition is about 1 MB


def _in_project(path: Path, source_dir: Path) -> str:
    """How locations name a file: relative to the project when inside it, else absolute."""
    resolved, root = path.resolve(), source_dir.resolve().parent
    return str(resolved.relative_to(root)) if resolved.is_relative_to(root) else str(resolved)


def _links_from_file(path: Path, source_dir: Path) -> Iterator[tuple[str, Loc | None]]:
    """The failures of a JSON report, or the addresses of a text file (one per line)."""
    try:
        size = path.stat().st_size
        if size > MAX_FROM_BYTES:
            raise PipelineError(f"--from '{shown_file(path)}': {size / 1048576:.1f} MB; a report or list of addresses "
                                f"may be at most {MAX_FROM_BYTES // 1048576} MB")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PipelineError(f"--from '{shown_file(path)}': no such file") from None
    except UnicodeDecodeError:
        raise PipelineError(f"--from '{shown_file(path)}': not a UTF-8 text file") from None
    except OSError as exc:
        raise PipelineError(f"--from '{shown_file(path)}': {exc.strerror or exc}") from None
    shown = _in_project(path, source_dir)
    if text.lstrip().startswith("{"):
        try:
            data = json.loads(text)
        except ValueError as exc:
            line = getattr(exc, "lineno", 1)
            raise PipelineError(
                f"not valid JSON: {getattr(exc, 'msg', exc)}", Loc(shown, line)
            ) from None
        entries = data.get("links") if isinstance(data, dict) else None
        if not isinstance(entries, list) or data.get("report") != "compendium links":
            raise PipelineError("not a JSON report of `compendium links`", Loc(shown, 1))
        found: list[tuple[str, Loc | None]] = []
        for entry in entries:
            if not isinstance(entry, dict) or not entry.get("failure"):
                continue
            url = entry.get("url")
            if not isinstance(url, str) or not is_checkable(url):
                raise PipelineError(
                    f"the report lists '{url}', which is not an http(s) address", Loc(shown, 1)
                )
            places = [p for p in entry.get("cited_at") or [] if isinstance(p, str)]
            found += [(url, loc_of(p)) for p in places] or [(url, None)]
        if not found:
            click.echo(f"{shown_file(path)}: the report lists no failures", err=True)
        yield from found
        return
    for lineno, line in enumerate(text.split("\n"), start=1):
        url = line.strip()
        if not url or url.startswith("#"):
            continue
        if not is_checkable(url):
            raise PipelineError(
                f"'{url[:80]}' is not an http(s) address (one address per line)", Loc(shown, lineno)
            )
        yield url, Loc(shown, lineno)
