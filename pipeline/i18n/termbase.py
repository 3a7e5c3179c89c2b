"""The termbase: approved translations of the Compendium's key terms.

translations/terms/<lang>.yml lists, for one language, each English term
with its approved rendering(s). A translated message whose source contains a
term but whose translation uses none of its approved renderings is a warning
(`compendium check`, checks/terms.py), counted by `compendium i18n status`,
and the terms are written into the PO files' comments so a translator in
Poedit sees them. This module reads the termbase and matches terms; it
reports nothing itself.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import PipelineError
from ..files import project_path, read_source
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
    rel = project_path(path, root)
    text = read_source(path, rel)
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
    return [f"Term: {t.en} = {' / '.join(t.approved)}" for t in terms if t.approved and t.pattern().search(text)]


@functools.lru_cache(maxsize=1024)
def _forms(forms: tuple[str, ...]) -> re.Pattern[str]:
    # Longest first, so "conseils" is one use, not "conseil" plus an "s".
    ordered = sorted(forms, key=len, reverse=True)
    return re.compile("|".join(re.escape(form) for form in ordered), re.I)


def waived(term: Term, translator_comment: str) -> bool:
    """A translator's `# term-ok: <English term>: why` says this entry uses the term otherwise on purpose."""
    return any(line.strip().lower().startswith(f"term-ok: {term.en.lower()}")
               for line in translator_comment.split("\n"))


def missing_terms(terms: list[Term], msgid: str, msgstr: str, ids: tuple[str, ...] | list[str] = (),
                  translator_comment: str = "") -> list[tuple[Term, int, int]]:
    """The terms the English uses more often than the translation uses an approved form.

    Each is (term, uses in the English, approved uses in the translation). A
    translation that keeps the English term itself quotes it on purpose (the
    title of a document cited in English): that counts as a use."""
    source, target = prose(msgid), prose(msgstr)
    out = []
    for term in terms:
        wanted = len(term.pattern().findall(source))
        other_sense = bool(ids) and all(i in term.other_sense for i in ids)
        if not wanted or not term.approved or other_sense or waived(term, translator_comment):
            continue
        given = len(_forms(term.approved + (term.en,)).findall(target))
        if given < wanted:
            out.append((term, wanted, given))
    return out
