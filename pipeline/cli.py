"""The `compendium` command. Thin: each command calls the modules that do the work.

Every user-facing failure is a PipelineError, printed as one line
(`file:line: message`) with exit status 1; a traceback is a bug.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

import click

from . import __version__
from .errors import PipelineError

SOURCE_OPTION = click.option(
    "--source",
    "source_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("source"),
    show_default=True,
    help="The book's source folder (book.yml and the Markdown files).",
)


def reports_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn a PipelineError into one line on stderr and exit status 1."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except PipelineError as exc:
            click.echo(f"error: {exc}" if not exc.loc else f"{exc.loc}: error: {exc.message}", err=True)
            sys.exit(1)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="compendium")
def main() -> None:
    """Publish the UNODC Compendium from one source: check it, build its editions.

    \b
    Typical use, from the project folder:
      compendium check                 find problems in source/ (file:line: message)
      compendium check --format json   the same, plus a summary of the book, as JSON
      compendium build pdf             the screen and print PDFs in build/en/

    Run `compendium COMMAND --help` for a command's options.
    """


@main.command()
@SOURCE_OPTION
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text: one finding per line and a summary; json: findings and summary for tools.")
@click.option("-W", "--warnings-as-errors", is_flag=True, help="Exit 1 on warnings too (for CI).")
@reports_errors
def check(source_dir: Path, fmt: str, warnings_as_errors: bool) -> None:
    """Load the book and report every problem found, as FILE:LINE: MESSAGE.

    Checks: icon types and sectors exist; ids are unique; every cross-reference
    and footnote reference lands; every footnote is cited; promising practices
    run 1..N; no cross-reference is left as plain text ("see section 1.4");
    external links are well formed (not fetched: see `compendium links`).

    Exit status: 0 if no errors, 1 if any (or any warning with -W).
    """
    from .checks import run_checks
    from .checks.translations import translation_findings
    from .load import load_book
    from .summary import summarise
    from .theme import load_theme

    book = load_book(source_dir)
    findings = run_checks(book)
    root = source_dir.resolve().parent
    theme_dir = root / "themes" / "default"
    if theme_dir.is_dir():
        theme = load_theme(theme_dir)
        findings += translation_findings(root, book, theme.strings, "themes/default/strings.yml")
    summary = summarise(book)
    errors = sum(1 for f in findings if f.severity == "error")
    warnings = len(findings) - errors
    if fmt == "json":
        click.echo(json.dumps({
            "findings": [f.as_dict() for f in findings],
            "errors": errors,
            "warnings": warnings,
            "summary": summary,
        }, indent=2, ensure_ascii=False))
    else:
        for finding in findings:
            click.echo(str(finding), err=True)
        click.echo(_summary_text(summary))
        click.echo(f"{errors} error(s), {warnings} warning(s)")
    if errors or (warnings_as_errors and warnings):
        sys.exit(1)


def _summary_text(s: dict[str, Any]) -> str:
    boxes = ", ".join(f"{k} {v}" for k, v in s["boxes"].items())
    return (
        f"{s['parts']} parts, {s['sections']} sections, {s['promising_practices']} promising practices, "
        f"{s['footnotes']} footnotes, {s['tables']} tables\n"
        f"boxes: {boxes}\n"
        f"links: {s['internal_links']} internal, {s['external_links']} external"
    )


@main.command()
@click.argument("formats", nargs=-1, type=click.Choice(["pdf", "print-pdf", "epub"]))
@click.option("--project", "project_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("."), show_default=True, help="The project folder (source/, themes/, build/).")
@click.option("--lang", "lang", default=None, metavar="LANG",
              help="Build this language (a code from book.yml's languages); default: the source language.")
@reports_errors
def build(formats: tuple[str, ...], project_dir: Path, lang: str | None) -> None:
    """Build editions into build/<lang>/.

    \b
    FORMATS (all when none is named):
      pdf        build/<lang>/compendium.pdf        screen edition, tagged PDF/UA-1
      print-pdf  build/<lang>/compendium-print.pdf  print edition, 3 mm bleed, crop marks
      epub       build/<lang>/compendium.epub       EPUB 3 (validate with `make epub`)

    A translated edition uses translations/<lang>.po; untranslated or fuzzy
    messages fall back to English and are listed in
    build/<lang>/translation-report.json.

    Each file is written to a temporary name and renamed into place, so a
    failed build leaves the previous edition untouched.
    """
    from .build import Project, build_pdf
    from .editions import edition_for, write_translation_report

    project = Project.at(project_dir)
    chosen = formats or ("pdf", "print-pdf")
    edition, report = edition_for(project, lang)
    if report is not None:
        path = write_translation_report(project, report)
        click.echo(f"{edition.lang}: {report.translated} messages translated, {len(report.fallbacks)} "
                   f"fall back to English (see {path.relative_to(project.root)})", err=True)
    for fmt in sorted(chosen, key=["print-pdf", "pdf", "epub"].index):
        if fmt == "epub":
            from .render.epub import build_epub

            artifact = build_epub(project, edition, progress=lambda m: click.echo(m, err=True))
        else:
            artifact = build_pdf(project, edition, "screen" if fmt == "pdf" else "print",
                                 progress=lambda m: click.echo(m, err=True))
        rel = artifact.path.relative_to(project.root) if artifact.path.is_relative_to(project.root) else artifact.path
        pages = f"{artifact.pages} pages, " if artifact.pages else ""
        click.echo(f"wrote {rel} ({pages}{artifact.seconds:.1f} s)")


@main.command()
@click.option("--project", "project_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("."), show_default=True, help="The project folder.")
@click.option("--dpi", type=click.IntRange(20, 300), default=50, show_default=True,
              help="Resolution of the page images.")
@click.argument("pdfs", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@reports_errors
def proof(project_dir: Path, dpi: int, pdfs: tuple[Path, ...]) -> None:
    """Render PDF pages to PNG with a contact sheet, for review by eye.

    With no PDFS, proofs every PDF under build/ (all languages). Output:
    build/proof/<lang>/<edition>/page-NNN.png and contact-sheet.png.
    """
    from .proof import proof_pdf

    build_dir = project_dir / "build"
    chosen = list(pdfs) or sorted(build_dir.glob("*/*.pdf"))
    if not chosen:
        raise PipelineError("no PDFs under build/: run `make pdf` first")
    for pdf in chosen:
        out = build_dir / "proof" / pdf.parent.name / pdf.stem
        pages, sheet = proof_pdf(pdf, out, dpi=dpi)
        click.echo(f"{pdf}: {pages} pages -> {sheet}")


def _register() -> None:
    from .i18n.cli import i18n
    from .linkcheck.cli import links

    main.add_command(i18n)
    main.add_command(links)


_register()

if __name__ == "__main__":  # pragma: no cover
    main()
