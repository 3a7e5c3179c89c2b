"""The translations this project ships: French complete, every factsheet in six
languages, a termbase, and every language's editions valid and laid out right."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import polib
import pypdf
import pytest
import yaml

from .conftest import ROOT, pdf_pages

LANGUAGES = ["fr", "es", "ru", "ar", "zh-Hans"]
SCRIPTS = {
    "fr": r"[àâçéèêëîïôûù]",
    "es": r"[áéíñóú¿¡]",
    "ru": r"[\u0400-\u04FF]",
    "ar": r"[\u0600-\u06FF]",
    "zh-Hans": r"[\u4e00-\u9fff]",
}


def cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pipeline.cli", *args], cwd=cwd, capture_output=True, text=True)


@pytest.fixture(scope="module")
def status() -> dict:
    proc = cli("i18n", "status", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_every_language_of_book_yml_is_shipped_as_a_draft() -> None:
    book = yaml.safe_load((ROOT / "source" / "book.yml").read_text())
    languages = {lang["code"]: lang["status"] for lang in book["languages"]}
    assert languages == {"en": "source", **{code: "draft" for code in LANGUAGES}}
    for code in LANGUAGES:
        assert (ROOT / "translations" / f"{code}.po").is_file()


def test_french_is_complete(status: dict) -> None:
    french = status["fr"]["all"]
    assert french["percent"] == 100.0 and french["fuzzy"] == 0 and french["untranslated"] == 0


@pytest.mark.parametrize("lang", LANGUAGES)
def test_factsheets_and_front_matter_are_translated_in_every_language(status: dict, lang: str) -> None:
    groups = status[lang]
    assert groups["factsheets"]["percent"] == 100.0, groups["factsheets"]
    for group in ("book", "theme", "front"):
        assert groups[group]["percent"] == 100.0, (group, groups[group])
    assert groups["all"]["fuzzy"] == 0


@pytest.mark.parametrize("lang", LANGUAGES)
def test_translations_are_in_the_target_script_and_keep_their_markup(lang: str) -> None:
    po = polib.pofile(str(ROOT / "translations" / f"{lang}.po"))
    translated = [e for e in po if e.msgstr and not e.obsolete]
    assert len(translated) > 150
    in_script = sum(1 for e in translated if re.search(SCRIPTS[lang], e.msgstr))
    assert in_script / len(translated) > 0.6
    for entry in translated:
        assert entry.msgstr.count("[^") == entry.msgid.count("[^"), entry.msgid


def test_termbase_has_the_key_terms_in_every_language() -> None:
    english = None
    for lang in LANGUAGES:
        terms = yaml.safe_load((ROOT / "translations" / "terms" / f"{lang}.yml").read_text(encoding="utf-8"))
        assert len(terms) >= 40, lang
        names = [t["en"] for t in terms]
        assert {"trafficking in persons", "forced labour", "due diligence", "supply chain",
                "promising practice", "PPP", "FIU", "tips", "lessons learnt"} <= set(names), lang
        assert all(t["approved"] for t in terms), lang
        english = english or names
        assert names == english, f"{lang}: the termbases list the same English terms in the same order"


def test_termbase_is_exported_into_the_po_comments() -> None:
    po = polib.pofile(str(ROOT / "translations" / "fr.po"))
    entry = next(e for e in po if "trafficking in persons" in e.msgid.lower()
                 and any(f == "source/front/introduction.md" for f, _ in e.occurrences))
    assert "Term: trafficking in persons = traite des personnes" in entry.comment


def test_termbase_check_flags_a_translation_that_avoids_an_approved_term(tmp_path: Path) -> None:
    root = tmp_path / "p"
    for name in ("source", "themes", "translations"):
        shutil.copytree(ROOT / name, root / name)
    po_file = root / "translations" / "fr.po"
    po = polib.pofile(str(po_file))
    entry = next(e for e in po if e.msgid.startswith("Trafficking in persons is a serious crime"))
    assert "traite des personnes" in entry.msgstr
    entry.msgstr = entry.msgstr.replace("traite des personnes", "trafic humain")
    po.save()
    proc = cli("check", "--source", str(root / "source"))
    assert re.search(r"translations/fr\.po:\d+: warning: \"Trafficking in persons is a serious crime.*\": source has "
                     r"'trafficking in persons' \d time\(s\) but the translation "
                     r"(does not use|uses only \d time\(s\) of \d) the approved 'traite des personnes'",
                     proc.stderr), proc.stderr
    assert cli("check", "-W", "--source", str(root / "source")).returncode == 1
    status = json.loads(cli("i18n", "status", "--format", "json", "--project", str(root)).stdout)
    shipped = json.loads(cli("i18n", "status", "--format", "json").stdout)["fr"]["all"]["term_warnings"]
    assert status["fr"]["all"]["term_warnings"] == shipped + 1


def test_check_passes_on_every_shipped_translation() -> None:
    # No errors. Termbase warnings are for translators to review: the check counts uses
    # (a term used twice in the English needs two approved forms, or a `# term-ok:` comment).
    proc = cli("check")
    assert proc.returncode == 0, proc.stderr
    assert all("[termbase]" in line for line in proc.stderr.splitlines() if ": warning:" in line), proc.stderr


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_factsheet_builds_within_its_budget(editions: Path, lang: str) -> None:
    for sector, budget in (("supply-chains", 4), ("financial", 4), ("technology", 4)):
        pdf = editions / "build" / lang / f"factsheet-{sector}.pdf"
        reader = pypdf.PdfReader(str(pdf))
        assert 1 < len(reader.pages) <= budget, (lang, sector)
        text = "".join(page.extract_text() or "" for page in reader.pages)
        assert re.search(SCRIPTS[lang], text), (lang, sector)
        assert reader.trailer["/Root"]["/Lang"] == lang


@pytest.mark.parametrize("lang", LANGUAGES)
def test_epubcheck_reports_nothing_for_every_language(editions: Path, lang: str) -> None:
    proc = cli("validate", "--project", str(editions), str(editions / "build" / lang / "compendium.epub"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 error(s), 0 warning(s)" in proc.stdout


def test_arabic_epub_documents_run_right_to_left(editions: Path) -> None:
    with zipfile.ZipFile(editions / "build" / "ar" / "compendium.epub") as epub:
        documents = [n for n in epub.namelist() if n.endswith(".xhtml")]
        assert len(documents) > 10
        for name in documents:
            head = epub.read(name).decode("utf-8")[:600]
            assert 'dir="rtl"' in head and 'lang="ar"' in head, name
        fonts = [n for n in epub.namelist() if n.endswith((".ttf", ".otf"))]
        assert any("Arabic" in n for n in fonts)


def test_chinese_epub_carries_a_cjk_font(editions: Path) -> None:
    with zipfile.ZipFile(editions / "build" / "zh-Hans" / "compendium.epub") as epub:
        assert any("CJK" in n for n in epub.namelist())


def test_french_print_edition_is_french_throughout(editions: Path) -> None:
    reader = pypdf.PdfReader(str(editions / "build" / "fr" / "compendium-print.pdf"))
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    assert "Table des matières" in text and "Traduction provisoire" in text
    assert "section 1.4, page" in text or "section 1.4" in text
    english_only = ["Maximising PPP Success and Overcoming Challenges", "Recommended Resources"]
    assert not any(phrase in text for phrase in english_only)


# --------------------------------------------------------------------------
# The whole books: no English left in the translated editions (issue 15)
# --------------------------------------------------------------------------

# English function words, the measure of English running text. Words that are also
# words of French or Spanish ("a", "an", "as", "on", "or", "but", "via", "no", "me") or that
# print as acronyms ("IT", "US") are left out, so only English counts.
ENGLISH_STOP_WORDS = frozenset("""
the and of to in for with that this these those is are was were be been being by from at which
their its they them we our you your he she his her has have had not can could will would should
also such other into more than between through who whom whose where when how what all any each both
may must about within under there only well including across against among because before after
while during does did do so if then upon over
""".split())
# Chinese is written without spaces: its words are counted as one per two
# characters, a little longer than the average Chinese word, so the share errs high.
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
HAN_CHARS_PER_WORD = 2
# A word: a run of letters, Han characters apart ("Wildlife工作组" is two words, as read).
WORD = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[^\W\d_\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
URL = re.compile(r"(?:https?://|www\.)\S+")
# A word broken at a line end by the layout's hyphenation: "to-\ndas" is "todas".
LINE_END_HYPHEN = re.compile(r"([^\W\d_])[-\u2010\u00ad]\s*\n\s*([^\W\d_])")
ENGLISH_SHARE_LIMIT = 0.01


def _walk_model(node: object, spans: list[str], urls: list[str]) -> None:
    """Collect every language span's text and every link's address (and URL text) in a model."""
    from pipeline.model import Link, Span, plain_text

    if isinstance(node, Span):
        spans.append(plain_text(node.children))
    elif isinstance(node, Link):
        urls.append(node.href)
        if node.autolink:
            urls.append(plain_text(node.children))
    if isinstance(node, list | tuple):
        for item in node:
            _walk_model(item, spans, urls)
    elif isinstance(node, dict):
        for item in node.values():
            _walk_model(item, spans, urls)
    elif hasattr(node, "__dataclass_fields__"):
        for name in node.__dataclass_fields__:
            _walk_model(getattr(node, name), spans, urls)


def edition_exemptions(project_root: Path, lang: str) -> tuple[list[str], list[str]]:
    """The texts of the `{lang=...}` spans (cited titles, names kept in English) and the URLs of `lang`'s edition."""
    from pipeline.build import Project
    from pipeline.editions import edition_for

    edition, _report = edition_for(Project.at(project_root), lang)
    spans: list[str] = []
    urls: list[str] = []
    _walk_model(edition.book, spans, urls)
    return spans, urls


def _tokens(text: str) -> list[str]:
    return [word.lower() for word in WORD.findall(text)]


def english_share(text: str, spans: list[str], urls: list[str]) -> tuple[float, int, float, list[str]]:
    """(share, English stop words, all words, the stop words found) of `text`, outside URLs and spans.

    Each exempt phrase is taken out of the text's word stream wherever it occurs
    whole; one that the layout broke up (a URL split mid-word, a title
    hyphenated or reordered in a right-to-left line) is taken out once, word by
    word, instead.
    """
    text = LINE_END_HYPHEN.sub(r"\1\2", text)
    text = URL.sub(" ", text)
    stream = _tokens(text)
    positions: dict[str, list[int]] = {}
    for index, word in enumerate(stream):
        positions.setdefault(word, []).append(index)
    exempt = [False] * len(stream)
    leftover: dict[str, int] = {}
    for phrase in sorted({p for p in spans + urls if p.strip()}, key=len, reverse=True):
        words = _tokens(phrase)
        if not words:
            continue
        found = False
        for start in positions.get(words[0], []):
            end = start + len(words)
            if stream[start:end] == words and not any(exempt[start:end]):
                exempt[start:end] = [True] * len(words)
                found = True
        if not found:
            for word in words:
                leftover[word] = leftover.get(word, 0) + 1
    kept = [word for word, out in zip(stream, exempt, strict=True) if not out]
    for word, count in leftover.items():
        while count and word in kept:
            kept.remove(word)
            count -= 1
    stop = [word for word in kept if word in ENGLISH_STOP_WORDS]
    han = sum(len(HAN.findall(word)) for word in kept)
    total = sum(1 for word in kept if not HAN.search(word)) + han / HAN_CHARS_PER_WORD
    return (len(stop) / total if total else 1.0), len(stop), total, stop


def test_english_share_counts_english_and_spares_spans_urls_and_hyphenation() -> None:
    """The measure itself: English counts, exempt text does not, a hyphenated Spanish word is one word."""
    spanish = "Las empresas de to-\ndas las regiones publican el [Global Report on Trafficking in Persons]."
    share, stop, total, _ = english_share(spanish, ["Global Report on Trafficking in Persons"], [])
    assert stop == 0 and total == 8, (stop, total)
    share, stop, _, found = english_share("Las empresas and the partners of https://x.org/the-and-of", [], [])
    assert found == ["and", "the", "of"] and share > 0.3
    share, stop, total, _ = english_share("企业和政府合作打击人口贩运the", [], [])
    assert stop == 1 and total == 1 + 13 / HAN_CHARS_PER_WORD
    share, stop, total, _ = english_share("与[United for Wildlife]工作组合作", ["United for Wildlife"], [])
    assert stop == 0 and total == 6 / HAN_CHARS_PER_WORD


@pytest.mark.parametrize("lang", LANGUAGES)
def test_book_pdf_has_at_most_one_percent_english(editions: Path, lang: str) -> None:
    reader = pypdf.PdfReader(str(editions / "build" / lang / "compendium-print.pdf"))
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    spans, urls = edition_exemptions(editions, lang)
    share, stop, total, found = english_share(text, spans, urls)
    common = sorted(set(found), key=found.count, reverse=True)[:12]
    print(f"{lang}: English share {share:.3%} ({stop} English stop words of {total:.0f} words; most: {common})")
    assert total > 10000, f"{lang}: only {total:.0f} words extracted from the book"
    assert share <= ENGLISH_SHARE_LIMIT, f"{lang}: {share:.2%} English ({stop} of {total:.0f} words): {common}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_language_is_complete(status: dict, lang: str) -> None:
    every = status[lang]["all"]
    assert every["percent"] == 100.0 and every["fuzzy"] == 0 and every["untranslated"] == 0, every


# Unicode's bidi controls (isolates, embeddings, marks): format characters the
# writer puts around a left-to-right run in a right-to-left edition, not words.
BIDI_CONTROLS = dict.fromkeys(map(ord, "\u2066\u2067\u2068\u2069\u200e\u200f\u202a\u202b\u202c\u202d\u202e"))


def _normalised(text: str) -> str:
    return " ".join(text.translate(BIDI_CONTROLS).split())


def english_elements(epub_path: Path, allowed: set[str]) -> tuple[int, list[str]]:
    """(documents read, the elements marked lang="en" whose text is neither an allowed text nor a URL)."""
    import xml.etree.ElementTree as ET

    xml_lang = "{http://www.w3.org/XML/1998/namespace}lang"
    offenders: list[str] = []
    with zipfile.ZipFile(epub_path) as epub:
        documents = [n for n in epub.namelist() if n.endswith((".xhtml", ".html"))]
        for name in documents:
            for element in ET.fromstring(epub.read(name)).iter():
                language = element.get("lang") or element.get(xml_lang) or ""
                if language.split("-")[0] != "en":
                    continue
                text = _normalised("".join(element.itertext()))
                if text in allowed or URL.fullmatch(text):
                    continue
                offenders.append(f"{name}: <{element.tag.split('}')[-1]}> {text[:80]!r}")
    return len(documents), offenders


def test_english_elements_spares_spans_and_urls_only(tmp_path: Path) -> None:
    """The EPUB measure itself: a cited title and a URL pass, an English paragraph does not."""
    page = ('<html xmlns="http://www.w3.org/1999/xhtml" lang="es"><body>'
            '<p>Véase <span lang="en">Global Report on Trafficking in Persons</span>, '
            '<a lang="en" href="https://x.org/a">https://x.org/a</a>.</p>{}</body></html>')
    for extra, expected in (("", 0), ('<p lang="en">The partners met.</p>', 1)):
        epub = tmp_path / f"{expected}.epub"
        with zipfile.ZipFile(epub, "w") as archive:
            archive.writestr("EPUB/s.xhtml", page.format(extra))
        documents, offenders = english_elements(epub, {"Global Report on Trafficking in Persons"})
        assert documents == 1 and len(offenders) == expected, offenders


@pytest.mark.parametrize("lang", LANGUAGES)
def test_epub_marks_english_only_on_cited_titles_and_urls(editions: Path, lang: str) -> None:
    spans, urls = edition_exemptions(editions, lang)
    allowed = {_normalised(text) for text in spans + urls}
    documents, offenders = english_elements(editions / "build" / lang / "compendium.epub", allowed)
    assert documents > 10
    assert not offenders, f"{lang}: {len(offenders)} English element(s): " + "; ".join(offenders[:10])


def test_theme_words_are_english_by_their_translation_status_not_their_spelling() -> None:
    """French "Pages" is spelled as in English and is French: neither the EPUB nor the
    web edition marks it lang="en". A theme word whose PO entry falls back (untranslated
    or fuzzy) is marked, in both, from the same fact (`book.untranslated`)."""
    from pipeline.build import Project
    from pipeline.editions import edition_for
    from pipeline.render.epub import _Renderer
    from pipeline.render.web import _Site

    edition, _report = edition_for(Project.at(ROOT), "fr")
    assert edition.strings["Pages"] == edition.theme.strings["Pages"] == "Pages"
    assert _Renderer(edition).string_lang("Pages") == ""
    assert "lang=" not in _Site(edition, [("fr", "français")]).word("Pages")
    edition.book.untranslated.add("theme.web.skip")
    edition.book.untranslated.add("theme.Landmarks")
    assert _Site(edition, [("fr", "français")]).word("web.skip").startswith('<span lang="en">')
    assert _Renderer(edition).string_lang("Landmarks") == ' lang="en"'


def _translation(lang: str, msgid: str) -> str:
    """The shipped translation of a theme message (translated, not fuzzy)."""
    entry = next(e for e in polib.pofile(str(ROOT / "translations" / f"{lang}.po"))
                 if e.msgid == msgid and not e.obsolete)
    assert entry.msgstr and not entry.fuzzy, (lang, msgid)
    return entry.msgstr


def _squeezed(text: str) -> str:
    """Text compared across extraction: NFKC (Arabic presentation forms), no whitespace, no case."""
    import unicodedata

    return "".join(unicodedata.normalize("NFKC", text).translate(BIDI_CONTROLS).split()).casefold()


def _pdf_pages(pdf: Path) -> list[str]:
    """Each page's text as pdftotext gives it, page by page."""
    return pdf_pages(pdf)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_draft_label_on_every_page_of_every_pdf_and_in_the_epub(editions: Path, lang: str) -> None:
    """A draft translation says so on every page: each factsheet page (pages 2 and 3
    included), every page of the print edition (part openers, blank pages and the
    back cover included); the EPUB on its title page and in its package metadata."""
    label = _squeezed(_translation(lang, "Draft translation"))
    pdfs = sorted((editions / "build" / lang).glob("*.pdf"))
    # the print edition and three factsheets (and the screen edition where the session built it)
    assert {"compendium-print.pdf", "factsheet-financial.pdf", "factsheet-supply-chains.pdf",
            "factsheet-technology.pdf"} <= {pdf.name for pdf in pdfs}, pdfs
    for pdf in pdfs:
        pages = _pdf_pages(pdf)
        missing = [number for number, text in enumerate(pages, start=1) if label not in _squeezed(text)]
        assert not missing, f"{pdf.name}: no draft label on pages {missing} of {len(pages)}"
    with zipfile.ZipFile(editions / "build" / lang / "compendium.epub") as epub:
        imprint = epub.read("EPUB/imprint.xhtml").decode()
        package = epub.read("EPUB/content.opf").decode()
    notice = _translation(lang, "This is a draft translation, made within the project and not yet reviewed; "
                                "the English edition is authoritative.")
    assert 'class="draft-label"' in imprint
    assert _squeezed(notice)[:20] in _squeezed(imprint) and _squeezed(notice)[:20] in _squeezed(package)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_factsheets_say_where_to_read_in_full_as_one_message(editions: Path, lang: str) -> None:
    """"Read in full: section {section}, page {page}" is printed whole, in the order the
    translation gives it, with the section number and print page filled in."""
    import unicodedata

    def words(text: str) -> str:
        # pdftotext gives right-to-left lines in visual order around the numbers
        # (the colon and the Arabic comma move): there, words and numbers only
        if lang != "ar":
            return _squeezed(text)
        return "".join(c for c in _squeezed(text) if c in ".{}" or not unicodedata.category(c).startswith("P"))

    template = words(_translation(lang, "Read in full: section {section}, page {page}"))
    pattern = re.escape(template).replace(r"\{section\}", r"(\d\.\d)").replace(r"\{page\}", r"(\d+)")
    for pdf in sorted((editions / "build" / lang).glob("factsheet-*.pdf")):
        found = re.findall(pattern, words("".join(_pdf_pages(pdf))))
        assert found, f"{pdf.name}: no {template!r}"
