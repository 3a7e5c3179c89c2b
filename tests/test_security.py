"""The security boundary: one test per kind of reference the pipeline refuses.

- raw HTML (script, img, link, iframe, style, event attributes...) in the
  source and in a translation, and links other than http(s) (javascript:,
  data:, file:...), Markdown images, paths that leave the project;
- files outside the source folder: a book.yml entry climbing out or
  absolute, a section that is a symlink out of the tree, an icon svg path
  climbing out of the theme;
- rendering is sealed: the URL fetcher serves only files under the theme and
  source folders, and refuses any other file, data: URLs and the network,
  even when a template or stylesheet asks for them (a local server counts
  the requests that reach it: none may);
- the EPUB carries only what its documents reference;
- YAML never constructs objects; no archive is ever extracted.

Each test breaks a known-good fixture one way and asserts the refusal (the
message, and where it points) and, where something could have leaked, that
nothing did. The known-good fixtures pass (tests/test_bad_input.py checks
the minibook; `test_the_sealed_fixture_builds` the project built here).
"""

from __future__ import annotations

import http.server
import os
import re
import shutil
import subprocess
import sys
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote

import polib
import pytest
from lxml import etree

from pipeline.errors import PipelineError, SourceError
from pipeline.i18n.apply import check_entry, translate_book
from pipeline.load import load_book
from pipeline.text_units import book_units, theme_units
from pipeline.theme import load_theme

ROOT = Path(__file__).resolve().parent.parent
MINIBOOK = Path(__file__).resolve().parent / "fixtures" / "minibook"
SECTION = "part-1/1-1.md"
PARAGRAPH = "Governments convene."  # line 21 of the minibook's part-1/1-1.md
PARAGRAPH_LINE = 21


# ----------------------------------------------------------------- helpers


def minibook(tmp_path: Path) -> Path:
    source = tmp_path / "minibook"
    shutil.copytree(MINIBOOK, source)
    return source


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"stale test: {old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def load_error(source: Path) -> SourceError:
    with pytest.raises(SourceError) as info:
        load_book(source)
    return info.value


def errors_of(source: Path) -> list[str]:
    """Every error `compendium check` would print for this source (load error or findings)."""
    from pipeline.checks import run_checks

    try:
        book = load_book(source)
    except SourceError as exc:
        return [f"{exc.loc}: {exc.message}"]
    return [f"{f.loc}: {f.message}" for f in run_checks(book) if f.severity == "error"]


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), NO_COLOR="1")
    return subprocess.run([sys.executable, "-m", "pipeline.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def test_the_minibook_is_clean(tmp_path: Path) -> None:
    """The starting point of every source test below: no error at all."""
    assert errors_of(minibook(tmp_path)) == []


# ------------------------------------------------------ raw HTML in the source

HTML_KINDS = {
    "script": "<script>alert(1)</script>",
    "img": "Text <img src=x onerror=alert(1)> here.",
    "link": 'Text <link rel="stylesheet" href="https://evil.example/x.css"> here.',
    "iframe": '<iframe src="https://evil.example/"></iframe>',
    "style": "<style>body { display: none }</style>",
    "event-attribute": 'Text <b onclick="alert(1)">bold</b> here.',
    "event-attribute-unquoted": "Text <span onmouseover=alert(1)>x</span> here.",
    "anchor": '<a href="https://evil.example/">a link</a> here.',
    "object": '<object data="x.swf"></object>',
    "svg-onload": "Text <svg onload=alert(1)></svg> here.",
    "meta-refresh": '<meta http-equiv="refresh" content="0;url=https://evil.example/">',
    "base": 'Text <base href="https://evil.example/"> here.',
    "comment": "Text <!-- hidden --> here.",
}


@pytest.mark.parametrize("kind", HTML_KINDS)
def test_raw_html_in_the_source_is_refused(tmp_path: Path, kind: str) -> None:
    source = minibook(tmp_path)
    replace_in(source / SECTION, PARAGRAPH, HTML_KINDS[kind])
    error = load_error(source)
    assert "raw HTML is not allowed in the source" in error.message
    assert str(error.loc) == f"minibook/{SECTION}:{PARAGRAPH_LINE}"


def test_raw_html_in_a_box_title_is_refused(tmp_path: Path) -> None:
    source = minibook(tmp_path)
    replace_in(source / SECTION, 'title="Working Together"', 'title="Working <script>x</script>"')
    assert errors_of(source) == [f"minibook/{SECTION}:14: raw HTML is not allowed in the source: '<script>'"]


def test_escaped_html_is_text_and_is_printed_as_text(tmp_path: Path) -> None:
    """The other half of the refusal: markup written as entities is text, and the
    renderer escapes it (it never reaches the HTML WeasyPrint reads as markup)."""
    from pipeline.render.pdf import book_html

    source = minibook(tmp_path)
    replace_in(source / SECTION, PARAGRAPH, "Text &lt;script&gt;alert(1)&lt;/script&gt; here.")
    book = load_book(source)
    theme = load_theme(ROOT / "themes" / "default")
    html = book_html(book, theme, "screen", dict(theme.strings))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script" not in html.lower()


# ------------------------------------------------------ links and images in the source

REFUSED_SCHEMES = {
    "javascript": ("[x](javascript:alert(1))", "'javascript:' links are not allowed"),
    "javascript-mixed-case": ("[x](JaVaScRiPt:alert(1))", "'javascript:' links are not allowed"),
    "javascript-autolink": ("<javascript:alert(1)>", "'javascript:' links are not allowed"),
    "javascript-angle-target": ("[x](<javascript:alert(1)>)", "'javascript:' links are not allowed"),
    "data": ("[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)", "'data:' links are not allowed"),
    "file": ("[x](file:///etc/passwd)", "'file:' links are not allowed"),
    "vbscript": ("[x](vbscript:msgbox(1))", "'vbscript:' links are not allowed"),
}


@pytest.mark.parametrize("kind", REFUSED_SCHEMES)
def test_links_other_than_http_are_refused(tmp_path: Path, kind: str) -> None:
    markdown, message = REFUSED_SCHEMES[kind]
    source = minibook(tmp_path)
    replace_in(source / SECTION, PARAGRAPH, f"Governments {markdown} convene.")
    errors = errors_of(source)
    assert any(message in e and e.startswith(f"minibook/{SECTION}:{PARAGRAPH_LINE}:") for e in errors), errors


@pytest.mark.parametrize("target", ["https://evil.example/pixel.png", "../../etc/passwd", "/etc/passwd",
                                    "file:///etc/passwd", "icons/tips.svg"])
def test_markdown_images_are_refused(tmp_path: Path, target: str) -> None:
    source = minibook(tmp_path)
    replace_in(source / SECTION, PARAGRAPH, f"Governments ![a picture]({target}) convene.")
    error = load_error(source)
    assert "images are not part of the Compendium's text" in error.message
    assert str(error.loc) == f"minibook/{SECTION}:{PARAGRAPH_LINE}"


@pytest.mark.parametrize("target", ["../../etc/passwd", "/etc/passwd", "../../../../../../etc/passwd",
                                    "part-1/1-2.md", "%2e%2e/%2e%2e/etc/passwd"])
def test_links_to_local_paths_are_refused(tmp_path: Path, target: str) -> None:
    """A link is an http(s) address or a cross-reference [](#id): no file path, in or
    out of the project, can be linked (so none can climb out of it)."""
    source = minibook(tmp_path)
    replace_in(source / SECTION, PARAGRAPH, f"Governments [convene]({target}).")
    errors = errors_of(source)
    assert any(e.startswith(f"minibook/{SECTION}:{PARAGRAPH_LINE}:") and "malformed link" in e
               and "expected http:// or https://" in e for e in errors), errors


# ------------------------------------------------------ files outside the source folder


@pytest.mark.parametrize("entry", ["../../etc/passwd", "/etc/passwd", "part-1/../../outside.md"])
def test_a_book_yml_entry_outside_the_source_folder_is_refused(tmp_path: Path, entry: str) -> None:
    source = minibook(tmp_path)
    (tmp_path / "outside.md").write_text((source / "back" / "conclusion.md").read_text())
    replace_in(source / "book.yml", "    - back/conclusion.md\n", f"    - {entry}\n")
    error = load_error(source)
    assert error.message == f"'{entry}' points outside the source folder"
    assert str(error.loc) == "minibook/book.yml:19"


def test_a_section_that_is_a_symlink_out_of_the_tree_is_refused(tmp_path: Path) -> None:
    source = minibook(tmp_path)
    outside = tmp_path / "outside.md"
    section = source / "back" / "conclusion.md"
    outside.write_text(section.read_text())  # a valid section: only where it lives is wrong
    section.unlink()
    section.symlink_to(outside)
    error = load_error(source)
    assert error.message == "'back/conclusion.md' points outside the source folder"
    assert str(error.loc) == "minibook/book.yml:19"


def test_a_folder_that_is_a_symlink_out_of_the_tree_is_refused(tmp_path: Path) -> None:
    source = minibook(tmp_path)
    shutil.move(source / "part-1", tmp_path / "elsewhere")
    (source / "part-1").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    error = load_error(source)
    assert "points outside the source folder" in error.message and "part-1/" in error.message


def test_a_symlink_to_a_system_file_is_refused_and_not_read(tmp_path: Path) -> None:
    source = minibook(tmp_path)
    section = source / "back" / "conclusion.md"
    section.unlink()
    section.symlink_to("/etc/passwd")
    error = load_error(source)
    assert error.message == "'back/conclusion.md' points outside the source folder"
    assert "root:" not in str(error)  # nothing of the file is quoted


@pytest.mark.parametrize("svg", ["../../../etc/passwd", "/etc/passwd", "../icons/tips.svg", "icons/../../x.svg"])
def test_an_icon_path_out_of_the_theme_is_refused(tmp_path: Path, svg: str) -> None:
    source = minibook(tmp_path)
    replace_in(source / "icons.yml", "svg: tips.svg", f"svg: {svg}")
    error = load_error(source)
    assert f"icon 'tips': svg '{svg}' should be a file name like 'tips.svg'" in error.message
    assert str(error.loc) == "minibook/icons.yml:14"


# ------------------------------------------------------ translations


@pytest.fixture(scope="module")
def book_and_units() -> tuple[Any, dict[str, Any]]:
    book = load_book(MINIBOOK)
    strings = dict(load_theme(ROOT / "themes" / "default").strings)
    units = {u.ctx: u for u in list(book_units(book)) + list(theme_units(strings, "themes/default/strings.yml"))}
    return book, units


def _po(entries: dict[str, tuple[str, str]]) -> polib.POFile:
    po = polib.POFile()
    for _block_id, (msgid, msgstr) in entries.items():
        po.append(polib.POEntry(msgid=msgid, msgstr=msgstr))  # keyed by the English text, as gettext does
    po.fpath = "translations/fr.po"
    return po


TRANSLATED_HTML = {kind: markup.replace("Text", "Texte") for kind, markup in HTML_KINDS.items()}
TRANSLATED_LINKS = {
    "javascript": "[Les gouvernements](javascript:alert(1)) se réunissent.",
    "data": "[Les gouvernements](data:text/html,<b>x</b>) se réunissent.",
    "file": "[Les gouvernements](file:///etc/passwd) se réunissent.",
    "image": "Les gouvernements ![x](/etc/passwd) se réunissent.",
    "path-climbing-out": "Les gouvernements [se réunissent](../../etc/passwd).",
}


@pytest.mark.parametrize("kind", list(TRANSLATED_HTML) + list(TRANSLATED_LINKS))
def test_a_translation_is_refused_and_never_printed(book_and_units: tuple[Any, dict[str, Any]], kind: str) -> None:
    """Raw HTML and refused links in a msgstr: an error naming the PO file and the
    message, and a translated edition keeps the English text instead."""
    book, units = book_and_units
    bad = TRANSLATED_HTML.get(kind) or TRANSLATED_LINKS[kind]
    po = _po({"first-section.p9": (PARAGRAPH, bad)})
    findings = check_entry(units["first-section.p9"], po[0], po)
    assert findings and all(f.severity == "error" for f in findings), findings
    assert str(findings[0].loc).startswith("translations/fr.po")
    assert f'"{PARAGRAPH}"' in findings[0].message  # names the message by its English
    assert re.search(r"raw HTML|links are not allowed|images are not|link targets differ", findings[0].message)

    translated, _, report = translate_book(book, {}, po, "fr")
    assert [(f.ctx, f.reason) for f in report.fallbacks if f.ctx == "first-section.p9"] == [
        ("first-section.p9", "invalid")]
    text = repr(translated)
    assert "evil.example" not in text and "alert(1)" not in text and "/etc/passwd" not in text


@pytest.mark.parametrize("markup", ["Table <b>des</b> matières", "<script>alert(1)</script>",
                                    '<img src="x">', "Table <!-- x --> des matières"])
def test_html_in_a_translated_theme_string_is_refused(book_and_units: tuple[Any, dict[str, Any]],
                                                      markup: str) -> None:
    _, units = book_and_units
    po = _po({"theme.Contents": ("Contents", markup)})
    findings = check_entry(units["theme.Contents"], po[0], po)
    assert [f.code for f in findings] == ["translation-html"], findings
    assert "raw HTML is not allowed in a translation" in findings[0].message


def test_plain_text_with_angle_brackets_in_a_theme_string_is_accepted(
        book_and_units: tuple[Any, dict[str, Any]]) -> None:
    """The check is about tags, not about the characters: 'a < b > c' is text."""
    _, units = book_and_units
    po = _po({"theme.Contents": ("Contents", "Sommaire (1 < 2 > 0)")})
    assert check_entry(units["theme.Contents"], po[0], po) == []


# ------------------------------------------------------ the sealed fetcher


@pytest.fixture()
def counting_server() -> Iterator[tuple[str, list[str]]]:
    """An HTTP server on 127.0.0.1 that records every request it receives."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            hits.append(self.path)
            body = b"body { background: red }"
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_HEAD = do_GET  # noqa: N815

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", hits
    finally:
        server.shutdown()
        server.server_close()


def test_the_counting_server_counts(counting_server: tuple[str, list[str]]) -> None:
    """The zero-hit assertions below mean something: a request does reach it."""
    import urllib.request

    base, hits = counting_server
    with urllib.request.urlopen(f"{base}/probe.css", timeout=5) as response:
        assert response.status == 200
    assert hits == ["/probe.css"]


@pytest.fixture()
def sealed(tmp_path: Path) -> tuple[Any, Path, Path]:
    from pipeline.render.fetcher import SealedFetcher

    theme = tmp_path / "project" / "themes" / "default"
    source = tmp_path / "project" / "source"
    theme.mkdir(parents=True)
    source.mkdir(parents=True)
    (theme / "print.css").write_text("p { color: black }")
    (tmp_path / "secret.txt").write_text("not for the PDF")
    return SealedFetcher([theme, source]), theme, tmp_path


def test_the_fetcher_serves_files_under_its_roots(sealed: tuple[Any, Path, Path]) -> None:
    fetcher, theme, _ = sealed
    response = fetcher.fetch((theme / "print.css").as_uri())
    assert response.read() == b"p { color: black }"
    assert fetcher.served == [(theme / "print.css").resolve()]


@pytest.mark.parametrize("how", ["absolute", "dot-dot", "percent-encoded-dot-dot", "system-file"])
def test_the_fetcher_refuses_files_outside_its_roots(sealed: tuple[Any, Path, Path], how: str) -> None:
    from pipeline.render.fetcher import RefusedResource

    fetcher, theme, tmp = sealed
    url = {
        "absolute": (tmp / "secret.txt").as_uri(),
        "dot-dot": theme.as_uri() + "/../../../secret.txt",
        "percent-encoded-dot-dot": theme.as_uri() + "/%2e%2e/%2e%2e/%2e%2e/secret.txt",
        "system-file": "file:///etc/hostname",
    }[how]
    with pytest.raises(RefusedResource, match=r"refused to read '.*(secret\.txt|hostname)'"):
        fetcher.fetch(url)
    assert fetcher.served == []


def test_the_fetcher_refuses_a_symlink_out_of_its_roots(sealed: tuple[Any, Path, Path]) -> None:
    from pipeline.render.fetcher import RefusedResource

    fetcher, theme, tmp = sealed
    (theme / "innocent.css").symlink_to(tmp / "secret.txt")
    with pytest.raises(RefusedResource, match="refused to read"):
        fetcher.fetch((theme / "innocent.css").as_uri())
    assert fetcher.served == []


@pytest.mark.parametrize("url", [
    "data:text/css,body%7Bcolor:red%7D",
    "data:image/svg+xml;base64,PHN2Zy8+",
    "ftp://127.0.0.1/x.css",
    "//evil.example/x.css",
])
def test_the_fetcher_refuses_other_schemes(sealed: tuple[Any, Path, Path], url: str) -> None:
    from pipeline.render.fetcher import RefusedResource

    fetcher, _, _ = sealed
    with pytest.raises(RefusedResource, match="refused to fetch"):
        fetcher.fetch(url)


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_the_fetcher_never_reaches_the_network(sealed: tuple[Any, Path, Path],
                                               counting_server: tuple[str, list[str]], scheme: str) -> None:
    from pipeline.render.fetcher import RefusedResource

    fetcher, _, _ = sealed
    base, hits = counting_server
    with pytest.raises(RefusedResource, match="rendering never reaches the network"):
        fetcher.fetch(base.replace("http", scheme, 1) + "/evil.css")
    with pytest.raises(RefusedResource):
        fetcher(base + "/evil.css")  # WeasyPrint calls the fetcher too
    assert hits == []


# ------------------------------------------------------ sealed rendering, end to end


@pytest.fixture(scope="module")
def sealed_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The minibook with a copy of the theme: the pristine project the builds below break."""
    root = tmp_path_factory.mktemp("sealed") / "project"
    shutil.copytree(MINIBOOK, root / "source")
    shutil.copytree(ROOT / "themes", root / "themes")
    return root


def project_copy(sealed_project: Path, tmp_path: Path) -> Path:
    root = tmp_path / "project"
    # Hard links keep the copy cheap; the tests replace, never edit, the files they change.
    shutil.copytree(sealed_project, root, copy_function=os.link, ignore=shutil.ignore_patterns("build"))
    return root


def rewrite(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"stale test: {old!r} not in {path.name}"
    path.unlink()  # (a hard link: do not write through to the pristine copy)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_the_sealed_fixture_builds(sealed_project: Path, tmp_path: Path) -> None:
    root = project_copy(sealed_project, tmp_path)
    proc = run_cli("build", "pdf", "--project", str(root), "-j", "1", cwd=root)
    assert proc.returncode == 0, proc.stderr
    assert (root / "build" / "en" / "compendium.pdf").is_file()


TEMPLATE_ANCHOR = '<link rel="stylesheet" href="print.css" />'


@pytest.mark.parametrize("kind", ["file", "system-file", "http", "https", "data", "style-url-outside"])
def test_a_template_cannot_pull_in_what_the_fetcher_refuses(sealed_project: Path, tmp_path: Path,
                                                            counting_server: tuple[str, list[str]],
                                                            kind: str) -> None:
    base, hits = counting_server
    root = project_copy(sealed_project, tmp_path)
    secret = tmp_path / "secret.css"
    secret.write_text("body { color: red }")
    # (a refused file is named from the folder the command ran in: cwd=root)
    shown_secret = os.path.relpath(secret.resolve(), root.resolve())
    tag, named = {
        "file": (f'<link rel="stylesheet" href="{secret.as_uri()}" />', shown_secret),
        "system-file": ('<link rel="stylesheet" href="file:///etc/hostname" />', "/etc/hostname"),
        "http": (f'<link rel="stylesheet" href="{base}/evil.css" />', f"{base}/evil.css"),
        "https": (f'<link rel="stylesheet" href="{base.replace("http", "https")}/evil.css" />', "https://127.0.0.1"),
        "data": ('<link rel="stylesheet" href="data:text/css,body%7Bcolor:red%7D" />', "data:text/css"),
        "style-url-outside": ('<link rel="stylesheet" href="print.css" /><style>body { background: url("../../../'
                        'secret.css") }</style>', shown_secret),
    }[kind]
    template = root / "themes" / "default" / "templates" / "book.html.j2"
    rewrite(template, TEMPLATE_ANCHOR, tag + "\n" + TEMPLATE_ANCHOR)
    proc = run_cli("build", "pdf", "--project", str(root), "-j", "1", cwd=root)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert re.search(r"refused to (read|fetch) '" + re.escape(named), proc.stderr), proc.stderr
    assert hits == []
    assert not (root / "build" / "en" / "compendium.pdf").exists()


@pytest.mark.parametrize("kind", ["import-http", "import-file", "font-http", "background-outside"])
def test_a_stylesheet_cannot_pull_in_what_the_fetcher_refuses(sealed_project: Path, tmp_path: Path,
                                                              counting_server: tuple[str, list[str]],
                                                              kind: str) -> None:
    base, hits = counting_server
    root = project_copy(sealed_project, tmp_path)
    css = {
        "import-http": f'@import url("{base}/evil.css");\n',
        "import-file": '@import url("file:///etc/hostname");\n',
        "font-http": f'@font-face {{ font-family: "Evil"; src: url("{base}/evil.woff2"); }}\n'
                     'body { font-family: "Evil", sans-serif; }\n',
        "background-outside": 'body { background-image: url("../../../../../../../etc/hostname"); }\n',
    }[kind]
    sheet = root / "themes" / "default" / "print.css"
    text = sheet.read_text(encoding="utf-8")
    sheet.unlink()
    sheet.write_text(css + text if kind.startswith("import") else text + css, encoding="utf-8")
    proc = run_cli("build", "pdf", "--project", str(root), "-j", "1", cwd=root)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert re.search(r"refused to (read|fetch) '(http://127\.0\.0\.1|/etc/hostname)", proc.stderr), proc.stderr
    assert hits == []


def test_an_icon_that_is_a_symlink_out_of_the_theme_is_refused(sealed_project: Path, tmp_path: Path) -> None:
    root = project_copy(sealed_project, tmp_path)
    icon = root / "themes" / "default" / "icons" / "tips.svg"
    outside = tmp_path / "outside.svg"
    outside.write_bytes(icon.read_bytes())  # a valid SVG: only where it lives is wrong
    icon.unlink()
    icon.symlink_to(outside)
    # the PDF: the fetcher refuses it, whatever asks for it
    pdf = run_cli("build", "pdf", "--project", str(root), "-j", "1", cwd=root)
    assert pdf.returncode == 1 and "Traceback" not in pdf.stderr
    # (named from the folder the command ran in: cwd=root)
    assert f"refused to read '{os.path.relpath(outside.resolve(), root.resolve())}'" in pdf.stderr, pdf.stderr
    # the EPUB: it packages icons through Theme.path, which refuses it too
    with pytest.raises(PipelineError, match=r"'themes/default/icons/tips\.svg' leads outside the theme folder"):
        load_theme(root / "themes" / "default").path("icons/tips.svg")


def test_a_pdf_attachment_cannot_carry_a_file_out(sealed_project: Path, tmp_path: Path) -> None:
    """WeasyPrint embeds `<link rel=attachment>` files in the PDF: through the sealed
    fetcher, so a file outside the roots cannot be smuggled into an edition."""
    root = project_copy(sealed_project, tmp_path)
    secret = tmp_path / "secret.txt"
    secret.write_text("the secret")
    template = root / "themes" / "default" / "templates" / "book.html.j2"
    rewrite(template, TEMPLATE_ANCHOR, f'<link rel="attachment" href="{secret.as_uri()}" />\n' + TEMPLATE_ANCHOR)
    proc = run_cli("build", "pdf", "--project", str(root), "-j", "1", cwd=root)
    pdf = root / "build" / "en" / "compendium.pdf"
    assert proc.returncode == 1, proc.stderr
    assert f"refused to read '{os.path.relpath(secret.resolve(), root.resolve())}'" in proc.stderr, proc.stderr
    assert not pdf.exists() or b"the secret" not in pdf.read_bytes()


# ------------------------------------------------------ the EPUB carries what it references

OPF_NS = {"opf": "http://www.idpf.org/2007/opf"}
_CSS_URL = re.compile(r"""url\(\s*["']?([^"')]+)["']?\s*\)""")


@pytest.fixture(scope="module")
def built_epub(sealed_project: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("epub") / "project"
    shutil.copytree(sealed_project, root, copy_function=os.link, ignore=shutil.ignore_patterns("build"))
    proc = run_cli("build", "epub", "--project", str(root), "-j", "1", cwd=root)
    assert proc.returncode == 0, proc.stderr
    return root / "build" / "en" / "compendium.epub"


def _package(epub: Path) -> tuple[dict[str, bytes], str, dict[str, dict[str, str]]]:
    with zipfile.ZipFile(epub) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    container = etree.fromstring(files["META-INF/container.xml"])
    opf = container.find(".//{*}rootfile").get("full-path")
    package = etree.fromstring(files[opf])
    base = str(PurePosixPath(opf).parent)
    items = {f"{base}/{item.get('href')}": dict(item.attrib) for item in package.iterfind(".//opf:item", OPF_NS)}
    return files, opf, items


def _references(name: str, data: bytes) -> set[str]:
    """The package files a document or stylesheet points to (local references only)."""
    refs: set[str] = set()
    if name.endswith(".css"):
        targets = _CSS_URL.findall(data.decode("utf-8"))
    elif name.endswith((".xhtml", ".ncx")):
        tree = etree.fromstring(data)
        targets = [el.get(attr) for el in tree.iter() if isinstance(el.tag, str)
                   for attr in ("href", "src") if el.get(attr)]
    else:
        return refs
    for target in targets:
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I) or target.startswith("#"):
            continue
        path = PurePosixPath(name).parent / unquote(target.split("#")[0])
        parts: list[str] = []
        for part in path.parts:
            if part == "..":
                parts.pop()
            elif part != ".":
                parts.append(part)
        refs.add("/".join(parts))
    return refs


def test_the_epub_holds_only_its_manifest(built_epub: Path) -> None:
    files, opf, items = _package(built_epub)
    assert set(files) == {"mimetype", "META-INF/container.xml", opf} | set(items)


def test_every_file_of_the_epub_is_referenced(built_epub: Path) -> None:
    files, opf, items = _package(built_epub)
    package = etree.fromstring(files[opf])
    spine = {item["id"] for item in items.values()} & {ref.get("idref") for ref in package.iterfind(".//opf:itemref",
                                                                                                    OPF_NS)}
    referenced = {name for name, item in items.items() if item["id"] in spine}
    referenced |= {name for name, item in items.items() if "nav" in item.get("properties", "")
                   or "cover-image" in item.get("properties", "") or name.endswith(".ncx")}
    for name in list(files):
        referenced |= _references(name, files[name])
    unreferenced = sorted(set(items) - referenced)
    assert not unreferenced, f"packaged but referenced by nothing: {unreferenced}"
    dangling = sorted(ref for name in files for ref in _references(name, files[name]) if ref not in items)
    assert not dangling, f"referenced but not packaged: {dangling}"


def test_the_english_epub_embeds_only_the_latin_fonts(built_epub: Path) -> None:
    _, _, items = _package(built_epub)
    fonts = sorted(PurePosixPath(name).name for name in items if "/fonts/" in name)
    assert fonts == ["NotoSans-Bold.ttf", "NotoSans-BoldItalic.ttf", "NotoSans-Italic.ttf", "NotoSans-Regular.ttf"]
    theme_files = {p.name for p in (ROOT / "themes" / "default").rglob("*") if p.is_file()}
    packaged = {PurePosixPath(name).name for name in items}
    # Of the theme's own files, only the EPUB stylesheet, the icons and those fonts travel.
    assert packaged & theme_files <= {"epub.css", *fonts, *(p.name for p in (ROOT / "themes/default/icons").glob("*"))}
    assert not any(n.endswith((".j2", ".yml")) or n in ("print.css", "print-edition.css") for n in packaged)


def test_an_icon_the_book_does_not_use_is_not_packaged(sealed_project: Path, tmp_path: Path) -> None:
    root = project_copy(sealed_project, tmp_path)
    rewrite(root / "source" / "book.yml", "    - icon-table\n", "")
    rewrite(root / "source" / SECTION, "::: lessons-learnt {#ll-working-together}\nTrust takes time.\n:::\n", "")
    proc = run_cli("build", "epub", "--project", str(root), "-j", "1", cwd=root)
    assert proc.returncode == 0, proc.stderr
    _, _, items = _package(root / "build" / "en" / "compendium.epub")
    assert "EPUB/icons/lessons-learnt.svg" not in items


# ------------------------------------------------------ YAML and archives

PYTHON_TAGS = [
    '!!python/object/apply:os.system ["touch {marker}"]',
    "!!python/object/apply:subprocess.check_output [[touch, {marker}]]",
    '!!python/object/new:os.system ["touch {marker}"]',
    "!!python/name:os.system",
]


@pytest.mark.parametrize("tag", PYTHON_TAGS)
@pytest.mark.parametrize("where", ["front-matter", "book.yml", "icons.yml", "sectors.yml"])
def test_yaml_in_the_source_constructs_no_object(tmp_path: Path, tag: str, where: str) -> None:
    marker = tmp_path / "pwned"
    value = tag.format(marker=marker)
    source = minibook(tmp_path)
    file, old, new, line = {
        "front-matter": (SECTION, "title: The First Section", f"title: {value}", 4),
        "book.yml": ("book.yml", "title: Mini Compendium", f"title: {value}", 3),
        "icons.yml": ("icons.yml", "label: TIPS", f"label: {value}", 12),
        "sectors.yml": ("sectors.yml", "title: Public-Private Partnerships", f"title: {value}", 2),
    }[where]
    replace_in(source / file, old, new)
    error = load_error(source)
    assert "invalid YAML" in error.message and "python/" in error.message
    assert str(error.loc) == f"minibook/{file}:{line}"
    assert not marker.exists()


@pytest.mark.parametrize("file", ["theme.yml", "strings.yml"])
def test_yaml_in_the_theme_constructs_no_object(tmp_path: Path, file: str) -> None:
    marker = tmp_path / "pwned"
    theme = tmp_path / "themes" / "default"
    shutil.copytree(ROOT / "themes" / "default", theme, ignore=shutil.ignore_patterns("fonts"))
    (theme / "fonts").mkdir()
    (theme / "fonts" / "fonts.css").write_text("")
    (theme / file).write_text(f'footnotes: !!python/object/apply:os.system ["touch {marker}"]\n')
    with pytest.raises(PipelineError) as info:
        load_theme(theme)
    assert "python/object" in info.value.message and str(info.value.loc) == f"themes/default/{file}:1"
    assert not marker.exists()


def test_yaml_in_the_termbase_constructs_no_object(tmp_path: Path) -> None:
    from pipeline.i18n.termbase import load_terms

    marker = tmp_path / "pwned"
    (tmp_path / "translations" / "terms").mkdir(parents=True)
    (tmp_path / "translations" / "terms" / "fr.yml").write_text(
        f'- en: !!python/object/apply:os.system ["touch {marker}"]\n  approved: [x]\n')
    with pytest.raises(PipelineError) as info:
        load_terms(tmp_path, "fr")
    assert "python/object" in info.value.message and str(info.value.loc) == "translations/terms/fr.yml:1"
    assert not marker.exists()


def test_the_command_line_refuses_a_python_tag_and_runs_nothing(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    source = minibook(tmp_path)
    replace_in(source / SECTION, "title: The First Section",
               f'title: !!python/object/apply:os.system ["touch {marker}"]')
    proc = run_cli("check", "--source", str(source), cwd=tmp_path)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert f"minibook/{SECTION}:4: error: invalid YAML" in proc.stderr
    assert not marker.exists()


def _code() -> list[tuple[str, str]]:
    files = sorted((ROOT / "pipeline").rglob("*.py"))
    return [(str(p.relative_to(ROOT)), p.read_text(encoding="utf-8")) for p in files]


def test_the_pipeline_loads_yaml_only_through_the_safe_loader() -> None:
    unsafe = re.compile(r"yaml\.(load|load_all|full_load|full_load_all|unsafe_load|unsafe_load_all)\(|"
                        r"yaml\.(Loader|FullLoader|UnsafeLoader|Constructor|UnsafeConstructor)\b")
    found = [f"{name}: {m.group(0)}" for name, text in _code() for m in unsafe.finditer(text)]
    assert not found, found


def test_the_pipeline_never_extracts_an_archive() -> None:
    """Archives are written (the EPUB), never unpacked: no path in an archive can
    land a file anywhere."""
    extracting = re.compile(r"\.extractall\(|\.extract\(|unpack_archive\(|\btarfile\b")
    found = [f"{name}: {m.group(0)}" for name, text in _code() for m in extracting.finditer(text)]
    assert not found, found


# ------------------------------------------------------- issue 21: sizes, paths, terminals


def test_a_flood_of_emphasis_is_refused_quickly_with_its_line(tmp_path: Path) -> None:
    """450,000 emphasis spans took 33 s and printed a 1.35 MB line; now one short located line.
    (The bound counts markers before the parser sees them: the refusal costs a scan, not a parse.)"""
    from click.testing import CliRunner

    from pipeline.cli import main

    source = minibook(tmp_path)
    replace_in(source / SECTION, PARAGRAPH, PARAGRAPH + "\n\n" + "*a* " * 450_000)
    result = CliRunner().invoke(main, ["check", "--source", str(source)])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and len(lines[0]) < 300, lines[:1]
    assert "more than 10,000 Markdown markers" in lines[0]
    assert f"{SECTION}:{PARAGRAPH_LINE + 2}:" in lines[0]


def test_a_huge_translated_message_is_refused_with_its_po_line(
        book_and_units: tuple[Any, dict[str, Any]]) -> None:
    book, units = book_and_units
    unit = next(u for u in units.values() if u.inlines is not None)
    po = polib.POFile()
    po.fpath = "translations/fr.po"
    entry = polib.POEntry(msgctxt=unit.ctx, msgid="Governments convene.", msgstr="a" * 200_001)
    entry.linenum = 40
    po.append(entry)
    findings = check_entry(unit, entry, po)
    assert [f.code for f in findings] == ["translation-invalid"]
    assert str(findings[0].loc) == "translations/fr.po:40"
    assert "at most 100,000 are accepted" in findings[0].message
    assert len(str(findings[0])) < 400


def test_paths_in_messages_are_relative_to_the_working_folder(tmp_path: Path) -> None:
    """Run from inside the book, the path printed opens from there (not from the project)."""
    source = minibook(tmp_path)
    replace_in(source / SECTION, "id: first-section", "id: contents")
    result = run_cli("check", "--source", "..", cwd=source / "part-1")
    assert result.returncode == 1
    assert result.stderr.startswith("1-1.md:2: error: id 'contents' is reserved"), result.stderr


@pytest.mark.parametrize("hostile", [
    "\x1b]52;c;Y3VybCBldmlsIHwgc2g=\x07",  # OSC 52: writes the clipboard
    "\x1bP+q544e\x1b\\",  # DCS
    "\x9b2J\x9d0;title\x9c",  # 8-bit CSI and OSC
    "\x1b[2J\x1b[H",  # CSI
    "a\u2028b\rc\x08",  # a second line, a carriage return, a backspace
])
def test_terminal_output_never_carries_a_control_sequence(hostile: str) -> None:
    from pipeline.errors import Finding, terminal_safe
    from pipeline.model import Loc

    shown = [
        terminal_safe(f"id '{hostile}'"),
        str(PipelineError(f"id '{hostile}'", Loc(f"part-1/{hostile}.md", 3))),
        str(Finding("error", "x", f"link '{hostile}'", Loc("a.md", 1))),
    ]
    for line in shown:
        assert not re.search(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]", line), repr(line)
        assert "\\x" in line or "\\u" in line or "\\r" in line  # escaped, so the reader sees it


def test_the_live_progress_table_prints_an_error_that_looks_like_markup() -> None:
    """An error quoting '[/x]' or '[^ii]' is text: rich must not take it for markup (a MarkupError traceback)."""
    from pipeline.scheduler import LiveProgress, Outcome, Task

    progress = LiveProgress()
    task = Task("en", "pdf")
    try:
        progress.plan([task], [task])
        progress.start(task)
        progress.note("a note quoting [/x] and [^ii]")
        progress.finish(Outcome(task, "failed", error="footnote '[^ii]' and [/closing] [bold]tag"))
    finally:
        progress.close()
