"""Every script laid out right: language spans, bidi isolation, CJK, quotes,
hyphenation, and a PDF text layer that reads back whole (issue 14)."""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import lxml.html
import polib
import pypdf
import pytest
from lxml import etree

from pipeline.errors import SourceError
from pipeline.i18n.apply import check_entry
from pipeline.i18n.inline import placeholders, to_markdown
from pipeline.markdown import parse_inline
from pipeline.model import (
    Book,
    Box,
    Link,
    Loc,
    Paragraph,
    SoftBreak,
    Span,
    Table,
    Text,
    all_inlines,
    block_inlines,
    plain_text,
    walk_blocks,
    walk_inlines,
)
from pipeline.render.html import HtmlWriter, is_address
from pipeline.text_units import Unit
from pipeline.theme import load_theme

from .conftest import ROOT, copy_shipped

# --------------------------------------------------------------------------
# Language spans: [text]{lang=en}
# --------------------------------------------------------------------------


def test_a_language_span_is_read_into_the_model_and_round_trips() -> None:
    markdown = "Voir le [Global Report on *Trafficking*]{lang=en}[^i] et [ici](#introduction)."
    nodes = parse_inline(markdown, Loc("x.md", 4))
    span = nodes[1]
    assert isinstance(span, Span) and span.lang == "en" and span.loc == Loc("x.md", 4)
    assert to_markdown(nodes) == markdown
    assert parse_inline(to_markdown(nodes), Loc("x.md", 4)) == nodes


@pytest.mark.parametrize("bad, message", [
    ("[Report]{lang=en class=x}", "a span may only carry a language"),
    ("[Report]{.title}", "a span may only carry a language"),
    ("[Report]{#id lang=en}", "a span may only carry a language"),
    ("[Report]{onclick=x lang=en}", "a span may only carry a language"),
    ("[Report]{}", "a span needs its language"),
    ("[Report]{lang=\"e n\"}", "is not a language tag"),
    ("[Report]{lang=en", "cannot read the attributes of the span"),
])
def test_a_span_with_other_attributes_is_a_located_error(bad: str, message: str) -> None:
    with pytest.raises(SourceError) as info:
        parse_inline(f"The {bad} of 2020", Loc("source/x.md", 12))
    assert message in info.value.message
    assert str(info.value.loc) == "source/x.md:12"


def _entry(msgid: str, msgstr: str) -> tuple[polib.POEntry, polib.POFile]:
    po = polib.POFile()
    po.fpath = "translations/fr.po"
    entry = polib.POEntry(msgctxt="x.p1", msgid=msgid, msgstr=msgstr, linenum=40)
    po.append(entry)
    return entry, po


def test_translation_checks_accept_a_span_the_source_does_not_have() -> None:
    source = "As the UNODC Global Report on Trafficking in Persons 2020[^i] confirms."
    unit = Unit("x.p1", parse_inline(source, Loc("source/x.md", 3)), "", Loc("source/x.md", 3), "front")
    entry, po = _entry(source, "Comme le confirme le [Global Report on Trafficking in Persons 2020]{lang=en}[^i].")
    assert check_entry(unit, entry, po) == []
    # the span hides nothing: a footnote dropped inside it is still found
    entry, po = _entry(source, "Comme le confirme le [Global Report 2020]{lang=en}.")
    assert [f.code for f in check_entry(unit, entry, po)] == ["translation-footnotes"]
    # an attribute other than lang is an error at the PO file's line
    entry, po = _entry(source, "Le [Global Report]{lang=en style=x}[^i].")
    findings = check_entry(unit, entry, po)
    assert [f.code for f in findings] == ["translation-invalid"]
    assert str(findings[0].loc) == "translations/fr.po:40" and "only carry a language" in findings[0].message
    assert placeholders(parse_inline("[a [b](https://x.org)]{lang=en}", Loc("x")))["links"] == ["https://x.org"]


def _first_paragraph(book: Book) -> Paragraph:
    return next(b for s in book.sections() for b in walk_blocks(s.blocks) if isinstance(b, Paragraph))


@pytest.mark.parametrize("edition, expected", [
    ("ar", '<span lang="en" dir="ltr">\u2066Global Report\u2069</span>'),
    ("fr", '<span lang="en">Global Report</span>'),
])
def test_a_span_renders_with_its_language_and_isolated_direction(
        book: Book, edition: str, expected: str) -> None:
    translated = copy.deepcopy(book)
    translated.meta.language = edition
    paragraph = _first_paragraph(translated)
    paragraph.children = [Text("قبل "), Span("en", [Text("Global Report")], paragraph.loc), Text(".")]
    strings = load_theme(ROOT / "themes" / "default").strings
    html = HtmlWriter(translated, strings).block(paragraph)
    assert expected in html


# --------------------------------------------------------------------------
# The built editions
# --------------------------------------------------------------------------

EDITION_LANGUAGES = ["en", "fr", "es", "ru", "ar", "zh-Hans"]
# Characters after which an address may break (and the break adds nothing).
ADDRESS_BREAKS = "/.-?&="
SOFT_HYPHEN = "\u00ad"
NO_BRACKETS = str.maketrans("", "", "()[]")


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pipeline.cli", *args], cwd=ROOT,
                          capture_output=True, text=True)


# The shipped translations are complete; the Arabic and Chinese editions built
# here fall back to English for these source files (section 1.1 with its
# heading, 1.2 and 1.4: paragraphs, lists, headings) and for the notes that
# print web addresses, so that their English fallback is laid out and checked.
FALLBACK_FILES = ("source/part-1/1-1.md", "source/part-1/1-2.md", "source/part-1/1-4.md")
FALLBACK_LANGUAGES = ("ar", "zh-Hans")


def leave_untranslated(po_path: Path) -> int:
    """Blank the translations of FALLBACK_FILES and of the notes with an address
    in a copy of a PO file; return how many entries now fall back to English."""
    po = polib.pofile(str(po_path))
    blanked = 0
    for entry in po:
        files = {path for path, _line in entry.occurrences}
        note_with_address = "source/footnotes.md" in files and "https://" in entry.msgid
        if entry.translated() and (files & set(FALLBACK_FILES) or note_with_address):
            entry.msgstr = ""
            blanked += 1
    po.save(str(po_path))
    return blanked


@pytest.fixture(scope="module")
def built(shipped: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The print PDF, EPUB and factsheets of English, French, Russian, Arabic and
    Chinese, and the English screen edition: a copy of the session's shared build
    (tests/conftest.py) in which the Arabic and Chinese translations leave some
    text in English (`leave_untranslated`), those two languages built again."""
    root = copy_shipped(shipped, tmp_path_factory.mktemp("scripts") / "p")
    for lang in FALLBACK_LANGUAGES:
        assert leave_untranslated(root / "translations" / f"{lang}.po") > 150
    langs = [arg for lang in FALLBACK_LANGUAGES for arg in ("--lang", lang)]
    proc = cli("build", "--project", str(root), "print-pdf", "epub", "factsheets", *langs, "-j", "2")
    assert proc.returncode == 0, proc.stderr[-3000:]
    for lang in EDITION_LANGUAGES:
        assert (root / "build" / lang / "compendium.epub").is_file(), lang
    return root


def pdftotext(path: Path, *options: str) -> str:
    proc = subprocess.run(["pdftotext", *options, str(path), "-"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def pdfs(root: Path, lang: str) -> list[Path]:
    return sorted((root / "build" / lang).glob("*.pdf"))


def edition_book(root: Path, lang: str) -> Book:
    from pipeline.build import Project
    from pipeline.editions import edition_for

    edition, _report = edition_for(Project.at(root), lang)
    return edition.book


def all_runs(book: Book) -> list[list]:
    runs = [run for _s, _l, run in all_inlines(book)] + [note.children for note in book.footnotes]
    runs += [run for b in walk_blocks(book.meta.about) for _l, run in block_inlines(b)]
    runs += [run for sector in book.sectors.values() for b in walk_blocks(sector.intro)
             for _l, run in block_inlines(b)]
    runs += [p.summary for sheet in book.factsheets.values() for p in sheet.practices]
    return runs


def shown_addresses(book: Book) -> set[str]:
    """Every web or e-mail address the edition prints as text."""
    out = set()
    for run in all_runs(book):
        for node in walk_inlines(run):
            if isinstance(node, Link):
                shown = plain_text(node.children) if node.children else node.href
                if is_address(shown):
                    out.add(shown)
    return out


def unbroken(text: str) -> tuple[str, list[int]]:
    """The extracted text with its line ends taken out, and where they were."""
    joined: list[str] = []
    breaks: list[int] = []
    size = 0
    for line in text.split("\n"):
        joined.append(line)
        size += len(line)
        breaks.append(size)
    return "".join(joined), breaks


# -- Arabic ---------------------------------------------------------------------


def test_arabic_fallback_english_reads_in_order_in_the_pdf(built: Path) -> None:
    report = json.loads((built / "build" / "ar" / "translation-report.json").read_text())
    fallback = {f["id"] for f in report["fallbacks"]}
    book = edition_book(built, "ar")
    raw = pdftotext(built / "build" / "ar" / "compendium-print.pdf", "-raw")  # -raw: no dehyphenation
    # the defect was "…of the 2030 Agenda for\n.Sustainable Development": no line starts with a stop
    assert not re.findall(r"^\.[A-Za-z].{0,30}", raw, re.M)
    # (pdftotext mirrors the brackets of a left-to-right line on a page it reads
    # as right to left, though they are drawn right: compare without them)
    text = re.sub(r"\s+", " ", raw.replace(SOFT_HYPHEN + "\n", "").replace("-\n", "-")).translate(NO_BRACKETS)
    # a paragraph that falls back to English, with no notes or links inside
    checked = 0
    for section in book.sections():
        # paragraphs (not list items: pdftotext reorders a bulleted line's brackets)
        for block in _paragraphs(section.blocks):
            if block.id not in fallback:
                continue
            if not all(isinstance(n, Text | SoftBreak) for n in block.children):
                continue
            words = plain_text(block.children).split()
            if len(words) < 12 or not words[-1].endswith("."):
                continue
            ending = " ".join(words[-6:]).translate(NO_BRACKETS)
            assert ending in text, f"{block.id}: '{ending}' does not extract with its full stop at the end"
            checked += 1
    assert checked >= 5
    # section numbers beside English titles keep their order: the defect was
    # "The Interplay… .1.1" (numbers are now "1.1", with no stop: page design,
    # issue 17, so a number that is not a palindrome is the one to look at)
    assert not re.search(r"(?<![\d.])\.1\.1(?![\d.])", text)
    assert "An Introduction to PPPs 1.2" in text or "1.2 An Introduction to PPPs" in text
    assert not re.search(r"An Introduction to PPPs 2\.1(?![\d.])|(?<![\d.])2\.1 An Introduction to PPPs", text)


def _paragraphs(blocks: list) -> list[Paragraph]:
    out: list[Paragraph] = []
    for block in blocks:
        if isinstance(block, Paragraph):
            out.append(block)
        elif isinstance(block, Box):
            out.extend(_paragraphs(block.blocks))
    return out


def test_arabic_epub_fallback_runs_left_to_right(built: Path) -> None:
    checked = latin_checked = 0
    with zipfile.ZipFile(built / "build" / "ar" / "compendium.epub") as epub:
        for name in epub.namelist():
            if not name.endswith(".xhtml"):
                continue
            root = etree.fromstring(epub.read(name))
            for element in root.iter():
                if element.get("lang") == "en":
                    own = element.get("dir") or next(
                        (a.get("dir") for a in element.iterancestors() if a.get("lang") == "en"), None)
                    assert own == "ltr", f"{name}: <{etree.QName(element).localname} lang=en> without dir=ltr"
                    checked += 1
            # Latin words in Arabic paragraphs (abbreviations, names) are isolated too
            for element in root.iter("{*}p", "{*}li", "{*}td"):
                if _direction(element) != "rtl":
                    continue
                for piece in [element.text or ""] + [child.tail or "" for child in element]:
                    piece = re.sub("\u2066[^\u2069]*\u2069", "", piece)  # isolated by Unicode's marks
                    assert not re.search(r"[A-Za-z]{2,}", piece), f"{name}: '{piece.strip()[:60]}' not isolated"
                    latin_checked += 1
    assert checked > 100 and latin_checked > 100


def _direction(element) -> str:  # type: ignore[no-untyped-def]
    """The direction an element's own text is laid out in: the nearest dir."""
    for candidate in [element, *element.iterancestors()]:
        if candidate.get("dir"):
            return str(candidate.get("dir"))
    return "ltr"


def test_arabic_factsheet_addresses_extract_intact(built: Path) -> None:
    addresses = shown_addresses(edition_book(built, "ar"))
    found_any = 0
    for path in (built / "build" / "ar").glob("factsheet-*.pdf"):
        text, _ = unbroken(pdftotext(path, "-raw"))
        assert not re.search(r"/https?://", text), f"{path.name}: an address starts with its last slash"
        for m in re.finditer(r"https?://", text):
            found = text[m.start():]
            assert any(found.startswith(a) for a in addresses), \
                f"{path.name}: '{found[:80]}' is not an address of the book"
            found_any += 1
    assert found_any >= 3


# -- Chinese --------------------------------------------------------------------


def test_chinese_fallback_english_and_headings_are_not_justified(built: Path) -> None:
    import weasyprint

    from pipeline.build import Project
    from pipeline.editions import edition_for
    from pipeline.render.pdf import book_html

    edition, _report = edition_for(Project.at(built), "zh-Hans")
    html = book_html(edition.book, edition.theme, "screen", edition.strings)
    document = weasyprint.HTML(string=html, base_url=str(edition.theme.root) + "/").render()
    english = justified = headings = 0

    def visit(box) -> None:  # type: ignore[no-untyped-def]
        nonlocal english, justified, headings
        element = getattr(box, "element", None)
        if element is not None and box.element_tag in ("p", "li", "td", "h2", "h3", "h4", "h5") \
                and type(box).__name__ == "BlockBox":
            align = box.style["text_align_all"]
            if element.get("lang") == "en":
                english += 1
                justified += align == "justify"
            if box.element_tag.startswith("h"):
                headings += 1
                justified += align == "justify"
        for child in getattr(box, "children", []):
            visit(child)

    for page in document.pages:
        visit(page._page_box)
    assert english > 100 and headings > 20
    assert justified == 0
    with zipfile.ZipFile(built / "build" / "zh-Hans" / "compendium.epub") as epub:
        css = "".join(epub.read(n).decode() for n in epub.namelist() if n.endswith(".css"))
    assert not re.search(r"text-align:\s*justify", css)
    # CJK line-breaking rules: no line starts with closing punctuation
    for path in pdfs(built, "zh-Hans"):
        lines = pdftotext(path, "-raw").split("\n")
        # (a note marker, raised, ends an extracted line, alone or after the text
        # before it ("多项决议iv" / "，这些建议"), though the page prints "决议iv，这些" on
        # one line: what follows a marker is not the start of a printed line)
        starts = [line for before, line in zip([""] + lines[:-1], lines, strict=True)
                  if line[:1] in "，。、）：；！？」』”" and not re.search(r"[ivxlc]+$", before.strip())]
        assert not starts, f"{path.name}: {starts[:3]}"


# -- Text layer -------------------------------------------------------------------


def _model_words(book: Book) -> set[str]:
    words: set[str] = set()
    for run in all_runs(book):
        words.update(re.findall(r"\w+", plain_text(run)))
    for section in book.sections():
        words.update(re.findall(r"\w+", section.title))
    return words


def test_english_pdfs_have_no_hyphen_left_inside_a_word(built: Path) -> None:
    words = _model_words(edition_book(built, "en"))
    paths = pdfs(built, "en")
    assert len(paths) == 5  # screen, print, three factsheets
    hyphenated = 0
    for path in paths:
        text = pdftotext(path)
        assert not re.search("\u2010\n", text), f"{path.name}: a line ends with U+2010"
        if path.name.startswith("factsheet-"):
            continue  # columns side by side: the next extracted line may be the other column's
        pages = text.split("\f")
        for number, page in enumerate(pages):
            for m in re.finditer(r"(\w+)" + SOFT_HYPHEN + r"\n(.*)", page):
                hyphenated += 1
                second = re.match(r"\w*", m.group(2)).group(0)  # type: ignore[union-attr]
                if m.group(1) + second in words:
                    continue
                # Hyphenated on the page's last line ("com-" then the folio "18"): the
                # word goes on at the next page, below its running head (page furniture
                # of at most four lines on either side of the page break).
                rest = [line for line in page[m.start(2):].split("\n") if line.strip()]
                following = pages[number + 1].split("\n")[:8] if number + 1 < len(pages) else []
                starts = [re.sub(r"\W.*", "", line.split()[0]) for line in rest + following if line.split()]
                assert len(rest) <= 4 and any(m.group(1) + start in words for start in starts), \
                    f"{path.name}: '{m.group(0)[:40]}' is not a word of the book"
    assert hyphenated > 50


def test_a_hyphenated_sentence_is_found_whole(built: Path) -> None:
    book = edition_book(built, "en")
    text = pdftotext(built / "build" / "en" / "compendium-print.pdf")
    # compared without white space (extraction puts a line end after "ECOSOC/") and
    # without ASCII hyphens: pdftotext takes a word's own hyphen at a line end
    # ("non-/governmental") for hyphenation and drops it. (A hyphenation hyphen
    # left as U+2010 would still be seen.)
    whole = re.sub(r"[\s-]+", "", text.replace(SOFT_HYPHEN + "\n", ""))
    paragraphs = [plain_text(b.children) for s in book.sections() for b in walk_blocks(s.blocks)
                  if isinstance(b, Paragraph) and all(isinstance(n, Text | SoftBreak) for n in b.children)]
    found = 0
    for m in re.finditer(r"(\w+)" + SOFT_HYPHEN + r"\n(\w+)", text):
        word = m.group(1) + m.group(2)
        for paragraph in paragraphs:
            sentences = [s for s in re.split(r"(?<=\.) ", re.sub(r"\s+", " ", paragraph)) if word in s.split()]
            if sentences:
                assert re.sub(r"[\s-]+", "", sentences[0]) in whole, f"'{sentences[0]}' is not in the extracted text"
                found += 1
                break
        if found >= 10:
            break
    assert found >= 10


# -- Quotes and French spaces -------------------------------------------------------


STRAIGHT = r".{0,30}['\"].{0,30}"


@pytest.mark.parametrize("lang", EDITION_LANGUAGES)
def test_no_straight_quotes_in_any_edition(built: Path, lang: str) -> None:
    for path in pdfs(built, lang):
        text = re.sub(r"(?:https?://|www\.)\S+", "", pdftotext(path, "-raw"))
        straight = re.findall(STRAIGHT, text)
        assert not straight, f"{path.name}: {straight[:3]}"
    with zipfile.ZipFile(built / "build" / lang / "compendium.epub") as epub:
        for name in epub.namelist():
            if name.endswith(".xhtml") and "nav" not in name:
                root = etree.fromstring(epub.read(name))
                for element in root.iter("{*}code", "{*}a"):
                    if element.tag.endswith("code") or "url" in (element.get("class") or ""):
                        element.clear()
                text = "".join(root.itertext())
                straight = re.findall(STRAIGHT, text)
                assert not straight, f"{name}: {straight[:3]}"


def test_french_takes_no_break_spaces_everywhere(built: Path) -> None:
    from pipeline.build import Project
    from pipeline.editions import edition_for
    from pipeline.render.pdf import book_html

    edition, _report = edition_for(Project.at(built), "fr")
    html = book_html(edition.book, edition.theme, "print", edition.strings)
    root = lxml.html.fromstring(html).find("body")
    # French text only: not the English fallback, spans or addresses
    for element in list(root.iter()):
        lang = element.get("lang")
        if (lang and not lang.startswith("fr")) or "url" in (element.get("class") or ""):
            element.drop_tree()
    body = re.sub(r"\d:\d", "", root.text_content())
    # before : ; ! ? » and after «: a no-break space (narrow before ; ! ?), never a plain one or none
    bad = re.findall(r".{0,25}(?:[^\u00a0\u202f\s][:;!?»]|[ ][:;!?»]|«[^\u00a0]).{0,25}", body)
    bad = [b for b in bad if not re.search(r"[^\u00a0\u202f\s]:(?=\S)", b)]  # "1:2", "https:" stay
    assert not bad, bad[:5]
    assert "Publié par\u00a0:" in body
    for path in pdfs(built, "fr"):
        lines = pdftotext(path).split("\n")
        assert not [line for line in lines if re.match(r"\s*[:;!?»]", line)], path.name


# -- Hyphenation ----------------------------------------------------------------------


@pytest.mark.parametrize("lang", EDITION_LANGUAGES)
def test_addresses_are_never_hyphenated_and_break_only_after_a_separator(built: Path, lang: str) -> None:
    addresses = shown_addresses(edition_book(built, lang))
    for path in pdfs(built, lang):
        text, breaks = unbroken(pdftotext(path, "-raw"))
        for address in addresses:
            start = text.find(address[:12])
            while start >= 0:
                if text.startswith(address, start):
                    for at in breaks:
                        if start < at < start + len(address):
                            assert text[at - 1] in ADDRESS_BREAKS, \
                                f"{path.name}: '{address}' breaks after '{text[at - 1]}'"
                start = text.find(address[:12], start + 1)
        assert SOFT_HYPHEN not in "".join(m.group(0) for m in re.finditer(r"https?://\S+", text))
        for m in re.finditer(r"https?://[^\s" + SOFT_HYPHEN + r"]+" + SOFT_HYPHEN, text):
            raise AssertionError(f"{path.name}: hyphenated address '{m.group(0)}'")


@pytest.mark.parametrize("lang", EDITION_LANGUAGES)
def test_no_heading_label_or_capitals_line_ends_with_a_hyphen(built: Path, lang: str) -> None:
    for path in pdfs(built, lang):
        reader = pypdf.PdfReader(str(path))
        offenders: list[str] = []

        def visit(text, cm, tm, font, size, offenders=offenders) -> None:  # type: ignore[no-untyped-def]
            if SOFT_HYPHEN not in text:
                return
            scale = abs(tm[0] * cm[0]) or 1
            for m in re.finditer(r"(\w+)" + SOFT_HYPHEN, text):
                if m.group(1).isupper() or size * scale > 11.5:
                    offenders.append(m.group(0))

        for page in reader.pages:
            page.extract_text(visitor_text=visit)
        assert not offenders, f"{path.name}: {offenders[:5]}"


def test_short_table_labels_are_not_hyphenated(built: Path) -> None:
    """The issue's narrow-column breaks ("Imple-/menter", "Multination-/al Compan-/ies")."""
    book = edition_book(built, "en")
    labels: set[str] = set()
    for section in book.sections():
        for table in (b for b in walk_blocks(section.blocks) if isinstance(b, Table)):
            for index in range(len(table.header)):
                cells = [plain_text(row[index].children) for row in table.rows if index < len(row)]
                if len(table.header) >= 4 or max(map(len, cells), default=0) <= 60:
                    labels.update(w for c in cells for w in re.findall(r"\w{6,}", c))
    assert {"Implementer", "Multinational"} <= labels
    for path in pdfs(built, "en"):
        broken = [m.group(0) for m in re.finditer(r"(\w+)" + SOFT_HYPHEN + r"\n(\w+)", pdftotext(path))
                  if m.group(1) + m.group(2) in labels and not _in_body(book, m.group(1) + m.group(2))]
        assert not broken, f"{path.name}: {broken[:5]}"


def _in_body(book: Book, word: str) -> bool:
    """Whether `word` also appears in running text (where it may be hyphenated)."""
    return any(word in plain_text(b.children) for s in book.sections() for b in walk_blocks(s.blocks)
               if isinstance(b, Paragraph))


# Limits per language and artifact (see README, "The editions"): WeasyPrint has
# no hyphenate-limit-lines, so the pipeline measures what the rules above give
# (hyphenated line ends per 100 text lines, runs of three or more in a row) and
# fails about a quarter above the figures measured on 2026-12-01. The
# factsheets' columns are narrower than the book's 124 mm, so more lines end
# in a hyphen; Russian has its own, wider zone (scripts.css).
HYPHENATION_LIMITS: dict[tuple[str, str], tuple[float, int]] = {
    ("en", "book"): (11.0, 6), ("en", "factsheets"): (17.0, 6),
    ("fr", "book"): (12.0, 8), ("fr", "factsheets"): (19.0, 7),
    ("es", "book"): (13.0, 14), ("es", "factsheets"): (20.0, 7),
    ("ru", "book"): (13.0, 11), ("ru", "factsheets"): (24.0, 13),
}


def hyphenation_figures(texts: list[str]) -> tuple[int, int, int]:
    """Hyphenated line ends, text lines (three words or more, or hyphenated) and
    runs of three or more hyphenated lines in a row, in pdftotext's output."""
    hyphenated = total = runs = 0
    for text in texts:
        lines = [line for line in text.split("\n") if len(line.split()) >= 3 or line.endswith(SOFT_HYPHEN)]
        ends = [line.endswith(SOFT_HYPHEN) for line in lines]
        current = 0
        for end in ends + [False]:
            if end:
                current += 1
            else:
                runs += current >= 3
                current = 0
        hyphenated += sum(ends)
        total += len(lines)
    return hyphenated, total, runs


@pytest.mark.parametrize("lang, artifact", list(HYPHENATION_LIMITS))
def test_hyphenated_line_ends_are_few_and_rarely_in_runs(built: Path, lang: str, artifact: str) -> None:
    out = built / "build" / lang
    paths = [out / "compendium-print.pdf"] if artifact == "book" else sorted(out.glob("factsheet-*.pdf"))
    assert paths and all(path.is_file() for path in paths)
    hyphenated, total, runs = hyphenation_figures([pdftotext(path) for path in paths])
    rate = 100 * hyphenated / total
    print(f"\n{lang} {artifact}: hyphenated line ends: {hyphenated} of {total} text lines "
          f"({rate:.1f} per 100); runs of three or more: {runs}")
    most, most_runs = HYPHENATION_LIMITS[(lang, artifact)]
    assert hyphenated > 0  # hyphenation is on: a zero would mean the measure reads nothing
    assert rate <= most, f"{lang} {artifact}: {rate:.1f} hyphenated line ends per 100 lines (limit {most})"
    assert runs <= most_runs, f"{lang} {artifact}: {runs} runs of three or more (limit {most_runs})"


# -- Arabic: no letter-spacing, a cover that does not overlap -------------------------

# Elements the theme tracks (letter-spacing) in Latin scripts: the book's and the factsheet's.
TRACKED_BOOK = ('<p class="cover-publisher">مكتب الأمم المتحدة</p><p class="draft-label">مسودة</p>'
                '<p class="part-label">الجزء</p><p class="box-label">نصائح</p>'
                '<table class="icon-table"><tr><th scope="row">نصائح</th></tr></table>'
                '<h2 style="string-set: part-title content(), section-title content()">الشراكات</h2>')
TRACKED_FACTSHEET = ('<p class="masthead-kicker">مكتب الأمم المتحدة</p><p class="box-label">نصائح</p>'
                     '<div class="legend"><p class="legend-label">نصائح</p></div>'
                     '<div class="about"><h2>نبذة</h2></div><div class="get-compendium"><h2>الخلاصة</h2></div>')


@pytest.mark.parametrize("sheets, body", [
    (("print.css", "rtl.css", "scripts.css"), TRACKED_BOOK),
    (("factsheet.css", "scripts.css"), TRACKED_FACTSHEET),
])
def test_arabic_is_never_letter_spaced(sheets: tuple[str, ...], body: str) -> None:
    """Spacing Arabic's letters apart breaks their joins (the cover's agency name
    was set with 0.12em): every box of an Arabic page, running heads included,
    is laid out with the theme's own stylesheets and no letter-spacing."""
    import weasyprint

    theme = ROOT / "themes" / "default"
    links = "".join(f'<link rel="stylesheet" href="{name}" />' for name in ("fonts/fonts.css", *sheets))
    html = f'<html lang="ar" dir="rtl"><head>{links}</head><body>{body}<p>نص</p></body></html>'
    document = weasyprint.HTML(string=html, base_url=str(theme) + "/").render()
    spaced: list[str] = []
    seen = 0

    def visit(box) -> None:  # type: ignore[no-untyped-def]
        nonlocal seen
        if type(box).__name__ == "TextBox" and box.text.strip():
            seen += 1
            if box.style["letter_spacing"] not in ("normal", 0) and getattr(box.style["letter_spacing"], "value", 1):
                spaced.append(f"{box.text} ({box.style['letter_spacing']})")
        for child in getattr(box, "children", []):
            visit(child)

    for page in document.pages:
        visit(page._page_box)
    assert seen >= body.count("</") - 1
    assert not spaced, spaced


def test_arabic_cover_year_stands_clear_of_the_agency(built: Path) -> None:
    """The cover's year sits at the top on the side the agency's name does not
    start from (it was drawn over the name's first word in Arabic)."""
    for lang in ("ar", "en"):
        path = built / "build" / lang / "compendium-print.pdf"
        proc = subprocess.run(["pdftotext", "-bbox", "-f", "1", "-l", "1", str(path), "-"],
                              capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
        words = [(float(m.group(1)), float(m.group(2)), float(m.group(3)), float(m.group(4)), m.group(5))
                 for m in re.finditer(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">'
                                      r'([^<]*)</word>', proc.stdout)]
        year = next(w for w in words if w[4] == "2021")
        beside = [w for w in words if w is not year and w[1] < year[3] and w[3] > year[1]]  # the same band
        assert beside, lang
        overlapping = [w[4] for w in beside if w[0] < year[2] and w[2] > year[0]]
        assert not overlapping, f"{lang}: the year is drawn over {overlapping}"
