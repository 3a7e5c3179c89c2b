"""source/ -> one document model.

The loader reads book.yml (reading order), icons.yml, sectors.yml, every
section file and footnotes.md. Anything it cannot make sense of stops the
load with a SourceError naming the file and line; everything it can read but
that is wrong (a dangling reference, a footnote never cited...) is left to
`checks/`, which report all findings at once.
"""

from __future__ import annotations

import datetime
import re
import string
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import SourceError
from .files import project_path, read_source
from .markdown import (
    FOOTNOTE_LABEL_RE,
    ID_RE,
    BlockContext,
    parse_blocks,
    parse_inline,
    refuse_footnotes,
    validate_id,
)
from .model import (
    Book,
    BookMeta,
    Footnote,
    Heading,
    Icon,
    Language,
    Loc,
    Part,
    Section,
    Sector,
    block_inlines,
    walk_blocks,
)
from .schema import BOOK, short, validate
from .timestamps import DATE_RANGE
from .yamlfile import Where, parse_yaml_located

ICON_TABLE = "icon-table"


def project_root_of(source_dir: Path) -> Path:
    return source_dir.resolve().parent


class _Reader:
    """Reads files of one source tree, naming them relative to the project."""

    def __init__(self, source_dir: Path) -> None:
        self.source_dir = source_dir.resolve()
        self.root = self.source_dir.parent
        self.files: list[str] = []

    def rel(self, path: Path) -> str:
        return project_path(path, self.root)

    def resolve(self, name: str, loc: Loc) -> Path:
        """A path named in a YAML file, which must stay inside source/."""
        if not isinstance(name, str) or not name:
            raise SourceError(f"expected a file name, got {short(name)}", loc)
        path = (self.source_dir / name).resolve()
        if not path.is_relative_to(self.source_dir):
            raise SourceError(f"'{name}' points outside the source folder", loc)
        return path

    def read(self, path: Path, loc: Loc | None = None) -> str:
        rel = self.rel(path)
        if path.is_dir():
            raise SourceError(f"'{rel}' is a folder; expected a file", loc or Loc(rel))
        if not path.is_file():
            raise SourceError(f"file '{rel}' does not exist", loc or Loc(rel))
        text = read_source(path, rel)
        if not text.strip():
            raise SourceError("file is empty", Loc(rel, 1))
        self.files.append(rel)
        return text

    def yaml(self, path: Path, loc: Loc | None = None) -> tuple[Any, Where]:
        text = self.read(path, loc)
        rel = self.rel(path)
        data, lines = parse_yaml_located(text, rel)
        return data, Where(rel, lines)


def _expect(mapping: dict, key: str, kind: type | tuple[type, ...], loc: Loc, what: str,
            required: bool = True, default: Any = None) -> Any:
    if key not in mapping:
        if required:
            raise SourceError(f"{what}: missing key '{key}'", loc)
        return default
    value = mapping[key]
    if value is None and kind is not type(None):
        hint = (
            " (quote a colour: an unquoted '#' starts a YAML comment, as in colour: \"#1b5e8c\")"
            if key in ("colour", "color")
            else ""
        )
        raise SourceError(f"{what}: '{key}' has no value{hint}", loc)
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        expected = {
            "str": "text",
            "list": "a list",
            "dict": "a mapping",
            "int": "a whole number",
        }.get(names, names)
        raise SourceError(
            f"{what}: '{key}' should be {expected}, got {type(value).__name__} {short(value)}", loc
        )
    return value


def split_front_matter(text: str, file: str) -> tuple[dict, str, int]:
    """Return (front matter, body, line number of the body's first line)."""
    meta, _where, body, body_line = _split_front_matter(text, file)
    return meta, body, body_line


def _split_front_matter(text: str, file: str) -> tuple[dict, Where, str, int]:
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        raise SourceError(
            "expected YAML front matter: the file must start with a line '---'", Loc(file, 1)
        )
    for i in range(1, len(lines)):
        if lines[i].strip() == "---":
            meta, where = parse_yaml_located("\n".join(lines[1:i]), file, first_line=2)
            if meta is None:
                meta = {}
            if not isinstance(meta, dict):
                raise SourceError("front matter must be a mapping of keys to values", Loc(file, 2))
            return meta, Where(file, where), "\n".join(lines[i + 1 :]), i + 2
    raise SourceError("front matter is not closed: expected a second line '---'", Loc(file, 1))


class Loader:
    def __init__(self, source_dir: Path) -> None:
        self.reader = _Reader(source_dir)
        self.icons: dict[str, Icon] = {}
        self.sectors: dict[str, Sector] = {}
        self.theme_icons_dir: Path | None = None

    # -- YAML files -------------------------------------------------------

    def load_icons(self) -> dict[str, Icon]:
        path = self.reader.source_dir / "icons.yml"
        data, where = self.reader.yaml(path)
        if not isinstance(data, list) or not data:
            raise SourceError("icons.yml: expected a list of icon types", where())
        icons: dict[str, Icon] = {}
        for n, entry in enumerate(data):
            if not isinstance(entry, dict):
                raise SourceError(
                    "icons.yml: each icon type is a mapping (id, label, ...)", where(n)
                )
            iid = entry.get("id")
            what = f"icon '{iid}'" if isinstance(iid, str) and iid else "icon"

            def at(key: str, n: int = n) -> Loc:
                return where(n, key)

            iid = _expect(entry, "id", str, at("id"), what)
            if not ID_RE.match(iid):
                raise SourceError(
                    f"icon id '{iid}' must be lower case letters, digits and hyphens", at("id")
                )
            if iid in icons:
                raise SourceError(
                    f"duplicate icon id '{iid}' (first given on line {icons[iid].loc.line})",
                    at("id"),
                )
            colour = _expect(entry, "colour", str, at("colour"), what)
            if not re.fullmatch(r"#[0-9a-fA-F]{6}", colour):
                raise SourceError(
                    f"{what}: colour '{colour}' should be like '#1b5e8c'", at("colour")
                )
            svg = _expect(entry, "svg", str, at("svg"), what)
            if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*\.svg", svg):
                raise SourceError(
                    f"{what}: svg '{svg}' should be a file name like 'tips.svg' "
                    "(a file in the theme's icons/ folder)",
                    at("svg"),
                )
            unknown = set(entry) - {"id", "label", "description", "svg", "colour"}
            if unknown:
                first = sorted(map(str, unknown))[0]
                raise SourceError(
                    f"{what}: unknown key(s) {', '.join(sorted(map(str, unknown)))} "
                    "(expected id, label, description, svg, colour)",
                    at(first),
                )
            icons[iid] = Icon(
                iid,
                _expect(entry, "label", str, at("label"), what),
                _expect(entry, "description", str, at("description"), what).strip(),
                svg,
                colour,
                at("id"),
            )
        return icons

    def load_sectors(self) -> dict[str, Sector]:
        path = self.reader.source_dir / "sectors.yml"
        data, where = self.reader.yaml(path)
        rel = where.file
        if not isinstance(data, dict) or not data:
            raise SourceError("sectors.yml: expected a mapping of sector ids to sectors", where())
        sectors: dict[str, Sector] = {}
        for sid, entry in data.items():
            loc = where(sid)
            if not isinstance(sid, str) or not ID_RE.match(sid):
                raise SourceError(
                    f"sector id '{sid}' must be lower case letters, digits and hyphens", loc
                )
            if not isinstance(entry, dict):
                raise SourceError(f"sector '{sid}': expected a mapping (title, colour, intro)", loc)
            what = f"sector '{sid}'"

            def at(key: str, sid: str = sid) -> Loc:
                return where(sid, key)

            intro_text = _expect(entry, "intro", str, at("intro"), what, required=False, default="")
            intro = (
                parse_blocks(
                    _dedent(intro_text),
                    BlockContext(rel, _block_scalar_first_line(at("intro").line, intro_text),
                                 f"sector.{sid}.intro", self._is_known_box, ", ".join(self.icons)),
                )
                if intro_text.strip()
                else []
            )
            for block in walk_blocks(intro):
                for _loc, run in block_inlines(block):
                    refuse_footnotes(run, f"sector '{sid}''s introduction")
            colour = _expect(entry, "colour", str, at("colour"), what)
            if not re.fullmatch(r"#[0-9a-fA-F]{6}", colour):
                raise SourceError(
                    f"{what}: colour '{colour}' should be like '#2e7d4f'", at("colour")
                )
            unknown = set(entry) - {"title", "short_title", "colour", "factsheet", "intro"}
            if unknown:
                first = sorted(map(str, unknown))[0]
                raise SourceError(
                    f"{what}: unknown key(s) {', '.join(sorted(map(str, unknown)))} "
                    "(expected title, short_title, colour, factsheet, intro)",
                    at(first),
                )
            title = _expect(entry, "title", str, at("title"), what)
            sectors[sid] = Sector(
                sid,
                title,
                _expect(
                    entry,
                    "short_title",
                    str,
                    at("short_title"),
                    what,
                    required=False,
                    default=title,
                ),
                colour,
                intro,
                loc,
                bool(
                    _expect(
                        entry,
                        "factsheet",
                        bool,
                        at("factsheet"),
                        what,
                        required=False,
                        default=False,
                    )
                ),
            )
        return sectors

    def _is_known_box(self, name: str) -> bool:
        return name in self.icons

    # -- Markdown files ---------------------------------------------------

    def load_section(self, path: Path, kind: str, listed_at: Loc) -> Section:
        text = self.reader.read(path, listed_at)
        rel = self.reader.rel(path)
        meta, where, body, body_line = _split_front_matter(text, rel)
        loc = Loc(rel, 1)
        what = "front matter"
        sid = _expect(meta, "id", str, where("id"), what)
        validate_id(sid, where("id"))
        title = _expect(meta, "title", str, where("title"), what)
        number = meta.get("number", "")
        if number is None:
            number = ""
        if not isinstance(number, str | int) or isinstance(number, bool):
            raise SourceError(
                f"front matter: 'number' should be text like \"1.3\", got {short(number)}",
                where("number"),
            )
        sectors = _expect(meta, "sectors", list, where("sectors"), what)
        if not sectors:
            raise SourceError(
                f"front matter: 'sectors' lists no sector (known: {', '.join(self.sectors)})",
                where("sectors"),
            )
        for n, s in enumerate(sectors):
            if not isinstance(s, str):
                raise SourceError(
                    f"front matter: 'sectors' should list sector ids, found {short(s)}",
                    where("sectors", n),
                )
            if self.sectors and s not in self.sectors:
                raise SourceError(
                    f"unknown sector '{s}' (known: {', '.join(self.sectors)})", where("sectors", n)
                )
        unknown = set(meta) - {"id", "title", "number", "sectors"}
        if unknown:
            first = sorted(map(str, unknown))[0]
            raise SourceError(
                f"front matter: unknown key(s) {', '.join(sorted(map(str, unknown)))} "
                "(expected id, number, title, sectors)",
                where(first),
            )
        blocks = parse_blocks(
            body,
            BlockContext(rel, body_line, sid, self._is_known_box, ", ".join(self.icons)),
        )
        title_inlines = parse_inline(title, where("title"))
        return Section(sid, title, str(number), list(sectors), blocks, loc, kind, title_inlines)

    def load_footnotes(self, path: Path, listed_at: Loc) -> list[Footnote]:
        text = self.reader.read(path, listed_at)
        rel = self.reader.rel(path)
        notes: list[Footnote] = []
        seen: dict[str, int] = {}
        for lineno, line in enumerate(text.split("\n"), start=1):
            if not line.strip():
                continue
            m = re.match(r"^\[\^([^\]\s]+)\]:\s*(.*)$", line)
            if not m:
                raise SourceError(
                    "expected a footnote definition '[^label]: text' (one per line)",
                    Loc(rel, lineno),
                )
            label, body = m.group(1), m.group(2).strip()
            loc = Loc(rel, lineno)
            if not FOOTNOTE_LABEL_RE.match(label):
                raise SourceError(
                    f"footnote label '{label}' must be lower case letters or digits", loc
                )
            if label in seen:
                raise SourceError(
                    f"footnote '{label}' is defined twice (first on line {seen[label]})", loc
                )
            if not body:
                raise SourceError(f"footnote '{label}' has no text", loc)
            seen[label] = lineno
            notes.append(Footnote(label, parse_inline(body, loc), loc, f"fn-{label}"))
        return notes

    # -- The book -----------------------------------------------------------

    def load(self) -> Book:
        data, where = _read_book_yml(self.reader)
        rel = where.file
        at = where

        self.icons = self.load_icons()
        self.sectors = sectors = self.load_sectors()

        languages: list[Language] = []
        for n, entry in enumerate(data["languages"]):
            loc = at("languages", n)
            code = entry["code"]
            if any(lang.code == code for lang in languages):
                raise SourceError(f"language '{code}' is listed twice", loc)
            languages.append(Language(code, entry["name"], entry["status"], loc))

        listed: dict[Path, Loc] = {}

        def listed_path(name: Any, *path: str | int) -> tuple[Path, Loc]:
            loc = at(*path)
            file = self.reader.resolve(name, loc)
            if file in listed:
                raise SourceError(
                    f"'{name}' is listed twice in the reading order "
                    f"(also line {listed[file].line})",
                    loc,
                )
            listed[file] = loc
            return file, loc

        about: list = []
        if "about" in data:
            about_path, about_loc = listed_path(data["about"], "about")
            about = self.load_section(about_path, "about", about_loc).blocks

        year = data["year"]
        raw_date = data["date"]
        date = raw_date.isoformat() if isinstance(raw_date, datetime.date) else raw_date
        try:
            parsed_date = datetime.date.fromisoformat(date)
        except ValueError:
            raise SourceError(f"book.yml: 'date' {date} is not a calendar date", at("date")) from None
        # Dates become PDF and EPUB timestamps (seconds since 1970, four-digit
        # years in XMP): outside this range they are refused here, with the line.
        if not DATE_RANGE[0] <= parsed_date <= DATE_RANGE[1]:
            raise SourceError(f"book.yml: 'date' {date} is outside {DATE_RANGE[0]}..{DATE_RANGE[1]}",
                              at("date"))
        if not DATE_RANGE[0].year <= year <= DATE_RANGE[1].year:
            raise SourceError(f"book.yml: 'year' {year} is outside {DATE_RANGE[0].year}..{DATE_RANGE[1].year}",
                              at("year"))
        meta = BookMeta(
            title=data["title"],
            subtitle=data["subtitle"],
            publisher=data["publisher"],
            publisher_unit=data.get("publisher_unit", ""),
            year=year,
            date=date,
            language=data["language"],
            author=data.get("author", data["publisher"]),
            subject=data.get("subject", ""),
            keywords=data.get("keywords", []),
            languages=languages,
            about=about,
            loc=Loc(rel, 1),
            rights=data.get("rights", ""),
            address=data.get("address", ""),
            publication_url=data.get("publication_url", ""),
            key_locs={**{str(key): at(key) for key in data},
                      **{f"keywords.{n + 1}": at("keywords", n) for n in range(len(data.get("keywords", [])))}},
        )
        contents = data["contents"]

        front: list[Section] = []
        icon_table_after = ""
        for n, name in enumerate(contents.get("front", [])):
            if name == ICON_TABLE:
                icon_table_after = front[-1].id if front else ""
                continue
            path, loc = listed_path(name, "contents", "front", n)
            front.append(self.load_section(path, "front", loc))

        parts: list[Part] = []
        for n, entry in enumerate(contents["parts"]):
            path, loc = listed_path(entry["opener"], "contents", "parts", n, "opener")
            opener = self.load_section(path, "part", loc)
            sections = []
            for m, name in enumerate(entry.get("sections", [])):
                spath, sloc = listed_path(name, "contents", "parts", n, "sections", m)
                sections.append(self.load_section(spath, "section", sloc))
            parts.append(Part(opener, sections))

        back: list[Section] = []
        for n, name in enumerate(contents.get("back", [])):
            path, loc = listed_path(name, "contents", "back", n)
            back.append(self.load_section(path, "back", loc))

        footnotes: list[Footnote] = []
        if "footnotes" in contents:
            path, loc = listed_path(contents["footnotes"], "contents", "footnotes")
            footnotes = self.load_footnotes(path, loc)

        self._check_unlisted(listed)
        book = Book(meta, front, parts, back, footnotes, self.icons, sectors,
                    files=sorted(set(self.reader.files)), icon_table_after=icon_table_after)
        _letter_subheadings(book)
        from .factsheets import load_factsheets

        book.factsheets = load_factsheets(self.reader.source_dir, book)
        book.files = sorted(set(book.files) | {sheet.loc.file for sheet in book.factsheets.values()})
        return book

    def _check_unlisted(self, listed: dict[Path, Loc]) -> None:
        """A Markdown file under source/ that book.yml does not list would be silently dropped."""
        src = self.reader.source_dir
        skip = {"README.md", "EDITORIAL.md"}
        for path in sorted(src.rglob("*.md")):
            if path.name in skip and path.parent == src:
                continue
            if path.resolve() not in listed:
                raise SourceError(
                    f"'{self.reader.rel(path)}' is not listed in book.yml (contents or about); "
                    "add it to the reading order or move it out of source/",
                    Loc(self.reader.rel(src / "book.yml"), 1),
                )


def _letter_subheadings(book: Book) -> None:
    """Letter the sub-headings of numbered sections: a), b), c)... (part of
    loading: the letters are the source's numbering, which every edition prints)."""
    for part in book.parts:
        for section in part.sections:
            if not section.number:
                continue
            letters = iter(string.ascii_lowercase)
            for block in section.blocks:  # top level only: headings inside boxes are not lettered
                if isinstance(block, Heading) and block.level == 2:
                    block.letter = next(letters, "")


def _block_scalar_first_line(key_line: int, value: str) -> int:
    """The line where a YAML value's text starts: the key's own line for a
    one-line value, the next line for a block scalar (`intro: |`)."""
    return key_line + 1 if "\n" in value.rstrip("\n") or value.endswith("\n") else key_line


def _dedent(text: str) -> str:
    return "\n".join(line.strip() for line in text.split("\n"))


def _read_book_yml(reader: _Reader) -> tuple[dict[str, Any], Where]:
    """book.yml, parsed and checked against the schema (every key's type, and whether
    it may be there at all) before anything it names is read."""
    if not reader.source_dir.is_dir():
        raise SourceError(f"source folder '{reader.source_dir}' does not exist")
    data, where = reader.yaml(reader.source_dir / "book.yml")
    validate(data, BOOK, where)
    return data, where


@dataclass(frozen=True)
class BookHeader:
    """What book.yml says of the book itself, read without loading its files:
    for the commands and the build, which need the languages before the book."""

    title: str
    language: str  # the source language
    languages: list[str]  # every language's code, in book.yml's order


def read_book_header(source_dir: Path | str = "source") -> BookHeader:
    """book.yml's title and languages, through the one reader and the one schema
    (a file that does not fit is refused with the same message the loader gives)."""
    source_dir = Path(source_dir)
    from .errors import show_paths_from

    show_paths_from(project_root_of(source_dir))
    data, _where = _read_book_yml(_Reader(source_dir))
    return BookHeader(data["title"], data["language"], [entry["code"] for entry in data["languages"]])


def book_languages(source_dir: Path | str = "source") -> tuple[list[str], str]:
    """The language codes book.yml lists, and the source language."""
    header = read_book_header(source_dir)
    return header.languages, header.language


def load_book(source_dir: Path | str = "source") -> Book:
    """Load the book under `source_dir`; raises SourceError on the first unreadable thing."""
    from .errors import show_paths_from

    # Locations are relative to the project; messages show them from the cwd.
    show_paths_from(project_root_of(Path(source_dir)))
    return Loader(Path(source_dir)).load()
