"""The translators' files: translations/compendium.pot and translations/<lang>.po.

extract  the model (and theme, factsheets) -> the template, one message per
         distinct English text (gettext's identity: msgid, and a msgctxt only
         where a translator asked for one)
init     a new language's PO file from the template
update   every PO file brought in step with the template by GNU msgmerge
         --previous: unchanged text keeps its translation wherever it moved; a
         changed one becomes fuzzy with its previous English (#| msgid); a
         removed one becomes obsolete, and comes back if its text does
status   translated / fuzzy / untranslated per language and per part

Every file is written through `msgcat`, exactly as gettext-based tools write it.

Layout: one flat PO file per language, `translations/fr.po`, which is what
Poedit, Weblate and Lokalize open directly.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import polib

from .. import __version__
from ..errors import PipelineError
from ..files import atomic_path, read_source
from ..languages import plural_forms
from ..model import Loc
from ..text_units import Unit
from .inline import to_markdown

HEADER_COMMENT = (
    "Translations of the UNODC Compendium of Promising Practices on Public-Private\n"
    "Partnerships to Prevent and Counter Trafficking in Persons.\n"
    "Each message is one block of the book (a paragraph, a heading, a table cell...),\n"
    "identified by its English text: a paragraph keeps its translation wherever it moves.\n"
    "Keep footnote references [^xii], links [text](https://...) and cross-references [](#id)\n"
    "exactly as they are; translate the text around them and the text inside [ ].\n"
    "See translations/README.md."
)


def message_of(unit: Unit) -> str:
    return to_markdown(unit.inlines) if unit.inlines is not None else unit.text


Key = tuple[str | None, str]  # (msgctxt or None, msgid): a message's identity, as in gettext


def key_of(unit: Unit) -> Key:
    return (unit.context, message_of(unit))


def entry_key(entry: polib.POEntry) -> Key:
    return (entry.msgctxt or None, entry.msgid)


@dataclass
class Message:
    context: str | None  # msgctxt: only where a translator asked for one (translations/contexts.yml)
    msgid: str
    locs: list[Loc]
    group: str
    ids: list[str] = field(default_factory=list)  # the blocks that print this text
    comments: list[str] = field(default_factory=list)
    factsheet: bool = False

    @property
    def key(self) -> Key:
        return (self.context, self.msgid)


def messages_of(units: Iterable[Unit]) -> list[Message]:
    """One message per distinct (context, English text), in reading order of first use.

    Identical English shares one message and one translation (gettext's
    model), so each message lists every place that uses it."""
    out: dict[Key, Message] = {}
    for unit in units:
        msgid = message_of(unit)
        if not msgid.strip():
            continue
        key = key_of(unit)
        message = out.get(key)
        if message is None:
            message = out[key] = Message(unit.context, msgid, [], unit.group)
        if unit.loc.line and unit.loc not in message.locs:
            message.locs.append(unit.loc)
        message.ids.append(unit.ctx)
        message.factsheet = message.factsheet or unit.factsheet
        for note in unit.notes:
            if note not in message.comments:
                message.comments.append(note)
    for message in out.values():
        if message.factsheet:
            message.comments.append("used by the factsheets")
    return list(out.values())


def load_contexts(root: Path) -> dict[tuple[str, str], str]:
    """translations/contexts.yml: English text that must be translated differently in one place.

    Each entry names the source file, the block's English text exactly as the
    template shows it, and a short context (what the translator asked for):

        - file: source/part-1/1-2.md
          text: "Tips"
          context: "hints for readers, not reports to a hotline"
    """
    from ..yamlfile import parse_yaml

    path = root / "translations" / "contexts.yml"
    if not path.is_file():
        return {}
    rel = "translations/contexts.yml"
    data = parse_yaml(path.read_text(encoding="utf-8"), rel) or []
    if not isinstance(data, list):
        raise PipelineError("expected a list of '- file: ..., text: ..., context: ...'", Loc(rel, 1))
    out: dict[tuple[str, str], str] = {}
    for index, entry in enumerate(data, start=1):
        if not isinstance(entry, dict) or not all(isinstance(entry.get(k), str) and entry.get(k)
                                                  for k in ("file", "text", "context")):
            raise PipelineError(f"entry {index}: expected 'file', 'text' and 'context', each a string", Loc(rel, 1))
        out[(entry["file"], entry["text"])] = entry["context"]
    return out


def assign_contexts(units: list[Unit], contexts: dict[tuple[str, str], str]) -> list[Unit]:
    for unit in units:
        unit.context = contexts.get((unit.loc.file, message_of(unit))) if contexts else None
    return units


def _header(po: polib.POFile, timestamp: str, lang: str | None = None) -> None:
    po.header = HEADER_COMMENT
    po.metadata = {
        "Project-Id-Version": f"Compendium {__version__}",
        "Report-Msgid-Bugs-To": "",
        "POT-Creation-Date": timestamp,
        "PO-Revision-Date": timestamp if lang else "YEAR-MO-DA HO:MI+ZONE",
        "Last-Translator": "",
        "Language-Team": "",
        "Language": lang or "",
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
    }
    if lang:
        po.metadata["Plural-Forms"] = plural_forms(lang)


def _entry(message: Message) -> polib.POEntry:
    return polib.POEntry(
        msgctxt=message.context,
        msgid=message.msgid,
        msgstr="",
        occurrences=[(loc.file, str(loc.line)) for loc in message.locs if loc.line],
        comment="\n".join(message.comments),
    )


def save_po(po: polib.POFile, path: Path) -> None:
    """Write a PO/POT file exactly as GNU gettext writes it, atomically.

    polib's own writer wraps long lines differently from gettext, so every
    save by Poedit or Weblate would rewrap the file: polib writes a draft and
    `msgcat` gives it gettext's form."""
    from .gettext import normalise

    # polib must not wrap anything itself: gettext keeps comment lines as they are
    # (polib would re-wrap them at every save, differently each time), and msgcat
    # wraps the strings and references.
    po.wrapwidth = 0
    with atomic_path(path) as tmp:
        draft = tmp.with_name(tmp.name + ".polib")
        try:
            po.save(str(draft))
            normalise(draft, tmp)
        finally:
            draft.unlink(missing_ok=True)


def pot_of(messages: list[Message], timestamp: str) -> polib.POFile:
    pot = polib.POFile(wrapwidth=79)
    _header(pot, timestamp)
    for message in messages:
        pot.append(_entry(message))
    return pot


def write_pot(messages: list[Message], path: Path, timestamp: str) -> int:
    save_po(pot_of(messages, timestamp), path)
    return len(messages)


def pot_text(messages: list[Message], timestamp: str) -> str:
    """The template as `write_pot` would write it (for `i18n extract --check`)."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "compendium.pot"
        write_pot(messages, path, timestamp)
        return path.read_text(encoding="utf-8")


def shown(path: Path) -> str:
    """How messages name a translations file: relative to the project (translations/fr.po)."""
    return f"{path.parent.name}/{path.name}" if path.parent.name == "translations" else str(path)


def read_po(path: Path, name: str | None = None) -> polib.POFile:
    """Parse a PO file with polib; any syntax error becomes one message with the file and line.

    `name` is how messages name the file (a path relative to the project);
    by default, the path as given. Stricter than polib alone, which reads
    some broken input without a word: a string must be closed on its line, a
    header line must be `Name: value`, and a message (context and source
    text) may appear once. The parsed file knows the line of each header
    field (`po.header_lines`), for messages about the header.
    """
    where = name or str(path)
    if not path.is_file():
        raise PipelineError(f"translation file '{where}' does not exist")
    text = read_source(path, where, limit=None, advice="PO files must be UTF-8")
    text_lines = text.split("\n")
    parser = _StrictParser(text_lines, where)
    try:
        po = parser.parse()
    except OSError as exc:  # polib's own syntax errors: "Syntax error in po file (line N)[: why]"
        m = re.search(r"line (\d+)", str(exc))
        line = int(m.group(1)) if m else 0
        if "unescaped double quote" in str(exc):
            raise PipelineError('a quote inside a string must be written \\"', Loc(where, line)) from None
        found = text_lines[line - 1].strip() if 0 < line <= len(text_lines) else ""
        raise PipelineError(f"unexpected text '{found[:40]}' (expected msgctxt, msgid, msgstr, "
                            "a quoted string or a # comment)", Loc(where, line)) from None
    po.wrapwidth = 78  # (what polib.pofile would set)
    header, header_lines = _header_fields(parser.header_pieces, where)
    _refuse_duplicates(po, parser.header_line, where)
    charset = re.search(r"charset=([^\s;]*)", header.get("Content-Type", ""))
    if charset and charset.group(1).strip().lower() not in ("utf-8", "utf8"):
        raise PipelineError(f"charset is '{charset.group(1)}'; expected UTF-8 (save the file as UTF-8 "
                            "and say so in the header)", Loc(where, header_lines.get("Content-Type", 1)))
    po.fpath = where
    po.header_lines = header_lines
    po.text_lines = text_lines  # for messages that point at a msgstr's own line
    return po


_STRING = re.compile(r'"(?:[^"\\]|\\.)*"$')
_HEADER_LINE = re.compile(r"[A-Za-z][A-Za-z0-9_-]*:")
# polib's state machine symbols, as a translator knows them
_KEYWORD_OF = {"ct": "msgctxt", "mi": "msgid", "mp": "msgid_plural", "ms": "msgstr", "mx": "msgstr[n]",
               "pc": "#| msgctxt", "pm": "#| msgid", "pp": "#| msgid_plural"}
_STATE_WORDS = {**_KEYWORD_OF, "st": "the start of the file", "he": "the header comment",
                "tc": "a comment", "gc": "a comment", "oc": "a #: reference", "fl": "a #, flags line",
                "mc": "a quoted string"}


class _StrictParser(polib._POFileParser):  # polib's own parser (private in polib 1.2: pinned in pyproject)
    """polib's parser, refusing what gettext's msgfmt refuses and polib lets through.

    polib reads a string by cutting its first and last character: an
    unclosed string loses its last character without a word. Each string is
    checked as polib meets it, on its own line; a keyword where polib's state
    machine has no transition is named. The header's lines and the line of
    each message's msgctxt or msgid are noted for later messages.
    """

    def __init__(self, lines: list[str], where: str) -> None:
        super().__init__("", encoding="utf-8", check_for_duplicates=False)  # ("": no file to open)
        self.fhandle = lines  # the text split on "\n" only, so polib counts lines as the editor does
        self.where = where
        self.header_pieces: list[tuple[int, str]] = []  # (line, unescaped piece) of the header's msgstr
        self.header_line = 0  # the header entry's msgid line
        self._header_entry: polib.POEntry | None = None

    def process(self, symbol: str) -> None:
        line = self.current_line
        if symbol in _KEYWORD_OF or symbol == "mc":
            what = _KEYWORD_OF.get(symbol) or f"the {_STATE_WORDS.get(self.current_state, 'string')} continued"
            value = self.current_token or ""
            if symbol == "mx":
                what = value.partition(" ")[0] or what
                value = value[value.find("]") + 1:].strip() if "]" in value else value
            if not value.startswith('"'):
                raise PipelineError(f"expected a quoted string after {what}, got '{value[:40]}'",
                                    Loc(self.where, line))
            if not _STRING.match(value):
                raise PipelineError(f"unterminated string after {what}: {value[:40]} (no closing quote, "
                                    "or an unescaped quote inside)", Loc(self.where, line))
        if (symbol, self.current_state) not in self.transitions:
            raise PipelineError(f"{_STATE_WORDS.get(symbol, symbol)} cannot follow "
                                f"{_STATE_WORDS.get(self.current_state, self.current_state)} here",
                                Loc(self.where, line))
        super().process(symbol)
        entry = self.current_entry
        if symbol in ("ct", "mi") and getattr(entry, "key_line", None) is None:
            entry.key_line = line  # where messages about this entry point
        if symbol == "ms" and entry.msgid == "" and entry.msgctxt is None and not entry.obsolete \
                and self._header_entry is None:
            self._header_entry, self.header_line = entry, getattr(entry, "key_line", line)
            self.header_pieces.append((line, entry.msgstr))
        elif symbol == "mc" and self.current_state == "ms" and entry is self._header_entry:
            self.header_pieces.append((line, polib.unescape(self.current_token[1:-1])))


def _refuse_duplicates(po: polib.POFile, header_line: int, where: str) -> None:
    """A message (context and source text) given twice: msgfmt refuses it, polib keeps both."""
    seen: dict[tuple[str, str], int] = {("", ""): header_line} if header_line else {}
    for entry in po:
        if entry.obsolete:
            continue
        key = (entry.msgctxt or "", entry.msgid)
        line = getattr(entry, "key_line", entry.linenum)
        if key in seen:
            said = f"msgctxt '{entry.msgctxt}'" if entry.msgctxt is not None else f"msgid '{entry.msgid[:40]}'"
            raise PipelineError(f"duplicate message {said} (first given on line {seen[key]})", Loc(where, line))
        seen[key] = line


def _header_fields(pieces: list[tuple[int, str]], where: str) -> tuple[dict[str, str], dict[str, int]]:
    """The header entry's msgstr: one `Name: value` per line; the fields and the line of each."""
    header: dict[str, str] = {}
    header_lines: dict[str, int] = {}
    line_of_text: list[tuple[int, str]] = []
    current, current_line = "", 0
    for number, piece in pieces:
        for part in re.split(r"(\n)", piece):
            if part == "\n":
                line_of_text.append((current_line, current))
                current, current_line = "", 0
            elif part:
                current_line = current_line or number
                current += part
    if current:
        line_of_text.append((current_line, current))
    for number, field_text in line_of_text:
        if not field_text.strip():
            continue
        if not _HEADER_LINE.match(field_text):
            raise PipelineError(f"broken header line '{field_text[:60]}': expected 'Name: value' "
                                "(like 'Language: fr')", Loc(where, number))
        name, _, value = field_text.partition(":")
        header[name] = value.strip()
        header_lines[name] = number
    return header, header_lines


def _comment(base: str, msgid: str, terms: list | None) -> str:  # type: ignore[type-arg]
    """The template's comment plus the termbase entries for the terms this message contains."""
    from .termbase import term_comment

    lines = [line for line in base.split("\n") if line and not line.startswith("Term: ")]
    return "\n".join(lines + (term_comment(terms, msgid) if terms else []))


def init_po(pot_path: Path, po_path: Path, lang: str, timestamp: str, terms: list | None = None) -> int:  # type: ignore[type-arg]
    if po_path.exists():
        raise PipelineError(f"'{shown(po_path)}' already exists; use `compendium i18n update` to bring it in step")
    pot = read_po(pot_path, shown(pot_path))
    po = polib.POFile(wrapwidth=79)
    _header(po, timestamp, lang)
    # the template's date, as msginit and msgmerge keep it: a later update then changes nothing
    po.metadata["POT-Creation-Date"] = pot.metadata.get("POT-Creation-Date", timestamp)
    for entry in pot:
        po.append(polib.POEntry(msgctxt=entry.msgctxt, msgid=entry.msgid, msgstr="",
                                occurrences=entry.occurrences, comment=_comment(entry.comment, entry.msgid, terms)))
    save_po(po, po_path)
    return len(po)


@dataclass
class UpdateResult:
    translated: int = 0
    fuzzy: int = 0
    untranslated: int = 0
    obsolete: int = 0


def update_po(pot_path: Path, po_path: Path, terms: list | None = None,  # type: ignore[type-arg]
              fuzzy_matching: bool = True) -> UpdateResult:
    """Merge the template into a PO file with `msgmerge --previous`, then add the termbase comments.

    The pairing is gettext's own: an unchanged text keeps its translation
    wherever it moved; a changed one is matched to its most similar former
    message and made fuzzy with the previous English (`#| msgid`); unused
    messages become obsolete (`#~`) and come back if their text does."""
    import tempfile

    from .gettext import merge

    read_po(pot_path, shown(pot_path))  # a broken template: one located message, before gettext sees it
    read_po(po_path, shown(po_path))
    with tempfile.TemporaryDirectory() as tmp:
        merged_path = Path(tmp) / po_path.name
        merge(po_path, pot_path, merged_path, fuzzy_matching)
        merged = polib.pofile(str(merged_path), encoding="utf-8", wrapwidth=79)
    result = UpdateResult()
    for entry in merged:
        if entry.obsolete:
            result.obsolete += 1
            continue
        entry.comment = _comment(entry.comment, entry.msgid, terms)
        if entry.fuzzy:
            result.fuzzy += 1
        elif entry.msgstr:
            result.translated += 1
        else:
            result.untranslated += 1
    save_po(merged, po_path)
    return result


@dataclass
class Counts:
    translated: int = 0
    fuzzy: int = 0
    untranslated: int = 0

    @property
    def total(self) -> int:
        return self.translated + self.fuzzy + self.untranslated

    def percent(self) -> float:
        return 100.0 * self.translated / self.total if self.total else 100.0

    def as_dict(self) -> dict[str, float | int]:
        return {"translated": self.translated, "fuzzy": self.fuzzy, "untranslated": self.untranslated,
                "total": self.total, "percent": round(self.percent(), 1)}


def status_of(messages: list[Message], po: polib.POFile) -> dict[str, Counts]:
    """Counts per group (front, part-1.., back, footnotes, book, theme, factsheets) and 'all'.

    A message missing from the PO file (the template is newer) counts as untranslated."""
    entries = {entry_key(entry): entry for entry in po if not entry.obsolete}
    groups: dict[str, Counts] = {}
    for message in messages:
        keys = {message.group, "all"} | ({"factsheets"} if message.factsheet else set())
        entry = entries.get(message.key)
        for key in keys:
            counts = groups.setdefault(key, Counts())
            if entry is None or not entry.msgstr:
                counts.untranslated += 1
            elif entry.fuzzy:
                counts.fuzzy += 1
            else:
                counts.translated += 1
    return groups
