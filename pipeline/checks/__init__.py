"""The checks that keep the book whole. Each module returns findings with locations.

`run_checks` runs them all; `compendium check` prints the findings and exits
1 if any is an error.
"""

from __future__ import annotations

from ..errors import Finding
from ..model import Book
from . import factsheets, links, references, structure


def run_checks(book: Book) -> list[Finding]:
    findings: list[Finding] = []
    for module in (structure, references, links, factsheets):
        findings.extend(module.check(book))
    return sorted(findings, key=lambda f: (f.loc.file, f.loc.line, f.code))
