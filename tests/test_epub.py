"""The real EPUB edition, opened and inspected: validity (EPUBCheck), navigation,
links and notes, text, images, page list, accessibility metadata, languages,
reproducibility, and what happens when an input is broken."""

from __future__ import annotations

import json
import os
import re
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from pipeline.a11y.epubcheck import parse_report, run_epubcheck
from pipeline.build import Project, build_epub, english_edition, ensure_page_map, layout_key, page_map_key
from pipeline.errors import PipelineError
from pipeline.formats.epub import Epub
from pipeline.languages import font_families
from pipeline.model import Book, Paragraph, Table, XRef, plain_text, walk_blocks, walk_inlines
from pipeline.render.epub import epub_fonts

from .conftest import ROOT, copy_shipped

NS = {"h": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops",
      "opf": "http://www.idpf.org/2007/opf", "dc": "http://purl.org/dc/elements/1.1/",
      "ncx": "http://www.daisy.org/z3986/2005/ncx/"}
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
EPOCH = "1638316800"  # 2021-12-01T00:00:00Z
EPUB_NAME = Epub.file


# --------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def book() -> Book:
    """The English edition's model as the EPUB prints it (typographic quotes and
    apostrophes are applied to the model once, for every format)."""
    return english_edition(Project.at(ROOT)).book



@pytest.fixture(scope="module")
def built(shipped: Path, tmp_path_factory: pytest.TempPathFactory) -> Project:
    """The real book's EPUB (and the print edition its page list follows): a copy of the
    session's shared build, which this module's tests may build again."""
    project = Project.at(copy_shipped(shipped, tmp_path_factory.mktemp("epub-build") / "p"))
    os.environ.pop("SOURCE_DATE_EPOCH", None)
    assert (project.out_dir("en") / EPUB_NAME).is_file()
    return project


@pytest.fixture(scope="module")
def epub_path(built: Project) -> Path:
    return built.out_dir("en") / EPUB_NAME


@pytest.fixture(scope="module")
def package(epub_path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(epub_path) as z:
        return {name: z.read(name) for name in z.namelist()}


@pytest.fixture(scope="module")
def opf(package: dict[str, bytes]) -> Any:
    return etree.fromstring(package["EPUB/content.opf"])


@pytest.fixture(scope="module")
def docs(package: dict[str, bytes]) -> dict[str, Any]:
    """Every XHTML document, by file name inside EPUB/."""
    return {name.removeprefix("EPUB/"): etree.fromstring(data)
            for name, data in package.items() if name.endswith(".xhtml")}


@pytest.fixture(scope="module")
def spine(opf: Any) -> list[str]:
    hrefs = {item.get("id"): item.get("href") for item in opf.iterfind("opf:manifest/opf:item", NS)}
    return [hrefs[ref.get("idref")] for ref in opf.iterfind("opf:spine/opf:itemref", NS)]


@pytest.fixture(scope="module")
def nav(docs: dict[str, Any]) -> Any:
    return docs["nav.xhtml"]


def _ids(tree: Any) -> set[str]:
    return {el.get("id") for el in tree.iter() if isinstance(el.tag, str) and el.get("id")}


def _text(el: Any) -> str:
    return " ".join("".join(el.itertext()).split())


def _reading_text(tree: Any) -> str:
    """The document's (or element's) text as read, without footnote markers."""
    tree = etree.fromstring(etree.tostring(tree))
    for sup in tree.xpath("//h:sup[contains(@class, 'noteref-wrap')]", namespaces=NS):
        parent = sup.getparent()
        prev = sup.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + (sup.tail or "")
        else:
            parent.text = (parent.text or "") + (sup.tail or "")
        parent.remove(sup)
    body = tree.find("h:body", NS) if tree.tag == f"{{{NS['h']}}}html" else tree
    return " ".join("".join(body.itertext()).split())


# --------------------------------------------------------------- validity


def test_epubcheck_reports_no_errors_and_no_warnings(epub_path: Path) -> None:
    findings = run_epubcheck(epub_path)
    assert findings == [], "\n".join(str(f) for f in findings[:20])


def test_epubcheck_report_parsing() -> None:
    report = {"messages": [
        {"ID": "RSC-005", "severity": "ERROR", "message": "bad  thing",
         "locations": [{"path": "EPUB/a.xhtml", "line": 3, "column": 1}]},
        {"ID": "RSC-017", "severity": "WARNING", "message": "meh", "locations": []},
        {"ID": "CSS-028", "severity": "USAGE", "message": "font-face", "locations": []},
    ]}
    findings = parse_report(report, "book.epub")
    assert [(f.severity, f.code, str(f.loc)) for f in findings] == [
        ("error", "RSC-005", "book.epub/EPUB/a.xhtml:3"), ("warning", "RSC-017", "book.epub")]
    assert findings[0].message == "bad thing"
    assert len(parse_report(report, "book.epub", usage=True)) == 3


def test_zip_container(epub_path: Path) -> None:
    with zipfile.ZipFile(epub_path) as z:
        infos = z.infolist()
    assert infos[0].filename == "mimetype" and infos[0].compress_type == zipfile.ZIP_STORED
    assert not infos[0].extra
    assert infos[1].filename == "META-INF/container.xml"
    assert {info.date_time for info in infos} == {(2021, 12, 1, 0, 0, 0)}  # book.yml's date


def test_small_and_without_the_cjk_font(package: dict[str, bytes], epub_path: Path) -> None:
    fonts = sorted(n.removeprefix("EPUB/fonts/") for n in package if n.startswith("EPUB/fonts/"))
    assert fonts == ["NotoSans-Bold.ttf", "NotoSans-BoldItalic.ttf", "NotoSans-Italic.ttf", "NotoSans-Regular.ttf"]
    assert epub_path.stat().st_size < 500_000  # the fonts are subsets (test_epub_fonts.py)
    css = package["EPUB/css/edition.css"].decode()
    for font in fonts:
        assert f'url("../fonts/{font}")' in css


def test_every_character_has_its_glyph_with_the_page_list(package: dict[str, bytes]) -> None:
    """The glyph check of test_epub_fonts.py on the built edition, page list included."""
    from .test_epub_fonts import missing_glyphs

    assert missing_glyphs(package) == []


def test_font_choice_per_language() -> None:
    assert font_families("en") == ["latin"] and font_families("ru") == ["latin"]
    assert font_families("fr-CA") == ["latin"]
    assert font_families("ar") == ["arabic", "latin"]
    assert font_families("zh-Hans") == ["cjk", "latin"]
    assert {f.file for f in epub_fonts("ar")} >= {"NotoNaskhArabic-Regular.ttf", "NotoSans-Regular.ttf"}
    assert not any("CJK" in f.file for f in epub_fonts("ar"))


# ------------------------------------------------------------- structure


def test_one_document_per_section_and_part_in_reading_order(spine: list[str], book: Book) -> None:
    expected = ["cover.xhtml", "imprint.xhtml", "nav.xhtml"]
    for section in book.front:
        expected.append(f"{section.id}.xhtml")
        if section.id == book.icon_table_after:
            expected.append("icon-table.xhtml")
    for part in book.parts:
        expected += [f"{part.id}.xhtml"] + [f"{s.id}.xhtml" for s in part.sections]
    expected += [f"{s.id}.xhtml" for s in book.back] + ["footnotes.xhtml"]
    assert spine == expected


def test_nav_lists_every_part_and_section(nav: Any, book: Book, package: dict[str, bytes]) -> None:
    toc = nav.find(".//h:nav[@epub:type='toc']", NS)
    links = {a.get("href"): _text(a) for a in toc.iterfind(".//h:a", NS)}
    for part in book.parts:
        assert links[f"{part.id}.xhtml"] == f"Part {part.number} {part.title}"
        for section in part.sections:
            assert links[f"{section.id}.xhtml"] == f"{section.number} {section.title}"
    for section in book.front + book.back:
        assert links[f"{section.id}.xhtml"] == section.title
    assert links["icon-table.xhtml"] == "Icon Table" and links["footnotes.xhtml"] == "Footnotes"
    # sections nest inside their part
    part1 = toc.find(f".//h:li/h:a[@href='{book.parts[0].id}.xhtml']/..", NS)
    assert len(part1.findall("h:ol/h:li", NS)) == len(book.parts[0].sections)
    # the NCX, for older reading systems, has the same entries
    ncx = etree.fromstring(package["EPUB/toc.ncx"])
    labels = {" ".join(t.text.split()) for t in ncx.iterfind(".//ncx:navLabel/ncx:text", NS)}
    for part in book.parts:
        assert f"Part {part.number} {part.title}" in labels
        assert all(f"{s.number} {s.title}" in labels for s in part.sections)


def test_landmarks(nav: Any) -> None:
    marks = {a.get(EPUB_TYPE): a.get("href")
             for a in nav.iterfind(".//h:nav[@epub:type='landmarks']//h:a", NS)}
    assert marks["cover"] == "cover.xhtml"
    assert marks["toc"] == "nav.xhtml#contents"
    assert marks["bodymatter"] == "acknowledgements.xhtml"
    assert marks["endnotes"] == "footnotes.xhtml"


def test_every_internal_link_resolves(docs: dict[str, Any]) -> None:
    ids = {name: _ids(tree) for name, tree in docs.items()}
    checked = 0
    for name, tree in docs.items():
        for a in tree.iterfind(".//h:a", NS):
            href = a.get("href")
            assert href, f"{name}: <a> without href"
            if href.startswith(("http:", "https:", "mailto:")):
                continue
            target, _, frag = href.partition("#")
            target = target or name
            assert target in docs, f"{name}: link to missing document {href}"
            assert not frag or frag in ids[target], f"{name}: link to missing id {href}"
            checked += 1
    assert checked > 300  # contents, 89 notes each way, cross-references


def test_footnotes_are_endnotes_linked_both_ways(docs: dict[str, Any], book: Book) -> None:
    notes = docs["footnotes.xhtml"]
    section = notes.find(".//h:section[@id='footnotes']", NS)
    assert section.get(EPUB_TYPE) == "endnotes" and section.get("role") == "doc-endnotes"
    items = {li.get("id"): li for li in notes.iterfind(".//h:ol[@class='notes']/h:li", NS)}
    assert set(items) == {note.id for note in book.footnotes}
    refs = {}
    for name, tree in docs.items():
        for a in tree.iterfind(".//h:a[@role='doc-noteref']", NS):
            assert a.get(EPUB_TYPE) == "noteref"
            refs[a.get("id")] = (name, a.get("href"))
    for note in book.footnotes:
        li = items[note.id]
        assert li.get(EPUB_TYPE) == "endnote"
        name, href = refs[f"fnref-{note.label}"]
        assert href == f"footnotes.xhtml#{note.id}"
        back = li.find("h:a[@role='doc-backlink']", NS)
        assert back.get("href") == f"{name}#fnref-{note.label}"
        assert _text(li).startswith(note.label)


def test_cross_references_are_live_with_number_and_title(docs: dict[str, Any]) -> None:
    refs = docs["maximising-ppp-success.xhtml"].xpath("//h:a[contains(@class, 'auto')]", namespaces=NS)
    texts = {(a.get("href"), _text(a)) for a in refs}
    assert ("engaging-with-one-another.xhtml", "section 1.4 Engaging with One Another") in texts
    assert ("part-3.xhtml", "Part 3 PPPs and the Financial Sector") in texts


def test_every_section_text_is_present(docs: dict[str, Any], book: Book) -> None:
    compared = 0
    for section in book.sections():
        text = _reading_text(docs[f"{section.id}.xhtml"])
        assert section.title in text
        paragraphs = [b for b in walk_blocks(section.blocks) if isinstance(b, Paragraph)]
        for paragraph in paragraphs[:: max(1, len(paragraphs) // 6)]:
            if any(isinstance(n, XRef) and not n.children for n in walk_inlines(paragraph.children)):
                continue  # generated link text is not in the model
            wanted = " ".join(plain_text(paragraph.children).split())
            assert wanted in text, f"{section.id}: {wanted[:80]}..."
            compared += 1
    assert compared > 80


def test_icon_boxes_have_icon_label_and_colour(docs: dict[str, Any], book: Book) -> None:
    for section, box in book.boxes():
        tree = docs[f"{section.id}.xhtml"]
        aside = tree.find(f".//h:aside[@id='{box.id}']", NS)
        assert aside is not None, box.id
        assert f"box--{box.kind}" in aside.get("class")
        img = aside.find("h:div[@class='box-head']/h:img", NS)
        label = book.icons[box.kind].label
        # decorative: the label is printed beside it (a screen reader would say it twice)
        assert img.get("src") == f"icons/{book.icons[box.kind].svg}" and img.get("alt") == ""
        assert img.get("role") == "presentation"
        shown = _text(aside.find("h:div[@class='box-head']/h:p[@class='box-label']", NS))
        if box.kind == "promising-practice":
            assert shown == f"{label} {box.number}"
            title = next(h for h in aside.find("h:div[@class='box-head']", NS) if h.tag[-2] == "h")
            assert _reading_text(title) == plain_text(box.title)
        else:
            assert shown == label


def test_box_colours_in_stylesheet(package: dict[str, bytes], book: Book) -> None:
    css = package["EPUB/css/edition.css"].decode()
    for icon in book.icons.values():
        assert re.search(rf"aside\.box--{icon.id} \{{ border-left-color: {icon.colour}; \}}", css)
    for sector in book.sectors.values():
        assert f"section.part-opener.sector-{sector.id}" in css


def test_tables_have_header_cells_and_captions(docs: dict[str, Any], book: Book) -> None:
    tables = [b for s in book.sections() for b in walk_blocks(s.blocks) if isinstance(b, Table)]
    seen = 0
    for tree in docs.values():
        for table in tree.iterfind(".//h:table", NS):
            assert table.find("h:caption", NS) is not None
            heads = table.findall("h:thead/h:tr/h:th", NS)
            assert heads and all(th.get("scope") == "col" for th in heads)
            seen += 1
    assert seen == len(tables) + 1  # and the Icon Table


def test_every_image_has_alt_text(docs: dict[str, Any]) -> None:
    count = 0
    for name, tree in docs.items():
        for img in tree.iterfind(".//h:img", NS):
            assert img.get("alt") is not None, f"{name}: {img.get('src')}"
            if img.get("src").startswith("images/"):
                assert img.get("alt").strip(), f"{name}: {img.get('src')} has empty alt"
            else:  # the icons are decoration beside their printed label
                assert img.get("alt") == "" and img.get("role") == "presentation", name
            count += 1
    assert count > 100


def test_cover_image(package: dict[str, bytes], opf: Any) -> None:
    cover = opf.find("opf:manifest/opf:item[@properties='cover-image']", NS)
    assert cover.get("href") == "images/cover.png" and cover.get("media-type") == "image/png"
    data = package["EPUB/images/cover.png"]
    assert data.startswith(b"\x89PNG")


# --------------------------------------------------------------- page list


def test_page_list_maps_to_the_print_edition(nav: Any, docs: dict[str, Any], built: Project) -> None:
    page_map = json.loads((built.out_dir("en") / "pagemap.json").read_text())
    page_list = nav.find(".//h:nav[@epub:type='page-list']", NS)
    assert page_list is not None and page_list.get("hidden") is not None
    entries = [(a.get("href"), _text(a)) for a in page_list.iterfind(".//h:a", NS)]
    assert [label for _, label in entries] == [str(n) for n in range(1, page_map["pages"] + 1)]
    for href, label in entries:
        name, _, frag = href.partition("#")
        marker = docs[name].find(f".//*[@id='{frag}']")
        assert marker is not None, href
        assert marker.get(EPUB_TYPE) == "pagebreak" and marker.get("role") == "doc-pagebreak"
        assert marker.get("aria-label") == label
    # a section that opens a print page: its page's marker stands right before it
    ids = page_map["ids"]
    section = "maximising-ppp-success"
    tree = docs[f"{section}.xhtml"]
    element = tree.find(f".//*[@id='{section}']")
    before = element.getprevious()
    assert before.get("id") == f"page-{ids[section]}"


def test_page_map_is_reused_and_rebuilt_when_stale(built: Project) -> None:
    edition = english_edition(built)
    pdf = built.out_dir("en") / "compendium-print.pdf"
    stamp = pdf.stat().st_mtime_ns
    current = ensure_page_map(built, edition)
    assert pdf.stat().st_mtime_ns == stamp, "a current page map must not lay the book out again"
    assert current.key == page_map_key(built, edition)
    path = built.out_dir("en") / "pagemap.json"
    data = json.loads(path.read_text())
    data["key"] = "sha256:stale"
    path.write_text(json.dumps(data))
    messages: list[str] = []
    rebuilt = ensure_page_map(built, edition, messages.append)
    assert rebuilt.key == current.key and rebuilt.ids == current.ids
    assert pdf.stat().st_mtime_ns != stamp
    assert any("out of date" in m for m in messages)


def test_layout_key_follows_the_print_theme_only(tmp_path: Path) -> None:
    theme = tmp_path / "theme"
    shutil.copytree(ROOT / "themes" / "default", theme, ignore=shutil.ignore_patterns("NotoSansCJK*"))
    project = Project.at(ROOT, theme=theme, build=tmp_path / "build")
    edition = english_edition(project)
    key = layout_key(project, edition)
    (theme / "epub.css").write_text("/* changed */\n", encoding="utf-8")
    assert layout_key(project, edition) == key
    with (theme / "print.css").open("a", encoding="utf-8") as css:
        css.write("\n/* changed */\n")
    assert layout_key(project, edition) != key


# ------------------------------------------------------ metadata, language


def test_accessibility_metadata(opf: Any) -> None:
    metas: dict[str, list[str]] = {}
    for meta in opf.iterfind("opf:metadata/opf:meta[@property]", NS):
        metas.setdefault(meta.get("property"), []).append(meta.text)
    assert sorted(metas["schema:accessMode"]) == ["textual", "visual"]
    assert metas["schema:accessModeSufficient"] == ["textual"]
    assert set(metas["schema:accessibilityFeature"]) >= {
        "structuralNavigation", "tableOfContents", "readingOrder", "alternativeText",
        "pageNavigation", "printPageNumbers", "pageBreakMarkers"}
    assert metas["schema:accessibilityHazard"] == ["none"]
    assert len(metas["schema:accessibilitySummary"][0]) > 100
    assert metas["dcterms:conformsTo"] == ["EPUB Accessibility 1.1 - WCAG 2.1 Level AA"]
    source = opf.find("opf:metadata/dc:source", NS).text
    assert metas["pageBreakSource"] == [source]
    assert metas["dcterms:modified"] == ["2021-12-01T00:00:00Z"]


def test_language_on_package_and_every_document(opf: Any, docs: dict[str, Any]) -> None:
    assert opf.find("opf:metadata/dc:language", NS).text == "en"
    for name, tree in docs.items():
        assert tree.get("lang") == "en" and tree.get(XML_LANG) == "en", name


def test_stable_identifier(opf: Any) -> None:
    uid = opf.find("opf:metadata/dc:identifier", NS).text
    assert re.fullmatch(r"urn:uuid:[0-9a-f-]{36}", uid)
    assert uid == "urn:uuid:1b0685b2-662a-598f-af2f-86f02b55f3d0"  # from title + language: never changes


def test_two_builds_are_byte_identical(built: Project, epub_path: Path) -> None:
    edition = english_edition(built)
    os.environ["SOURCE_DATE_EPOCH"] = EPOCH
    try:
        build_epub(built, edition)
        first = epub_path.read_bytes()
        build_epub(built, english_edition(built))
        second = epub_path.read_bytes()
    finally:
        del os.environ["SOURCE_DATE_EPOCH"]
    assert first == second
    with zipfile.ZipFile(epub_path) as z:
        assert b"2021-12-01T00:00:00Z" in z.read("EPUB/content.opf")


# ------------------------------------------------------------------ faults


@pytest.fixture(scope="module")
def good_copy(built: Project, epub_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the project with its built EPUB and its current page map."""
    root = tmp_path_factory.mktemp("epub-good") / "project"
    shutil.copytree(ROOT / "source", root / "source")
    shutil.copytree(ROOT / "themes", root / "themes")
    shutil.copytree(built.build, root / "build")
    project = Project.at(root)
    ensure_page_map(project, english_edition(project))  # same inputs: no new layout
    return root


def _break_and_build(good_copy: Path, tmp_path: Path, breaker) -> tuple[str, bytes, bytes]:  # type: ignore[no-untyped-def]
    root = tmp_path / "p"
    shutil.copytree(good_copy, root)
    out = root / "build" / "en" / EPUB_NAME
    before = out.read_bytes()
    breaker(root)
    with pytest.raises(PipelineError) as caught:
        project = Project.at(root)
        build_epub(project, english_edition(project))
    after = out.read_bytes()
    assert not [p.name for p in out.parent.iterdir() if p.name.endswith(".part")]
    return str(caught.value), before, after


def test_cross_reference_to_nowhere_names_the_place(good_copy: Path, tmp_path: Path) -> None:
    def breaker(root: Path) -> None:
        md = root / "source/part-1/1-3.md"
        md.write_text(md.read_text().replace("(#engaging-with-one-another)", "(#nowhere)", 1))

    message, before, after = _break_and_build(good_copy, tmp_path, breaker)
    assert re.match(r"source/part-1/1-3\.md:\d+: cross-reference to '#nowhere'", message), message
    assert before == after
    # found before the print edition is laid out again for the changed source
    pdf = tmp_path / "p" / "build" / "en" / "compendium-print.pdf"
    assert pdf.read_bytes() == (good_copy / "build" / "en" / "compendium-print.pdf").read_bytes()


def test_undefined_footnote_names_the_place(good_copy: Path, tmp_path: Path) -> None:
    def breaker(root: Path) -> None:
        md = root / "source/part-1/1-3.md"
        md.write_text(md.read_text().replace("[^xxiii]", "[^zz]", 1))

    message, before, after = _break_and_build(good_copy, tmp_path, breaker)
    assert re.match(r"source/part-1/1-3\.md:\d+: footnote '\[\^zz\]' is not defined", message), message
    assert before == after


def test_missing_epub_stylesheet(good_copy: Path, tmp_path: Path) -> None:
    message, before, after = _break_and_build(
        good_copy, tmp_path, lambda r: (r / "themes/default/epub.css").unlink())
    assert "epub.css" in message and "missing" in message
    assert before == after


def test_template_error_names_the_template(good_copy: Path, tmp_path: Path) -> None:
    def breaker(root: Path) -> None:
        tpl = root / "themes/default/templates/section.xhtml.j2"
        tpl.write_text(tpl.read_text().replace("{{ title }}", "{{ title ", 1))

    message, before, after = _break_and_build(good_copy, tmp_path, breaker)
    assert "section.xhtml.j2" in message
    assert before == after


def test_template_that_is_not_xhtml_is_refused(good_copy: Path, tmp_path: Path) -> None:
    def breaker(root: Path) -> None:
        tpl = root / "themes/default/templates/section.xhtml.j2"
        tpl.write_text(tpl.read_text().replace("<body", "<body><br>", 1))

    message, before, after = _break_and_build(good_copy, tmp_path, breaker)
    assert "not well-formed XHTML" in message and "section.xhtml.j2" in message
    assert before == after


def test_broken_icon_svg_names_the_file(good_copy: Path, tmp_path: Path) -> None:
    # The icon is drawn in print too: the print layout is made again first and
    # WeasyPrint already refuses it; either way the message names the file.
    def breaker(root: Path) -> None:
        (root / "themes/default/icons/tips.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'>")

    message, before, after = _break_and_build(good_copy, tmp_path, breaker)
    assert "tips.svg" in message
    assert before == after


def test_note_texts_start_flush_with_their_lines_in_a_browser(epub_path: Path, tmp_path: Path) -> None:
    """The endnotes laid out by a browser engine (Chromium, as in Readium-based
    reading systems): each note's text starts at the note's content edge, its
    first line as its others (the label hangs in the padding; no space shows
    between them)."""
    from .test_web import shared_browser

    with zipfile.ZipFile(epub_path) as z:
        z.extractall(tmp_path)
    notes = [p for p in tmp_path.rglob("*.xhtml") if 'class="notes"' in p.read_text(encoding="utf-8")]
    assert len(notes) == 1, notes
    context = shared_browser().new_context(viewport={"width": 700, "height": 900})
    try:
        tab = context.new_page()
        tab.goto(notes[0].as_uri())
        offsets = tab.eval_on_selector_all("ol.notes > li", """items => items.map(li => {
            const edge = li.getBoundingClientRect().left + parseFloat(getComputedStyle(li).paddingLeft);
            const lines = [...li.querySelector('.note-text').getClientRects()];
            return [li.id, lines.length, Math.round((lines[0].left - edge) * 10) / 10];
        })""")
    finally:
        context.close()
    assert len(offsets) > 80 and any(lines > 1 for _id, lines, _off in offsets)
    off = [(ident, offset) for ident, _lines, offset in offsets if abs(offset) > 0.5]
    assert not off, f"note texts not flush with their lines (px): {off[:5]}"
