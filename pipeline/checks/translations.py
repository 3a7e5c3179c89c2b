"""Checks on the translators' files: each PO file parses (what `msgfmt --check`
accepts), its header is sane, and every translated, non-fuzzy entry keeps its
source's footnote references, link targets, cross-references and emphasis,
with no raw HTML. Fuzzy and untranslated entries are not checked: the build
prints the English instead. Uses of the termbase are warnings."""

from __future__ import annotations

from pathlib import Path

from ..errors import Finding, PipelineError
from ..files import project_path
from ..model import Book, Loc
from ..text_units import Unit
from .terms import term_findings


def translation_findings(root: Path, book: Book, strings: dict[str, str], strings_file: str,
                         only: list[str] | None = None) -> list[Finding]:
    """Findings for every translated language of book.yml (or only those named)."""
    from ..i18n.apply import check_entry
    from ..i18n.catalog import assign_contexts, entry_key, key_of, load_contexts, read_po
    from ..text_units import book_units, theme_units

    units: dict[tuple[str | None, str], Unit] = {}
    ids: dict[tuple[str | None, str], list[str]] = {}
    words = dict(strings)
    all_units = list(book_units(book)) + list(theme_units(words, strings_file))
    for unit in assign_contexts(all_units, load_contexts(root)):
        units.setdefault(key_of(unit), unit)  # identical text: the same placeholders, checked once
        ids.setdefault(key_of(unit), []).append(unit.ctx)
    out: list[Finding] = []
    for language in book.meta.languages:
        if language.code == book.meta.language or (only is not None and language.code not in only):
            continue
        path = root / "translations" / f"{language.code}.po"
        rel = project_path(path, root)
        if not path.is_file():
            out.append(Finding("error", "translation-missing",
                               f"book.yml lists '{language.code}' but {rel} does not exist "
                               f"(start it with `compendium i18n init {language.code}`)", language.loc))
            continue
        try:
            po = read_po(path, rel)
        except PipelineError as exc:
            out.append(Finding("error", "po-syntax", exc.message, exc.loc or Loc(rel)))
            continue
        header_lines = getattr(po, "header_lines", {})
        header_lang = po.metadata.get("Language", "")
        if header_lang.replace("_", "-") != language.code:
            said = f"header 'Language: {header_lang}'" if "Language" in po.metadata else "the header has no 'Language:'"
            out.append(Finding("error", "po-header", f"{said}; the file's language is '{language.code}'",
                               Loc(rel, header_lines.get("Language", 1))))
        plural = po.metadata.get("Plural-Forms", "")
        if plural and ("nplurals=" not in plural or "plural=" not in plural):
            out.append(Finding("error", "po-header", f"malformed Plural-Forms header '{plural}'",
                               Loc(rel, header_lines.get("Plural-Forms", 1))))
        known_contexts = {key[0] for key in units if key[0]}
        positional = [e for e in po if e.msgctxt and not e.obsolete and e.msgctxt not in known_contexts]
        if positional:
            first = positional[0]
            out.append(Finding("error", "po-old-keys",
                               f"{len(positional)} message(s) carry a msgctxt the template does not have (like "
                               f"'{first.msgctxt}'): positional keys from before messages were identified by their "
                               f"English; convert the file with `python scripts/migrate_po_keys.py {rel}`",
                               Loc(rel, first.linenum or 1)))
            continue
        for entry in po:
            if entry.obsolete or entry.fuzzy or not entry.msgstr:
                continue  # fuzzy and untranslated entries are printed in English, never checked
            unit = units.get(entry_key(entry))
            if unit is None:
                continue  # not in the book any more: `compendium i18n update` makes it obsolete
            out.extend(check_entry(unit, entry, po))
        out.extend(term_findings(root, language.code, po, ids))
    return out
