"""The sector factsheets, built for real and opened: budget, contents, page
references against the print edition, links, fonts, tags; and the faults a
factsheet file can have (an id that does not exist or is another sector's,
a factsheet over its page budget)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pypdf
import pytest

from pipeline.build import Project, build_factsheets, english_edition, read_page_map
from pipeline.checks.factsheets import check_factsheets
from pipeline.errors import PipelineError, SourceError
from pipeline.factsheets import Factsheet, load_factsheets
from pipeline.model import (
    Book,
    Box,
    Link,
    Text,
    block_inlines,
    plain_text,
    walk_blocks,
    walk_inlines,
)
from pipeline.render.factsheet import factsheet_html

from .conftest import ROOT, copy_shipped, embedded_fonts

MM = 72 / 25.4
SECTORS = ("supply-chains", "financial", "technology")


# ----------------------------------------------------------------- helpers


def _norm(text: str) -> str:
    """Words only, for finding a title in extracted text: a line break at a
    hyphen ("Anti-\\nmoney") or between words is not a difference."""
    text = text.replace("-\n", "-")
    return " " + " ".join(re.findall(r"[a-z0-9]+", text.lower())) + " "


def _text(reader: pypdf.PdfReader) -> str:
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def _dest_pages(reader: pypdf.PdfReader) -> dict[str, int]:
    """Named destination -> 1-based page."""
    pages = {page.indirect_reference.idnum: i for i, page in enumerate(reader.pages)}
    return {str(name): pages[dest.page.idnum] + 1 for name, dest in reader.named_destinations.items()}


def _uris(reader: pypdf.PdfReader) -> set[str]:
    uris = set()
    for page in reader.pages:
        for annot in page.get("/Annots") or []:
            action = annot.get_object().get("/A")
            if action and action.get("/S") == "/URI":
                uris.add(str(action["/URI"]))
    return uris


def _practices(book: Book) -> dict[str, Box]:
    return {box.id: box for _section, box in book.practices()}


# ------------------------------------------------------------- the build


@pytest.fixture(scope="module")
def sheets(book: Book) -> dict[str, Factsheet]:
    return load_factsheets(ROOT / "source", book)


@pytest.fixture(scope="module")
def built(shipped: Path, tmp_path_factory: pytest.TempPathFactory) -> Project:
    """The three factsheets, built here from the print edition (and its page map) of a copy
    of the session's shared build; they must be the bytes the shared build made."""
    project = Project.at(copy_shipped(shipped, tmp_path_factory.mktemp("factsheets") / "p"))
    edition = english_edition(project)
    artifacts = build_factsheets(project, edition, read_page_map(project, "en"))
    assert sorted(a.path.name for a in artifacts) == sorted(f"factsheet-{s}.pdf" for s in SECTORS)
    for artifact in artifacts:
        assert artifact.path.read_bytes() == (shipped / "build" / "en" / artifact.path.name).read_bytes()
    return project


@pytest.fixture(scope="module")
def readers(built: Project) -> dict[str, pypdf.PdfReader]:
    return {s: pypdf.PdfReader(str(built.out_dir("en") / f"factsheet-{s}.pdf")) for s in SECTORS}


def test_every_sector_with_a_factsheet_declares_one(book: Book, sheets: dict[str, Factsheet]) -> None:
    assert sorted(s.id for s in book.sectors.values() if s.factsheet) == sorted(SECTORS)
    assert sorted(sheets) == sorted(SECTORS)
    assert check_factsheets(book, sheets) == []


def test_each_factsheet_is_a4_and_within_its_budget(readers: dict[str, pypdf.PdfReader],
                                                   sheets: dict[str, Factsheet]) -> None:
    for sector, reader in readers.items():
        assert 1 <= len(reader.pages) <= sheets[sector].budget, sector
        for page in reader.pages:
            box = page.mediabox
            assert abs(float(box.width) - 210 * MM) < 1 and abs(float(box.height) - 297 * MM) < 1


def test_each_factsheet_prints_its_practices_and_no_others(readers: dict[str, pypdf.PdfReader],
                                                          sheets: dict[str, Factsheet],
                                                          book: Book) -> None:
    practices = _practices(book)
    for sector, reader in readers.items():
        text = _norm(_text(reader))
        listed = [p.id for p in sheets[sector].practices]
        assert listed, sector
        for pid in listed:
            box = practices[pid]
            assert box.sector == sector
            assert _norm(plain_text(box.title)) in text, (sector, pid)
        anchors = {name for name in _dest_pages(reader) if name in practices}
        assert anchors == set(listed), sector
        for pid, box in practices.items():
            if box.sector != sector:
                assert _norm(plain_text(box.title)) not in text, (sector, pid)


def test_page_references_are_the_print_editions(readers: dict[str, pypdf.PdfReader],
                                                sheets: dict[str, Factsheet], built: Project,
                                                book: Book) -> None:
    """Each practice's "Read in full: section N, page P" is where the print PDF has it."""
    printed = pypdf.PdfReader(str(built.out_dir("en") / "compendium-print.pdf"))
    print_pages = _dest_pages(printed)
    sections = {box.id: section for section, box in book.practices()}
    for sector, reader in readers.items():
        found = re.findall(r"Read in full: section (\d\.\d), page (\d+)", _text(reader))
        expected = [(sections[p.id].number, str(print_pages[p.id])) for p in sheets[sector].practices]
        assert found == expected, sector
        # the screen edition numbers its pages differently: the test can tell them apart
        assert len({page for _n, page in found}) > 1


def test_links_are_live(readers: dict[str, pypdf.PdfReader], sheets: dict[str, Factsheet],
                        book: Book) -> None:
    sections = {section.id: section for section in book.sections()}
    for sector, reader in readers.items():
        ref = sheets[sector].resources
        assert ref is not None
        wanted = {
            node.href
            for block in walk_blocks(sections[ref.id].blocks)
            for _loc, run in block_inlines(block)
            for node in walk_inlines(run)
            if isinstance(node, Link)
        }
        assert wanted and wanted <= _uris(reader), (sector, wanted - _uris(reader))


def test_fonts_are_embedded_and_the_themes(readers: dict[str, pypdf.PdfReader]) -> None:
    for sector, reader in readers.items():
        seen = embedded_fonts(reader)
        assert seen and all(name.startswith("Compendium") for name in seen), (sector, seen)


def test_factsheets_are_tagged_with_language_and_metadata(readers: dict[str, pypdf.PdfReader],
                                                         book: Book) -> None:
    for sector, reader in readers.items():
        root = reader.trailer["/Root"]
        assert "/StructTreeRoot" in root, sector
        assert root["/Lang"] == "en"
        assert root["/MarkInfo"]["/Marked"]
        assert "pdfuaid" in root["/Metadata"].get_object().get_data().decode()
        assert book.sectors[sector].title in (reader.metadata.title or "")
        assert reader.metadata.author == "United Nations Office on Drugs and Crime"


def test_footer_names_the_publisher_and_numbers_pages(readers: dict[str, pypdf.PdfReader]) -> None:
    for sector, reader in readers.items():
        total = len(reader.pages)
        for number, page in enumerate(reader.pages, start=1):
            text = " ".join((page.extract_text() or "").split())
            assert f"{number}/{total}" in text, (sector, number)
            assert "United Nations Office on Drugs and Crime" in text, (sector, number)
        last = " ".join((reader.pages[-1].extract_text() or "").split())
        assert "Vienna" in last and "Compendium of Promising Practices" in last


def test_summaries_are_one_or_two_sentences_with_stable_ids(sheets: dict[str, Factsheet]) -> None:
    for sector, sheet in sheets.items():
        for practice in sheet.practices:
            text = plain_text(practice.summary)
            sentences = [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s]
            assert 1 <= len(sentences) <= 2, (practice.id, sentences)
            assert practice.summary_id == f"factsheet.{sector}.{practice.id}.summary"


def test_publication_url_is_printed_only_when_set(built: Project, book: Book,
                                                  sheets: dict[str, Factsheet]) -> None:
    edition = english_edition(built)
    page_map = read_page_map(built, "en")
    url = "https://www.unodc.org/example-publication-page"
    edition.book.meta.publication_url = ""
    assert url not in factsheet_html(edition.book, sheets["financial"], edition, page_map)
    edition.book.meta.publication_url = url
    assert f'href="{url}"' in factsheet_html(edition.book, sheets["financial"], edition, page_map)


def test_an_untitled_box_takes_the_title_of_its_sub_heading(built: Project,
                                                            sheets: dict[str, Factsheet]) -> None:
    """A lessons-learnt box has no title in the book; away from its text, it needs one."""
    edition = english_edition(built)
    html = factsheet_html(edition.book, sheets["technology"], edition, read_page_map(built, "en"))
    box = html[html.index('id="ll-consulting-victims"'):]
    box = box[: box.index("</aside>")]
    assert "Taking a Victim Oriented Approach in Technology Development" in box
    assert 'aria-labelledby="ll-consulting-victims-title"' in box


def test_cross_references_and_notes_in_a_factsheet(book: Book) -> None:
    """A reference to something the factsheet prints stays a link; to anything
    else it becomes words with the print edition's page; notes are left out."""
    from pipeline.model import FootnoteRef, Loc, XRef
    from pipeline.render.factsheet import FactsheetWriter
    from pipeline.theme import load_theme

    strings = load_theme(ROOT / "themes" / "default").strings
    writer = FactsheetWriter(book, strings, page_map={"engaging-with-one-another": 43},
                             local_ids={"pp-mekong-club-diginex"})
    loc = Loc("x", 1)
    local = writer.inline(XRef("pp-mekong-club-diginex", [], loc))
    assert local == '<a class="xref" href="#pp-mekong-club-diginex">Promising Practice 35</a>'
    remote = writer.inline(XRef("engaging-with-one-another", [], loc))
    assert "href" not in remote and "section 1.4, page 43" in remote
    worded = writer.inline(XRef("part-1", [Text("the first part")], loc))
    assert worded == '<span class="xref">the first part</span>'
    assert writer.inline(FootnoteRef("i", loc)) == ""


def test_a_cross_reference_with_its_page_is_one_message_in_the_translators_order(book: Book) -> None:
    """"{section}, page {page}" is filled whole: a language may put the page first, in
    the factsheets (words) and in the book (the layout's page counter where the message puts it)."""
    from pipeline.model import Loc, XRef
    from pipeline.render.factsheet import FactsheetWriter
    from pipeline.render.html import HtmlWriter
    from pipeline.theme import load_theme

    strings = dict(load_theme(ROOT / "themes" / "default").strings)
    strings["xref-page"] = "page {page} ({section})"
    xref = XRef("engaging-with-one-another", [], Loc("x", 1))
    sheet = FactsheetWriter(book, strings, page_map={"engaging-with-one-another": 43})
    assert sheet.inline(xref) == '<span class="xref">page 43 (section 1.4)</span>'
    printed = HtmlWriter(book, strings, page_refs=True).inline(xref)
    assert printed == ('<a class="xref auto" href="#engaging-with-one-another">page '
                       '<span class="xref-page" data-target="#engaging-with-one-another"></span>'
                       ' (section 1.4)</a>')


# ----------------------------------------------------------------- faults


def _copy_source(tmp_path: Path) -> Path:
    source = tmp_path / "source"
    shutil.copytree(ROOT / "source", source)
    return source


def test_factsheet_over_budget_fails_and_keeps_the_previous_file(built: Project, tmp_path: Path,
                                                                 book: Book) -> None:
    """Everything the technology sector has, on one page: the build names it and the overflow."""
    source = _copy_source(tmp_path)
    boxes = [box.id for section, box in book.boxes()
             if "technology" in section.sectors and box.kind in ("tips", "lessons-learnt")]
    practices = [box.id for box in _practices(book).values() if box.sector == "technology"]
    (source / "factsheets" / "technology.yml").write_text(
        "budget: 1\nboxes:\n" + "".join(f"  - {b}\n" for b in boxes)
        + "practices:\n" + "".join(f"  - id: {p}\n    summary: A summary.\n" for p in practices)
        + "resources: recommended-resources-4\n",
        encoding="utf-8",
    )
    project = Project.at(ROOT, source=source, build=tmp_path / "build")
    out = project.out_dir("en")
    out.mkdir(parents=True)
    shutil.copy(built.out_dir("en") / "factsheet-technology.pdf", out)
    before = (out / "factsheet-technology.pdf").read_bytes()
    with pytest.raises(PipelineError) as caught:
        build_factsheets(project, english_edition(project), read_page_map(built, "en"))
    message = str(caught.value)
    match = re.search(r"factsheet-technology: (\d+) pages, budget 1 \((\d+) over\)", message)
    assert match, message
    assert int(match.group(2)) == int(match.group(1)) - 1 >= 1
    assert message.startswith("source/factsheets/technology.yml:1:")
    assert "factsheet-financial" not in message and "factsheet-supply-chains" not in message
    assert (out / "factsheet-technology.pdf").read_bytes() == before
    # the others are written, byte for byte as before: the build is reproducible
    for name in ("factsheet-financial.pdf", "factsheet-supply-chains.pdf"):
        assert (out / name).read_bytes() == (built.out_dir("en") / name).read_bytes(), name
    assert not [p for p in out.iterdir() if p.name.endswith(".part")]


BAD_ENTRIES = [
    # (what is written into financial.yml, the finding's code, its words)
    ("boxes: [tips-fin-no-such-box]", "factsheet-unknown-id", "no box with id 'tips-fin-no-such-box'"),
    ("boxes: [tips-sc-local-partners]", "factsheet-other-sector", "belongs to sector 'supply-chains'"),
    ("boxes: [automated-due-diligence-ppp]", "factsheet-box-kind", "'more-info' box"),
    ("boxes: [pp-fintel-alliance]", "factsheet-box-kind", "list it under practices"),
    ("boxes: [ll-fin-scope, ll-fin-scope]", "factsheet-duplicate", "listed twice"),
    ("practices: [{id: pp-no-such-practice, summary: A summary.}]", "factsheet-unknown-id",
     "no promising practice with id 'pp-no-such-practice'"),
    ("practices: [{id: pp-spotlight, summary: A summary.}]", "factsheet-other-sector",
     "belongs to sector 'technology'"),
    ("practices: [{id: ll-fin-scope, summary: A summary.}]", "factsheet-box-kind", "not a promising practice"),
    ("resources: recommended-resources-2", "factsheet-other-sector", "belongs to sector 'supply-chains'"),
    ("resources: no-such-section", "factsheet-unknown-id", "no section with id 'no-such-section'"),
]


@pytest.mark.parametrize("entry,code,words", BAD_ENTRIES, ids=[c for _e, c, _w in BAD_ENTRIES])
def test_a_wrong_id_is_a_finding_with_its_line(entry: str, code: str, words: str, tmp_path: Path,
                                               book: Book) -> None:
    source = _copy_source(tmp_path)
    path = source / "factsheets" / "financial.yml"
    path.write_text(f"# a comment\nbudget: 4\n{entry}\n", encoding="utf-8")
    findings = check_factsheets(book, load_factsheets(source, book))
    assert [f.code for f in findings] == [code], findings
    finding = findings[0]
    assert finding.severity == "error" and words in finding.message, finding
    assert finding.loc.file == "source/factsheets/financial.yml" and finding.loc.line == 3


def test_a_factsheet_for_a_sector_without_one_is_a_finding(tmp_path: Path, book: Book) -> None:
    source = _copy_source(tmp_path)
    (source / "factsheets" / "general.yml").write_text("budget: 2\n", encoding="utf-8")
    (source / "factsheets" / "tourism.yml").write_text("budget: 2\n", encoding="utf-8")
    findings = check_factsheets(book, load_factsheets(source, book))
    assert sorted((f.loc.file, f.code) for f in findings) == [
        ("source/factsheets/general.yml", "factsheet-sector"),
        ("source/factsheets/tourism.yml", "factsheet-sector"),
    ]
    assert any("factsheet: false" in f.message for f in findings)
    assert any("unknown sector 'tourism'" in f.message for f in findings)


def test_the_build_refuses_a_factsheet_that_names_a_missing_id(built: Project, tmp_path: Path) -> None:
    source = _copy_source(tmp_path)
    path = source / "factsheets" / "supply-chains.yml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "  - id: pp-truckers-against-trafficking", "  - id: pp-truckers-against-traffic"), encoding="utf-8")
    lines = path.read_text(encoding="utf-8").splitlines()
    line = next(n for n, text in enumerate(lines, 1) if text.endswith("pp-truckers-against-traffic"))
    project = Project.at(ROOT, source=source, build=tmp_path / "build")
    with pytest.raises(PipelineError) as caught:
        build_factsheets(project, english_edition(project), read_page_map(built, "en"))
    assert str(caught.value).startswith(f"source/factsheets/supply-chains.yml:{line}: ")
    assert "pp-truckers-against-traffic'" in str(caught.value)
    assert not (tmp_path / "build" / "en").exists()


@pytest.mark.parametrize("text,line,words", [
    ("budget: four\n", 1, "'budget' should be a number of pages"),
    ("budget: 4\nboxs: [ll-fin-scope]\n", 2, "unknown key(s) boxs"),
    ("budget: 4\npractices:\n  - id: pp-fast\n", 3, "missing key 'summary' (one or two sentences"),
    ("budget: 4\npractices:\n  - id: pp-fast\n    summary: ' '\n", 4, "'summary' should be one or two sentences"),
    ("budget: 4\npractices:\n  - id: pp-fast\n    summary: >-\n      A <b>bold</b> claim.\n", 5,
     "raw HTML"),
    ("budget: 4\nbudget: 2\n", 2, "duplicate key 'budget'"),
    ("boxes: []\n", 1, "missing key 'budget'"),
])
def test_an_unreadable_factsheet_file_names_its_line(text: str, line: int, words: str, tmp_path: Path,
                                                     book: Book) -> None:
    source = _copy_source(tmp_path)
    (source / "factsheets" / "financial.yml").write_text(text, encoding="utf-8")
    with pytest.raises(SourceError) as caught:
        load_factsheets(source, book)
    assert caught.value.loc is not None
    assert (caught.value.loc.file, caught.value.loc.line) == ("source/factsheets/financial.yml", line)
    assert words in caught.value.message
