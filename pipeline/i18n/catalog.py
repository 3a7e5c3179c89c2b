"""The translators' files: translations/compendium.pot and translations/<lang>.po.

extract  the model (and theme, factsheets) -> the template, one message per unit
init     a new language's PO file from the template
update   every PO file brought in step with the template, the way msgmerge does:
         translations kept; a changed source makes the message fuzzy with its
         previous source recorded (#| msgid); a removed one becomes obsolete
status   translated / fuzzy / untranslated per language and per part

Layout: one flat PO file per language, `translations/fr.po`, which is what
Poedit, Weblate and Lokalize open directly.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import polib
from babel import Locale, UnknownLocaleError

from .. import __version__
from ..errors import PipelineError
from ..model import Loc
from ..render.atomic import atomic_path
from .inline import to_markdown
from .units import Unit

HEADER_COMMENT = (
    "Translations of the UNODC Compendium of Promising Practices on Public-Private\n"
    "Partnerships to Prevent and Counter Trafficking in Persons.\n"
    "Each message is one block of the book; its context (msgctxt) is the block's stable id.\n"
    "Keep footnote references [^xii], links [text](https://...) and cross-references [](#id)\n"
    "exactly as they are; translate the text around them and the text inside [ ]."
)


def message_of(unit: Unit) -> str:
    return to_markdown(unit.inlines) if unit.inlines is not None else unit.text


@dataclass
class Message:
    ctx: str
    msgid: str
    locs: list[Loc]
    group: str
    comments: list[str] = field(default_factory=list)


def messages_of(units: Iterable[Unit]) -> list[Message]:
    out: dict[str, Message] = {}
    for unit in units:
        msgid = message_of(unit)
        if not msgid.strip():
            continue
        if unit.ctx in out:
            raise PipelineError(f"two translatable units share the id '{unit.ctx}'", unit.loc)
        comments = ["used by the factsheets"] if unit.factsheet else []
        out[unit.ctx] = Message(unit.ctx, msgid, [unit.loc], unit.group, comments)
    return list(out.values())


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


def plural_forms(lang: str) -> str:
    try:
        locale = Locale.parse(lang.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        raise PipelineError(f"unknown language '{lang}' (expected a code like fr, ar, zh-Hans)") from None
    return _PLURALS.get(locale.language, "nplurals=2; plural=(n != 1);")


# gettext's Plural-Forms for the UN languages (Babel knows the rules but not this syntax).
_PLURALS = {
    "en": "nplurals=2; plural=(n != 1);",
    "fr": "nplurals=2; plural=(n > 1);",
    "es": "nplurals=2; plural=(n != 1);",
    "ru": "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);",
    "ar": "nplurals=6; plural=(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : n%100>=11 ? 4 : 5);",
    "zh": "nplurals=1; plural=0;",
}


def _entry(message: Message, root: Path) -> polib.POEntry:
    return polib.POEntry(
        msgctxt=message.ctx,
        msgid=message.msgid,
        msgstr="",
        occurrences=[(loc.file, str(loc.line)) for loc in message.locs if loc.line],
        comment="\n".join(message.comments),
    )


def write_pot(messages: list[Message], path: Path, timestamp: str) -> int:
    pot = polib.POFile(wrapwidth=79)
    _header(pot, timestamp)
    for message in messages:
        pot.append(_entry(message, path.parent))
    with atomic_path(path) as tmp:
        pot.save(str(tmp))
    return len(messages)


def shown(path: Path) -> str:
    """How messages name a translations file: relative to the project (translations/fr.po)."""
    return f"{path.parent.name}/{path.name}" if path.parent.name == "translations" else str(path)


def read_po(path: Path, name: str | None = None) -> polib.POFile:
    """Parse a PO file; any syntax error becomes one message with the file and line.

    `name` is how messages name the file (a path relative to the project);
    by default, the path as given. Stricter than polib, which skips over some
    broken input: a string must be closed on its line, a header line must be
    `Name: value`, and a message (context and source text) may appear once.
    The parsed file knows the line of each header field (`po.header_lines`),
    for messages about the header.
    """
    where = name or str(path)
    if not path.is_file():
        raise PipelineError(f"translation file '{where}' does not exist")
    raw = path.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        raise PipelineError("starts with a byte order mark (BOM); save as UTF-8 without BOM", Loc(where, 1))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PipelineError(
            f"not valid UTF-8 (byte 0x{raw[exc.start]:02x}); PO files must be UTF-8",
            Loc(where, raw[: exc.start].count(b"\n") + 1),
        ) from None
    if "\0" in text:
        line = text[: text.index("\0")].count("\n") + 1
        raise PipelineError("contains NUL characters (a binary file?)", Loc(where, line))
    lexed = _lex_po(text, where)
    charset = re.search(r"charset=([^\s;]*)", lexed.header.get("Content-Type", ""))
    if charset and charset.group(1).strip().lower() not in ("utf-8", "utf8"):
        raise PipelineError(f"charset is '{charset.group(1)}'; expected UTF-8 (save the file as UTF-8 "
                            "and say so in the header)", Loc(where, lexed.header_lines.get("Content-Type", 1)))
    try:
        po = polib.pofile(text, encoding="utf-8", check_for_duplicates=True)
    except (OSError, ValueError) as exc:
        message = str(exc)
        m = re.search(r"line (\d+)", message)
        line = int(m.group(1)) if m else 0
        message = re.sub(r"^Syntax error in po file(?: \(line \d+\))?:?\s*", "", message) or "syntax error"
        raise PipelineError(f"invalid PO file: {message}", Loc(where, line)) from None
    po.fpath = where
    po.header_lines = lexed.header_lines
    return po


@dataclass
class _Lexed:
    header: dict[str, str] = field(default_factory=dict)
    header_lines: dict[str, int] = field(default_factory=dict)


_KEYWORD = re.compile(r"(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)(?:\s+(.*))?$")
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"$')
_HEADER_LINE = re.compile(r"[A-Za-z][A-Za-z0-9_-]*:")


def _lex_po(text: str, where: str) -> _Lexed:
    """One pass over the file's lines: refuse what gettext's msgfmt refuses and
    polib lets through (an unclosed string, a duplicate message, a header line
    that is not `Name: value`), and note the lines later messages point to."""
    out = _Lexed()
    seen: dict[tuple[str, str], int] = {}
    fields: dict[str, list[str]] = {}
    starts: dict[str, int] = {}
    field_lines: list[tuple[int, str]] = []  # (line, unescaped piece) of the current field
    keyword = ""

    def check_string(value: str, number: int, what: str) -> str:
        if not value.startswith('"'):
            raise PipelineError(f"expected a quoted string after {what}, got '{value[:40]}'", Loc(where, number))
        if not _STRING.match(value):
            raise PipelineError(f"unterminated string after {what}: {value[:40]} (no closing quote, "
                                "or an unescaped quote inside)", Loc(where, number))
        return polib.unescape(value[1:-1])

    def finish_entry() -> None:
        ctx = "".join(fields.get("msgctxt", [""]))
        msgid = "".join(fields.get("msgid", [""]))
        if "msgid" not in fields:
            return
        key = (ctx, msgid)
        first = starts.get("msgctxt", starts["msgid"])
        if key in seen:
            said = f"msgctxt '{ctx}'" if "msgctxt" in fields else f"msgid '{msgid[:40]}'"
            raise PipelineError(f"duplicate message {said} (first given on line {seen[key]})", Loc(where, first))
        seen[key] = first
        if key == ("", "") and "msgctxt" not in fields:
            _header_fields(header_pieces, out, where)

    header_pieces: list[tuple[int, str]] = []
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue  # comments, obsolete and previous messages: polib's own checks apply
        match = _KEYWORD.match(line)
        if match:
            word = match.group(1)
            if word in ("msgctxt", "msgid") and keyword.startswith("msgstr"):
                finish_entry()
                fields, starts = {}, {}
            if word in fields:
                raise PipelineError(f"{word} given twice in one message (also line {starts[word]})", Loc(where, number))
            keyword = word
            fields[word] = [check_string((match.group(2) or "").strip(), number, word)]
            starts[word] = number
            field_lines = [(number, fields[word][0])]
            if word == "msgstr":
                header_pieces = field_lines
        elif line.startswith('"'):
            if not keyword:
                raise PipelineError("a quoted string outside any message", Loc(where, number))
            piece = check_string(line, number, f"the {keyword} continued")
            fields[keyword].append(piece)
            field_lines.append((number, piece))
        else:
            raise PipelineError(f"unexpected text '{line[:40]}' (expected msgctxt, msgid, msgstr, "
                                "a quoted string or a # comment)", Loc(where, number))
    if keyword:
        finish_entry()
    return out


def _header_fields(pieces: list[tuple[int, str]], out: _Lexed, where: str) -> None:
    """The header entry's msgstr: one `Name: value` per line, each line noted."""
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
        out.header[name] = value.strip()
        out.header_lines[name] = number


def _comment(base: str, msgid: str, terms: list | None) -> str:  # type: ignore[type-arg]
    """The template's comment plus the termbase entries for the terms this message contains."""
    from ..checks.terms import term_comment

    lines = [line for line in base.split("\n") if line and not line.startswith("Term: ")]
    return "\n".join(lines + (term_comment(terms, msgid) if terms else []))


def init_po(pot_path: Path, po_path: Path, lang: str, timestamp: str, terms: list | None = None) -> int:  # type: ignore[type-arg]
    if po_path.exists():
        raise PipelineError(f"'{shown(po_path)}' already exists; use `compendium i18n update` to bring it in step")
    pot = read_po(pot_path, shown(pot_path))
    po = polib.POFile(wrapwidth=79)
    _header(po, timestamp, lang)
    for entry in pot:
        po.append(polib.POEntry(msgctxt=entry.msgctxt, msgid=entry.msgid, msgstr="",
                                occurrences=entry.occurrences, comment=_comment(entry.comment, entry.msgid, terms)))
    with atomic_path(po_path) as tmp:
        po.save(str(tmp))
    return len(po)


@dataclass
class UpdateResult:
    kept: int = 0
    fuzzy: int = 0
    new: int = 0
    obsolete: int = 0


def update_po(pot_path: Path, po_path: Path, terms: list | None = None) -> UpdateResult:  # type: ignore[type-arg]
    """Merge the template into a PO file (msgmerge's rules, keyed on the stable ids)."""
    pot = read_po(pot_path, shown(pot_path))
    po = read_po(po_path, shown(po_path))
    old = {entry.msgctxt: entry for entry in po if not entry.obsolete}
    by_source = {entry.msgid: entry for entry in po if entry.msgstr and not entry.obsolete and not entry.fuzzy}
    result = UpdateResult()
    merged = polib.POFile(wrapwidth=79)
    merged.header = po.header
    merged.metadata = dict(po.metadata)
    merged.metadata["POT-Creation-Date"] = pot.metadata.get("POT-Creation-Date", "")
    for ref in pot:
        entry = polib.POEntry(msgctxt=ref.msgctxt, msgid=ref.msgid, msgstr="",
                              occurrences=ref.occurrences, comment=_comment(ref.comment, ref.msgid, terms))
        previous = old.pop(ref.msgctxt, None)
        if previous is not None:
            entry.tcomment = previous.tcomment
        if previous is not None and previous.msgid == ref.msgid:
            entry.msgstr = previous.msgstr
            entry.flags = list(previous.flags)
            entry.previous_msgid = previous.previous_msgid
            result.kept += 1
        elif previous is not None and previous.msgstr:
            entry.msgstr = previous.msgstr
            entry.flags = ["fuzzy"]
            entry.previous_msgid = previous.msgid
            result.fuzzy += 1
        elif ref.msgid in by_source:
            # the same text moved to another id: its translation still holds
            entry.msgstr = by_source[ref.msgid].msgstr
            result.kept += 1
        else:
            result.new += 1
        merged.append(entry)
    for gone in old.values():
        if gone.msgstr:
            gone.obsolete = True
            merged.append(gone)
            result.obsolete += 1
    for entry in po:
        if entry.obsolete and entry.msgctxt not in {e.msgctxt for e in merged}:
            merged.append(entry)
    with atomic_path(po_path) as tmp:
        merged.save(str(tmp))
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
    """Counts per group (front, part-1.., back, footnotes, book, theme, factsheets) and 'all'."""
    entries = {entry.msgctxt: entry for entry in po if not entry.obsolete}
    groups: dict[str, Counts] = {}
    for message in messages:
        keys = {message.group, "all"} | ({"factsheets"} if message.comments else set())
        entry = entries.get(message.ctx)
        for key in keys:
            counts = groups.setdefault(key, Counts())
            if entry is None or not entry.msgstr or entry.msgid != message.msgid:
                if entry is not None and entry.msgstr:
                    counts.fuzzy += 1
                else:
                    counts.untranslated += 1
            elif entry.fuzzy:
                counts.fuzzy += 1
            else:
                counts.translated += 1
    return groups
