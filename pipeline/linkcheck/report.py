"""What a link check found, for people (terminal, Markdown) and tools (JSON).

A report has one entry per link: its result, every place that cites it and,
for a link declared in source/dead-links.yml, the declaration. The JSON
report can be fed back to `compendium links --from` to check its failures
again.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..errors import terminal_safe
from ..model import Loc
from .check import CATEGORIES, FAILURES, Result
from .collect import CitedLink, DeadLink

REPORT_VERSION = 1
STYLES = {
    "ok": "green",
    "redirected": "yellow",
    "broken": "bold red",
    "server-error": "red",
    "timeout": "magenta",
    "unreachable": "red",
    "declared-dead": "dim",
}


@dataclass
class Entry:
    link: CitedLink
    result: Result
    declared: DeadLink | None = None

    @property
    def category(self) -> str:
        return "declared-dead" if self.declared else self.result.category

    @property
    def failed(self) -> bool:
        return self.category in FAILURES

    @property
    def needs_attention(self) -> bool:
        return self.category != "ok"

    def cited_at(self) -> list[str]:
        return [str(loc) for loc in self.link.places]

    def detail(self) -> str:
        if self.declared:
            archived = (
                f"; archived copy: {self.declared.archived}" if self.declared.archived else ""
            )
            return f"declared dead ({self.declared.loc}): {self.declared.reason}{archived}"
        return self.result.detail

    def to_dict(self) -> dict[str, Any]:
        r = self.result
        out: dict[str, Any] = {
            "url": self.link.url,
            "category": self.category,
            "failure": self.failed,
            "status": r.status,
            "detail": self.detail(),
            "moved_to": r.moved_to or None,
            "final_url": r.final_url or None,
            "redirects": [{"status": s, "url": u} for s, u in r.redirects],
            "method": r.method or None,
            "attempts": r.attempts,
            "checked_at": _iso(r.checked_at) if r.checked_at else None,
            "cached": r.cached,
            "cited_at": self.cited_at(),
            "declared": None,
        }
        if self.declared:
            out["declared"] = {
                "reason": self.declared.reason,
                "archived": self.declared.archived or None,
                "at": str(self.declared.loc),
            }
        return out


@dataclass
class Report:
    entries: list[Entry]
    # Declarations in dead-links.yml that match no link (reported only for a whole-book check).
    unused_declarations: list[DeadLink] = field(default_factory=list)
    generated: float = field(default_factory=time.time)

    # ---------------------------------------------------------------- facts

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(CATEGORIES, 0)
        for entry in self.entries:
            counts[entry.category] += 1
        return counts

    @property
    def failures(self) -> list[Entry]:
        return [e for e in self.entries if e.failed]

    @property
    def from_cache(self) -> int:
        return sum(1 for e in self.entries if e.result.cached)

    @property
    def ok(self) -> bool:
        """No link failed, except those declared dead."""
        return not self.failures

    def summary_line(self) -> str:
        counts = self.counts()
        parts = [f"{n} {cat}" for cat, n in counts.items() if n]
        cached = f" ({self.from_cache} from the cache)" if self.from_cache else ""
        failed = len(self.failures)
        verdict = f"{failed} failure(s)" if failed else "no failures"
        return f"{len(self.entries)} link(s){cached}: {', '.join(parts) or 'none'}; {verdict}"

    # ---------------------------------------------------------------- JSON

    def to_dict(self) -> dict[str, Any]:
        summary: dict[str, Any] = {
            "total": len(self.entries),
            **self.counts(),
            "failures": len(self.failures),
            "from_cache": self.from_cache,
        }
        return {
            "report": "compendium links",
            "version": REPORT_VERSION,
            "generated": _iso(self.generated),
            "summary": summary,
            "links": [e.to_dict() for e in self.entries],
            "unused_declarations": [
                {"url": d.url, "reason": d.reason, "at": str(d.loc)}
                for d in self.unused_declarations
            ],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"

    # ---------------------------------------------------------------- Markdown

    def to_markdown(self) -> str:
        counts = self.counts()
        out = [
            "# Link check",
            "",
            f"Generated {_iso(self.generated)} by `compendium links`. {self.summary_line()}.",
            "",
            "| category | links |",
            "| --- | ---: |",
        ]
        out += [f"| {cat} | {n} |" for cat, n in counts.items()]
        out.append(f"| **total** | **{len(self.entries)}** |")

        failures = self.failures
        if failures:
            out += [
                "",
                f"## Failures ({len(failures)})",
                "",
                "Fix the address in the source, or declare the link in `source/dead-links.yml`.",
                "",
                "| category | status | link | cited at | detail |",
                "| --- | --- | --- | --- | --- |",
            ]
            out += [
                _row(
                    e.category,
                    e.result.status or "",
                    _md_url(e.link.url),
                    _md_places(e),
                    _md_text(e.detail()),
                )
                for e in failures
            ]
        moved = [e for e in self.entries if e.result.moved_to and not e.declared and not e.failed]
        if moved:
            out += [
                "",
                f"## Moved permanently ({len(moved)})",
                "",
                "The address redirects permanently (301/308): write the new one in the source.",
                "",
                "| link | now at | cited at |",
                "| --- | --- | --- |",
            ]
            out += [
                _row(_md_url(e.link.url), _md_url(e.result.moved_to), _md_places(e)) for e in moved
            ]
        declared = [e for e in self.entries if e.declared]
        if declared:
            out += [
                "",
                f"## Declared dead ({len(declared)})",
                "",
                "| link | reason | archived copy | cited at |",
                "| --- | --- | --- | --- |",
            ]
            out += [
                _row(
                    _md_url(e.link.url),
                    _md_text(e.declared.reason),
                    _md_url(e.declared.archived) if e.declared.archived else "",
                    _md_places(e),
                )
                for e in declared
                if e.declared
            ]
        if self.unused_declarations:
            out += [
                "",
                f"## Declared dead but not cited ({len(self.unused_declarations)})",
                "",
                "Remove these from `source/dead-links.yml`:",
                "",
            ]
            out += [f"- {_md_url(d.url)} ({d.loc})" for d in self.unused_declarations]
        alive = [e for e in self.entries if e.category == "ok"]
        if alive:
            out += [
                "",
                f"## OK ({len(alive)})",
                "",
                "| link | status | cited at |",
                "| --- | --- | --- |",
            ]
            out += [_row(_md_url(e.link.url), e.result.status or "", _md_places(e)) for e in alive]
        return "\n".join(out) + "\n"

    # ---------------------------------------------------------------- terminal

    def print_table(self, console: Console, show_all: bool = False) -> None:
        """A table of the links that need attention (all with `show_all`) and the summary."""
        rows = [e for e in self.entries if show_all or e.needs_attention]
        if rows:
            table = Table(show_lines=False, header_style="bold", expand=False)
            table.add_column("category", no_wrap=True)
            table.add_column("status", justify="right", no_wrap=True)
            table.add_column("link", overflow="fold")
            table.add_column("cited at", overflow="fold")
            table.add_column("detail", overflow="fold")
            for e in rows:
                table.add_row(
                    Text(e.category, style=STYLES[e.category]),
                    str(e.result.status or ""),
                    # what a file or a server said: shown, not obeyed (rich
                    # strips only some control characters)
                    Text(terminal_safe(e.link.url, 4000)),
                    Text(terminal_safe("; ".join(e.cited_at()), 4000) or "-"),
                    Text(terminal_safe(e.detail(), 4000)),
                )
            console.print(table)
        for d in self.unused_declarations:
            console.print(
                Text(terminal_safe(f"{d.loc}: declared dead but cited nowhere: {d.url}", 4000)),
                style="yellow",
                highlight=False,
            )
        style = "bold red" if self.failures else "bold green"
        console.print(self.summary_line(), style=style, highlight=False)

    def plain_lines(self, show_all: bool = False) -> list[str]:
        """The same as the table, one line per link, for logs."""
        lines = []
        for e in self.entries:
            if not (show_all or e.needs_attention):
                continue
            places = ", ".join(e.cited_at()) or "-"
            detail = f"  {e.detail()}" if e.detail() else ""
            lines.append(
                f"{e.category:<13} {e.result.status or '-':>3}  {e.link.url}  [{places}]{detail}"
            )
        lines += [
            f"{d.loc}: declared dead but cited nowhere: {d.url}" for d in self.unused_declarations
        ]
        lines.append(self.summary_line())
        return lines


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _md_text(text: str) -> str:
    """Text in a Markdown table cell: pipes escaped, no line breaks, no HTML."""
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace("\n", " ")


def _md_url(url: str) -> str:
    return f"<{url.replace('|', '%7C').replace('<', '%3C').replace('>', '%3E')}>"


def _md_places(entry: Entry) -> str:
    return ", ".join(_md_text(p) for p in entry.cited_at()) or "-"


def _row(*cells: object) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def loc_of(text: str) -> Loc:
    """A place as written in a report ('file:line' or 'file') back to a Loc."""
    file, sep, line = text.rpartition(":")
    if sep and line.isdigit():
        return Loc(file, int(line))
    return Loc(text)
