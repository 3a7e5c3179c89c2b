"""The termbase check: a translation that does not use a term's approved rendering.

The termbase itself (translations/terms/<lang>.yml: reading it, matching its
terms) is `i18n/termbase.py`; this module turns its matches into warnings.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import Finding
from ..i18n.apply import label
from ..i18n.catalog import read_po
from ..i18n.termbase import load_terms, missing_terms
from ..model import Loc


def term_findings(root: Path, lang: str, po, ids: dict | None = None) -> list[Finding]:  # type: ignore[no-untyped-def]
    """A warning per term an entry's translation uses fewer times than its English does.

    `ids` maps an entry's (msgctxt, msgid) to the blocks that print it, for
    the termbase's `other_sense` (blocks where the English word means something else)."""
    terms = load_terms(root, lang)
    out = []
    for entry in po:
        if entry.obsolete or entry.fuzzy or not entry.msgstr:
            continue
        block_ids = (ids or {}).get((entry.msgctxt or None, entry.msgid), [])
        for term, wanted, given in missing_terms(terms, entry.msgid, entry.msgstr, block_ids, entry.tcomment or ""):
            said = "does not use" if not given else f"uses only {given} time(s) of {wanted}"
            out.append(Finding("warning", "termbase",
                               f"{label(entry)}: source has '{term.en}' {wanted} time(s) but the translation "
                               f"{said} the approved '{' / '.join(term.approved)}' (or add a translator comment "
                               f"'# term-ok: {term.en}: why')", Loc(po.fpath, entry.linenum)))
    return out


def term_findings_for(project, book, lang: str, messages) -> list[Finding]:  # type: ignore[no-untyped-def]
    ids = {message.key: message.ids for message in messages}
    return term_findings(project.root, lang, read_po(project.root / "translations" / f"{lang}.po"), ids)
