"""The EPUB's embedded fonts: subset to the edition's characters, every glyph
the text needs present, small, reproducible, and still carrying the OFL notices.

Every language of book.yml is rendered (without the print page map: the page
list adds only its page numbers, digits the check covers as list markers) and
opened as a zip; the check reads the fonts, the stylesheets and the XHTML from
the package, not from the pipeline's own lists."""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont
from lxml import etree

from pipeline.build import Project, ensure_page_map
from pipeline.editions import edition_for, languages
from pipeline.load import load_book
from pipeline.render.epub import render_epub
from pipeline.render.subset import subset_font

from .conftest import ROOT

H = "{http://www.w3.org/1999/xhtml}"
FONTS = ROOT / "themes" / "default" / "fonts"
MB = 1_000_000


@pytest.fixture(scope="module")
def epubs(shipped: Path) -> dict[str, bytes]:
    """Every language's EPUB, as bytes: the session's shared build."""
    book = load_book(ROOT / "source")
    return {lang: (shipped / "build" / lang / "compendium.epub").read_bytes() for lang in languages(book)}


def _cmap(data: bytes) -> set[int]:
    return set(TTFont(io.BytesIO(data), lazy=True).getBestCmap())


def font_stack(package: dict[str, bytes]) -> list[tuple[str, list[str]]]:
    """The body's font families in order, each with its font files, as the
    package's edition.css declares them."""
    css = package["EPUB/css/edition.css"].decode()
    faces: dict[str, list[str]] = {}
    for rule in re.findall(r"@font-face\s*{([^}]*)}", css):
        family = re.search(r'font-family:\s*"([^"]+)"', rule).group(1)  # type: ignore[union-attr]
        src = re.search(r'src:\s*url\("\.\./([^"]+)"\)', rule).group(1)  # type: ignore[union-attr]
        faces.setdefault(family, []).append("EPUB/" + src)
    stack = re.search(r"body\s*{\s*font-family:\s*([^;]+);", css).group(1)  # type: ignore[union-attr]
    families = [name.strip().strip('"') for name in stack.split(",")]
    return [(family, faces[family]) for family in families if family in faces]


def shown_text(package: dict[str, bytes]) -> dict[str, str]:
    """Every character a reader can see, with the first document showing it:
    the XHTML text and alt text, upper-cased too (labels styled with
    text-transform), and the markers of the lists the documents hold."""
    where: dict[str, str] = {}
    for name, data in sorted(package.items()):
        if not name.endswith(".xhtml"):
            continue
        root = etree.fromstring(data)
        body = root.find(f"{H}body")
        text = "".join(body.itertext()) + "".join(el.get("alt") for el in body.iter(f"{H}img") if el.get("alt"))
        if body.find(f".//{H}ol") is not None:
            text += "0123456789."
        if body.find(f".//{H}ul") is not None:
            text += "\u2022"
        for ch in text + text.upper():
            where.setdefault(ch, name)
    return where


def missing_glyphs(package: dict[str, bytes]) -> list[str]:
    """Each shown character the font that renders it lacks in the package.

    The font that renders a character is the first family of the body's stack
    whose whole font (the theme's file) has it: a reading system falls back
    character by character. Every face of that family (regular, bold, italic)
    must have it in its subset, since any of them may set it."""
    stack = font_stack(package)
    original = {family: _cmap((FONTS / Path(files[0]).name).read_bytes()) for family, files in stack}
    subsets = {file: _cmap(package[file]) for _family, files in stack for file in files}
    problems: list[str] = []
    for ch, doc in sorted(shown_text(package).items()):
        if unicodedata.category(ch) in ("Cc", "Cf"):  # line breaks; invisible format controls
            continue
        family = next((family for family, _files in stack if ord(ch) in original[family]), None)
        if family is None:
            problems.append(f"U+{ord(ch):04X} {ch!r} ({doc}): in none of the theme's fonts")
            continue
        for file in dict(stack)[family]:
            if ord(ch) not in subsets[file]:
                problems.append(f"U+{ord(ch):04X} {ch!r} ({doc}): missing from {file} ({family})")
    return problems


def test_every_shown_character_has_its_glyph(epubs: dict[str, bytes]) -> None:
    for lang, data in epubs.items():
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            package = {name: z.read(name) for name in z.namelist()}
        assert font_stack(package), lang
        assert missing_glyphs(package) == [], lang


def test_the_check_finds_a_missing_glyph(epubs: dict[str, bytes]) -> None:
    """The same check on a package whose regular face lost the letter 'e'."""
    with zipfile.ZipFile(io.BytesIO(epubs["en"])) as z:
        package = {name: z.read(name) for name in z.namelist()}
    regular = "EPUB/fonts/NotoSans-Regular.ttf"
    package[regular] = subset_font(package[regular], frozenset(_cmap(package[regular]) - {ord("e")}))
    assert [p for p in missing_glyphs(package) if "'e'" in p] == [
        f"U+0065 'e' ({next(n for n in sorted(package) if n.endswith('.xhtml'))}): missing from {regular} "
        "(Compendium Sans)"]


def test_fonts_are_subsets_stored_once(epubs: dict[str, bytes]) -> None:
    for lang, data in epubs.items():
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = z.namelist()
            fonts = [n for n in names if n.startswith("EPUB/fonts/")]
            assert len(fonts) == len(set(fonts)), lang
            for name in fonts:
                whole = TTFont(FONTS / Path(name).name, lazy=True)
                part = TTFont(io.BytesIO(z.read(name)), lazy=True)
                assert part["maxp"].numGlyphs < whole["maxp"].numGlyphs / 4, (lang, name)


def test_sizes(epubs: dict[str, bytes]) -> None:
    assert len(epubs["en"]) < 500_000
    assert len(epubs["zh-Hans"]) < 3 * MB
    assert all(len(data) < 3 * MB for data in epubs.values()), {k: len(v) for k, v in epubs.items()}


def test_subsets_keep_the_copyright_and_licence(epubs: dict[str, bytes]) -> None:
    """SIL OFL 1.1, condition 2: each copy carries the copyright notice and the
    licence (here in the name table, IDs 0, 13 and 14, as in the whole font)."""
    with zipfile.ZipFile(io.BytesIO(epubs["zh-Hans"])) as z:
        fonts = [n for n in z.namelist() if n.startswith("EPUB/fonts/")]
        assert any("CJK" in n for n in fonts)
        for name in fonts:
            whole = TTFont(FONTS / Path(name).name, lazy=True)["name"]
            part = TTFont(io.BytesIO(z.read(name)), lazy=True)["name"]
            for name_id in (0, 1, 13, 14):
                assert part.getDebugName(name_id) == whole.getDebugName(name_id), (name, name_id)
            assert "Open Font License" in part.getDebugName(13)


def test_subsets_are_reproducible(epubs: dict[str, bytes], shipped: Path) -> None:
    """Same font, same characters: same bytes (no timestamp, no hash order)."""
    project = Project.at(shipped)
    edition, _report = edition_for(project, "zh-Hans")
    # rendered again here, with the shared build's page map (current: nothing is laid out),
    # in another process than that build: the bytes it wrote
    assert render_epub(edition, ensure_page_map(project, edition)) == epubs["zh-Hans"]
    whole = (FONTS / "NotoSans-Regular.ttf").read_bytes()
    chars = frozenset(map(ord, "Trafficking in persons 2021"))
    first = subset_font(whole, chars)
    assert subset_font(whole, chars) == first
    assert TTFont(io.BytesIO(first))["head"].modified == TTFont(io.BytesIO(whole))["head"].modified
    assert set(TTFont(io.BytesIO(first)).getBestCmap()) == chars
