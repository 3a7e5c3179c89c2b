"""The web edition (build/web/): its files, then the site in a real browser.

The site of the real book is built once per session for English, French and
Arabic (a copy of the project whose book.yml lists those three), and served
on 127.0.0.1 by a test server. Browser checks drive Debian's Chromium
through Playwright (never a downloaded browser) and inject axe-core (npm,
installed by the Makefile into .vendor/). Nothing reaches the network.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urljoin, urlparse

import pytest
from lxml import html as lxml_html

from .conftest import ROOT

LANGS = ("en", "fr", "ar")
SITE_URL = "https://example.org/compendium/"
CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / ".vendor" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
PROOF = ROOT / "build" / "proof" / "web"


def copy_project(dest: Path, languages: list[str], source: Path = ROOT / "source") -> Path:
    """A project whose book.yml lists `languages` (the site links every listed language)."""
    shutil.copytree(source, dest / "source")
    shutil.copytree(ROOT / "translations", dest / "translations")
    (dest / "themes").symlink_to(ROOT / "themes")
    book = dest / "source" / "book.yml"
    kept = [line for line in book.read_text(encoding="utf-8").splitlines(keepends=True)
            if not re.match(r"  - \{code: ", line) or re.search(rf"code: ({'|'.join(languages)}),", line)]
    book.write_text("".join(kept), encoding="utf-8")
    return dest


def build_web(root: Path, *langs: str) -> subprocess.CompletedProcess[str]:
    args = [a for lang in langs for a in ("--lang", lang)]
    return subprocess.run([sys.executable, "-m", "pipeline.cli", "build", "web", "--project", str(root), "-j", "2",
                           *args], capture_output=True, text=True, timeout=600,
                          env={**os.environ, "COMPENDIUM_SITE_URL": SITE_URL, "PYTHONPATH": str(ROOT)})


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """build/web/ of the real book in English, French and Arabic."""
    root = copy_project(tmp_path_factory.mktemp("web") / "p", list(LANGS))
    proc = build_web(root, *LANGS)
    assert proc.returncode == 0, proc.stderr
    return root / "build" / "web"


def parse(path: Path) -> Any:
    return lxml_html.fromstring(path.read_bytes())


def pages(site: Path, lang: str) -> list[Path]:
    return sorted((site / lang).glob("*.html"))


@functools.cache
def _book_sections() -> list[tuple[str, str]]:
    from pipeline.load import load_book

    return [(s.id, s.number) for s in load_book(ROOT / "source").sections()]


# ---------------------------------------------------------------- the files


def test_one_page_per_part_opener_and_section_and_a_home_page_per_language(site: Path) -> None:
    for lang in LANGS:
        names = {p.stem for p in pages(site, lang)}
        assert {sid for sid, _n in _book_sections()} <= names
        assert {"index", "search", "icon-table"} <= names
        home = parse(site / lang / "index.html")
        assert home.xpath("//h1")[0].text_content().strip()
        assert len(home.xpath("//div[@class='about']/p")) >= 2  # source/about.md
        # the home page lists every section in its contents
        toc = {a.get("href") for a in home.xpath("//ol[@class='home-toc']//a")}
        assert {f"{sid}.html" for sid, _n in _book_sections()} <= toc
    assert (site / "index.html").is_file() and (site / "sitemap.xml").is_file()


def test_every_internal_link_and_fragment_resolves_in_the_files(site: Path) -> None:
    ids: dict[Path, set[str]] = {}
    for lang in LANGS:
        for page in pages(site, lang):
            ids[page] = set(parse(page).xpath("//@id"))
    checked = 0
    for page, _ in ids.items():
        tree = parse(page)
        for element in tree.xpath("//a[@href] | //link[@href] | //script[@src] | //img[@src]"):
            ref = element.get("href") or element.get("src")
            if urlparse(ref).scheme in ("http", "https", "mailto"):
                continue
            target, fragment = urldefrag(ref)
            target_path = (page.parent / target).resolve() if target else page
            assert target_path.is_file(), f"{page.relative_to(site)}: {ref}"
            if fragment and target_path.suffix == ".html":
                assert fragment in ids.get(target_path, set(parse(target_path).xpath("//@id"))), \
                    f"{page.relative_to(site)}: {ref}"
            checked += 1
    assert checked > 1000


def test_no_request_to_another_host(site: Path) -> None:
    """Stylesheets, scripts, fonts and images are in the site (links to cited pages are not requests)."""
    for lang in LANGS:
        for page in pages(site, lang):
            for ref in parse(page).xpath("//link[@rel='stylesheet']/@href | //script/@src | //img/@src"):
                assert not urlparse(ref).netloc, f"{page}: {ref}"
    for css in (site / "assets").glob("*.css"):
        assert not re.search(r"url\(\s*['\"]?(https?:)?//", css.read_text()), css


def test_head_metadata_alternates_and_canonical(site: Path) -> None:
    page = parse(site / "fr" / "financial-ppp-success.html")
    assert page.get("lang") == "fr"
    assert page.xpath("//title")[0].text.startswith("3.2 ")
    assert page.xpath("//meta[@name='description']/@content")[0]
    assert page.xpath("//link[@rel='canonical']/@href") == [f"{SITE_URL}fr/financial-ppp-success.html"]
    alternates = dict(zip(page.xpath("//link[@rel='alternate']/@hreflang"),
                          page.xpath("//link[@rel='alternate']/@href"), strict=True))
    assert alternates == {lang: f"{SITE_URL}{lang}/financial-ppp-success.html" for lang in LANGS}
    for prop in ("og:title", "og:description", "og:type", "og:url", "og:locale", "og:site_name"):
        assert page.xpath(f"//meta[@property='{prop}']/@content"), prop
    # the language switcher lands on the same section
    switch = page.xpath("//nav[@class='languages']//a/@href")
    assert switch == [f"../{lang}/financial-ppp-success.html" for lang in LANGS]


def test_sitemap_lists_every_page_of_every_language(site: Path) -> None:
    text = (site / "sitemap.xml").read_text()
    locs = re.findall(r"<loc>([^<]+)</loc>", text)
    expected = {f"{SITE_URL}{lang}/{p.name}" for lang in LANGS for p in pages(site, lang) if p.stem != "search"}
    assert set(locs) == expected


def test_arabic_is_right_to_left_and_translations_are_marked_draft_and_fallback(site: Path) -> None:
    ar = parse(site / "ar" / "financial-ppp-success.html")
    assert ar.get("dir") == "rtl" and ar.get("lang") == "ar"
    assert ar.xpath("//*[contains(@class,'draft-label')]")
    # Arabic is now translated whole: what stays English (cited titles, names) is marked so and
    # runs left to right
    english = ar.xpath("//article//*[@lang='en']")
    assert english and all(e.get("dir") == "ltr" or e.xpath("ancestor::*[@dir='ltr']") for e in english)
    en = parse(site / "en" / "financial-ppp-success.html")
    assert en.get("dir") == "ltr" and not en.xpath("//*[contains(@class,'draft-label')]")
    assert not en.xpath("//article//*[@lang='en']")


def test_footnotes_are_endnotes_of_their_page_linked_both_ways(site: Path) -> None:
    seen = 0
    for page in pages(site, "en"):
        tree = parse(page)
        refs = tree.xpath("//a[@class='noteref']")
        notes = tree.xpath("//section[@class='endnotes']//li")
        assert len(refs) == len(notes), page.name
        for ref in refs:
            note = tree.get_element_by_id(ref.get("href")[1:])
            back = note.xpath(".//a[@role='doc-backlink']/@href")
            assert back == [f"#{ref.get('id')}"], page.name
            seen += 1
    assert seen > 50


def test_downloads_and_search_index_are_in_the_site(site: Path) -> None:
    for lang in LANGS:
        assert (site / lang / "pagefind" / "pagefind.js").is_file()
        assert list((site / lang / "pagefind").glob("*.pf_meta"))


def test_home_page_links_the_built_editions_with_size_and_pages(tmp_path: Path) -> None:
    root = copy_project(tmp_path / "p", ["en"], source=ROOT / "tests" / "fixtures" / "minibook")
    proc = subprocess.run([sys.executable, "-m", "pipeline.cli", "build", "pdf", "web", "--project", str(root),
                           "-j", "1"], capture_output=True, text=True, timeout=600,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stderr
    home = parse(root / "build" / "web" / "en" / "index.html")
    links = home.xpath("//ul[@class='downloads']/li")
    assert len(links) == 1
    href = links[0].xpath("a/@href")[0]
    assert href == "downloads/compendium.pdf"
    copied = root / "build" / "web" / "en" / href
    assert copied.read_bytes() == (root / "build" / "en" / "compendium.pdf").read_bytes()
    import pypdf

    pages_ = len(pypdf.PdfReader(copied).pages)
    facts = links[0].xpath("span")[0].text_content()
    # one message, a label form that needs no plural: "(12 kB, pages: 9)"
    assert re.fullmatch(rf"\((\d+ kB|\d+\.\d MB), pages: {pages_}\)", facts), facts


@pytest.mark.parametrize("lang, name, facts", [
    # full-width brackets, comma and colon; CLDR's Chinese units are kB and MB
    ("zh-Hans", "Chinese", r"（(\d+ kB|\d+\.\d MB)，页数：{pages}）"),
    # French units (ko, Mo) after a narrow no-break space, a decimal comma, a space before the colon
    ("fr", "French", "\\((\\d+\u202fko|\\d+,\\d\u202fMo), pages\\s:\\s{pages}\\)"),
])
def test_download_facts_are_one_message_in_the_languages_punctuation_and_units(
        tmp_path: Path, lang: str, name: str, facts: str) -> None:
    """The download's size and page count are the message "({size}, pages: {pages})" as the
    translation writes it, and the size is in the language's own units (Babel's CLDR data):
    one small book, laid out once in the language."""
    root = copy_project(tmp_path / "p", ["en"], source=ROOT / "tests" / "fixtures" / "minibook")
    book = root / "source" / "book.yml"
    book.write_text(book.read_text(encoding="utf-8").replace(
        "  - {code: en, name: English, status: source}\n",
        f"  - {{code: en, name: English, status: source}}\n  - {{code: {lang}, name: {name}, status: draft}}\n"),
        encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "pipeline.cli", "build", "pdf", "web", "--project", str(root),
                           "--lang", lang, "-j", "1"], capture_output=True, text=True, timeout=600,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stderr
    import pypdf

    pages_ = len(pypdf.PdfReader(root / "build" / lang / "compendium.pdf").pages)
    home = parse(root / "build" / "web" / lang / "index.html")
    shown = home.xpath("//ul[@class='downloads']/li/span[@class='download-facts']")[0].text_content()
    assert re.fullmatch(facts.replace("{pages}", str(pages_)), shown), shown


def test_file_sizes_are_written_in_each_languages_units() -> None:
    """A download's size as each language writes it (CLDR through Babel), not "2.3 MB" everywhere."""
    from pipeline.render.web import _byte_size

    megabytes, kilobytes = int(2.3 * 1024 * 1024), 214 * 1024
    assert [_byte_size(megabytes, lang) for lang in ("en", "fr", "es", "ru", "zh-Hans")] == [
        "2.3 MB", "2,3\u202fMo", "2,3 MB", "2,3 МБ", "2.3 MB"]
    assert [_byte_size(kilobytes, lang) for lang in ("en", "fr", "ru")] == ["214 kB", "214\u202fko", "214 кБ"]
    arabic = _byte_size(megabytes, "ar")  # CLDR's Arabic unit, in Arabic letters
    assert arabic.startswith("2.3") and re.search("[\u0600-\u06ff]", arabic), arabic
    assert _byte_size(300, "en") == "1 kB"  # never "0 kB"


def test_chinese_pages_print_title_pager_publisher_and_cited_titles_as_whole_messages(tmp_path: Path) -> None:
    """Issue 13: the web edition pieces no sentence together. A page's <title> is the
    message "{page} | {site}" in the translator's order (reordered here), the pager's name
    for screen readers one message, the draft's footer one message, the publisher and year
    one message with Chinese "，", and a cross-reference's cited title one message with
    Chinese quotes."""
    import polib

    root = copy_project(tmp_path / "p", ["en", "zh-Hans"])
    po_file = root / "translations" / "zh-Hans.po"
    po = polib.pofile(str(po_file))
    entry = next(e for e in po if e.msgid == "{page} | {site}" and not e.obsolete)
    entry.msgstr = "{site}：{page}"
    po.save()
    proc = build_web(root, "zh-Hans")
    assert proc.returncode == 0, proc.stderr
    site = root / "build" / "web" / "zh-Hans"
    home = parse(site / "index.html")
    assert re.fullmatch(r"\S.*，\d{4}年", home.xpath("//p[@class='title-publisher']")[0].text_content())
    cited = 0
    for path in pages(root / "build" / "web", "zh-Hans"):
        if path.name in ("index.html", "search.html"):
            continue
        doc = parse(path)
        site_name = doc.xpath("//meta[@property='og:site_name']/@content")[0]
        page_title = doc.xpath("//meta[@property='og:title']/@content")[0]
        assert doc.xpath("//title")[0].text_content() == f"{site_name}：{page_title}", path.name
        assert doc.xpath("//nav[@class='pager']/@aria-label") == ["上一页和下一页"], path.name
        # the footer of a draft is the message "{site} · Draft translation" as Chinese writes it
        assert doc.xpath("//footer[@class='site-footer']/p")[0].text_content() == f"{site_name}（译文草稿）"
        for link in doc.xpath("//a[contains(@class, 'auto')][cite]"):
            cite = link.xpath("cite")[0]
            assert (link.text or "").endswith("“") and (cite.tail or "").startswith("”"), path.name
            cited += 1
    assert cited, "the Chinese web edition has cross-references followed by their titles"


def _tree_hashes(root: Path) -> dict[str, tuple[str, int]]:
    return {p.relative_to(root).as_posix(): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
            for p in root.rglob("*") if p.is_file()}


def test_an_edit_to_one_section_rewrites_that_page_and_the_index_only(tmp_path: Path) -> None:
    root = copy_project(tmp_path / "p", ["en"])
    assert build_web(root, "en").returncode == 0
    site = root / "build" / "web"
    before = _tree_hashes(site)
    md = root / "source" / "part-3" / "3-2.md"
    md.write_text(md.read_text(encoding="utf-8").replace("rigidly embedded", "firmly embedded", 1), encoding="utf-8")
    proc = build_web(root, "en")
    assert proc.returncode == 0, proc.stderr
    after = _tree_hashes(site)
    rewritten = {name for name in after if after[name][1] != before.get(name, ("", 0))[1]}
    pages_rewritten = {name for name in rewritten if not name.startswith("en/pagefind/")}
    assert pages_rewritten == {"en/financial-ppp-success.html"}
    assert any(name.startswith("en/pagefind/") for name in rewritten)
    assert len(rewritten) < len(after) / 4


def test_same_inputs_give_the_same_site(site: Path, tmp_path: Path) -> None:
    root = copy_project(tmp_path / "p", list(LANGS))
    assert build_web(root, *LANGS).returncode == 0
    again = {k: v[0] for k, v in _tree_hashes(root / "build" / "web").items()}
    first = {k: v[0] for k, v in _tree_hashes(site).items()}
    assert again == first


def test_a_section_id_the_site_needs_is_refused_with_its_file_and_line(tmp_path: Path) -> None:
    root = copy_project(tmp_path / "p", ["en"], source=ROOT / "tests" / "fixtures" / "minibook")
    md = root / "source" / "part-1" / "1-2.md"
    md.write_text(re.sub(r"^id: .*$", "id: search", md.read_text(encoding="utf-8"), count=1, flags=re.M),
                  encoding="utf-8")
    proc = build_web(root, "en")
    assert proc.returncode == 1
    assert "source/part-1/1-2.md:" in proc.stderr + proc.stdout and "search" in proc.stderr + proc.stdout
    assert "Traceback" not in proc.stderr
    assert not (root / "build" / "web" / "en" / "index.html").exists()


# ------------------------------------------------------------ in a browser


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="session")
def server(site: Path) -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


_PLAYWRIGHT: dict[str, Any] = {}


def shared_browser() -> Any:
    """One Chromium for the whole test run (Playwright's sync API allows one driver per process;
    test_serve uses it too), closed when the run ends."""
    if "browser" not in _PLAYWRIGHT:
        assert CHROMIUM.is_file(), "Debian's chromium is missing: `make test` installs it (scripts/sysdeps.sh chromium)"
        import atexit

        from playwright.sync_api import sync_playwright

        driver = sync_playwright().start()
        _PLAYWRIGHT["driver"] = driver
        _PLAYWRIGHT["browser"] = driver.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS,
                                                        timeout=60_000)

        def close() -> None:
            _PLAYWRIGHT.pop("browser").close()
            _PLAYWRIGHT.pop("driver").stop()

        atexit.register(close)
    return _PLAYWRIGHT["browser"]


@pytest.fixture(scope="session")
def browser() -> Any:
    return shared_browser()


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    # Any request to another host fails the test that made it.
    outside: list[str] = []
    context.route(re.compile(r"^(?!http://127\.0\.0\.1:).*"),
                  lambda route: (outside.append(route.request.url), route.abort()))
    tab = context.new_page()
    yield tab
    context.close()
    assert not outside, outside


def _links(page: Any) -> list[str]:
    return page.eval_on_selector_all(
        "a[href], link[href], script[src], img[src]",
        "els => els.map(e => e.href || e.src)")


def test_every_internal_link_of_every_page_resolves_in_the_browser(page: Any, server: str) -> None:
    import urllib.error
    import urllib.request

    status: dict[str, int] = {}
    ids: dict[str, set[str]] = {}
    for lang in LANGS:
        todo = [urljoin(server, f"{lang}/index.html")]
        seen: set[str] = set()
        while todo:
            url = todo.pop()
            if url in seen:
                continue
            seen.add(url)
            response = page.goto(url)
            assert response is not None and response.status == 200, url
            ids[url] = set(page.eval_on_selector_all("[id]", "els => els.map(e => e.id)"))
            for link in _links(page):
                if not link.startswith(server):
                    continue
                target, fragment = urldefrag(link)
                if target not in status:
                    try:
                        with urllib.request.urlopen(target, timeout=10) as answer:
                            status[target] = answer.status
                    except urllib.error.HTTPError as exc:
                        status[target] = exc.code
                assert status[target] == 200, f"{url}: {link}"
                if target.endswith(".html") and f"/{lang}/" in target:
                    todo.append(target)
                if fragment and target in ids:
                    assert fragment in ids[target], f"{url}: {link}"
        assert len(seen) >= len(_book_sections()) + 2, lang


def test_footnote_reference_reaches_its_note_and_back_and_opens_in_place(page: Any, server: str) -> None:
    page.goto(urljoin(server, "en/financial-ppp-success.html"))
    ref = page.locator("a.noteref").first
    ref_id = ref.get_attribute("id")
    note_id = ref.get_attribute("href")[1:]
    # with the script: the note opens beside the reference
    ref.click()
    popup = page.locator(".note-popup")
    assert popup.count() == 1
    assert popup.inner_text().strip() == page.locator(f"#{note_id} .note-text").inner_text().strip()
    # by the keyboard (the link itself): to the note, and back
    page.goto(urljoin(server, f"en/financial-ppp-success.html#{note_id}"))
    assert page.evaluate("location.hash") == f"#{note_id}"
    page.locator(f"#{note_id} a[role='doc-backlink']").click()
    assert page.evaluate("location.hash") == f"#{ref_id}"


def test_footnotes_work_with_javascript_off(browser: Any, server: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    tab = context.new_page()
    tab.goto(urljoin(server, "en/financial-ppp-success.html"))
    ref = tab.locator("a.noteref").first
    note_id = ref.get_attribute("href")[1:]
    ref.click()
    assert tab.url.endswith(f"#{note_id}")
    assert tab.locator(f"#{note_id}").is_visible()
    # the contents are open and navigable without a script
    tab.locator("nav.sidebar a[href='part-1.html']").click()
    assert tab.url.endswith("/en/part-1.html")
    context.close()


def test_language_switcher_lands_on_the_same_section(page: Any, server: str) -> None:
    page.goto(urljoin(server, "en/financial-ppp-success.html"))
    page.locator("nav.languages a[hreflang='fr']").click()
    page.wait_for_url("**/fr/financial-ppp-success.html")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.locator("section#financial-ppp-success").count() == 1
    page.locator("nav.languages a[hreflang='ar']").click()
    page.wait_for_url("**/ar/financial-ppp-success.html")
    assert page.locator("html").get_attribute("dir") == "rtl"


# A phrase a reader might remember from section 3.2, in each language; the test
# first makes sure the edition really prints it there.
PHRASES = {"en": "rigidly embedded within financial institutions",
           "fr": "ancrés de manière rigide dans les institutions financières"}


def _phrase(lang: str) -> str:
    from pipeline.build import Project
    from pipeline.editions import edition_for
    from pipeline.model import Paragraph, plain_text

    edition, _report = edition_for(Project.at(ROOT), lang)
    section = next(s for s in edition.book.sections() if s.number == "3.2")
    text = " ".join(plain_text(b.children) for b in section.blocks if isinstance(b, Paragraph))
    assert PHRASES[lang] in text, f"section 3.2 no longer says '{PHRASES[lang]}' in {lang}: update PHRASES"
    return PHRASES[lang]


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_search_finds_section_3_2_first_and_highlights_the_words(page: Any, server: str, lang: str) -> None:
    phrase = _phrase(lang)
    page.goto(urljoin(server, f"{lang}/index.html"))
    page.locator("#search-q").fill(phrase)
    page.locator("#search-q").press("Enter")
    page.wait_for_url(f"**/{lang}/search.html?q=*")
    first = page.locator("#search-results li a").first
    first.wait_for()
    assert first.get_attribute("href").startswith("financial-ppp-success.html?highlight="), phrase
    first.click()
    page.wait_for_url(f"**/{lang}/financial-ppp-success.html?highlight=*")
    marks = page.locator("main article mark")
    assert marks.count() >= len([w for w in phrase.split() if len(w) > 1])


def _axe(page: Any) -> list[dict[str, Any]]:
    assert AXE.is_file(), "axe-core is missing: `make test` installs it (npm, into .vendor/)"
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("""() => axe.run(document, {runOnly: {type: 'tag',
        values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}})""")
    return [{"id": v["id"], "nodes": [n["target"] for n in v["nodes"]][:5]} for v in result["violations"]]


@pytest.mark.parametrize("lang", LANGS)
def test_axe_finds_no_wcag_a_or_aa_violation(page: Any, server: str, lang: str) -> None:
    for name in ("index", "financial-ppp-success", "part-2", "icon-table"):
        page.goto(urljoin(server, f"{lang}/{name}.html"))
        assert _axe(page) == [], f"{lang}/{name}.html"


def test_keyboard_reaches_the_skip_link_contents_search_and_languages(page: Any, server: str) -> None:
    page.goto(urljoin(server, "en/financial-ppp-success.html"))
    reached: list[str] = []
    for _ in range(40):
        page.keyboard.press("Tab")
        reached.append(page.evaluate("""() => { const e = document.activeElement;
            return (e.closest('nav.sidebar') ? 'contents' : e.closest('nav.languages') ? 'languages'
                  : e.id === 'search-q' ? 'search' : e.classList.contains('skip-link') ? 'skip' : e.tagName); }"""))
    assert reached[0] == "skip"
    assert {"search", "languages", "contents"} <= set(reached)
    # the skip link moves focus to the content
    page.goto(urljoin(server, "en/financial-ppp-success.html"))
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    # search by keyboard
    page.locator("#search-q").focus()
    page.keyboard.type("leadership")
    page.keyboard.press("Enter")
    page.wait_for_url("**/en/search.html?q=leadership")


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_section_page_fits_every_width_and_is_photographed(browser: Any, server: str, lang: str) -> None:
    PROOF.mkdir(parents=True, exist_ok=True)
    for width in (320, 390, 1280):
        context = browser.new_context(viewport={"width": width, "height": 900})
        tab = context.new_page()
        tab.goto(urljoin(server, f"{lang}/financial-ppp-success.html"))
        tab.evaluate("document.fonts.ready")
        overflow = tab.evaluate("""() => {
            const width = document.documentElement.clientWidth;
            const scrolls = e => { for (let a = e.parentElement; a; a = a.parentElement) {
                const s = getComputedStyle(a); if (s.overflowX !== 'visible' && a !== document.body
                    && a !== document.documentElement) return true; } return false; };
            const out = [];
            if (document.documentElement.scrollWidth > width) out.push('page ' + document.documentElement.scrollWidth);
            for (const e of document.querySelectorAll('body *')) {
                const r = e.getBoundingClientRect();
                if (r.width === 0 || r.height === 0 || scrolls(e)
                    || e.closest('.visually-hidden, .skip-link')) continue;
                if (r.right > width + 1 || r.left < -1)
                    out.push(e.tagName + '.' + e.className + ' ' + r.left + '..' + r.right);
            }
            return out.slice(0, 10); }""")
        assert overflow == [], f"{lang} at {width}px"
        if width != 320:
            tab.screenshot(path=str(PROOF / f"{lang}-financial-ppp-success-{width}.png"), full_page=False)
        context.close()
    for width in (390, 1280):
        assert (PROOF / f"{lang}-financial-ppp-success-{width}.png").stat().st_size > 10_000


def test_root_page_sends_the_reader_to_their_language_or_lets_them_choose(browser: Any, server: str) -> None:
    context = browser.new_context(locale="fr-FR")
    tab = context.new_page()
    tab.goto(server)
    tab.wait_for_url("**/fr/index.html")
    context.close()
    # without a script: the list of languages, each in its own language
    context = browser.new_context(java_script_enabled=False, locale="fr-FR")
    tab = context.new_page()
    tab.goto(server)
    assert tab.url == server
    links = tab.locator("main a")
    assert [links.nth(i).get_attribute("href") for i in range(links.count())] == [f"{lang}/index.html"
                                                                                  for lang in LANGS]
    assert tab.locator("a[hreflang='ar']").get_attribute("lang") == "ar"
    context.close()


def test_printed_page_has_the_text_and_no_navigation(page: Any, server: str) -> None:
    page.goto(urljoin(server, "en/financial-ppp-success.html"))
    page.emulate_media(media="print")
    for selector in (".site-header", "nav.sidebar", "nav.pager", "nav.breadcrumbs"):
        assert not page.locator(selector).is_visible(), selector
    assert page.locator("main article h1").is_visible()
    assert page.locator("main article aside.box").first.is_visible()


def test_shared_files_are_the_same_whichever_language_writes_them(tmp_path: Path) -> None:
    """Every language's task writes the root page, sitemap and assets: they must not differ."""
    from pipeline.build import Project
    from pipeline.editions import edition_for
    from pipeline.render.web import render_site

    project = Project.at(copy_project(tmp_path / "p", list(LANGS)), build=tmp_path / "build")
    shared = []
    for lang in ("en", "ar"):
        files, _copies = render_site(project, edition_for(project, lang)[0], [])
        shared.append({rel: data for rel, data in files.items() if not rel.startswith(f"{lang}/")})
    assert shared[0].keys() == shared[1].keys() and "index.html" in shared[0]
    assert [rel for rel in shared[0] if shared[0][rel] != shared[1][rel]] == []
