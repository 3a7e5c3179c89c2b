"""Every script laid out right: language spans, bidi isolation, CJK, quotes,
hyphenation, and a PDF text layer that reads back whole (issue 14)."""

from __future__ import annotations

import copy

import polib
import pytest

from pipeline.errors import SourceError
from pipeline.i18n.apply import check_entry
from pipeline.i18n.inline import placeholders, to_markdown
from pipeline.i18n.units import Unit
from pipeline.markdown import parse_inline
from pipeline.model import Book, Loc, Paragraph, Span, Text, walk_blocks
from pipeline.render.html import HtmlWriter
from pipeline.theme import load_theme

from .conftest import ROOT

# --------------------------------------------------------------------------
# Language spans: [text]{lang=en}
# --------------------------------------------------------------------------


def test_a_language_span_is_read_into_the_model_and_round_trips() -> None:
    markdown = "Voir le [Global Report on *Trafficking*]{lang=en}[^i] et [ici](#introduction)."
    nodes = parse_inline(markdown, Loc("x.md", 4))
    span = nodes[1]
    assert isinstance(span, Span) and span.lang == "en" and span.loc == Loc("x.md", 4)
    assert to_markdown(nodes) == markdown
    assert parse_inline(to_markdown(nodes), Loc("x.md", 4)) == nodes


@pytest.mark.parametrize("bad, message", [
    ("[Report]{lang=en class=x}", "a span may only carry a language"),
    ("[Report]{.title}", "a span may only carry a language"),
    ("[Report]{#id lang=en}", "a span may only carry a language"),
    ("[Report]{onclick=x lang=en}", "a span may only carry a language"),
    ("[Report]{}", "a span needs its language"),
    ("[Report]{lang=\"e n\"}", "is not a language tag"),
    ("[Report]{lang=en", "cannot read the attributes of the span"),
])
def test_a_span_with_other_attributes_is_a_located_error(bad: str, message: str) -> None:
    with pytest.raises(SourceError) as info:
        parse_inline(f"The {bad} of 2020", Loc("source/x.md", 12))
    assert message in info.value.message
    assert str(info.value.loc) == "source/x.md:12"


def _entry(msgid: str, msgstr: str) -> tuple[polib.POEntry, polib.POFile]:
    po = polib.POFile()
    po.fpath = "translations/fr.po"
    entry = polib.POEntry(msgctxt="x.p1", msgid=msgid, msgstr=msgstr, linenum=40)
    po.append(entry)
    return entry, po


def test_translation_checks_accept_a_span_the_source_does_not_have() -> None:
    source = "As the UNODC Global Report on Trafficking in Persons 2020[^i] confirms."
    unit = Unit("x.p1", parse_inline(source, Loc("source/x.md", 3)), "", Loc("source/x.md", 3), "front")
    entry, po = _entry(source, "Comme le confirme le [Global Report on Trafficking in Persons 2020]{lang=en}[^i].")
    assert check_entry(unit, entry, po) == []
    # the span hides nothing: a footnote dropped inside it is still found
    entry, po = _entry(source, "Comme le confirme le [Global Report 2020]{lang=en}.")
    assert [f.code for f in check_entry(unit, entry, po)] == ["translation-footnotes"]
    # an attribute other than lang is an error at the PO file's line
    entry, po = _entry(source, "Le [Global Report]{lang=en style=x}[^i].")
    findings = check_entry(unit, entry, po)
    assert [f.code for f in findings] == ["translation-invalid"]
    assert str(findings[0].loc) == "translations/fr.po:40" and "only carry a language" in findings[0].message
    assert placeholders(parse_inline("[a [b](https://x.org)]{lang=en}", Loc("x")))["links"] == ["https://x.org"]


def _first_paragraph(book: Book) -> Paragraph:
    return next(b for s in book.sections() for b in walk_blocks(s.blocks) if isinstance(b, Paragraph))


@pytest.mark.parametrize("edition, expected", [
    ("ar", '<span lang="en" dir="ltr">\u2066Global Report\u2069</span>'),
    ("fr", '<span lang="en">Global Report</span>'),
])
def test_a_span_renders_with_its_language_and_isolated_direction(
        book: Book, edition: str, expected: str) -> None:
    translated = copy.deepcopy(book)
    translated.meta.language = edition
    paragraph = _first_paragraph(translated)
    paragraph.children = [Text("قبل "), Span("en", [Text("Global Report")], paragraph.loc), Text(".")]
    strings = load_theme(ROOT / "themes" / "default").strings
    html = HtmlWriter(translated, strings).block(paragraph)
    assert expected in html
