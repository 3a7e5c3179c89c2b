"""Accessible editions in fact: the tagged PDFs' structure read back with pikepdf,
the EPUB's package and documents parsed, contrast measured on the pages, DAISY
Ace on every EPUB when it is installed, and `compendium a11y` failing on a
deliberately broken file."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from click.testing import CliRunner
from lxml import etree

from pipeline.a11y.ace import find_ace, run_ace
from pipeline.a11y.cli import a11y
from pipeline.a11y.contrast import check_contrast
from pipeline.a11y.pdf_structure import _walk, check_pdf, expected_from_html
from pipeline.build import Project, english_edition
from pipeline.editions import edition_for
from pipeline.model import Table, walk_blocks
from pipeline.render.pdf import book_html

from .conftest import ROOT

LANGUAGES = ["en", "fr", "es", "ru", "ar", "zh-Hans"]
NS = {"h": "http://www.w3.org/1999/xhtml", "opf": "http://www.idpf.org/2007/opf"}
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


@pytest.fixture(scope="module")
def screen_pdf(built_pdfs: Project) -> Path:
    return built_pdfs.out_dir("en") / "compendium.pdf"


@pytest.fixture(scope="module")
def structure(screen_pdf: Path) -> Any:
    pdf = pikepdf.open(screen_pdf)
    yield pdf, _walk(pdf.Root.StructTreeRoot)
    pdf.close()


def _tags(tree: Any, tag: str) -> list[Any]:
    return [e for e in tree.order if e.get("/S") == tag]


def _html(project: Project, lang: str, profile: str) -> str:
    edition = english_edition(project) if lang == "en" else edition_for(project, lang)[0]
    return book_html(edition.book, edition.theme, profile, edition.strings, edition.language_name,
                     edition.draft, edition.draft_notice)


# ------------------------------------------------------------ the screen PDF


def test_screen_pdf_has_no_structure_or_contrast_findings(screen_pdf: Path) -> None:
    expected = expected_from_html(_html(Project.at(ROOT), "en", "screen"))
    findings = check_pdf(screen_pdf, "en", expected) + check_contrast(screen_pdf, "en")
    assert findings == []


def test_running_heads_and_folios_are_pagination_artifacts(screen_pdf: Path, structure: Any) -> None:
    pdf, tree = structure
    page = pdf.pages[20]
    stack: list[str] = []
    artifact_text = 0
    for operands, operator in pikepdf.parse_content_stream(page.obj):
        op = str(operator)
        if op in ("BDC", "BMC"):
            kind = str(operands[0])
            if kind == "/Artifact" and op == "BDC" and operands[1].get("/Type") == "/Pagination":
                kind = "pagination"
            stack.append(kind)
        elif op == "EMC":
            stack.pop()
        elif op in ("TJ", "Tj") and "pagination" in stack:
            artifact_text += 1
    assert artifact_text >= 2  # the running head and the folio
    # and no marked content of any page belongs to an element the document does not reach
    nums = pdf.Root.StructTreeRoot.ParentTree.Nums
    for i in range(0, len(nums), 2):
        value = nums[i + 1]
        elements = list(value) if isinstance(value, pikepdf.Array) else [value]
        for element in elements:
            if isinstance(element, pikepdf.Dictionary):
                assert element.objgen in tree.reachable


def test_links_say_where_they_go_and_hang_on_link_elements(screen_pdf: Path, structure: Any) -> None:
    pdf, _tree = structure
    parents = pdf.Root.StructTreeRoot.ParentTree.Nums
    parent_of = {int(parents[i]): parents[i + 1] for i in range(0, len(parents), 2)}
    seen = 0
    for page in pdf.pages:
        for annot in page.obj.get("/Annots", []):
            if annot.get("/Subtype") != "/Link":
                continue
            seen += 1
            contents = str(annot.get("/Contents", ""))
            dest = str(annot.get("/Dest", ""))
            assert contents.strip() and contents != dest, (dest, contents)
            if dest.startswith("fn-"):
                assert re.fullmatch(r"Footnote [ivxlc]+", contents), contents
            assert parent_of[int(annot.StructParent)].S == "/Link"
    assert seen > 300


def test_header_cells_have_scope_and_headings_do_not_skip(structure: Any) -> None:
    _pdf, tree = structure
    headers = _tags(tree, "/TH")
    assert headers and all("/Scope" in th.A for th in headers)
    levels = [int(str(e.S)[2]) for e in tree.order if re.fullmatch(r"/H[1-6]", str(e.S))]
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False)), levels


def test_notes_are_notes_and_references_are_references(structure: Any, book: Any) -> None:
    _pdf, tree = structure
    assert len(_tags(tree, "/Note")) == len(book.footnotes)
    references = _tags(tree, "/Reference")
    assert len(references) >= len(book.footnotes)
    assert all(any(k.get("/S") == "/Link" for k in r.K) for r in references)


def test_paragraphs_and_tables_are_one_element_across_page_breaks(structure: Any, book: Any) -> None:
    pdf, tree = structure
    html = _html(Project.at(ROOT), "en", "screen")
    expected = expected_from_html(html)
    assert len(_tags(tree, "/P")) == expected.paragraphs
    tables = _tags(tree, "/Table")
    assert len(tables) == expected.tables == 5
    page_of = {page.obj.objgen: n for n, page in enumerate(pdf.pages)}
    spanning = captions = 0
    for table in tables:
        kids = [k for k in table.K if isinstance(k, pikepdf.Dictionary)]
        assert [k.S for k in kids].count("/THead") == 1  # a repeated header row is an artifact
        captions += [k.S for k in kids].count("/Caption")
        pages = {page_of[r.Pg.objgen] for body in kids if body.S == "/TBody" for r in body.K}
        spanning += len(pages) > 1
    assert spanning >= 1  # the book has a table over a page break, and it is one Table
    # each of the book's tables has its caption once, continuation or not (the Icon Table's is not printed)
    assert captions == sum(isinstance(b, Table) for s in book.sections() for b in walk_blocks(s.blocks))


# ------------------------------------------------------- every language's PDFs


@pytest.mark.parametrize("lang", LANGUAGES)
def test_print_pdf_and_factsheets_of_every_language_pass_the_checks(editions: Path, lang: str) -> None:
    project = Project.at(editions)
    out = project.out_dir(lang)
    expected = expected_from_html(_html(project, lang, "print"))
    findings = check_pdf(out / "compendium-print.pdf", lang, expected)
    for factsheet in sorted(out.glob("factsheet-*.pdf")):
        findings += check_pdf(factsheet, factsheet.name) + check_contrast(factsheet, factsheet.name)
    assert findings == []


def test_arabic_text_reads_back_in_logical_order(editions: Path) -> None:
    project = Project.at(editions)
    edition, _report = edition_for(project, "ar")
    titles = [section.title for section in edition.book.front[:3]]  # front matter: translated
    assert all(re.search("[\u0600-\u06ff]", title) for title in titles), titles
    with pikepdf.open(project.out_dir("ar") / "compendium-print.pdf") as pdf:
        tree = _walk(pdf.Root.StructTreeRoot)
        texts = set()
        for element in tree.order:
            if re.fullmatch(r"/H[1-6]", str(element.S)):
                texts.add(_plain(_actual_text(element)))
    for title in titles:  # in logical order, whole: "التابع", not "عباتلا"
        assert _plain(title) in texts, (title, sorted(texts)[:8])


def _actual_text(element: Any) -> str:
    """What a reader takes from an element: its /ActualText, or its kids' in order."""
    if "/ActualText" in element:
        return str(element.ActualText)
    kids = element.get("/K")
    kids = list(kids) if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []
    return "".join(_actual_text(k) for k in kids if isinstance(k, pikepdf.Dictionary) and "/S" in k)


def _plain(text: str) -> str:
    """Text without the invisible bidi marks the renderer adds around left-to-right runs."""
    return " ".join(re.sub("[\u200e\u200f\u202a-\u202e\u2066-\u2069]", "", text).split())


# ------------------------------------------------------------------ the EPUBs


def _epub(editions: Path, lang: str) -> dict[str, bytes]:
    with zipfile.ZipFile(editions / "build" / lang / "compendium.epub") as z:
        return {name: z.read(name) for name in z.namelist()}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_epub_package_language_summary_and_roles(editions: Path, lang: str) -> None:
    files = _epub(editions, lang)
    opf = etree.fromstring(files["EPUB/content.opf"])
    assert opf.get(XML_LANG) == lang
    metas = {m.get("property"): m for m in opf.iter("{http://www.idpf.org/2007/opf}meta")}
    summary = metas["schema:accessibilitySummary"]
    assert "EPUBCheck" in summary.text and "Ace" in summary.text  # says how it was checked
    assert metas["a11y:certifiedBy"].text.strip()
    for name, data in files.items():
        if not name.endswith(".xhtml"):
            continue
        doc = etree.fromstring(data)
        levels = [int(h.tag[-1]) for h in doc.iter() if isinstance(h.tag, str) and re.fullmatch(
            r"\{http://www.w3.org/1999/xhtml\}h[1-6]", h.tag)]
        assert all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False)), (name, levels)
        for aside in doc.iterfind(".//h:aside", NS):
            assert aside.get("role") in ("note", "doc-tip", "doc-example"), (name, aside.get("id"))
        for img in doc.iterfind(".//h:img", NS):
            if img.get("src", "").startswith("icons/"):
                assert img.get("alt") == "", name


def test_words_the_theme_leaves_in_english_are_marked(editions: Path) -> None:
    """A translated edition's landmarks, summary and contents: translated, or marked lang="en"."""
    english = Project.at(ROOT)
    theme_strings = english_edition(english).strings
    for lang in LANGUAGES[1:]:
        files = _epub(editions, lang)
        nav = etree.fromstring(files["EPUB/nav.xhtml"])
        for element in nav.iter():
            text = (element.text or "").strip()
            if text and text in (theme_strings["Landmarks"], theme_strings["Cover"], theme_strings["Title page"]):
                assert element.get("lang") == "en", (lang, text)
        opf = etree.fromstring(files["EPUB/content.opf"])
        for meta in opf.iter("{http://www.idpf.org/2007/opf}meta"):
            if meta.get("property") == "schema:accessibilitySummary" and "EPUBCheck" in (meta.text or ""):
                if meta.text.startswith(theme_strings["epub.accessibility-summary"][:40]):
                    assert meta.get(XML_LANG) == "en", lang


@pytest.mark.skipif(find_ace(ROOT) is None, reason="DAISY Ace is not installed (make test installs it)")
def test_ace_finds_nothing_in_any_epub(editions: Path) -> None:
    ace = find_ace(ROOT)
    assert ace is not None
    for lang in LANGUAGES:
        epub = editions / "build" / lang / "compendium.epub"
        assert run_ace(ace, epub, lang) == [], lang


# ------------------------------------------------------- the command itself


BROKEN = """<!DOCTYPE html><html lang="en"><head><title>Broken</title><style>
@page {{ size: A5; margin: 15mm }} body {{ font-family: sans-serif; }} .faint {{ color: {colour}; }}
</style></head><body>
<h1>A report</h1>
<{heading}>Skipped a level</{heading}>
<p class="faint">Text in a colour too pale to read on white paper, set at body size.</p>
<p><a href="#target">{link}</a></p>
<p id="target">The target.</p>
</body></html>"""


def _render(path: Path, heading: str, link: str, colour: str) -> Path:
    import weasyprint

    from pipeline.render.pdf_tags import finish_pdf, semantic_tags

    html = BROKEN.format(heading=heading, link=link, colour=colour)
    document = weasyprint.HTML(string=html).render(pdf_variant="pdf/ua-1", pdf_tags=True)
    import io

    raw = io.BytesIO()
    with semantic_tags() as repairs:
        document.write_pdf(target=raw, pdf_variant="pdf/ua-1", pdf_tags=True)
    finish_pdf(raw, path, repairs)
    return path


def test_a11y_command_fails_on_a_broken_file_and_passes_the_mended_one(tmp_path: Path) -> None:
    broken = _render(tmp_path / "broken.pdf", "h3", '<img alt="" src="data:,">', "#bbbbbb")
    mended = _render(tmp_path / "mended.pdf", "h2", "Read the target", "#444444")
    runner = CliRunner()
    result = runner.invoke(a11y, ["--no-ace", str(broken)])
    assert result.exit_code == 1, result.output
    assert "14-003" in result.output  # the heading skip
    assert "28-010" in result.output  # a link with no words
    assert "wcag 1.4.3" in result.output and "#bbbbbb" in result.output  # the pale text
    result = runner.invoke(a11y, ["--no-ace", str(mended)])
    assert result.exit_code == 0, result.output


def test_a11y_command_refuses_what_is_not_a_pdf(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.pdf"
    bogus.write_text("not a pdf")
    result = CliRunner().invoke(a11y, ["--no-ace", str(bogus)])
    assert result.exit_code == 1
    assert "not a readable PDF" in result.output and "Traceback" not in result.output


def test_the_edition_checks_read_the_files_the_format_registry_names(tmp_path: Path) -> None:
    """Every declared factsheet is checked, or reported as not built: none is skipped
    because it is missing from build/ (the list comes from the registry, not a glob)."""
    from pipeline.a11y.cli import check_edition_files

    (tmp_path / "source" / "factsheets").mkdir(parents=True)
    for sector in ("financial", "technology"):
        (tmp_path / "source" / "factsheets" / f"{sector}.yml").write_text("budget: 2\n", encoding="utf-8")
    results = check_edition_files(tmp_path, "en", None, use_ace=True)
    assert list(results) == [f"build/en/{name}" for name in (
        "compendium.pdf", "factsheet-financial.pdf", "factsheet-technology.pdf", "compendium.epub")]
    assert all([finding.rule for finding in found] == ["not built"] for found in results.values()), results
    assert "compendium build factsheets" in results["build/en/factsheet-technology.pdf"][0].message
