"""The termbase: approved translations of the Compendium's key terms.

translations/terms/<lang>.yml lists, for one language, each English term
with its approved rendering(s). A translated message whose source contains a
term but whose translation uses none of its approved renderings is a warning
(`compendium check`), counted by `compendium i18n status`, and the terms are
written into the PO files' comments so a translator in Poedit sees them.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import Finding, PipelineError
from ..model import Loc
from ..yamlfile import parse_yaml


@dataclass(frozen=True)
class Term:
    en: str
    approved: tuple[str, ...]
    note: str
    loc: Loc
    # Messages where the English word is used in another sense (msgctxt ids).
    other_sense: tuple[str, ...] = ()

    def pattern(self) -> re.Pattern[str]:
        return _pattern(self.en)


@functools.lru_cache(maxsize=1024)
def _pattern(term: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w-]){re.escape(term)}(?![\w-])", re.I)


def terms_path(root: Path, lang: str) -> Path:
    return root / "translations" / "terms" / f"{lang}.yml"


def load_terms(root: Path, lang: str) -> list[Term]:
    path = terms_path(root, lang)
    if not path.is_file():
        return []
    rel = str(path.relative_to(root)) if path.is_relative_to(root) else str(path)
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PipelineError(f"not valid UTF-8 (byte 0x{raw[exc.start]:02x})",
                            Loc(rel, raw[: exc.start].count(b"\n") + 1)) from None
    data = parse_yaml(text, rel)
    if data is None:
        return []
    if not isinstance(data, list):
        raise PipelineError("expected a list of terms (- en: ..., approved: ...)", Loc(rel, 1))
    terms = []
    lines = text.split("\n")
    for entry in data:
        if not isinstance(entry, dict) or "en" not in entry or "approved" not in entry:
            raise PipelineError(f"{rel}: each term needs 'en' and 'approved', got {entry!r:.60}")
        approved = entry["approved"]
        approved = tuple(approved) if isinstance(approved, list) else (str(approved),)
        line = next((i for i, t in enumerate(lines, 1) if f"en: {entry['en']}" in t), 0)
        other = entry.get("other_sense", [])
        terms.append(Term(str(entry["en"]), approved, str(entry.get("note", "")), Loc(rel, line),
                          tuple(other) if isinstance(other, list) else (str(other),)))
    return terms


_ADDRESS = re.compile(r"<https?://[^>]*>|\]\([^)]*\)|https?://\S+")


def prose(message: str) -> str:
    """A message without its addresses: a term inside a URL is not a use of the term."""
    return _ADDRESS.sub("]", message)


def term_comment(terms: list[Term], msgid: str) -> list[str]:
    text = prose(msgid)
    return [f"Term: {t.en} = {' / '.join(t.approved)}" for t in terms if t.pattern().search(text)]


def missing_terms(terms: list[Term], msgid: str, msgstr: str, ctx: str = "") -> list[Term]:
    source, target = prose(msgid), prose(msgstr)
    lowered = target.lower()
    # A translation that keeps the English term itself quotes it on purpose
    # (the title of a document cited in English): not a miss.
    return [t for t in terms if t.pattern().search(source) and not t.pattern().search(target)
            and ctx not in t.other_sense and not any(a.lower() in lowered for a in t.approved)]


def term_findings(root: Path, lang: str, po) -> list[Finding]:  # type: ignore[no-untyped-def]
    terms = load_terms(root, lang)
    out = []
    for entry in po:
        if entry.obsolete or entry.fuzzy or not entry.msgstr:
            continue
        for term in missing_terms(terms, entry.msgid, entry.msgstr, entry.msgctxt or ""):
            out.append(Finding("warning", "termbase",
                               f"'{entry.msgctxt}': source has '{term.en}' but the translation does not use "
                               f"the approved '{' / '.join(term.approved)}'", Loc(po.fpath, entry.linenum)))
    return out


def term_findings_for(project, book, lang: str, messages) -> list[Finding]:  # type: ignore[no-untyped-def]
    from ..i18n.catalog import read_po

    return term_findings(project.root, lang, read_po(project.root / "translations" / f"{lang}.po"))
