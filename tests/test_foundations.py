"""The low modules every stage shares (issue 18): language facts and the one reader of text inputs."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.errors import PipelineError, SourceError
from pipeline.files import project_path, read_source
from pipeline.languages import (
    DEFAULT_QUOTES,
    RIGHT_TO_LEFT_CHARACTERS,
    direction,
    display_name,
    font_families,
    plural_forms,
    quotes_for,
    script,
)


@pytest.mark.parametrize(("lang", "expected"), [
    ("en", "ltr"), ("fr", "ltr"), ("ru", "ltr"), ("zh-Hans", "ltr"), ("ar", "rtl"), ("ar-EG", "rtl"),
    ("he", "rtl"), ("fa", "rtl"), ("arn", "ltr"), ("xx-unknown", "ltr"), ("", "ltr"),
])
def test_direction_comes_from_cldr(lang: str, expected: str) -> None:
    assert direction(lang) == expected


def test_script_and_fonts_follow_the_language() -> None:
    assert [script(lang) for lang in ("en", "ru", "ar", "zh", "zh-Hant", "ja")] == \
        ["Latn", "Cyrl", "Arab", "Hans", "Hant", "Jpan"]
    assert font_families("ur") == ["arabic", "latin"] and font_families("ko") == ["cjk", "latin"]
    assert font_families("he") == ["latin"]  # no Hebrew family in the theme: the Latin one, as before


def test_right_to_left_characters() -> None:
    assert RIGHT_TO_LEFT_CHARACTERS.search("UNODC \u0627\u0644\u0623\u0645\u0645")
    assert not RIGHT_TO_LEFT_CHARACTERS.search("UNODC, Vienna 1400")


def test_quotes_plural_forms_and_names() -> None:
    declared = {"fr": ["\u00ab", "\u00bb", "\u201c", "\u201d"], "zh": ["\u201c", "\u201d", "\u2018", "\u2019"]}
    assert quotes_for("fr", declared).open == "\u00ab"
    assert quotes_for("zh-Hans", declared).close == "\u201d"  # falls back to the base language
    assert quotes_for("de", declared) == DEFAULT_QUOTES
    assert plural_forms("fr") == "nplurals=2; plural=(n > 1);"
    assert plural_forms("zh-Hans") == "nplurals=1; plural=0;"
    assert plural_forms("de") == "nplurals=2; plural=(n != 1);"
    with pytest.raises(PipelineError, match="unknown language 'qq-zz-9'"):
        plural_forms("qq-zz-9")
    assert display_name("fr", "en") == "French" and display_name("qq-zz-9", "en", "qq") == "qq"


def _refused(tmp_path: Path, data: bytes, **kwargs: object) -> SourceError:
    path = tmp_path / "x.yml"
    path.write_bytes(data)
    with pytest.raises(SourceError) as caught:
        read_source(path, "source/x.yml", **kwargs)  # type: ignore[arg-type]
    return caught.value


def test_the_reader_refuses_what_is_not_plain_utf8_with_its_line(tmp_path: Path) -> None:
    bom = _refused(tmp_path, b"\xef\xbb\xbfa: 1\n")
    assert "byte order mark" in bom.message and str(bom.loc) == "source/x.yml:1"
    latin1 = _refused(tmp_path, b"a: 1\nb: caf\xe9\n", advice="PO files must be UTF-8")
    assert latin1.message == "not valid UTF-8 (byte 0xe9); PO files must be UTF-8" and latin1.loc.line == 2
    nul = _refused(tmp_path, b"a: 1\n\nb\x00\n")
    assert "NUL" in nul.message and nul.loc.line == 3
    big = _refused(tmp_path, b"a" * 3000, limit=2048, kind="a factsheet file")
    assert big.message == "file is 2 KB; a factsheet file may be at most 2 KB"


def test_the_reader_gives_lf_line_ends(tmp_path: Path) -> None:
    path = tmp_path / "x.md"
    path.write_bytes(b"one\r\ntwo\rthree\n")
    assert read_source(path, "x.md") == "one\ntwo\nthree\n"


def test_project_path_names_a_file_from_the_project(tmp_path: Path) -> None:
    root = tmp_path / "project"
    (root / "source").mkdir(parents=True)
    (tmp_path / "link").symlink_to(root, target_is_directory=True)
    assert project_path(root / "source" / "book.yml", root) == "source/book.yml"
    assert project_path(tmp_path / "link" / "source" / "book.yml", root) == "source/book.yml"  # via a symlink
    assert project_path(tmp_path / "elsewhere.yml", root) == str(tmp_path / "elsewhere.yml")
