"""The book as a static, multilingual web site: build/web/.

One HTML page per part opener and per section (plus the Icon Table), a home
page per language, a root page that sends readers to their language, a
sitemap and a Pagefind search index per language. The pages' content comes
from the shared `HtmlWriter`, the same one the PDF and the EPUB use; fonts,
colours and the draft label come from the EPUB's helpers and the theme's words.

    build/web/index.html          language chooser (browser language, or a list)
    build/web/sitemap.xml         every page of every language, with alternates
    build/web/assets/             web.css, web.js, fonts/, icons/, edition-<lang>.css
    build/web/<lang>/index.html   home: title, about, contents, downloads
    build/web/<lang>/<id>.html    a part opener, a section, the Icon Table
    build/web/<lang>/search.html  search (needs JavaScript; Pagefind)
    build/web/<lang>/pagefind/    the search index, built offline
    build/web/<lang>/downloads/   the language's PDFs, EPUB and factsheets, when built

Incremental: a file is written (atomically) only when its bytes changed, so
an edit to one section rewrites that section's page and the search index's
changed fragments, not the site. Every language's task writes the shared
files (assets, root page, sitemap) with the same bytes.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import PipelineError
from ..files import atomic_path
from ..languages import direction, display_name, font_families, locale_of
from ..model import FootnoteRef, Heading, Section, all_inlines, plain_text, walk_inlines
from ..transforms.resolve import fill
from .epub import FONT_FAMILIES, FontFace, colours_css, epub_fonts
from .html import HtmlWriter, Linker, attr
from .pdf import _Markup

if TYPE_CHECKING:
    from ..project import Edition, Project

ASSETS = "assets"
ICON_TABLE = "icon-table"
# Pages the site generates; no section id may take these names.
RESERVED_PAGES = ("index", "search", ICON_TABLE, "pagefind", "downloads", ASSETS)

@dataclass
class Page:
    """One HTML page of a language's site."""

    name: str  # the file stem: "index", a section id, "icon-table"
    title: str
    body: str = ""  # the markup inside <main>
    kind: str = "section"  # home | part | section | front | back | icon-table | search
    section: Section | None = None
    part_title: str = ""  # breadcrumb: the part it belongs to ("Part 1: ...")
    part_page: str = ""
    description: str = ""
    notes: list[str] = field(default_factory=list)  # footnote labels cited on the page, in order

    @property
    def file(self) -> str:
        return f"{self.name}.html"


def page_file(section_id: str) -> str:
    return f"{section_id}.html"


class _WebWriter(HtmlWriter):
    """The shared writer, with footnotes as endnotes of the page that cites them, headings
    one level up (a page's title is its h1, the source's ## its h2) and icons as decoration
    beside their printed label (a screen reader would hear the label twice)."""

    def heading(self, h: Heading, in_box: bool = False) -> str:
        letter = f'<span class="letter">{escape(h.letter)})</span> ' if h.letter else ""
        level = min(h.level, 6)
        return (f'<h{level} id="{attr(h.id)}" class="sub sub{h.level}"{self.lang_of(h.id)}>'
                f"{letter}{self.inlines(h.children)}</h{level}>")

    def icon_html(self, icon_id: str) -> str:
        icon = self.book.icons[icon_id]
        return f'<img class="box-icon" src="{attr(self.icon_src(icon.svg))}" alt="" />'

    def noteref(self, label_: str) -> str:
        return (
            f'<sup class="noteref-wrap"><a class="noteref" id="fnref-{attr(label_)}" href="#fn-{attr(label_)}"'
            f' role="doc-noteref" aria-describedby="notes-heading">{escape(label_)}</a></sup>'
        )


def _byte_size(n: int, lang: str) -> str:
    """A file's size as the language writes it, from CLDR: "2.3 MB", "2,3 Mo", "2,3 МБ"
    (one decimal in megabytes, whole kilobytes; a kilobyte is 1,024 bytes, as before)."""
    from babel.units import format_unit

    locale = locale_of(lang) or "en"
    if n >= 1024 * 1024:
        return format_unit(n / (1024 * 1024), "digital-megabyte", length="short",
                           format="#,##0.0", locale=locale)
    return format_unit(max(1, round(n / 1024)), "digital-kilobyte", length="short", locale=locale)


class _Site:
    def __init__(self, edition: Edition, languages: list[tuple[str, str]]) -> None:
        self.edition = edition
        self.book = edition.book
        self.theme = edition.theme
        self.lang = edition.lang
        self.languages = languages  # (code, native name), in book.yml's order
        self.dir = direction(self.lang)
        self.s = dict(edition.strings)
        self.writer = _WebWriter(
            self.book, dict(edition.strings), linker=Linker(document_of=page_file), epub=False,
            page_refs=False, footnote_mode="endnotes", icon_src=lambda name: f"../{ASSETS}/icons/{name}",
            icon_images=True, xref_titles=True,
        )
        self.notes = {note.label: note for note in self.book.footnotes}
        self.cited: dict[str, list[str]] = {}
        for section, _loc, run in all_inlines(self.book):
            for node in walk_inlines(run):
                if isinstance(node, FootnoteRef):
                    labels = self.cited.setdefault(section.id, [])
                    if node.label not in labels:
                        labels.append(node.label)
        self.pages: list[Page] = []

    def word(self, key: str) -> str:
        """A theme word as HTML, marked lang="en" when this edition has no translation of it:
        its PO entry is untranslated or fuzzy (as the EPUB decides), whatever its spelling."""
        text = escape(self.s[key])
        if f"theme.{key}" in self.book.untranslated:
            return f'<span lang="{attr(self.book.source_language or "en")}">{text}</span>'
        return text

    def filled(self, key: str, **values: str) -> str:
        """A theme message with its placeholders filled, as HTML. Where the message is still
        English, the whole is marked lang="en" and each value (the edition's own words) is
        marked with the edition's language."""
        fallback = f"theme.{key}" in self.book.untranslated
        shown = {name: f'<span lang="{attr(self.lang)}">{escape(value)}</span>' if fallback else escape(value)
                 for name, value in values.items()}
        return self.word(key) if not values else fill(self.word(key), **shown)

    # -- the pages ------------------------------------------------------------

    def _section_page(self, section: Section, kind: str, part: Page | None = None) -> Page:
        sector = section.sectors[0] if section.sectors else "general"
        body = (
            f'<section class="{kind} sector-{attr(sector)}" id="{attr(section.id)}">\n'
            f'<h1 class="section-title">{self.writer.section_title(section)}</h1>\n'
            f"{self.writer.blocks(section.blocks, depth=2)}\n</section>"
        )
        title = f"{section.number} {section.title}" if section.number else section.title
        return Page(section.id, title, body, kind, section, part.title if part else "", part.name if part else "",
                    self._description(section), self.cited.get(section.id, []))

    def _part_page(self, part: object) -> Page:
        opener: Section = part.opener  # type: ignore[attr-defined]
        sections: list[Section] = part.sections  # type: ignore[attr-defined]
        sector = opener.sectors[0] if opener.sectors else "general"
        part_label = fill(self.s["part-label"], opener.number)
        items = "".join(
            f'<li><a href="{attr(page_file(sec.id))}"><span class="toc-num">{escape(sec.number)}</span> '
            f'<span class="toc-title"{self.writer.lang_of(f"{sec.id}.title")}>{escape(sec.title)}</span></a></li>'
            for sec in sections
        )
        body = (
            f'<section class="part-opener sector-{attr(sector)}" id="{attr(opener.id)}">\n'
            f'<h1 class="part-title"><span class="part-label">{escape(part_label)}</span> '
            f"{self.writer.inlines(opener.title_inlines)}</h1>\n"
            f'<nav class="part-toc" aria-label="{attr(self.s["In this part"])}"><ol>{items}</ol></nav>\n'
            f'<div class="part-intro">{self.writer.blocks(opener.blocks, depth=2)}</div>\n</section>'
        )
        return Page(opener.id, fill(self.s["part-title"], opener.number, title=opener.title), body, "part", opener,
                    description=self._description(opener), notes=self.cited.get(opener.id, []))

    def _description(self, section: Section) -> str:
        """The first paragraph's text, cut at a word near 160 characters (meta description)."""
        from ..model import Paragraph

        for block in section.blocks:
            if isinstance(block, Paragraph):
                text = " ".join(plain_text(block.children).split())
                if len(text) > 160:
                    text = text[:157].rsplit(" ", 1)[0] + "…"
                return text
        return self.book.meta.subject or self.book.meta.title

    def build_pages(self, downloads: list[dict[str, object]]) -> None:
        book, s = self.book, self.s
        for section in book.front:
            self.pages.append(self._section_page(section, "front-matter"))
            if section.id == book.icon_table_after:
                body = (
                    f'<section class="front-matter icon-table-section" id="{ICON_TABLE}">\n'
                    f'<h1 class="section-title">{escape(s["Icon Table"])}</h1>\n{self.writer.icon_table()}\n'
                    "</section>"
                )
                self.pages.append(Page(ICON_TABLE, s["Icon Table"], body, "icon-table",
                                       description=book.meta.subject or book.meta.title))
        for part in book.parts:
            opener = self._part_page(part)
            self.pages.append(opener)
            for section in part.sections:
                self.pages.append(self._section_page(section, "chapter", opener))
        for section in book.back:
            self.pages.append(self._section_page(section, "back-matter"))
        self.pages.insert(0, self._home(downloads))
        self.search_page = Page("search", s["web.search"], self._search_body(), "search",
                                description=s["web.search-label"])

    def _home(self, downloads: list[dict[str, object]]) -> Page:
        meta, s = self.book.meta, self.s
        draft = ""
        if self.edition.draft:
            draft = (f'<p class="draft-label">{escape(s["Draft translation"])}</p>'
                     + (f'<p class="draft-notice">{escape(self.edition.draft_notice)}</p>'
                        if self.edition.draft_notice else ""))
        parts = [
            '<section class="home" id="home">',
            f'<h1 class="title-main">{escape(meta.title)}</h1>',
            f'<p class="title-sub">{escape(meta.subtitle)}</p>' if meta.subtitle else "",
            draft,
            '<p class="title-publisher">' + fill(self.word("publisher-year"), publisher=escape(meta.publisher),
                                                 year=escape(str(meta.year))) + "</p>",
        ]
        if meta.about:  # source/about.md, as the factsheets print it
            parts.append(f'<h2 id="about">{escape(s["About the Compendium"])}</h2>')
            parts.append(f'<div class="about">{self.writer.blocks(meta.about, depth=2)}</div>')
        elif meta.subject:
            parts.append(f'<p class="about">{escape(meta.subject)}</p>')
        parts.append(f'<h2 id="home-contents">{escape(s["Contents"])}</h2>')
        parts.append(self.contents(None, "home-toc"))
        if downloads:
            items = []
            for item in downloads:
                # one message with the size and the page count ("({size}, pages: {pages})"):
                # a label form, so that no language needs a plural of "pages"
                size = escape(str(item["size"]))
                if item.get("pages"):
                    facts = fill(self.word("web.download-size-pages"), size=size, pages=str(item["pages"]))
                else:
                    facts = fill(self.word("web.download-size"), size=size)
                items.append(f'<li><a href="{attr(str(item["href"]))}" download>{item["label"]}</a> '
                             f'<span class="download-facts">{facts}</span></li>')
            parts.append(f'<h2 id="downloads">{self.word("web.downloads")}</h2>')
            parts.append('<ul class="downloads">' + "".join(items) + "</ul>")
        parts.append("</section>")
        return Page("index", meta.title, "\n".join(p for p in parts if p), "home",
                    description=meta.subject or meta.subtitle or meta.title)

    def _search_body(self) -> str:
        return (
            '<section class="search-page" id="search">\n'
            f'<h1 class="section-title">{self.word("web.search")}</h1>\n'
            f'<p class="needs-js">{self.word("web.search-needs-js")}</p>\n'
            f'<h2 id="results-heading" class="visually-hidden">{self.word("web.search-results")}</h2>\n'
            '<div id="search-status" role="status" aria-live="polite"></div>\n'
            '<ol id="search-results" aria-labelledby="results-heading"></ol>\n'
            f'<template id="search-none">{self.word("web.search-none")}</template>\n'
            "</section>"
        )

    # -- what every page has around its content -------------------------------

    def contents(self, current: Page | None, css: str = "toc") -> str:
        """The contents as nested lists; the current page marked aria-current."""

        def link(name: str, text: str, number: str = "") -> str:
            here = ' aria-current="page"' if current is not None and current.name == name else ""
            num = f'<span class="toc-num">{escape(number)}</span> ' if number else ""
            lang = self.writer.lang_of(f"{name}.title")  # a title still in English is marked so
            return (f'<a href="{attr(page_file(name))}"{here}>{num}'
                    f'<span class="toc-title"{lang}>{escape(text)}</span></a>')

        # front matter first, then parts with their sections, then back matter, as in the book
        front = [p for p in self.pages if p.kind in ("front-matter", "icon-table")]
        back = [p for p in self.pages if p.kind == "back-matter"]
        items = [f"<li>{link(p.name, p.title)}</li>" for p in front]
        for part in self.book.parts:
            opener = part.opener
            label = fill(self.s["part-label"], opener.number)
            sub = "".join(f"<li>{link(sec.id, sec.title, sec.number)}</li>" for sec in part.sections)
            sector = opener.sectors[0] if opener.sectors else "general"
            items.append(f'<li class="toc-part sector-{attr(sector)}">{link(opener.id, opener.title, label)}'
                         f"<ol>{sub}</ol></li>")
        items += [f"<li>{link(p.name, p.title)}</li>" for p in back]
        return f'<ol class="{css}">' + "".join(items) + "</ol>"

    def endnotes(self, page: Page) -> str:
        if not page.notes:
            return ""
        items = []
        for label_ in page.notes:
            note = self.notes[label_]
            items.append(
                f'<li id="{attr(note.id)}"{self.writer.lang_of(note.id)}>'
                f'<a class="note-label" href="#fnref-{attr(label_)}" role="doc-backlink" '
                f'aria-label="{attr(fill(self.s["Back to text"], label_))}">{escape(label_)}</a> '
                f'<span class="note-text">{self.writer.inlines(note.children)}</span></li>'
            )
        return (f'<section class="endnotes" role="doc-endnotes" aria-labelledby="notes-heading">'
                f'<h2 id="notes-heading">{escape(self.s["Footnotes"])}</h2>'
                '<ol class="notes">' + "".join(items) + "</ol></section>")

    def render(self, page: Page, order: list[Page], base_url: str) -> str:
        s = self.s
        index = order.index(page) if page in order else -1
        prev_page = order[index - 1] if index > 0 else None
        next_page = order[index + 1] if 0 <= index < len(order) - 1 else None
        crumbs = [(page_file("index"), s["web.home"])]
        if page.part_page:
            crumbs.append((page_file(page.part_page), page.part_title))
        alternates = [(code, name, f"../{code}/{page.file}") for code, name in self.languages]
        meta = self.book.meta
        return self.theme.render(
            "web/page.html.j2",
            lang=self.lang, dir=self.dir, s=s, word=lambda key: _Markup(self.word(key)),
            filled=lambda key, **values: _Markup(self.filled(key, **values)),
            page=page, site_title=meta.title,
            title=page.title if page.kind == "home" else fill(s["web.page-title"], page=page.title,
                                                                  site=meta.title),
            body=_Markup(page.body), endnotes=_Markup(self.endnotes(page)),
            contents=_Markup(self.contents(page)),
            crumbs=crumbs if page.kind not in ("home",) else [],
            prev_page=prev_page, next_page=next_page,
            alternates=alternates, languages=self.languages,
            canonical=f"{base_url}{self.lang}/{page.file}" if base_url else "",
            base_url=base_url,
            draft=self.edition.draft,
            searchable=page.kind not in ("search",),
            og_locale=self.lang.replace("-", "_"),
        )


# --------------------------------------------------------------------------
# Shared files: assets, root page, sitemap
# --------------------------------------------------------------------------


# Families too large to send whole to a reader (Noto Sans CJK: 16 MB a face):
# each language's site gets them subset to the characters its pages use.
SUBSET_FAMILIES = ("cjk",)


def _subset_faces(lang: str) -> list[FontFace]:
    return [face for name in font_families(lang) if name in SUBSET_FAMILIES for face in FONT_FAMILIES[name]]


def _font_url(lang: str, face: FontFace) -> str:
    """Where a face is in assets/: whole and shared, or subset in the language's own folder."""
    return f"fonts/{lang}/{face.file}" if face in _subset_faces(lang) else f"fonts/{face.file}"


def _fonts_css(lang: str) -> str:
    faces = epub_fonts(lang)
    rules = [
        "@font-face {\n"
        f'  font-family: "{face.family}";\n'
        f'  src: url("{_font_url(lang, face)}");\n'
        f"  font-weight: {face.weight};\n"
        f"  font-style: {face.style};\n"
        "  font-display: swap;\n"
        "}"
        for face in faces
    ]
    stack = ", ".join(f'"{FONT_FAMILIES[name][0].family}"' for name in font_families(lang))
    rules.append(f"body {{ font-family: {stack}, sans-serif; }}")
    return "\n".join(rules) + "\n"


def _shared_files(project: Project, edition: Edition, languages: list[tuple[str, str]], page_names: list[str],
                  base_url: str) -> dict[str, bytes]:
    """Files outside the language folders (relative to build/web/), identical from every language's task:
    made from the source language's title and the theme's own words, never from a translation."""
    theme, book = edition.theme, edition.book
    # the source language's title as book.yml gives it (a translated edition's model has its own)
    header = project.book_header()
    title, source_lang = header.title, header.language
    files: dict[str, bytes] = {
        f"{ASSETS}/web.css": theme.path("web.css").read_bytes(),
        f"{ASSETS}/web-print.css": theme.path("web-print.css").read_bytes(),
        f"{ASSETS}/web.js": theme.path("web/web.js").read_bytes(),
    }
    for code, _name in languages:
        files[f"{ASSETS}/edition-{code}.css"] = (_fonts_css(code) + colours_css(edition)).encode("utf-8")
        for face in epub_fonts(code):
            if face not in _subset_faces(code):  # (those are written by their language: see subset_fonts)
                files[f"{ASSETS}/fonts/{face.file}"] = theme.path(f"fonts/{face.file}").read_bytes()
    for icon in book.icons.values():
        files[f"{ASSETS}/icons/{icon.svg}"] = theme.path(f"icons/{icon.svg}").read_bytes()
    files["index.html"] = theme.render(
        "web/root.html.j2", languages=languages, title=title,
        source_lang=source_lang, s=dict(theme.strings),
    ).encode("utf-8")
    if base_url:
        urls = []
        for name in page_names:
            links = "".join(
                f'<xhtml:link rel="alternate" hreflang="{attr(code)}" href="{attr(base_url)}{attr(code)}/{name}.html"/>'
                for code, _n in languages)
            for code, _n in languages:
                urls.append(f"<url><loc>{escape(base_url)}{escape(code)}/{escape(name)}.html</loc>{links}</url>")
        files["sitemap.xml"] = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            'xmlns:xhtml="http://www.w3.org/1999/xhtml">\n' + "\n".join(urls) + "\n</urlset>\n"
        ).encode("utf-8")
    return files


def site_languages(edition: Edition) -> list[tuple[str, str]]:
    return [(lang.code, display_name(lang.code, lang.code, lang.name)) for lang in edition.book.meta.languages]


def base_url_of(edition: Edition) -> str:
    """Where the site will be published (the environment's COMPENDIUM_SITE_URL; `make web SITE_URL=...`).

    Canonical links, Open Graph URLs and the sitemap need absolute addresses:
    without one, pages carry relative alternates only and no sitemap is written.
    """
    url = os.environ.get("COMPENDIUM_SITE_URL", "").strip()
    return url if not url or url.endswith("/") else url + "/"


# --------------------------------------------------------------------------
# Downloads: the language's other editions, when built
# --------------------------------------------------------------------------


@dataclass
class Download:
    """A built edition the language's home page offers: the build says which (the format registry's)."""

    path: Path
    word: str  # the theme's word for its kind ("web.kind.epub")
    sector: str = ""  # a factsheet's sector id: its title goes into the word's {n}
    pages: int | None = None


def _downloads(edition: Edition, site: _Site, offered: list[Download]) -> list[tuple[dict[str, object], Path]]:
    """The offered editions that are built, with their size and page count."""
    found: list[tuple[dict[str, object], Path]] = []
    for download in offered:
        path = download.path
        if not path.is_file():
            continue
        text = site.word(download.word)
        if download.sector:
            sector = edition.book.sectors[download.sector]
            # "Factsheet: {n}": the words may still be English, the sector's title is the edition's
            label = text.replace("{n}", f'<span class="sector-title" lang="{attr(edition.lang)}">{{n}}</span>', 1)
            text = label.replace("{n}", escape(sector.title), 1)
        found.append(({"href": f"downloads/{path.name}", "label": text,
                       "size": _byte_size(path.stat().st_size, edition.lang), "pages": download.pages}, path))
    return found


# --------------------------------------------------------------------------
# Writing: only what changed
# --------------------------------------------------------------------------


@dataclass
class WriteReport:
    written: list[str] = field(default_factory=list)  # relative to build/web/
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)


def _write_if_changed(root: Path, rel: str, data: bytes, report: WriteReport) -> None:
    path = root / rel
    if path.is_file() and path.stat().st_size == len(data) and path.read_bytes() == data:
        report.unchanged += 1
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    report.written.append(rel)


def _sync_tree(src: Path, dest: Path, root: Path, report: WriteReport) -> None:
    """Make `dest` hold exactly `src`'s files, writing only those that differ."""
    wanted = {p.relative_to(src).as_posix() for p in src.rglob("*") if p.is_file()}
    for rel in sorted(wanted):
        _write_if_changed(root, (dest / rel).relative_to(root).as_posix(), (src / rel).read_bytes(), report)
    if dest.is_dir():
        for path in sorted(dest.rglob("*")):
            if path.is_file() and path.relative_to(dest).as_posix() not in wanted:
                path.unlink()
                report.removed.append(path.relative_to(root).as_posix())


def pagefind_index(site_lang_dir: Path, root: Path, lang: str, report: WriteReport) -> None:
    """Index the language's pages with Pagefind (offline) into <lang>/pagefind/."""
    with tempfile.TemporaryDirectory(prefix=".pagefind-", dir=root) as tmp:
        command = [sys.executable, "-m", "pagefind", "--site", str(site_lang_dir), "--output-path", tmp,
                   "--glob", "*.html", "--silent"]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False,
                                  env={**os.environ, "PAGEFIND_SOURCE": str(site_lang_dir)})
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise PipelineError(f"search index for '{lang}': Pagefind did not run ({exc})") from None
        if done.returncode != 0 or not (Path(tmp) / "pagefind.js").is_file():
            detail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
            raise PipelineError(f"search index for '{lang}': Pagefind failed: {detail[0]} "
                                "(is the `pagefind[extended]` package installed? `make web` installs it)")
        _sync_tree(Path(tmp), site_lang_dir / "pagefind", root, report)


def subset_fonts(project: Project, edition: Edition, files: dict[str, bytes]) -> dict[str, bytes]:
    """The language's large faces, subset to the characters of its pages (plus ASCII).

    Subsetting a CJK face takes tens of seconds: the result is kept in
    build/.cache/web-fonts/ under a hash of the face and the character set, so
    it runs again only when an edit brings a character the pages did not use.
    """
    faces = _subset_faces(edition.lang)
    if not faces:
        return {}
    import re

    text = "".join(data.decode("utf-8") for rel, data in sorted(files.items())
                   if rel.startswith(f"{edition.lang}/") and rel.endswith(".html"))
    chars = sorted(set(re.sub(r"<[^>]*>", "", text)) | {chr(c) for c in range(0x20, 0x7F)})
    cache = project.build / ".cache" / "web-fonts"
    out: dict[str, bytes] = {}
    for face in faces:
        source = edition.theme.path(f"fonts/{face.file}")
        from importlib.metadata import version

        made_by = f"fonttools {version('fonttools')} subset 2\0".encode()  # how: a new way, a new key
        key = hashlib.sha256(made_by + source.read_bytes() + "".join(chars).encode("utf-8")).hexdigest()[:32]
        cached = cache / f"{key}{source.suffix}"
        if not cached.is_file():
            from fontTools import subset
            from fontTools.ttLib import TTFont

            options = subset.Options()
            options.layout_features = ["*"]
            options.name_IDs = ["*"]
            options.notdef_outline = True
            font = TTFont(str(source), lazy=True, recalcTimestamp=False)  # same inputs, same bytes
            subsetter = subset.Subsetter(options)
            subsetter.populate(unicodes=[ord(c) for c in chars])
            subsetter.subset(font)
            cache.mkdir(parents=True, exist_ok=True)
            with atomic_path(cached) as tmp:
                font.save(str(tmp))
        out[f"{ASSETS}/{_font_url(edition.lang, face)}"] = cached.read_bytes()
    return out


def _check_reserved(edition: Edition) -> None:
    for section in edition.book.sections():
        if section.id in RESERVED_PAGES:
            raise PipelineError(f"section id '{section.id}' is the name of a page the web edition generates "
                                f"({', '.join(RESERVED_PAGES)}): choose another id", section.loc)


def preflight(edition: Edition) -> None:
    """What makes a web build fail, found before anything is written."""
    from .epub import _Renderer

    _Renderer(edition).check_model()  # cross-references, footnotes, icons: as the EPUB
    _check_reserved(edition)
    for name in ("web.css", "web-print.css", "web/web.js", "templates/web/page.html.j2",
                 "templates/web/root.html.j2"):
        edition.theme.path(name)


def render_site(project: Project, edition: Edition,
                offered: list[Download]) -> tuple[dict[str, bytes], list[tuple[Path, str]]]:
    """Every file of the language (relative to build/web/) and the downloads to copy (source, rel)."""
    preflight(edition)
    languages = site_languages(edition)
    site = _Site(edition, languages)
    downloads = _downloads(edition, site, offered)
    site.build_pages([item for item, _path in downloads])
    base_url = base_url_of(edition)
    order = site.pages  # reading order: home, front, parts and sections, back
    files: dict[str, bytes] = {}
    for page in [*site.pages, site.search_page]:
        files[f"{edition.lang}/{page.file}"] = site.render(page, order, base_url).encode("utf-8")
    files.update(_shared_files(project, edition, languages, [p.name for p in site.pages], base_url))
    files.update(subset_fonts(project, edition, files))
    copies = [(path, f"{edition.lang}/{item['href']}") for item, path in downloads]
    return files, copies


def write_site(root: Path, lang: str, files: dict[str, bytes], copies: list[tuple[Path, str]],
               progress: Callable[[str], None] = lambda message: None) -> WriteReport:
    """Write the language's files under `root` (build/web/), changing only what changed, and
    remove what is no longer made; then index the language for search when anything changed."""
    report = WriteReport()
    progress(f"{lang}: writing the web edition")
    for rel, data in sorted(files.items()):
        _write_if_changed(root, rel, data, report)
    for source, rel in copies:
        _write_if_changed(root, rel, source.read_bytes(), report)
    # Pages of sections that no longer exist, downloads no longer built, shared fonts no longer used
    # (every language's task lists the same shared fonts; a language's subset faces are in fonts/<lang>/).
    lang_dir = root / lang
    keep = {rel for rel in files} | {rel for _s, rel in copies}
    stale = sorted(lang_dir.glob("*.html")) + sorted((lang_dir / "downloads").glob("*"))
    stale += sorted((root / ASSETS / "fonts").glob("*.*")) + sorted((root / ASSETS / "fonts" / lang).glob("*"))
    for path in stale:
        rel = path.relative_to(root).as_posix()
        if path.is_file() and rel not in keep:
            path.unlink()
            report.removed.append(rel)
    if report.written or report.removed or not (lang_dir / "pagefind" / "pagefind.js").is_file():
        progress(f"{lang}: indexing the web edition for search")
        pagefind_index(lang_dir, root, lang, report)
    return report


def content_key(files: dict[str, bytes]) -> str:
    digest = hashlib.sha256()
    for rel, data in sorted(files.items()):
        digest.update(rel.encode() + b"\0" + hashlib.sha256(data).digest())
    return digest.hexdigest()
