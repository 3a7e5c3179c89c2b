"""book.yml and the factsheet files against their one schema (pipeline/schema.py).

The catalogue (tests/bad_input/cases.yml) holds one case per kind of error
through the command line; these tests hold what the catalogue cannot: that
every reader of book.yml goes through the schema and gives the same answer."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pipeline.errors import SourceError
from pipeline.load import load_book, read_book_header
from pipeline.model import Book
from pipeline.project import Project
from pipeline.schema import BOOK, FACTSHEET
from pipeline.text_units import book_units
from pipeline.yamlfile import parse_yaml

from .conftest import ROOT

MINIBOOK = Path(__file__).resolve().parent / "fixtures" / "minibook"


def test_every_key_the_shipped_files_write_is_declared() -> None:
    """(Unknown keys are refused: a key the source uses must be in the schema.)"""
    book = parse_yaml((ROOT / "source" / "book.yml").read_text(encoding="utf-8"), "book.yml")
    assert set(book) <= set(BOOK.keys)
    for path in sorted((ROOT / "source" / "factsheets").glob("*.yml")):
        assert set(parse_yaml(path.read_text(encoding="utf-8"), path.name)) <= set(FACTSHEET.keys), path.name


def test_the_header_is_what_the_loader_reads(book: Book) -> None:
    header = Project.at(ROOT).book_header()
    assert header.title == book.meta.title
    assert header.language == book.meta.language == "en"
    assert header.languages == [language.code for language in book.meta.languages]


@pytest.mark.parametrize("old,new,words", [
    ("language: en\n", "language: en\nedition: 2\n", "book.yml: unknown key(s) edition"),
    ("languages:\n  - {code: en, name: English, status: source}\n", "languages: en\n",
     "book.yml: 'languages' should be a list of languages ({code, name, status}), got text 'en'"),
])
def test_the_header_and_the_loader_refuse_alike(tmp_path: Path, old: str, new: str, words: str) -> None:
    """The build reads book.yml's header before the book: the same located message either way."""
    source = tmp_path / "minibook"
    shutil.copytree(MINIBOOK, source)
    path = source / "book.yml"
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    errors = []
    for read in (read_book_header, load_book):
        with pytest.raises(SourceError) as caught:
            read(source)
        errors.append((caught.value.message, caught.value.loc))
    assert errors[0] == errors[1]
    message, loc = errors[0]
    assert message.startswith(words) and loc is not None and loc.file == "minibook/book.yml" and loc.line == 9


def test_book_strings_point_at_their_keys_lines(book: Book) -> None:
    """The PO files' `#:` references for book.yml's strings come from the loader, not a second reading."""
    lines = (ROOT / "source" / "book.yml").read_text(encoding="utf-8").split("\n")
    units = {unit.ctx: unit for unit in book_units(book) if unit.ctx.startswith("book.")}
    assert units["book.title"].loc.line and lines[units["book.title"].loc.line - 1].startswith("title:")
    assert lines[units["book.rights"].loc.line - 1].startswith("rights:")
    for n, keyword in enumerate(book.meta.keywords, start=1):
        assert lines[units[f"book.keywords.{n}"].loc.line - 1].strip() == f"- {keyword}"


def test_a_book_string_the_file_does_not_write_has_no_line() -> None:
    """The minibook writes no `author`: it defaults to the publisher, with no line of its own."""
    book = load_book(MINIBOOK)
    units = {unit.ctx: unit for unit in book_units(book)}
    assert units["book.author"].loc.line == 0
    assert units["book.publisher"].loc.line == 5
