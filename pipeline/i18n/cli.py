"""`compendium i18n ...`: the translators' workflow, in commands a translator can run."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..cliutil import ReportingGroup
from ..errors import PipelineError
from ..files import project_path, read_source
from ..project import Project


def _project(project_dir: Path) -> Project:
    return Project.at(project_dir)



PROJECT_OPTION = click.option("--project", "project_dir", type=click.Path(file_okay=False, path_type=Path),
                              default=Path("."), show_default=True, help="The project folder.")


@click.group(cls=ReportingGroup)
def i18n() -> None:
    """Translations: the template, the PO files, progress, and files for CAT tools.

    \b
    Files: translations/compendium.pot (the template, generated: do not edit)
           translations/<lang>.po      (one per language: open it in Poedit)
    \b
    A translator's round:
      compendium i18n init fr        start French from the template
      (translate translations/fr.po in Poedit, Weblate, Lokalize...)
      compendium i18n status         how far each language is
      compendium build --lang fr     build the French editions into build/fr/
    \b
    Editors, after changing the source:
      compendium i18n extract        refresh the template (--check: is it current?)
      compendium i18n update         bring every PO file in step (msgmerge --previous)
    \b
    CAT tools:
      compendium i18n export --format xliff|tmx|tbx fr
      compendium i18n import build/i18n/compendium-fr.xlf
    \b
    The translators' guide: translations/README.md
    """


def all_units(project: Project):  # type: ignore[no-untyped-def]
    """The book and every translatable unit, with contexts and real file:line references."""
    from ..i18n.catalog import assign_contexts, load_contexts
    from ..load import load_book
    from ..text_units import book_units, locate_yaml_keys, mark_factsheet_units, theme_units
    from ..theme import load_theme

    book = load_book(project.source)
    theme = load_theme(project.theme_dir)
    strings_file = project.theme_dir / "strings.yml"
    rel = project_path(strings_file, project.root)
    strings_text = read_source(strings_file, rel)
    words = dict(theme.strings)
    units = list(book_units(book)) + list(theme_units(words, rel, strings_text))
    units = locate_yaml_keys(mark_factsheet_units(book, units), project.root)
    return book, assign_contexts(units, load_contexts(project.root))


def all_messages(project: Project):  # type: ignore[no-untyped-def]
    from ..i18n.catalog import messages_of

    book, units = all_units(project)
    return book, messages_of(units)


@i18n.command(short_help="Write the template, translations/compendium.pot.")
@PROJECT_OPTION
@click.option("--check", is_flag=True,
              help="Write nothing; exit 1 if translations/compendium.pot is not what the source gives "
                   "(what `make check` runs).")
def extract(project_dir: Path, check: bool) -> None:
    """Write translations/compendium.pot, the template every PO file follows: one message per
    distinct English text of the book, its factsheets and the theme, with the file:line of
    each place it is used and the notes for translators. Run it after changing the English,
    then `compendium i18n update`; commit both."""
    from ..editions import pot_path
    from ..i18n.catalog import pot_text, write_pot
    from ..timestamps import build_timestamp

    project = _project(project_dir)
    book, messages = all_messages(project)
    stamp = build_timestamp(book).strftime("%Y-%m-%d %H:%M+0000")
    target = pot_path(project)
    rel = project_path(target, project.root)
    if check:
        current = target.read_text(encoding="utf-8") if target.is_file() else None
        if current != pot_text(messages, stamp):
            said = "is missing" if current is None else "is stale: the source has changed since it was written"
            raise PipelineError(f"{rel} {said}; run `compendium i18n extract` (or `make i18n-extract`) "
                                "and commit it")
        click.echo(f"{rel} is up to date ({len(messages)} messages)")
        return
    count = write_pot(messages, target, stamp)
    click.echo(f"wrote {rel} ({count} messages)")


@i18n.command(short_help="Start a new language: its PO file, termbase and book.yml line.")
@PROJECT_OPTION
@click.argument("lang")
def init(project_dir: Path, lang: str) -> None:
    """Start a new language LANG (a BCP 47 code such as pt, de, es-419 or zh-Hans).

    Writes translations/LANG.po (every message, untranslated), translations/terms/LANG.yml
    (the key terms, for the approved forms) and adds LANG to book.yml's languages as a
    draft (or prints the line to add)."""
    from ..editions import po_path, pot_path
    from ..i18n.catalog import init_po
    from ..schema import BCP47_PATTERN

    project = _project(project_dir)
    if not BCP47_PATTERN.match(lang):
        raise PipelineError(f"'{lang}' is not a BCP 47 language code like fr, es-419 or zh-Hans")
    if not pot_path(project).is_file():
        raise PipelineError("translations/compendium.pot is missing: run `compendium i18n extract` first")
    from datetime import UTC, datetime

    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M+0000")
    from .termbase import load_terms

    count = init_po(pot_path(project), po_path(project, lang), lang, stamp, load_terms(project.root, lang))
    click.echo(f"wrote {po_path(project, lang).relative_to(project.root)} ({count} messages to translate)")
    terms_file = _start_termbase(project.root, lang)
    if terms_file is not None:
        click.echo(f"wrote {terms_file.relative_to(project.root)} (the English terms: add the approved forms)")
    line = _add_language(project.source / "book.yml", lang)
    if line:
        click.echo(f"added to source/book.yml's languages: {line.strip()}")


def _english_name(lang: str) -> str:
    from ..languages import display_name

    return display_name(lang, "en", default=lang)


def _add_language(book_yml: Path, lang: str) -> str:
    """Add `- {code: LANG, name: ..., status: draft}` after book.yml's last language; '' if listed already.

    Edits the one line only, so the file's comments and layout stay as they are;
    a book.yml laid out otherwise gets the exact line to add, in the message."""
    import re

    text = book_yml.read_text(encoding="utf-8")
    if re.search(rf"code:\s*['\"]?{re.escape(lang)}['\"]?\s*[,}}]", text):
        return ""
    line = f"  - {{code: {lang}, name: {_english_name(lang)}, status: draft}}\n"
    match = re.search(r"^languages:\n((?:  - \{.*\}\n)+)", text, re.M)
    if match is None:
        raise PipelineError(f"add this line under 'languages:' in source/book.yml yourself: {line.strip()}")
    from ..files import atomic_path

    with atomic_path(book_yml) as tmp:
        tmp.write_text(text[:match.end()] + line + text[match.end():], encoding="utf-8")
    return line


def _start_termbase(root: Path, lang: str) -> Path | None:
    """translations/terms/LANG.yml with every English term of the termbase and no approved form yet."""
    from .termbase import load_terms, terms_path

    target = terms_path(root, lang)
    if target.exists():
        return None
    others = sorted(p for p in target.parent.glob("*.yml") if p.stem != lang) if target.parent.is_dir() else []
    if not others:
        return None
    english = [term.en for term in load_terms(root, others[0].stem)]
    lines = [f"# {_english_name(lang)} termbase: the approved renderings of the Compendium's key terms.",
             "# Fill `approved` with the accepted forms (every inflection you want accepted);",
             "# a term with no approved form is not checked yet. See translations/README.md."]
    for term in english:
        lines += [f"- en: {term}", "  approved: []"]
    from ..files import atomic_path

    with atomic_path(target) as tmp:
        tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target


@i18n.command(short_help="Merge the template into every PO file (msgmerge --previous).")
@PROJECT_OPTION
def update(project_dir: Path) -> None:
    """Bring every translations/<lang>.po in step with the template (GNU msgmerge --previous).

    Unchanged English keeps its translation wherever it moved; changed English becomes
    fuzzy, with the previous English kept for the translator; English no longer used
    becomes obsolete (#~), and is used again if it comes back."""
    from ..editions import pot_path
    from ..i18n.catalog import update_po

    project = _project(project_dir)
    if not pot_path(project).is_file():
        raise PipelineError("translations/compendium.pot is missing: run `compendium i18n extract` first")
    files = sorted((project.root / "translations").glob("*.po"))
    if not files:
        click.echo("no PO files yet: start one with `compendium i18n init LANG`")
    from .termbase import load_terms

    for path in files:
        result = update_po(pot_path(project), path, load_terms(project.root, path.stem))
        click.echo(f"{path.relative_to(project.root)}: {result.translated} translated, {result.fuzzy} fuzzy, "
                   f"{result.untranslated} untranslated, {result.obsolete} obsolete")


@i18n.command(short_help="Translated, fuzzy and untranslated messages per language and part.")
@PROJECT_OPTION
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text: a table per language; json: the same figures for other tools.")
def status(project_dir: Path, fmt: str) -> None:
    """Translated, fuzzy and untranslated messages per language and per part of the book,
    and how many messages do not use an approved term. Fuzzy and untranslated messages are
    printed in English in the editions."""
    from ..i18n.catalog import read_po, shown, status_of

    project = _project(project_dir)
    book, messages = all_messages(project)
    result: dict[str, dict[str, dict[str, float | int]]] = {}
    for language in book.meta.languages:
        if language.code == book.meta.language:
            continue
        path = project.root / "translations" / f"{language.code}.po"
        if not path.is_file():
            rel = path.relative_to(project.root)
            raise PipelineError(f"book.yml lists '{language.code}' but {rel} does not exist; "
                                f"run `compendium i18n init {language.code}`", language.loc)
        groups = status_of(messages, read_po(path, shown(path)))
        result[language.code] = {group: counts.as_dict() for group, counts in groups.items()}
        from ..checks.terms import term_findings_for

        result[language.code]["all"]["term_warnings"] = len(term_findings_for(project, book, language.code, messages))
    if fmt == "json":
        click.echo(json.dumps(result, indent=2, ensure_ascii=False))
        return
    order = ["book", "metadata", "theme", "epub", "front", "part-1", "part-2", "part-3", "part-4", "back", "footnotes",
             "factsheets", "all"]
    for lang, groups in result.items():
        click.echo(f"{lang}:")
        for group in order:
            if group not in groups:
                continue
            c = groups[group]
            click.echo(f"  {group:<11} {c['translated']:>5} translated  {c['fuzzy']:>4} fuzzy  "
                       f"{c['untranslated']:>5} untranslated  {c['percent']:>5.1f}%")
        click.echo(f"  termbase: {groups['all']['term_warnings']} message(s) not using an approved term")


@i18n.command("export", short_help="Write XLIFF, TMX or TBX of a language for a CAT tool.")
@PROJECT_OPTION
@click.option("--format", "fmt", type=click.Choice(["xliff", "tmx", "tbx"]), required=True,
              help="xliff: the messages for a CAT tool (XLIFF 1.2); tmx: the approved translations as a "
                   "translation memory; tbx: the termbase.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write (default: build/i18n/compendium-LANG.xlf, .tmx or terms-LANG.tbx).")
@click.argument("lang")
def export_(project_dir: Path, fmt: str, output: Path | None, lang: str) -> None:
    """Write LANG's messages (XLIFF), approved translations (TMX) or termbase (TBX) for a
    translation tool such as memoQ, Trados or Phrase."""
    from ..editions import po_path
    from ..i18n.exchange import export_tbx, export_tmx, export_xliff

    project = _project(project_dir)
    names = {"xliff": f"compendium-{lang}.xlf", "tmx": f"compendium-{lang}.tmx", "tbx": f"terms-{lang}.tbx"}
    out = output or project.root / "build" / "i18n" / names[fmt]
    if fmt == "tbx":
        count, what = export_tbx(project.root, out, lang), "terms"
    else:
        source = po_path(project, lang)
        if not source.is_file():
            raise PipelineError(f"translations/{lang}.po does not exist (start it with `compendium i18n init {lang}`)")
        if fmt == "xliff":
            count, what = export_xliff(source, out, lang), "messages"
        else:
            count, what = export_tmx(source, out, lang), "approved translations"
    click.echo(f"wrote {out} ({count} {what})")


@i18n.command("import", short_help="Merge a translated XLIFF back into its PO file.")
@PROJECT_OPTION
@click.option("--lang", default=None, metavar="LANG",
              help="The language whose PO file to merge into (default: the XLIFF's target-language).")
@click.argument("xliff_file", type=click.Path(dir_okay=False, path_type=Path))
def import_(project_dir: Path, lang: str | None, xliff_file: Path) -> None:
    """Merge a translated XLIFF (from `i18n export --format xliff`) back into translations/LANG.po.

    A unit confirmed in the CAT tool comes back translated, one left unconfirmed fuzzy. A
    file whose English no longer matches the PO file is refused, naming the XLIFF line:
    export again and let the tool's translation memory fill in the work already done."""
    from lxml import etree

    from ..editions import po_path
    from ..i18n.exchange import import_xliff

    project = _project(project_dir)
    if lang is None:
        try:
            files = etree.parse(str(xliff_file)).getroot().findall("{*}file")
        except (OSError, etree.XMLSyntaxError) as exc:
            raise PipelineError(f"{xliff_file}: not a readable XLIFF file ({exc})") from None
        lang = files[0].get("target-language") if files else None
        if not lang:
            raise PipelineError(f"{xliff_file}: no target-language in <file>; say which with --lang")
    target = po_path(project, lang)
    if not target.is_file():
        raise PipelineError(f"translations/{lang}.po does not exist (start it with `compendium i18n init {lang}`)")
    changed, units = import_xliff(xliff_file, target)
    click.echo(f"{target.relative_to(project.root)}: {changed} of {units} message(s) changed")
