"""`compendium a11y`: what a machine can check of the built editions' accessibility."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ..cliutil import reports_errors
from ..errors import PipelineError
from .findings import Finding


def _book_expectations(project_dir: Path, lang: str):  # type: ignore[no-untyped-def]
    """What the screen PDF's structure must hold, counted in the HTML it is laid out from."""
    from ..editions import edition_for
    from ..project import Project
    from ..render.pdf import book_html
    from .pdf_structure import expected_from_html

    project = Project.at(project_dir)
    edition, _report = edition_for(project, lang)
    html = book_html(edition.book, edition.theme, "screen", edition.strings, edition.language_name,
                     edition.draft, edition.draft_notice)
    return expected_from_html(html)


def edition_files(project_dir: Path, lang: str) -> list[Path]:
    """The built files of one language that these checks read, as the format registry names
    them: the screen PDF, each sector's factsheet, the EPUB (the print PDF is the screen PDF's
    pages again, with PDF/X output conditions)."""
    from ..formats import BY_NAME
    from ..project import Project

    project = Project.at(project_dir)
    factsheets = BY_NAME["factsheets"]
    return [
        *BY_NAME["pdf"].products(project, lang),
        *(path for sector in factsheets.units(project) for path in factsheets.products(project, lang, sector)),
        *BY_NAME["epub"].products(project, lang),
    ]


def check_edition_files(project_dir: Path, lang: str, ace: Path | None, use_ace: bool) -> dict[str, list[Finding]]:
    """Findings per built file of one language (screen PDF, factsheets, EPUB)."""
    from .contrast import check_contrast
    from .pdf_structure import check_pdf

    results: dict[str, list[Finding]] = {}
    screen_pdf, *factsheets, epub = edition_files(project_dir, lang)
    for path in (screen_pdf, *factsheets):
        shown = f"build/{lang}/{path.name}"
        if not path.is_file():
            fmt = "pdf" if path == screen_pdf else "factsheets"
            results[shown] = [Finding(shown, "not built", shown, f"run `compendium build {fmt}` first")]
        elif path == screen_pdf:
            expected = _book_expectations(project_dir, lang)
            results[shown] = check_pdf(path, shown, expected) + check_contrast(path, shown)
        else:
            results[shown] = check_pdf(path, shown) + check_contrast(path, shown)
    shown = f"build/{lang}/{epub.name}"
    if not epub.is_file():
        results[shown] = [Finding(shown, "not built", shown, "run `compendium build epub` first")]
    elif use_ace:
        if ace is None:
            results[shown] = [Finding(shown, "ace missing", shown,
                                      "DAISY Ace is not installed: run `make a11y` (or pass --no-ace)")]
        else:
            from .ace import run_ace

            results[shown] = run_ace(ace, epub, shown)
    return results


def check_files(files: tuple[Path, ...], ace: Path | None, use_ace: bool) -> dict[str, list[Finding]]:
    from .contrast import check_contrast
    from .pdf_structure import check_pdf

    results: dict[str, list[Finding]] = {}
    for path in files:
        shown = str(path)
        if path.suffix.lower() == ".pdf":
            results[shown] = check_pdf(path, shown) + check_contrast(path, shown)
        elif path.suffix.lower() == ".epub":
            if not use_ace:
                continue
            if ace is None:
                results[shown] = [Finding(shown, "ace missing", shown,
                                          "DAISY Ace is not installed: run `make a11y` (or pass --no-ace)")]
            else:
                from .ace import run_ace

                results[shown] = run_ace(ace, path, shown)
        else:
            raise PipelineError(f"{shown}: not a PDF or an EPUB (expected a file ending in .pdf or .epub)")
    return results


@click.command("a11y")
@click.option("--project", "project_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("."), show_default=True, help="The project folder.")
@click.option("--lang", "langs", multiple=True, help="A language to check (repeatable; default: the source language).")
@click.option("--all-languages", is_flag=True, help="Every language of book.yml.")
@click.option("--no-ace", is_flag=True, help="Skip the EPUBs (DAISY Ace); the PDFs are still checked.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@reports_errors
def a11y(project_dir: Path, langs: tuple[str, ...], all_languages: bool, no_ace: bool, fmt: str,
         files: tuple[Path, ...]) -> None:
    """Check the built editions' accessibility; exit 1 on any finding.

    With FILES (PDFs or EPUBs), checks those instead of build/<lang>/ (a
    PDF's paragraph, table and note counts are then not compared with its HTML).

    \b
    Screen PDF and factsheets (read with pikepdf): content reachable or an
    artifact, links described in words and parented by Link elements, TH
    scope, heading order and nesting, notes and references, one element per
    paragraph and table, /Lang on passages in another language, ActualText
    on right-to-left text, and the contrast of every coloured text against
    what it is drawn on (WCAG 1.4.3).
    EPUB: DAISY Ace (axe-core and EPUB rules), installed by `make a11y`.

    What a person must still judge (reading order as meaning, the quality of
    text alternatives and link words, language of each name) is listed in
    the README's Accessibility section.
    """
    from ..load import book_languages
    from ..project import Project
    from .ace import find_ace

    ace = find_ace(project_dir.resolve())
    everything: dict[str, list[Finding]] = {}
    if files:
        everything = check_files(files, ace, not no_ace)
        chosen: list[str] = []
    else:
        codes, source_lang = book_languages(Project.at(project_dir).source)
        chosen = codes if all_languages else (list(langs) or [source_lang])
    for lang in chosen:
        if not (project_dir / "build" / lang).is_dir():
            raise PipelineError(f"nothing built for '{lang}' under build/: run `compendium build --lang {lang}` first")
        everything.update(check_edition_files(project_dir, lang, ace, not no_ace))
    total = sum(len(f) for f in everything.values())
    if fmt == "json":
        click.echo(json.dumps({name: [f.as_dict() for f in found] for name, found in everything.items()},
                              indent=1, ensure_ascii=False))
    else:
        for name, found in everything.items():
            click.echo(f"{name}: {'no findings' if not found else f'{len(found)} finding(s)'}")
            for f in found:
                click.echo(f"  {f.impact:<9} {f.rule:<24} {f.where}: {f.message}")
        click.echo(f"{total} finding(s) in {len(everything)} file(s)")
    if total:
        sys.exit(1)
