"""source/ -> one document model.

The loader reads book.yml (reading order), icons.yml, sectors.yml, every
section file and footnotes.md. Anything it cannot make sense of stops the
load with a SourceError naming the file and line; everything it can read but
that is wrong (a dangling reference, a footnote never cited...) is left to
`checks/`, which report all findings at once.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from .errors import SourceError
from .markdown import (
    FOOTNOTE_LABEL_RE,
    ID_RE,
    BlockContext,
    parse_blocks,
    parse_inline,
)
from .model import (
    Book,
    BookMeta,
    Footnote,
    Icon,
    Language,
    Loc,
    Part,
    Section,
    Sector,
)
from .yamlfile import parse_yaml

# A source file larger than this is almost certainly a mistake (a pasted
# binary, a runaway generator); refusing it keeps the pipeline responsive.
MAX_SOURCE_BYTES = 2 * 1024 * 1024
ICON_TABLE = "icon-table"
_BCP47_RE = re.compile(r"^[a-z]{2,3}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?$")


def project_root_of(source_dir: Path) -> Path:
    return source_dir.resolve().parent


class _Reader:
    """Reads files of one source tree, naming them relative to the project."""

    def __init__(self, source_dir: Path) -> None:
        self.source_dir = source_dir.resolve()
        self.root = self.source_dir.parent
        self.files: list[str] = []

    def rel(self, path: Path) -> str:
        try:
            return str(path.resolve().relative_to(self.root))
        except ValueError:
            return str(path)

    def resolve(self, name: str, loc: Loc) -> Path:
        """A path named in a YAML file, which must stay inside source/."""
        if not isinstance(name, str) or not name:
            raise SourceError(f"expected a file name, got {name!r}", loc)
        path = (self.source_dir / name).resolve()
        if not path.is_relative_to(self.source_dir):
            raise SourceError(f"'{name}' points outside the source folder", loc)
        return path

    def read(self, path: Path, loc: Loc | None = None) -> str:
        rel = self.rel(path)
        if not path.is_file():
            raise SourceError(f"file '{rel}' does not exist", loc or Loc(rel))
        size = path.stat().st_size
        if size > MAX_SOURCE_BYTES:
            raise SourceError(
                f"file is {size / 1048576:.1f} MB; a source file may be at most "
                f"{MAX_SOURCE_BYTES // 1048576} MB",
                Loc(rel, 1),
            )
        data = path.read_bytes()
        if data.startswith(b"\xef\xbb\xbf"):
            raise SourceError("file starts with a byte order mark (BOM); save it as UTF-8 without BOM", Loc(rel, 1))
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise SourceError(
                f"not valid UTF-8 (byte 0x{data[exc.start]:02x}); save the file as UTF-8",
                Loc(rel, line),
            ) from None
        if not text.strip():
            raise SourceError("file is empty", Loc(rel, 1))
        if "\x00" in text:
            raise SourceError("file contains NUL characters (is it a binary file?)", Loc(rel, text[: text.index("\x00")].count("\n") + 1))
        self.files.append(rel)
        return text.replace("\r\n", "\n")

    def yaml(self, path: Path, loc: Loc | None = None) -> tuple[Any, str]:
        text = self.read(path, loc)
        rel = self.rel(path)
        return parse_yaml(text, rel), rel


def _expect(mapping: dict, key: str, kind: type | tuple[type, ...], loc: Loc, what: str,
            required: bool = True, default: Any = None) -> Any:
    if key not in mapping:
        if required:
            raise SourceError(f"{what}: missing key '{key}'", loc)
        return default
    value = mapping[key]
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        expected = {"str": "text", "list": "a list", "dict": "a mapping", "int": "a whole number"}.get(names, names)
        raise SourceError(
            f"{what}: '{key}' should be {expected}, got {type(value).__name__} {value!r:.40}", loc
        )
    return value


def _key_line(text: str, key: str, default: int = 1) -> int:
    m = re.search(rf"^\s*-?\s*{re.escape(key)}\s*:", text, re.M)
    return text[: m.start()].count("\n") + 1 if m else default


def split_front_matter(text: str, file: str) -> tuple[dict, str, int]:
    """Return (front matter, body, line number of the body's first line)."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        raise SourceError("expected YAML front matter: the file must start with a line '---'", Loc(file, 1))
    for i in range(1, len(lines)):
        if lines[i].strip() == "---":
            meta = parse_yaml("\n".join(lines[1:i]), file, first_line=2)
            if meta is None:
                meta = {}
            if not isinstance(meta, dict):
                raise SourceError("front matter must be a mapping of keys to values", Loc(file, 2))
            return meta, "\n".join(lines[i + 1 :]), i + 2
    raise SourceError("front matter is not closed: expected a second line '---'", Loc(file, 1))


class Loader:
    def __init__(self, source_dir: Path) -> None:
        self.reader = _Reader(source_dir)
        self.icons: dict[str, Icon] = {}
        self.theme_icons_dir: Path | None = None

    # -- YAML files -------------------------------------------------------

    def load_icons(self) -> dict[str, Icon]:
        path = self.reader.source_dir / "icons.yml"
        data, rel = self.reader.yaml(path)
        text = path.read_text(encoding="utf-8")
        if not isinstance(data, list) or not data:
            raise SourceError("icons.yml: expected a list of icon types", Loc(rel, 1))
        icons: dict[str, Icon] = {}
        for entry in data:
            if not isinstance(entry, dict):
                raise SourceError("icons.yml: each icon type is a mapping (id, label, ...)", Loc(rel, 1))
            iid = entry.get("id")
            loc = Loc(rel, _key_line(text, "id", 1) if iid is None else _find_line(text, f"id: {iid}"))
            what = f"icon '{iid}'" if iid else "icon"
            iid = _expect(entry, "id", str, loc, what)
            if not ID_RE.match(iid):
                raise SourceError(f"icon id '{iid}' must be lower case letters, digits and hyphens", loc)
            if iid in icons:
                raise SourceError(f"duplicate icon id '{iid}'", loc)
            colour = _expect(entry, "colour", str, loc, what)
            if not re.fullmatch(r"#[0-9a-fA-F]{6}", colour):
                raise SourceError(f"{what}: colour '{colour}' should be like '#1b5e8c'", loc)
            icons[iid] = Icon(
                iid,
                _expect(entry, "label", str, loc, what),
                _expect(entry, "description", str, loc, what).strip(),
                _expect(entry, "svg", str, loc, what),
                colour,
                loc,
            )
        return icons

    def load_sectors(self) -> dict[str, Sector]:
        path = self.reader.source_dir / "sectors.yml"
        data, rel = self.reader.yaml(path)
        text = path.read_text(encoding="utf-8")
        if not isinstance(data, dict) or not data:
            raise SourceError("sectors.yml: expected a mapping of sector ids to sectors", Loc(rel, 1))
        sectors: dict[str, Sector] = {}
        for sid, entry in data.items():
            line = _find_line(text, f"{sid}:")
            loc = Loc(rel, line)
            if not isinstance(sid, str) or not ID_RE.match(sid):
                raise SourceError(f"sector id '{sid}' must be lower case letters, digits and hyphens", loc)
            if not isinstance(entry, dict):
                raise SourceError(f"sector '{sid}': expected a mapping (title, colour, intro)", loc)
            what = f"sector '{sid}'"
            intro_text = _expect(entry, "intro", str, loc, what, required=False, default="")
            intro_line = _find_line(text, "intro:", start=line)
            intro = (
                parse_blocks(
                    _dedent(intro_text),
                    BlockContext(rel, intro_line + 1, f"sector.{sid}.intro",
                                 self._is_known_box, ", ".join(self.icons)),
                )
                if intro_text.strip()
                else []
            )
            colour = _expect(entry, "colour", str, loc, what)
            if not re.fullmatch(r"#[0-9a-fA-F]{6}", colour):
                raise SourceError(f"{what}: colour '{colour}' should be like '#2e7d4f'", loc)
            sectors[sid] = Sector(
                sid,
                _expect(entry, "title", str, loc, what),
                _expect(entry, "short_title", str, loc, what, required=False, default=entry.get("title", sid)),
                colour,
                intro,
                loc,
                bool(_expect(entry, "factsheet", bool, loc, what, required=False, default=False)),
            )
        return sectors

    def _is_known_box(self, name: str) -> bool:
        return name in self.icons

    # -- Markdown files ---------------------------------------------------

    def load_section(self, path: Path, kind: str, listed_at: Loc) -> Section:
        text = self.reader.read(path, listed_at)
        rel = self.reader.rel(path)
        meta, body, body_line = split_front_matter(text, rel)
        loc = Loc(rel, 1)
        what = "front matter"
        sid = _expect(meta, "id", str, Loc(rel, _key_line(text, "id", 2)), what)
        if not ID_RE.match(sid):
            raise SourceError(f"id '{sid}' must be lower case letters, digits and hyphens", Loc(rel, _key_line(text, "id", 2)))
        title = _expect(meta, "title", str, Loc(rel, _key_line(text, "title", 2)), what)
        number = meta.get("number", "")
        if number is None:
            number = ""
        if not isinstance(number, str | int) or isinstance(number, bool):
            raise SourceError(f"front matter: 'number' should be text like \"1.3\", got {number!r}", Loc(rel, _key_line(text, "number", 2)))
        sectors = _expect(meta, "sectors", list, Loc(rel, _key_line(text, "sectors", 2)), what)
        for s in sectors:
            if not isinstance(s, str):
                raise SourceError(f"front matter: 'sectors' should list sector ids, found {s!r}", Loc(rel, _key_line(text, "sectors", 2)))
        unknown = set(meta) - {"id", "title", "number", "sectors"}
        if unknown:
            raise SourceError(
                f"front matter: unknown key(s) {', '.join(sorted(map(str, unknown)))} "
                "(expected id, number, title, sectors)",
                Loc(rel, _key_line(text, sorted(map(str, unknown))[0], 2)),
            )
        blocks = parse_blocks(
            body,
            BlockContext(rel, body_line, sid, self._is_known_box, ", ".join(self.icons)),
        )
        title_inlines = parse_inline(title, Loc(rel, _key_line(text, "title", 2)))
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
                    "expected a footnote definition '[^label]: text' (one per line)", Loc(rel, lineno)
                )
            label, body = m.group(1), m.group(2).strip()
            loc = Loc(rel, lineno)
            if not FOOTNOTE_LABEL_RE.match(label):
                raise SourceError(f"footnote label '{label}' must be lower case letters or digits", loc)
            if label in seen:
                raise SourceError(f"footnote '{label}' is defined twice (first on line {seen[label]})", loc)
            if not body:
                raise SourceError(f"footnote '{label}' has no text", loc)
            seen[label] = lineno
            notes.append(Footnote(label, parse_inline(body, loc), loc, f"fn-{label}"))
        return notes

    # -- The book -----------------------------------------------------------

    def load(self) -> Book:
        src = self.reader.source_dir
        if not src.is_dir():
            raise SourceError(f"source folder '{src}' does not exist")
        book_path = src / "book.yml"
        data, rel = self.reader.yaml(book_path)
        book_text = book_path.read_text(encoding="utf-8")
        if not isinstance(data, dict):
            raise SourceError("book.yml: expected a mapping (title, subtitle, contents, ...)", Loc(rel, 1))

        def at(key: str) -> Loc:
            return Loc(rel, _key_line(book_text, key))

        self.icons = self.load_icons()
        sectors = self.load_sectors()

        languages: list[Language] = []
        for entry in _expect(data, "languages", list, at("languages"), "book.yml"):
            loc = Loc(rel, _find_line(book_text, str(entry.get("code", "")) if isinstance(entry, dict) else "languages"))
            if not isinstance(entry, dict):
                raise SourceError("book.yml: each language is a mapping {code, name, status}", loc)
            code = _expect(entry, "code", str, loc, "language")
            if not _BCP47_RE.match(code):
                raise SourceError(f"language code '{code}' is not a BCP 47 tag like 'fr', 'zh-Hans' or 'es-419'", loc)
            status = _expect(entry, "status", str, loc, f"language '{code}'")
            if status not in ("source", "draft", "reviewed"):
                raise SourceError(f"language '{code}': status '{status}' should be source, draft or reviewed", loc)
            if any(lang.code == code for lang in languages):
                raise SourceError(f"language '{code}' is listed twice", loc)
            languages.append(Language(code, _expect(entry, "name", str, loc, f"language '{code}'"), status, loc))

        about: list = []
        if "about" in data:
            about_section = self.load_section(self.reader.resolve(data["about"], at("about")), "about", at("about"))
            about = about_section.blocks

        language = _expect(data, "language", str, at("language"), "book.yml")
        if not _BCP47_RE.match(language):
            raise SourceError(f"language code '{language}' is not a BCP 47 tag like 'en'", at("language"))
        year = _expect(data, "year", int, at("year"), "book.yml")
        date = str(_expect(data, "date", (str,), at("date"), "book.yml"))
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", date):
            raise SourceError(f"book.yml: 'date' should be YYYY-MM-DD, got '{date}'", at("date"))
        meta = BookMeta(
            title=_expect(data, "title", str, at("title"), "book.yml"),
            subtitle=_expect(data, "subtitle", str, at("subtitle"), "book.yml"),
            publisher=_expect(data, "publisher", str, at("publisher"), "book.yml"),
            publisher_unit=_expect(data, "publisher_unit", str, at("publisher_unit"), "book.yml", required=False, default=""),
            year=year,
            date=date,
            language=language,
            author=_expect(data, "author", str, at("author"), "book.yml", required=False, default=data.get("publisher", "")),
            subject=_expect(data, "subject", str, at("subject"), "book.yml", required=False, default=""),
            keywords=_expect(data, "keywords", list, at("keywords"), "book.yml", required=False, default=[]),
            languages=languages,
            about=about,
            loc=Loc(rel, 1),
        )

        contents = _expect(data, "contents", dict, at("contents"), "book.yml")
        listed: dict[Path, Loc] = {}

        def listed_path(name: Any, key: str) -> tuple[Path, Loc]:
            loc = Loc(rel, _find_line(book_text, str(name), start=_key_line(book_text, key)))
            path = self.reader.resolve(name, loc)
            if path in listed:
                raise SourceError(f"'{name}' is listed twice in the reading order (also line {listed[path].line})", loc)
            listed[path] = loc
            return path, loc

        front: list[Section] = []
        icon_table_after = ""
        for name in _expect(contents, "front", list, at("front"), "book.yml contents", required=False, default=[]):
            if name == ICON_TABLE:
                icon_table_after = front[-1].id if front else ""
                continue
            path, loc = listed_path(name, "front")
            front.append(self.load_section(path, "front", loc))

        parts: list[Part] = []
        for entry in _expect(contents, "parts", list, at("parts"), "book.yml contents"):
            if not isinstance(entry, dict) or "opener" not in entry:
                raise SourceError("book.yml: each part is {opener: FILE, sections: [FILE, ...]}", at("parts"))
            path, loc = listed_path(entry["opener"], "parts")
            opener = self.load_section(path, "part", loc)
            sections_list = entry.get("sections", [])
            if not isinstance(sections_list, list):
                raise SourceError("book.yml: a part's 'sections' should be a list of files", loc)
            sections = []
            for name in sections_list:
                spath, sloc = listed_path(name, "parts")
                sections.append(self.load_section(spath, "section", sloc))
            parts.append(Part(opener, sections))

        back: list[Section] = []
        for name in _expect(contents, "back", list, at("back"), "book.yml contents", required=False, default=[]):
            path, loc = listed_path(name, "back")
            back.append(self.load_section(path, "back", loc))

        footnotes: list[Footnote] = []
        if "footnotes" in contents:
            path, loc = listed_path(contents["footnotes"], "footnotes")
            footnotes = self.load_footnotes(path, loc)

        self._check_unlisted(listed)
        book = Book(meta, front, parts, back, footnotes, self.icons, sectors,
                    files=sorted(set(self.reader.files)), icon_table_after=icon_table_after)
        from .transforms.number import number_headings

        number_headings(book)
        return book

    def _check_unlisted(self, listed: dict[Path, Loc]) -> None:
        """A Markdown file under source/ that book.yml does not list would be silently dropped."""
        src = self.reader.source_dir
        skip = {"README.md", "EDITORIAL.md", "about.md"}
        for path in sorted(src.rglob("*.md")):
            if path.name in skip and path.parent == src:
                continue
            if path.resolve() not in listed:
                raise SourceError(
                    f"'{self.reader.rel(path)}' is not listed in book.yml's contents; "
                    "add it to the reading order or move it out of source/",
                    Loc(self.reader.rel(src / "book.yml"), 1),
                )


def _find_line(text: str, needle: str, start: int = 1) -> int:
    lines = text.split("\n")
    for i in range(max(start - 1, 0), len(lines)):
        if needle in lines[i]:
            return i + 1
    return start


def _dedent(text: str) -> str:
    return "\n".join(line.strip() for line in text.split("\n"))


def load_book(source_dir: Path | str = "source") -> Book:
    """Load the book under `source_dir`; raises SourceError on the first unreadable thing."""
    return Loader(Path(source_dir)).load()
