"""The real PDF editions, opened and inspected: pages, outline, contents, notes, fonts, tags, boxes."""

from __future__ import annotations

import copy
import datetime as dt
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pypdf
import pytest

from pipeline.build import Project, build_pdf, english_edition
from pipeline.errors import PipelineError
from pipeline.model import Book

from .conftest import ROOT, embedded_fonts

MM = 72 / 25.4


def _reader(project: Project, name: str) -> pypdf.PdfReader:
    return pypdf.PdfReader(str(project.out_dir("en") / name))


def _texts(reader: pypdf.PdfReader) -> list[str]:
    return [" ".join((page.extract_text() or "").split()) for page in reader.pages]


def _outline_titles(reader: pypdf.PdfReader) -> list[str]:
    titles: list[str] = []

    def walk(items) -> None:  # type: ignore[no-untyped-def]
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                titles.append(item.title)

    walk(reader.outline)
    return titles


@pytest.fixture(scope="module")
def screen(built_pdfs: Project) -> pypdf.PdfReader:
    return _reader(built_pdfs, "compendium.pdf")


@pytest.fixture(scope="module")
def printed(built_pdfs: Project) -> pypdf.PdfReader:
    return _reader(built_pdfs, "compendium-print.pdf")


@pytest.fixture(scope="module")
def screen_texts(screen: pypdf.PdfReader) -> list[str]:
    return _texts(screen)


def test_page_count_is_sane(screen: pypdf.PdfReader, printed: pypdf.PdfReader) -> None:
    assert 60 <= len(screen.pages) <= 200
    # the print edition opens parts on right-hand pages and ends on a back cover verso
    assert len(printed.pages) >= len(screen.pages)


def test_a4_pages(screen: pypdf.PdfReader) -> None:
    box = screen.pages[5].mediabox
    assert abs(float(box.width) - 210 * MM) < 1 and abs(float(box.height) - 297 * MM) < 1


@pytest.fixture(scope="module")
def book_as_printed(book: Book) -> Book:
    """The book as the English edition prints it (typographic quotes are made on its model)."""
    from pipeline.transforms.typography import apply_typography

    copied = copy.deepcopy(book)
    apply_typography(copied, {}, "en", {"en": ["\u201c", "\u201d", "\u2018", "\u2019"]})
    return copied


def test_outline_lists_every_part_and_section(screen: pypdf.PdfReader, book_as_printed: Book) -> None:
    book = book_as_printed
    titles = _outline_titles(screen)
    for part in book.parts:
        assert part.title in titles
        for section in part.sections:
            assert f"{section.number} {section.title}" in titles
    for section in book.front + book.back:
        assert section.title in titles
    assert "Footnotes" in titles


def _toc_entries(texts: list[str]) -> dict[str, int]:
    """Title -> page number as printed on the contents page.

    The entries' numbers ("1.1", "Part 1") hang in the margin, positioned, and so
    come after their entry's page number in the page's text ("... 22" + "1.2"
    reads "221.2" where the next entry's number follows): a number right after a
    page number belongs to that entry.
    """
    toc_page = next(t for t in texts if t.startswith("Contents")).removeprefix("Contents")
    entries = {}
    entry = re.compile(r"([A-Z][^.]*?(?:\.[^.\s][^.]*?)*)\s*\.{4,}\s*(\d+?)(?:\s*(\d\.\d)(?!\d))?(?=\s|Part|\d\.\d|$)")
    for m in entry.finditer(toc_page):
        title, page, number = m.groups()
        # (a part's "Part 1" label, after its entry, runs into the next title)
        title = re.sub(r"^Part \d+ ", "", re.sub(r"\s+", " ", title.strip()))
        entries[(number + " " if number else "") + title] = int(page)
    return entries


def test_each_section_title_is_on_the_page_the_contents_give(screen_texts: list[str],
                                                              book_as_printed: Book) -> None:
    book = book_as_printed
    entries = _toc_entries(screen_texts)
    checked = 0
    for part in book.parts:
        for section in part.sections:
            key = f"{section.number} {section.title}"
            assert key in entries, f"contents has no entry for {key}: {sorted(entries)[:5]}..."
            page_text = screen_texts[entries[key] - 1]
            assert f"{section.number} {section.title}" in page_text, (key, entries[key])
            checked += 1
    for section in book.front + book.back:
        assert section.title in entries
        assert section.title in screen_texts[entries[section.title] - 1]
        checked += 1
    assert checked == 20


def _named_destination_pages(reader: pypdf.PdfReader) -> dict[str, int]:
    pages = {page.indirect_reference.idnum: i for i, page in enumerate(reader.pages)}
    return {name: pages[dest.page.idnum] for name, dest in reader.named_destinations.items()}


def test_every_footnote_is_present_and_linked_both_ways(screen: pypdf.PdfReader, screen_texts: list[str],
                                                       book: Book) -> None:
    dests = _named_destination_pages(screen)
    links: dict[str, list[int]] = {}
    for index, page in enumerate(screen.pages):
        for annot in page.get("/Annots") or []:
            annot = annot.get_object()
            if annot.get("/Subtype") == "/Link" and "/Dest" in annot:
                links.setdefault(str(annot["/Dest"]), []).append(index)
    # (the page's text may begin with its running head: find the list by its anchor)
    notes_start = dests["footnotes"]
    assert "Footnotes" in screen_texts[notes_start]
    for note in book.footnotes:
        target = f"fn-{note.label}"
        assert target in links, f"no link to note {note.label}"
        assert target in dests, f"note {note.label} has no anchor"
        landing = dests[target]
        assert landing >= notes_start
        # the numeral is printed on the page the link lands on
        assert re.search(rf"(^|\s){note.label}\s", screen_texts[landing]), note.label
        # and the note links back to where it is cited
        back = f"fnref-{note.label}"
        assert back in links and back in dests
        assert dests[back] < notes_start


def test_cross_references_print_number_and_page(printed: pypdf.PdfReader) -> None:
    texts = _texts(printed)
    dests = _named_destination_pages(printed)
    target_page = dests["engaging-with-one-another"] + 1
    joined = " ".join(texts)
    assert f"section 1.4, page {target_page}" in joined
    # and in the screen edition they are live links
    assert dests


def test_all_fonts_embedded_and_from_the_theme(screen: pypdf.PdfReader, printed: pypdf.PdfReader) -> None:
    for reader in (screen, printed):
        seen = embedded_fonts(reader)
        assert seen and all(name.startswith("Compendium") for name in seen), seen


def test_screen_edition_is_tagged_with_language_and_metadata(screen: pypdf.PdfReader) -> None:
    root = screen.trailer["/Root"]
    assert "/StructTreeRoot" in root
    assert root["/Lang"] == "en"
    assert root["/MarkInfo"]["/Marked"]
    meta = screen.metadata
    assert meta.title.startswith("Compendium of Promising Practices")
    assert meta.author == "United Nations Office on Drugs and Crime"
    assert "trafficking" in (meta.subject or "").lower()
    assert "trafficking in persons" in (screen.metadata.get("/Keywords") or "")
    xmp = root["/Metadata"].get_object().get_data().decode()
    assert "pdfuaid" in xmp


def test_screen_links_are_live(screen: pypdf.PdfReader) -> None:
    uris = set()
    for page in screen.pages:
        for annot in page.get("/Annots") or []:
            action = annot.get_object().get("/A")
            if action and action.get("/S") == "/URI":
                uris.add(str(action["/URI"]))
    assert any(u.startswith("https://www.unodc.org/") for u in uris)
    assert len(uris) > 50


def test_print_edition_has_bleed_and_trim(printed: pypdf.PdfReader) -> None:
    for page in printed.pages[:5]:
        trim, bleed = page.trimbox, page.bleedbox
        assert abs(float(trim.width) - 210 * MM) < 0.5
        for a, b in ((bleed.left, trim.left), (bleed.bottom, trim.bottom)):
            assert abs((float(b) - float(a)) - 3 * MM) < 0.05
        assert abs((float(bleed.right) - float(trim.right)) - 3 * MM) < 0.05
    intents = printed.trailer["/Root"]["/OutputIntents"]
    assert intents[0]["/S"] == "/GTS_PDFX"


def test_print_edition_opens_parts_on_right_hand_pages(printed: pypdf.PdfReader, book: Book) -> None:
    """Parts open on a recto; sections on a new page of either hand (issue 17: no
    blank verso after a short section)."""
    dests = _named_destination_pages(printed)
    for part in book.parts:
        assert dests[part.id] % 2 == 0, part.id  # index 0 is page 1, a right-hand page
        previous = dests[part.id]
        for section in part.sections:
            assert dests[section.id] > previous, section.id
            previous = dests[section.id]


def test_no_running_heads_on_cover_or_blank_pages(printed: pypdf.PdfReader) -> None:
    texts = _texts(printed)
    assert "UNDERSTANDING" not in texts[0]
    blanks = [t for t in texts if len(t) < 5]
    assert blanks, "the print edition should have blank left pages before right-hand part openers"
    assert all(not t for t in blanks)


def test_reproducible_bytes(tmp_path: Path, built_pdfs: Project) -> None:
    """A second build with the same timestamp is byte-identical (screen and print).

    The session's shared build carries the book's date (no SOURCE_DATE_EPOCH); this
    build is made with SOURCE_DATE_EPOCH set to that same date, in another folder and
    another process's state, and must give the same bytes.
    """
    shared = english_edition(built_pdfs)
    date = dt.datetime.fromisoformat(str(shared.book.meta.date)).replace(tzinfo=dt.UTC)
    project = Project.at(ROOT, build=tmp_path / "again")
    os.environ["SOURCE_DATE_EPOCH"] = str(int(date.timestamp()))
    try:
        edition = english_edition(project)
        build_pdf(project, edition, "screen")
        build_pdf(project, edition, "print")
    finally:
        del os.environ["SOURCE_DATE_EPOCH"]
    for name in ("compendium.pdf", "compendium-print.pdf"):
        assert (project.out_dir("en") / name).read_bytes() == (built_pdfs.out_dir("en") / name).read_bytes(), name


def test_table_header_rows_repeat_across_pages(tmp_path: Path) -> None:
    """A table that runs onto the next page starts there with its header row again."""
    root = tmp_path / "p"
    shutil.copytree(ROOT / "tests" / "fixtures" / "minibook", root / "source")
    shutil.copytree(ROOT / "themes", root / "themes")
    section = root / "source" / "part-1" / "1-1.md"
    rows = "".join(f"| Role {n} | The entity number {n} of a long table that must run over pages. |\n"
                   for n in range(120))
    text = section.read_text()
    section.write_text(text.replace("| Convener | The entity that starts the PPP. |\n",
                                    "| Convener | The entity that starts the PPP. |\n" + rows, 1))
    proc = _build_cli(root, "pdf")
    assert proc.returncode == 0, proc.stderr
    texts = _texts(pypdf.PdfReader(str(root / "build/en/compendium.pdf")))
    pages = [i for i, text in enumerate(texts) if "Role 60" in text or "Role 119" in text or "Role 5 " in text]
    table_pages = [i for i, text in enumerate(texts) if re.search(r"Role \d+ The entity number", text)]
    assert len(table_pages) >= 2, "the fixture table should run over several pages"
    for page in table_pages:
        assert re.search(r"Role Description", texts[page]), f"page {page + 1} has no header row"
    assert pages


def test_page_bottom_footnotes_are_a_theme_option(tmp_path: Path) -> None:
    root = _copy_project(tmp_path)
    options = root / "themes/default/theme.yml"
    options.write_text(options.read_text().replace("footnotes: endnotes", "footnotes: page-bottom"))
    proc = _build_cli(root, "pdf")
    assert proc.returncode == 0, proc.stderr
    reader = pypdf.PdfReader(str(root / "build/en/compendium.pdf"))
    texts = _texts(reader)
    assert "Footnotes" not in _outline_titles(reader)  # no endnotes section
    intro = next(i for i, t in enumerate(texts) if t.startswith("Introduction") or " Introduction " in t[:40])
    # note i stands at the foot of the page that cites it
    assert "i. https://www.unodc.org/documents/data-and-analysis/tip/2021/GLOTiP" in texts[intro]


# --------------------------------------------------------------- faults


def _copy_project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(ROOT / "source", root / "source")
    shutil.copytree(ROOT / "themes", root / "themes")
    return root


def _build_cli(root: Path, *formats: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pipeline.cli", "build", "--project", str(root), *formats],
                          capture_output=True, text=True)


@pytest.fixture(scope="module")
def good_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The minibook with the real theme and its screen PDF built: a broken theme fails
    the same way for a 17-page book as for the real one, in a fraction of the layout."""
    root = tmp_path_factory.mktemp("good") / "project"
    shutil.copytree(ROOT / "tests" / "fixtures" / "minibook", root / "source")
    shutil.copytree(ROOT / "themes", root / "themes")
    proc = _build_cli(root, "pdf")
    assert proc.returncode == 0, proc.stderr
    return root


def _break_and_build(good_project: Path, tmp_path: Path,
                     breaker) -> tuple[subprocess.CompletedProcess[str], bytes, bytes]:  # type: ignore[no-untyped-def]
    root = tmp_path / "p"
    shutil.copytree(good_project, root)
    before = (root / "build" / "en" / "compendium.pdf").read_bytes()
    breaker(root)
    proc = _build_cli(root, "pdf")
    after = (root / "build" / "en" / "compendium.pdf").read_bytes()
    leftovers = [p.name for p in (root / "build" / "en").iterdir() if p.name.endswith(".part")]
    assert not leftovers
    return proc, before, after


def test_missing_icon_is_an_error_and_keeps_the_previous_pdf(good_project: Path, tmp_path: Path) -> None:
    proc, before, after = _break_and_build(
        good_project, tmp_path, lambda r: (r / "themes/default/icons/tips.svg").unlink())
    assert proc.returncode == 1
    assert "tips.svg" in proc.stderr and "Traceback" not in proc.stderr
    assert before == after


def test_stylesheet_reaching_outside_the_project_is_refused(good_project: Path, tmp_path: Path) -> None:
    def breaker(root: Path) -> None:
        css = root / "themes/default/print.css"
        css.write_text('@import url("file:///etc/passwd");\n' + css.read_text())

    proc, before, after = _break_and_build(good_project, tmp_path, breaker)
    assert proc.returncode == 1
    assert "refused" in proc.stderr and "/etc/passwd" in proc.stderr
    assert before == after


def test_network_resources_are_refused(good_project: Path, tmp_path: Path) -> None:
    def breaker(root: Path) -> None:
        css = root / "themes/default/print.css"
        css.write_text(css.read_text() + '\n.cover { background: url("http://127.0.0.1:9/x.png"); }\n')

    proc, before, after = _break_and_build(good_project, tmp_path, breaker)
    assert proc.returncode == 1
    assert "network" in proc.stderr
    assert before == after


def test_template_error_names_the_template(good_project: Path, tmp_path: Path) -> None:
    def breaker(root: Path) -> None:
        tpl = root / "themes/default/templates/book.html.j2"
        tpl.write_text(tpl.read_text().replace("{{ meta.title }}", "{{ meta.title ", 1))

    proc, before, after = _break_and_build(good_project, tmp_path, breaker)
    assert proc.returncode == 1
    assert "book.html.j2" in proc.stderr and "Traceback" not in proc.stderr
    assert before == after


def test_missing_font_file_is_an_error(good_project: Path, tmp_path: Path) -> None:
    proc, before, after = _break_and_build(
        good_project, tmp_path, lambda r: (r / "themes/default/fonts/NotoSans-Regular.ttf").unlink())
    assert proc.returncode == 1
    assert "NotoSans-Regular.ttf" in proc.stderr
    assert before == after


def test_pipeline_error_type_is_user_facing() -> None:
    assert issubclass(PipelineError, Exception)
