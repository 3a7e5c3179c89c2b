"""Property-based tests: whatever comes in ends in a model or in a clear error.

A bounded run is part of `make test`; `make fuzz` runs the same properties
much longer (HYPOTHESIS_PROFILE=fuzz).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.errors import PipelineError, SourceError
from pipeline.i18n.catalog import read_po
from pipeline.i18n.inline import to_markdown
from pipeline.load import load_book
from pipeline.markdown import BlockContext, parse_blocks, parse_inline
from pipeline.model import Loc

from .conftest import ROOT

settings.register_profile("default", max_examples=60, deadline=None,
                          suppress_health_check=[HealthCheck.function_scoped_fixture])
settings.register_profile("fuzz", max_examples=5000, deadline=None,
                          suppress_health_check=[HealthCheck.function_scoped_fixture])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

MINIBOOK = ROOT / "tests" / "fixtures" / "minibook"
ICONS = ("more-info", "practical-info", "tips", "lessons-learnt", "promising-practice")

# Markdown-ish text: the characters that make syntax, plus ordinary words.
SYNTAX = st.sampled_from([
    ":::", "::::", " tips", " {#a-b}", ' {#x title="T"}', "{", "}", "#", "## ", "### ", "- ", "1. ", "* ", "**",
    "_", "[", "]", "(", ")", "[^i]", "[^x]", "(#a)", "(https://example.org/x)", "<https://a.org>", "<b>",
    "</b>", "<script>", "|", " | ", "---", "\n", "\n\n", "\t", "    ", "`", "\\", "Table: Cap {#tbl-x}",
    "words", "see section 1.4", "é", "\u202e", "\x00", "\ufeff",
])
MARKDOWN = st.lists(st.one_of(SYNTAX, st.text(max_size=8)), max_size=40).map("".join)


def _ctx() -> BlockContext:
    return BlockContext("fuzz.md", 1, "fuzz", lambda name: name in ICONS, ", ".join(ICONS))


@given(MARKDOWN)
def test_markdown_parses_to_blocks_or_a_clear_error(text: str) -> None:
    try:
        parse_blocks(text, _ctx())
    except SourceError as exc:
        assert exc.loc is not None and exc.loc.file == "fuzz.md"
        assert "\n" not in exc.message


@given(MARKDOWN)
def test_inline_markdown_round_trips(text: str) -> None:
    """The normalised message of any text is stable: writing it, reading it and writing it again gives it back."""
    try:
        nodes = parse_inline(text, Loc("fuzz.md", 1))
    except SourceError:
        return
    message = to_markdown(nodes)
    assert to_markdown(parse_inline(message, Loc("fuzz.md", 1))) == message


@given(body=MARKDOWN, front=st.sampled_from([
    "id: sec-a\ntitle: A\nsectors: [general]\n",
    "id: sec-a\ntitle: A\nsectors: general\n",
    "id: sec-a\ntitle: [A]\nsectors: [general]\n",
    "id: 'sec a'\ntitle: A\nsectors: [general]\n",
    "id: sec-a\n\ttitle: A\n",
    "id: sec-a\nid: sec-b\ntitle: A\nsectors: [general]\n",
    "!!python/object:os.system\n",
    "a: &x [*x]\n",
    "",
]))
def test_loader_gives_a_model_or_a_clear_error(tmp_path_factory: pytest.TempPathFactory, body: str, front: str) -> None:
    root = tmp_path_factory.mktemp("fuzz")
    shutil.copytree(MINIBOOK, root / "source")
    section = sorted((root / "source").rglob("*.md"))[-1]
    section.write_text(f"---\n{front}---\n{body}\n", encoding="utf-8")
    try:
        load_book(root / "source")
    except SourceError as exc:
        assert exc.loc is not None
        assert exc.loc.file.startswith("source/"), exc.loc


PO_PIECES = st.sampled_from([
    'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n',
    'msgctxt "a"\n', 'msgid "x"\n', 'msgstr "y"\n', 'msgstr ""\n', '"continued"\n', '#, fuzzy\n', '#~ msgid "old"\n',
    '#| msgid "prev"\n', 'msgid "unterminated\n', '"\\x"\n', "\n", 'msgid_plural "xs"\n', 'msgstr[0] "a"\n',
    '"Content-Type: text/plain; charset=latin-1\\n"\n', "\ufeff", "\xff",
])


@given(st.lists(st.one_of(PO_PIECES, st.text(max_size=6)), max_size=30).map("".join))
def test_po_import_gives_a_catalog_or_a_clear_error(tmp_path_factory: pytest.TempPathFactory, text: str) -> None:
    path = tmp_path_factory.mktemp("po") / "xx.po"
    path.write_bytes(text.encode("utf-8", errors="surrogatepass"))
    try:
        read_po(path)
    except PipelineError as exc:
        assert exc.loc is not None and exc.loc.file == str(path)
        assert "\n" not in exc.message


def test_the_minibook_itself_loads() -> None:
    assert load_book(MINIBOOK).parts


def test_fuzz_fixture_exists() -> None:
    assert isinstance(MINIBOOK, Path) and (MINIBOOK / "book.yml").is_file()
