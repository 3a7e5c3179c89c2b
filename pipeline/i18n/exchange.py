"""Files for translators' CAT tools (memoQ, Trados, Phrase...): XLIFF, TMX and TBX.

All three are written with translate-toolkit's storage classes, not by hand:

- XLIFF 1.2 (`export_xliff` / `import_xliff`): one <trans-unit> per PO entry,
  with the PO entry's comments as <note>s, its msgctxt as a context, and every
  placeholder (footnote reference, link address, cross-reference, autolink,
  `{n}`, a language span's attribute) as an inline <ph> code that CAT tools
  show as a protected tag. 1.2, not 2.x: it is the version memoQ, Trados
  Studio, Phrase, Poedit and Weblate all import and export (Trados's own
  SDLXLIFF is 1.2), and the one translate-toolkit reads and writes
  (`xliff2po`); XLIFF 2 support is partial in most of these tools.
- TMX 1.4 (`export_tmx`): the approved translations (translated, not fuzzy)
  as a translation memory.
- TBX (`export_tbx`): the termbase, one <termEntry> per English term with
  every approved form; ISO 30042:2008 MARTIF, as translate-toolkit writes it.

Importing XLIFF refuses a unit whose English is not the PO file's any more
(the source changed since the export), naming the XLIFF file and line.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import polib

from ..errors import PipelineError
from ..model import Loc
from .catalog import entry_key, read_po, save_po, shown

# The parts of a message a translator must not retype: footnote references,
# a link's address (the text in [ ] is translated), an autolink, `{n}`, and
# the attribute of a language span `[text]{lang=en}`.
_PLACEHOLDER = re.compile(
    r"\[\^[^\]\s]+\]"  # [^xii]
    r"|\]\((?:[^()\s]|\([^()\s]*\))*\)"  # ](https://...) or ](#id): the end of a link or cross-reference
    r"|(?<!\\)\[(?=[^\]]*\]\()"  # the [ that opens a link or cross-reference
    r"|<https?://[^>\s]+>"  # <https://...>
    r"|\]\{[^}\s]*\}"  # ]{lang=en}
    r"|(?<!\\)\[(?=[^\]]*\]\{)"  # the [ that opens a language span
    r"|\{\w+\}"  # {n}
)

XLIFF12 = "urn:oasis:names:tc:xliff:document:1.2"


def _xliff_class():  # type: ignore[no-untyped-def]
    from translate.storage import xliff

    class Unit12(xliff.xliffunit):
        namespace = XLIFF12

    class Xliff12(xliff.xlifffile):
        """translate-toolkit's XLIFF storage, declaring version 1.2 (its default skeleton says 1.1)."""

        UnitClass = Unit12
        namespace = XLIFF12
        XMLskeleton = (
            '<?xml version="1.0" ?>\n'
            f"<xliff version='1.2' xmlns='{XLIFF12}'>\n"
            "<file original='NoName' source-language='en' datatype='plaintext'>\n"
            "<body>\n</body>\n</file>\n</xliff>"
        )

    return Xliff12


def unit_id(entry: polib.POEntry) -> str:
    """A stable id for an entry: its context and English text, hashed (the same in every export)."""
    key = f"{entry.msgctxt or ''}\x04{entry.msgid}"
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def _rich(text: str, ids: dict[str, str]):  # type: ignore[no-untyped-def]
    """Text -> translate-toolkit's rich string: plain runs and <ph> codes (same code, same id)."""
    from translate.storage.placeables import StringElem
    from translate.storage.placeables import xliff as xliff_placeables

    parts: list[object] = []
    position = 0
    for match in _PLACEHOLDER.finditer(text):
        if match.start() > position:
            parts.append(text[position:match.start()])
        code = match.group(0)
        if code not in ids:
            ids[code] = str(len(ids) + 1)
        parts.append(xliff_placeables.Ph(code, id=ids[code]))
        position = match.end()
    if position < len(text):
        parts.append(text[position:])
    return [StringElem(parts)]


def export_xliff(po_path: Path, out: Path, lang: str, source_lang: str = "en") -> int:
    po = read_po(po_path, shown(po_path))
    store = _xliff_class()(sourcelanguage=source_lang, targetlanguage=lang)
    store.switchfile(shown(po_path), createifmissing=True)
    count = 0
    for entry in po:
        if entry.obsolete or not entry.msgid:
            continue
        unit = store.UnitClass(entry.msgid)
        store.addunit(unit)
        unit.setid(unit_id(entry))
        ids: dict[str, str] = {}
        unit.rich_source = _rich(entry.msgid, ids)
        if entry.msgstr:
            unit.rich_target = _rich(entry.msgstr, ids)
            unit.markfuzzy(entry.fuzzy)
            unit.markapproved(not entry.fuzzy)
        if entry.comment:
            unit.addnote(entry.comment, origin="developer")
        if entry.tcomment:
            unit.addnote(entry.tcomment, origin="translator")
        if entry.msgctxt:
            unit.xmlelement.set("resname", entry.msgctxt)
            unit.createcontextgroup("x-gettext-msgctxt", [("x-gettext-msgctxt", entry.msgctxt)], purpose="information")
        if entry.occurrences:
            refs = [("sourcefile", f"{file}:{line}" if line else file) for file, line in entry.occurrences]
            unit.createcontextgroup("po-reference", refs, purpose="location")
        count += 1
    from ..files import atomic_path

    with atomic_path(out) as tmp:
        tmp.write_bytes(bytes(store))
    return count


def import_xliff(xliff_path: Path, po_path: Path) -> tuple[int, int]:
    """Merge an exported XLIFF's targets back into the PO file. Returns (changed, units)."""
    from lxml import etree

    where = str(xliff_path)
    try:
        raw = xliff_path.read_bytes()
    except OSError as exc:
        raise PipelineError(f"cannot read '{where}': {exc.strerror or exc}") from None
    try:
        store = _xliff_class().parsestring(raw)
    except (etree.XMLSyntaxError, ValueError) as exc:
        line = getattr(exc, "lineno", 0) or 0
        raise PipelineError(f"not an XLIFF file: {exc}", Loc(where, line)) from None
    po = read_po(po_path, shown(po_path))
    by_id = {unit_id(entry): entry for entry in po if not entry.obsolete and entry.msgid}
    changed = units = 0
    for unit in store.units:
        if unit.isheader():
            continue
        units += 1
        line = unit.xmlelement.sourceline or 0
        uid = (unit.getid() or "").split("\x04")[-1]  # translate-toolkit prefixes the <file>'s name
        entry = by_id.get(uid)
        if entry is None:
            raise PipelineError(f"unit '{uid}' ({unit.source[:50]!r}) is not in {shown(po_path)} any more: "
                                "its English changed or was removed since the export; export again", Loc(where, line))
        if unit.source != entry.msgid:
            raise PipelineError(f"the English of unit '{uid}' is not {shown(po_path)}'s any more "
                                f"({unit.source[:40]!r} vs {entry.msgid[:40]!r}): export again", Loc(where, line))
        target = unit.target or ""
        fuzzy = bool(target) and (unit.isfuzzy() or not unit.isapproved())
        if target == entry.msgstr and fuzzy == entry.fuzzy:
            continue
        entry.msgstr = target
        if fuzzy and "fuzzy" not in entry.flags:
            entry.flags.append("fuzzy")
        if not fuzzy and "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
            entry.previous_msgid = entry.previous_msgctxt = None
        changed += 1
    if changed:
        save_po(po, po_path)
    return changed, units


def export_tmx(po_path: Path, out: Path, lang: str, source_lang: str = "en") -> int:
    from translate.storage import tmx

    po = read_po(po_path, shown(po_path))
    memory = tmx.tmxfile(sourcelanguage=source_lang, targetlanguage=lang)
    count = 0
    for entry in po:
        if entry.obsolete or entry.fuzzy or not entry.msgstr or not entry.msgid:
            continue
        memory.addtranslation(entry.msgid, source_lang, entry.msgstr, lang, entry.msgctxt or None)
        count += 1
    from ..files import atomic_path

    with atomic_path(out) as tmp:
        tmp.write_bytes(bytes(memory))
    return count


def export_tbx(root: Path, out: Path, lang: str, source_lang: str = "en") -> int:
    from translate.storage import tbx

    from .termbase import load_terms

    terms = load_terms(root, lang)
    if not terms:
        raise PipelineError(f"no termbase for '{lang}': translations/terms/{lang}.yml is missing or empty")
    termbase = tbx.tbxfile(sourcelanguage=source_lang, targetlanguage=lang)
    for term in terms:
        entry = termbase.addsourceunit(term.en)
        for index, form in enumerate(term.approved):
            entry.settarget(form, lang=lang, append=index > 0)
        if term.note:
            entry.addnote(term.note)
    from ..files import atomic_path

    with atomic_path(out) as tmp:
        tmp.write_bytes(bytes(termbase))
    return len(terms)


def same_key(a: polib.POEntry, b: polib.POEntry) -> bool:
    return entry_key(a) == entry_key(b)
