"""One language's edition: the model (translated when not English), the theme's
words in that language, and what the edition says about itself (draft or not).

A translated edition is the same model with its text replaced: every renderer
takes an Edition and never knows whether it was translated.
"""

from __future__ import annotations

import copy
from pathlib import Path

from .errors import PipelineError
from .i18n.apply import TranslationReport, translate_book
from .i18n.catalog import read_po, shown
from .languages import display_name
from .load import load_book
from .model import Book
from .project import Edition, Project
from .theme import load_theme


def po_path(project: Project, lang: str) -> Path:
    return project.root / "translations" / f"{lang}.po"


def pot_path(project: Project) -> Path:
    return project.root / "translations" / "compendium.pot"


def languages(book: Book) -> list[str]:
    return [language.code for language in book.meta.languages]


def edition_for(project: Project, lang: str | None = None,
                book: Book | None = None) -> tuple[Edition, TranslationReport | None]:
    """The edition in `lang` (the source language when None)."""
    book = book or load_book(project.source)
    theme = load_theme(project.theme_dir)
    source_lang = book.meta.language
    lang = lang or source_lang
    known = {language.code: language for language in book.meta.languages}
    if lang not in known:
        raise PipelineError(
            f"unknown language '{lang}' (book.yml lists: {', '.join(known) or 'none'}); "
            f"start one with `compendium i18n init {lang}` and add it to book.yml's languages"
        )
    language = known[lang]
    name = display_name(lang, lang, language.name)  # its name in itself: "français"
    from .transforms.typography import apply_typography

    quotes = theme.options.get("quotes")
    if lang == source_lang:
        # a copy: the loaded book stays as written (translations are keyed on it)
        source_book, strings = copy.deepcopy(book), dict(theme.strings)
        apply_typography(source_book, strings, lang, quotes)
        return Edition(source_book, theme, strings, lang, name, False), None
    po = read_po(po_path(project, lang), shown(po_path(project, lang)))
    from .i18n.catalog import load_contexts

    translated, strings, report = translate_book(book, theme.strings, po, lang,
                                                 contexts=load_contexts(project.root))
    apply_typography(translated, strings, lang, quotes)
    draft = language.status == "draft"
    notice = strings.get("Draft notice", "")
    edition = Edition(translated, theme, strings, lang, name, draft, notice)
    return edition, report


def write_translation_report(project: Project, report: TranslationReport) -> Path:
    """build/<lang>/translation-report.json: what still falls back to English, and why."""
    import json

    from .files import atomic_path

    path = project.out_dir(report.lang) / "translation-report.json"
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(report.as_dict(), indent=1, ensure_ascii=False), encoding="utf-8")
    return path
