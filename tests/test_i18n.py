"""The translators' workflow end to end, on a copy of the project with small fixture translations."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pypdf
import pytest

from pipeline.i18n.inline import to_markdown
from pipeline.markdown import parse_inline
from pipeline.model import Loc

from .conftest import ROOT

FRENCH = {
    "book.title": "Recueil de pratiques prometteuses",
    "theme.Contents": "Table des matières",
    "theme.Draft translation": "Traduction provisoire",
    "introduction.p1": (
        "La traite des personnes est un crime grave et une violation des droits de l'homme. "
        "Comme le confirme le Rapport mondial sur la traite des personnes 2020 de l'ONUDC[^i], "
        "la traite des personnes est répandue : elle touche « tous » les pays ?"
    ),
}
ARABIC = {
    "book.title": "خلاصة وافية بالممارسات الواعدة",
    "introduction.title": "مقدمة",
    "introduction.p1": "الاتجار بالأشخاص جريمة خطيرة وانتهاك لحقوق الإنسان[^i] يؤثر بشدة على حياة ضحاياه.",
}
CHINESE = {
    "book.title": "有前景的做法汇编",
    "introduction.title": "导言",
    "introduction.p1": (
        "贩运人口是一种严重犯罪，也是对人权的侵犯，严重影响受害者的生活，破坏整个社会的安全和福祉。"
        "正如毒品和犯罪问题办公室《2020年全球人口贩运问题报告》[^i]所证实的，贩运人口现象在世界各地普遍存在。"
        "虽然这种犯罪大多被登记为国内现象，但它也具有跨国性质，各国可能是原籍国、过境国或目的地国，有时三者兼而有之。"
    ),
}


def run(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pipeline.cli", *args], cwd=root,
                          capture_output=True, text=True)


def english_of(root: Path) -> dict[str, str]:
    """Each block id of the project's book -> its English text (the PO msgid)."""
    from pipeline.i18n.catalog import message_of
    from pipeline.load import load_book
    from pipeline.text_units import book_units, theme_units
    from pipeline.theme import load_theme

    strings = dict(load_theme(root / "themes" / "default").strings)
    units = list(book_units(load_book(root / "source"))) + list(theme_units(strings, "themes/default/strings.yml"))
    return {unit.ctx: message_of(unit) for unit in units}


def translate(po_file: Path, messages: dict[str, str]) -> None:
    """Translate the messages of the given blocks (named by id; PO files are keyed by the English)."""
    english = english_of(po_file.parent.parent)
    wanted = {english[block_id]: text for block_id, text in messages.items()}
    po = polib.pofile(str(po_file))
    for entry in po:
        if entry.msgid in wanted and not entry.obsolete:
            entry.msgstr = wanted[entry.msgid]
    po.save()


def line_of_msgstr(po_file: Path, msgid_start: str) -> int:
    lines = po_file.read_text().split("\n")
    start = next(i for i, line in enumerate(lines) if line.startswith("msgid") and msgid_start in "".join(
        part.strip().strip('"') for part in lines[i:i + 3]))
    return next(i for i in range(start, len(lines)) if lines[i].startswith("msgstr")) + 1


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the project with French, Arabic and Chinese started and partly translated."""
    root = tmp_path_factory.mktemp("i18n") / "project"
    shutil.copytree(ROOT / "source", root / "source")
    shutil.copytree(ROOT / "themes", root / "themes")
    (root / "translations").mkdir()
    book_yml = root / "source" / "book.yml"
    text = book_yml.read_text()
    text = re.sub(r"languages:\n(  - .*\n)+", "languages:\n  - {code: en, name: English, status: source}\n"
                  "  - {code: fr, name: French, status: draft}\n  - {code: ar, name: Arabic, status: draft}\n"
                  "  - {code: zh-Hans, name: Chinese, status: reviewed}\n", text)
    book_yml.write_text(text)
    assert run(root, "i18n", "extract").returncode == 0
    for lang, messages in (("fr", FRENCH), ("ar", ARABIC), ("zh-Hans", CHINESE)):
        proc = run(root, "i18n", "init", lang)
        assert proc.returncode == 0, proc.stderr
        translate(root / "translations" / f"{lang}.po", messages)
    return root


def test_extract_writes_one_message_per_block_with_context_and_references(project: Path) -> None:
    pot = polib.pofile(str(project / "translations" / "compendium.pot"))
    keys = [(entry.msgctxt, entry.msgid) for entry in pot]
    assert len(keys) == len(set(keys)) > 800
    assert not any(entry.msgctxt for entry in pot)  # no positional keys: the English text is the identity
    english = english_of(project)
    by_msgid = {entry.msgid: entry for entry in pot}
    intro = by_msgid[english["introduction.p1"]]
    assert "[^i]" in intro.msgid  # footnote references stay where they are
    assert intro.occurrences and intro.occurrences[0][0] == "source/front/introduction.md"
    assert english["theme.Footnotes"] in by_msgid and english["icon.tips.label"] in by_msgid
    assert any("(https://" in e.msgid or "<https://" in e.msgid for e in pot)  # links inside messages
    assert any(re.search(r"\]\(#[a-z0-9-]+\)", e.msgid) for e in pot)  # cross-references too
    assert english["sector.financial.title"] in by_msgid
    # book.yml's strings point at their own lines, and the theme's comments reach the translator
    title = by_msgid[english["book.title"]]
    book_lines = (project / "source" / "book.yml").read_text().split("\n")
    (file, line), = title.occurrences
    assert file == "source/book.yml" and book_lines[int(line) - 1].startswith("title:")
    assert "stands for the number" in by_msgid[english["theme.part-label"]].comment


def test_icons_and_sectors_messages_point_at_the_line_of_their_field() -> None:
    """The `#:` reference of an icon's label or description, or a sector's title, is
    the line of that field in icons.yml / sectors.yml, inside its own entry."""
    from pipeline.build import Project
    from pipeline.i18n.catalog import message_of
    from pipeline.i18n.cli import all_units

    _book, units = all_units(Project.at(ROOT))
    files = {name: (ROOT / "source" / name).read_text().split("\n") for name in ("icons.yml", "sectors.yml")}
    seen = 0
    for unit in units:
        field_match = re.fullmatch(r"(icon|sector)\.(.+)\.(label|description|title|short_title)", unit.ctx)
        intro_match = re.fullmatch(r"sector\.(.+)\.intro\.p\d+", unit.ctx)
        if not (field_match or intro_match):
            continue
        kind, entry = field_match.group(1, 2) if field_match else ("sector", intro_match.group(1))
        name = f"{kind}s.yml"
        assert unit.loc.file == f"source/{name}", unit.ctx
        lines = files[name]
        if field_match:
            assert lines[unit.loc.line - 1].strip().startswith(f"{field_match.group(3)}:"), (unit.ctx, unit.loc)
        else:  # an intro paragraph: the line its text starts on
            assert message_of(unit)[:30] in lines[unit.loc.line - 1], (unit.ctx, unit.loc)
        # ...within its own entry: the nearest entry head above is this icon's or sector's
        head = next(line for line in reversed(lines[:unit.loc.line - 1])
                    if line.startswith("- id:") or (line[:1].isalpha() and line.endswith(":")))
        assert head in (f"- id: {entry}", f"{entry}:"), (unit.ctx, head)
        seen += 1
    assert seen >= 2 * 5 + 2 * 4  # every icon's label and description, every sector's titles


def test_msgfmt_accepts_every_po_file(project: Path) -> None:
    files = sorted((project / "translations").glob("*.po")) + sorted((ROOT / "translations").glob("*.po"))
    assert files
    msgfmt = shutil.which("msgfmt")
    for path in files:
        if msgfmt:
            proc = subprocess.run([msgfmt, "--check", "-o", "/dev/null", str(path)], capture_output=True, text=True)
            assert proc.returncode == 0, proc.stderr
        else:  # the same checks in Python: it parses, with a UTF-8 header and no duplicates
            po = polib.pofile(str(path), check_for_duplicates=True)
            assert po.metadata["Content-Type"].endswith("charset=UTF-8")


def test_status_counts(project: Path) -> None:
    proc = run(project, "i18n", "status", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert set(data) == {"fr", "ar", "zh-Hans"}
    fr = data["fr"]
    assert fr["all"]["translated"] == len(FRENCH)
    assert fr["all"]["fuzzy"] == 0
    assert fr["all"]["untranslated"] == fr["all"]["total"] - len(FRENCH)
    assert fr["theme"]["translated"] == 2
    assert fr["front"]["translated"] == 1
    text = run(project, "i18n", "status").stdout
    assert "part-3" in text and "%" in text


def test_french_edition_is_french_with_its_typography_and_draft_label(project: Path) -> None:
    proc = run(project, "build", "pdf", "--lang", "fr")
    assert proc.returncode == 0, proc.stderr
    reader = pypdf.PdfReader(str(project / "build" / "fr" / "compendium.pdf"))
    texts = [page.extract_text() or "" for page in reader.pages]
    joined = "\n".join(texts)
    assert "Recueil de pratiques prometteuses" in joined
    assert "Table des matières" in joined
    assert "Traduction provisoire" in texts[1]  # imprint
    assert sum("Traduction provisoire" in t for t in texts) > len(texts) // 2  # footers
    assert reader.trailer["/Root"]["/Lang"] == "fr"
    # non-breaking spaces before the colon and inside the guillemets
    intro = next(t for t in texts if "répandue" in t)
    assert "répandue\u00a0:" in intro and "«\u00a0tous\u00a0»" in intro
    report = json.loads((project / "build" / "fr" / "translation-report.json").read_text())
    assert report["translated"] == len(FRENCH)
    assert any(f["id"] == "introduction.p2" and f["reason"] == "untranslated" for f in report["fallbacks"])


def test_update_after_a_source_change_makes_the_message_fuzzy_and_the_build_falls_back(
        project: Path, tmp_path: Path) -> None:
    root = tmp_path / "p"
    shutil.copytree(project, root, ignore=shutil.ignore_patterns("build"))
    intro = root / "source" / "front" / "introduction.md"
    intro.write_text(intro.read_text().replace("is a serious crime", "is a very serious crime", 1))
    assert run(root, "i18n", "extract").returncode == 0
    proc = run(root, "i18n", "update")
    assert proc.returncode == 0, proc.stderr
    assert "fr.po: " in proc.stdout and "1 fuzzy" in proc.stdout
    po = polib.pofile(str(root / "translations" / "fr.po"))
    entry = next(e for e in po if "is a very serious crime" in e.msgid)
    assert entry.fuzzy and "is a serious crime" in entry.previous_msgid
    assert entry.msgstr == FRENCH["introduction.p1"]
    status = json.loads(run(root, "i18n", "status", "--format", "json").stdout)
    assert status["fr"]["all"]["fuzzy"] == 1
    proc = run(root, "build", "pdf", "--lang", "fr")
    assert proc.returncode == 0, proc.stderr
    text = "\n".join(p.extract_text() or "" for p in pypdf.PdfReader(str(root / "build/fr/compendium.pdf")).pages)
    assert "is a very serious crime" in text  # fell back to the English
    assert "répandue" not in text
    report = json.loads((root / "build" / "fr" / "translation-report.json").read_text())
    assert {"id": "introduction.p1", "reason": "fuzzy"}.items() <= next(
        f for f in report["fallbacks"] if f["id"] == "introduction.p1").items()


def test_removed_message_becomes_obsolete(project: Path, tmp_path: Path) -> None:
    root = tmp_path / "p"
    shutil.copytree(project, root, ignore=shutil.ignore_patterns("build"))
    ack = root / "source" / "front" / "acknowledgements.md"
    original = ack.read_text()
    ack.write_text(original + "\nA second paragraph, soon removed.\n")
    run(root, "i18n", "extract")
    run(root, "i18n", "update")
    translate(root / "translations" / "fr.po", {"acknowledgements.p2": "Un second paragraphe."})
    ack.write_text(original)
    run(root, "i18n", "extract")
    proc = run(root, "i18n", "update")
    assert "fr.po: " in proc.stdout and "1 obsolete" in proc.stdout, proc.stdout
    po = polib.pofile(str(root / "translations" / "fr.po"))
    assert any(e.obsolete and e.msgstr == "Un second paragraphe." for e in po)
    assert not any(e.msgid == "A second paragraph, soon removed." and not e.obsolete for e in po)


def test_placeholder_check_catches_a_dropped_footnote_reference(project: Path, tmp_path: Path) -> None:
    root = tmp_path / "p"
    shutil.copytree(project, root, ignore=shutil.ignore_patterns("build"))
    po_file = root / "translations" / "fr.po"
    translate(po_file, {"introduction.p1": FRENCH["introduction.p1"].replace("[^i]", "")})
    proc = run(root, "check")
    assert proc.returncode == 1
    line = line_of_msgstr(po_file, "Trafficking in persons is a serious crime")
    assert re.search(rf"translations/fr\.po:{line}: error: \"Trafficking in persons is a serious crime[^\"]*\": "
                     "footnote references differ", proc.stderr), proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("bad, message", [
    ("Voir <script>alert(1)</script>", "raw HTML"),
    ("Voir [ici](#introduction) et [^i]", "cross-reference targets differ"),
    ("Le [Rapport](javascript:alert(1))[^i]", "'javascript:' links are not allowed"),
    ("Le [Rapport](https://example.org/autre)[^i]", "link targets differ"),
    ("Le Rapport", "footnote references differ"),
])
def test_translation_checks_refuse_bad_translations(project: Path, tmp_path: Path, bad: str, message: str) -> None:
    root = tmp_path / "p"
    shutil.copytree(project, root, ignore=shutil.ignore_patterns("build"))
    translate(root / "translations" / "fr.po", {"introduction.p1": bad})
    proc = run(root, "check")
    assert proc.returncode == 1 and message in proc.stderr, proc.stderr


def test_arabic_edition_runs_right_to_left_in_logical_order(project: Path) -> None:
    proc = run(project, "build", "pdf", "--lang", "ar")
    assert proc.returncode == 0, proc.stderr
    reader = pypdf.PdfReader(str(project / "build" / "ar" / "compendium.pdf"))
    assert reader.trailer["/Root"]["/Lang"] == "ar"
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    assert re.search(r"[\u0600-\u06FF]", text)
    # logical order: the words come out as written, first word first
    assert "الاتجار بالأشخاص جريمة خطيرة" in text
    fonts = {str(f.get_object()["/BaseFont"]).split("+")[-1] for p in reader.pages
             for f in ((p.get("/Resources") or {}).get("/Font") or {}).values()}
    assert "Compendium-Arabic" in fonts


def test_chinese_edition_uses_the_cjk_font_and_breaks_lines(project: Path) -> None:
    proc = run(project, "build", "pdf", "--lang", "zh-Hans")
    assert proc.returncode == 0, proc.stderr
    reader = pypdf.PdfReader(str(project / "build" / "zh-Hans" / "compendium.pdf"))
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    assert "有前景的做法汇编" in text
    fonts = {str(f.get_object()["/BaseFont"]).split("+")[-1] for p in reader.pages
             for f in ((p.get("/Resources") or {}).get("/Font") or {}).values()}
    assert "Compendium-CJK" in fonts
    # a reviewed translation is not labelled as a draft
    assert "Draft translation" not in text
    # the long Chinese paragraph wraps over several lines without spaces to break at
    page = next(p.extract_text() for p in reader.pages if "贩运人口" in (p.extract_text() or ""))
    lines = [line for line in page.split("\n") if re.search(r"[\u4e00-\u9fff]{5}", line)]
    assert len(lines) >= 2


def test_unknown_language_is_one_clear_error(project: Path) -> None:
    proc = run(project, "build", "pdf", "--lang", "xx")
    assert proc.returncode == 1
    assert "unknown language 'xx'" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize("markdown", [
    "Plain text with *emphasis*, **strong**, a [link](https://example.org/a_b) and <https://x.org/y>.",
    "A footnote[^xii] and a cross-reference [](#engaging-with-one-another) and [words](#part-2).",
    "Escapes: 5 \\* 3, under\\_score, \\[brackets\\] and a back\\\\slash.",
])
def test_messages_round_trip_through_markdown(markdown: str) -> None:
    nodes = parse_inline(markdown, Loc("x"))
    assert to_markdown(nodes) == markdown
    assert parse_inline(to_markdown(nodes), Loc("x")) == nodes


def test_chinese_epub_joins_publisher_and_unit_and_cites_titles_with_its_own_punctuation() -> None:
    """Issue 13, no sentence pieced together in code: the imprint joins the publisher and
    its unit by the message "{publisher}, {unit}" (Chinese "，", not the ASCII ", "), a
    cross-reference followed by the cited title is the message "{section} {title}" (Chinese
    quotes the title), and the accessibility summary's passages are joined by "{first} {next}".
    The real Chinese EPUB, rendered without a page map (no layout)."""
    import io
    import zipfile

    from lxml import etree

    from pipeline.build import Project
    from pipeline.editions import edition_for
    from pipeline.render.epub import render_epub

    edition, _report = edition_for(Project.at(ROOT), "zh-Hans")
    meta = edition.book.meta
    assert meta.publisher_unit, "the book's imprint names the publisher's unit"
    with zipfile.ZipFile(io.BytesIO(render_epub(edition, None))) as epub:
        trees = [etree.fromstring(epub.read(name)) for name in epub.namelist() if name.endswith(".xhtml")]
        opf = etree.fromstring(epub.read(next(name for name in epub.namelist() if name.endswith(".opf"))))
    xhtml = {"x": "http://www.w3.org/1999/xhtml"}
    imprint = next(tree for tree in trees if tree.xpath("//x:div[@class='imprint']", namespaces=xhtml))
    lines = ["".join(p.itertext()) for p in imprint.xpath("//x:div[@class='imprint']/x:p", namespaces=xhtml)]
    published = next(line for line in lines if meta.publisher in line)
    assert f"{meta.publisher}，{meta.publisher_unit}" in published, published
    assert ", " not in published
    cited = [a for tree in trees for a in tree.xpath("//x:a[contains(@class, 'auto')][x:cite]", namespaces=xhtml)]
    assert cited, "the Chinese EPUB has cross-references followed by their titles"
    for link in cited:
        cite = link.find("x:cite", xhtml)
        assert (link.text or "").endswith("“") and (cite.tail or "").startswith("”"), etree.tostring(link)
    # the accessibility summary's passages are joined by the message "{first} {next}":
    # no space between Chinese sentences
    summary = opf.xpath("//*[@property='schema:accessibilitySummary']/text()")[0]
    assert summary.count("。") >= 2 and "。 " not in summary, summary


def test_chinese_factsheet_prints_publisher_and_year_as_one_message() -> None:
    """The factsheet's back page prints "{publisher}, {year}" as the translation writes it
    (Chinese "，" and "年"), not the publisher and year glued with an ASCII comma. The
    factsheet's HTML, before layout."""
    from lxml import html as lxml_html

    from pipeline.build import Project
    from pipeline.editions import edition_for
    from pipeline.factsheets import load_factsheets
    from pipeline.render.factsheet import factsheet_html

    edition, _report = edition_for(Project.at(ROOT), "zh-Hans")
    meta = edition.book.meta
    sheet = next(iter(load_factsheets(ROOT / "source", edition.book).values()))
    # the pages the practices are read in full on are not under test here (no layout): any page
    page_map = {entry.id: 1 for entry in sheet.practices}
    page = lxml_html.fromstring(factsheet_html(edition.book, sheet, edition, page_map))
    lines = [p.text_content() for p in page.xpath("//footer[@class='get-compendium']/p")]
    assert f"{meta.publisher}，{meta.year}年" in lines, lines


def test_chinese_factsheet_footer_and_full_title_are_whole_messages() -> None:
    """Issue 13: the factsheet's running footer is the message "{publisher} · {title} · {year}"
    and the book's title with its subtitle the message "{title} {subtitle}", each as the
    Chinese translation orders and punctuates them (the book's title in 《》, the subtitle
    before the title), not glued in code. The factsheet's HTML, before layout."""
    from lxml import html as lxml_html

    from pipeline.build import Project
    from pipeline.editions import edition_for
    from pipeline.factsheets import load_factsheets
    from pipeline.render.factsheet import factsheet_html

    edition, _report = edition_for(Project.at(ROOT), "zh-Hans")
    meta = edition.book.meta
    sheet = next(iter(load_factsheets(ROOT / "source", edition.book).values()))
    page = lxml_html.fromstring(factsheet_html(edition.book, sheet, edition, {p.id: 1 for p in sheet.practices}))
    style = "".join(page.xpath("//style/text()"))
    footer = re.search(r"@bottom-left \{ content: \"([^\"]*)\"", style)
    assert footer and footer.group(1) == f"{meta.publisher} · 《{meta.title}》 · {meta.year}年", style
    full_title = f"{meta.subtitle}的{meta.title}"
    assert page.xpath("//p[@class='masthead-book']")[0].text_content() == full_title
    assert page.xpath("//p[@class='get-title']")[0].text_content() == full_title


def test_i18n_help_lists_every_command_with_a_whole_summary() -> None:
    """`compendium i18n --help` is where a translator starts: each command's line in the
    list is a whole summary (click cuts a long first sentence to "..."), and each command's
    own help says what it writes."""
    from click.testing import CliRunner

    from pipeline.cli import main

    shown = CliRunner().invoke(main, ["i18n", "--help"], terminal_width=100).output
    listed = dict(re.findall(r"^  (\w+)\s{2,}(.+)$", shown.split("Commands:")[1], re.M))
    assert sorted(listed) == ["export", "extract", "import", "init", "status", "update"], shown
    assert not [line for line in listed.values() if line.endswith("...")], listed
    init_help = CliRunner().invoke(main, ["i18n", "init", "--help"]).output
    assert "translations/LANG.po" in init_help and "translations/terms/LANG.yml" in init_help
    assert "book.yml" in init_help
    update_help = CliRunner().invoke(main, ["i18n", "update", "--help"]).output
    assert "fuzzy" in update_help and "obsolete" in update_help
