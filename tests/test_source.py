"""The source is the whole Compendium: fidelity to the seed, and its structure."""

from __future__ import annotations

import re
import unicodedata

import pytest

from pipeline.checks import run_checks
from pipeline.model import (
    Book,
    Box,
    Emph,
    Link,
    SoftBreak,
    Strong,
    Table,
    Text,
    XRef,
    block_inlines,
    walk_blocks,
)
from pipeline.transforms.resolve import build_index, label

from .conftest import ROOT, SEEDS

# ----------------------------------------------------------------- helpers

_SUPERSCRIPTS = "ⁱⁿ⁰¹²³⁴⁵⁶⁷⁸⁹"
_ROMAN = re.compile(r"^[ivxl]+$")
_ROMAN_TAIL = re.compile(r"[ivxl]+$")


def words(text: str) -> list[str]:
    """Lower-case words with quotes, dashes and markup flattened."""
    text = "".join(c for c in text if c not in _SUPERSCRIPTS)
    text = unicodedata.normalize("NFKC", text).lower()
    text = re.sub(r"\^\{[^}]*\}", " ", text)
    text = re.sub(r"[‘’`´]", "'", text)
    text = re.sub(r"[“”]", '"', text)
    return re.findall(r"[a-z0-9]+", text)


def model_text(book: Book) -> list[str]:
    """Every word a reader of the model sees, in reading order."""
    index = build_index(book)
    out: list[str] = []

    def run(nodes) -> None:  # type: ignore[no-untyped-def]
        for node in nodes:
            if isinstance(node, Text):
                out.append(node.text)
            elif isinstance(node, SoftBreak):
                out.append(" ")
            elif isinstance(node, Emph | Strong | Link):
                run(node.children)
            elif isinstance(node, XRef):
                if node.children:
                    run(node.children)
                else:
                    out.append(" " + label(index[node.target]) + " ")
            out.append("")
        out.append(" ")

    meta = book.meta
    out += [meta.title, " ", meta.subtitle, " ", meta.publisher, " ", meta.publisher_unit, " ",
            meta.address, " "]
    for icon in book.icons.values():
        out += [icon.label, " ", icon.description, " "]
    for section in book.sections():
        out += [section.title, " "]
        for block in walk_blocks(section.blocks):
            for _loc, inlines in block_inlines(block):
                run(inlines)
    for note in book.footnotes:
        run(note.children)
    return words("".join(out))


FURNITURE = re.compile(
    r"^(part|contents|footnotes|key conclusions & recommendations|more info|practical info|tips|"
    r"lessons learnt|promising practice( \d+)?|tips:.*|[a-z &,'-]*\t\d+)$",
    re.I,
)


def seed_sentences() -> list[str]:
    text = (SEEDS / "compendium-extract.txt").read_text(encoding="utf-8")
    lines = text.split("\n")
    running_heads = {
        "UNDERSTANDING PUBLIC-PRIVATE PARTNERSHIPS TO PREVENT AND COUNTER TRAFFICKING IN PERSONS",
        "PPPs AND SUPPLY CHAINS",
        "PPPs AND THE FINANCIAL SECTOR",
        "PPPs AND THE TECHNOLOGY SECTOR",
    }
    sentences: list[str] = []
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if number <= 41:  # the cover and the printed contents page
            if number not in (3, 5):
                continue
        if not line or line in running_heads or FURNITURE.match(line):
            continue
        if re.fullmatch(r"[\d\s]+", line) or re.match(r"^\d\.\d\. .*\t\d*$", raw):
            continue
        line = re.sub(r"^[a-z]\) ", "", line)  # sub-heading letters: generated
        line = re.sub(r"^\d\.\d\.? ", "", line)  # section numbers: generated
        line = re.sub(r"^- (\*\*)?\d+\.(\*\*)? ", "- ", line)  # ordered list numbers: Markdown
        line = re.sub(r"^- (\|\s*)?([ivxlI|]+\s*\|?\s)", "- ", line) if number > 1668 else line
        for cell in line.split("\t"):
            for sentence in re.split(r"(?<=[.!?])\s+(?=[A-Z(])", cell):
                if len(words(sentence)) >= 3:
                    sentences.append(sentence)
    return sentences


def flat(text: str) -> str:
    """Text with whitespace collapsed and quotes unified: how repairs are matched."""
    text = re.sub(r"[‘’`´]", "'", text)
    return " ".join(text.split())


def repaired_fragments() -> list[str]:
    """The `was` texts of source/EDITORIAL.md: seed text the editors changed."""
    text = (ROOT / "source" / "EDITORIAL.md").read_text(encoding="utf-8")
    return [flat(m) for m in re.findall(r"^- was: «(.*)»$", text, re.M)]


def is_repaired(sentence: str, repairs: list[str]) -> bool:
    s = flat(sentence)
    # (a repair of one or two stray characters says nothing about a sentence)
    return any(r in s or (len(s) > 12 and s in r) for r in repairs if len(r) > 3)


def _contains(hay: str, needle: list[str]) -> bool:
    return f" {' '.join(needle)} " in hay


def _strip_markers(sentence: list[str], vocab: set[str]) -> list[str]:
    """Drop footnote markers: roman numerals alone or glued to a word's end."""
    out = []
    for w in sentence:
        if _ROMAN.match(w) and w not in ("i",):
            continue
        if w not in vocab:
            stripped = _ROMAN_TAIL.sub("", w)
            if stripped and stripped in vocab:
                w = stripped
        out.append(w)
    return out


# ------------------------------------------------------------------- tests


def test_fidelity_to_the_seed(book: Book) -> None:
    """At least 99.5% of the seed's body sentences are in the model, word for word."""
    model_words = model_text(book)
    vocab = set(model_words)
    hay = " " + " ".join(w for w in model_words if not _ROMAN.match(w) or w == "i") + " "
    repairs = repaired_fragments()
    missing: list[str] = []
    excepted = total = 0
    for sentence in seed_sentences():
        sw = words(sentence)
        if is_repaired(sentence, repairs):
            excepted += 1
            continue
        total += 1
        if not _contains(hay, _strip_markers(sw, vocab)):
            missing.append(sentence)
    covered = 1 - len(missing) / total
    print(f"\nfidelity: {total - len(missing)}/{total} seed sentences present ({covered:.2%}); "
          f"{excepted} excepted as recorded repairs")
    for sentence in missing:
        print("  MISSING:", sentence[:150])
    assert total > 1000, "the seed was not read"
    assert covered >= 0.995


def test_four_parts_and_their_sections(book: Book) -> None:
    assert [p.number for p in book.parts] == ["1", "2", "3", "4"]
    numbers = [s.number for p in book.parts for s in p.sections]
    assert numbers == ["1.1", "1.2", "1.3", "1.4", "1.5", "2.1", "2.2", "2.3",
                       "3.1", "3.2", "3.3", "4.1", "4.2", "4.3"]
    front = [s.id for s in book.front]
    assert front == ["acknowledgements", "introduction", "ppp-project", "how-to-use", "selected-keywords"]
    assert [s.id for s in book.back] == ["conclusion"]


def test_38_promising_practices_numbered_with_title_and_sector(book: Book) -> None:
    practices = [box for _s, box in book.practices()]
    assert [p.number for p in practices] == list(range(1, 39))
    for practice in practices:
        assert practice.title, practice.id
        assert practice.sector in book.sectors
    by_sector = {}
    for p in practices:
        by_sector.setdefault(p.sector, []).append(p.number)
    assert by_sector == {
        "general": [1, 2, 3],
        "supply-chains": list(range(4, 13)),
        "financial": list(range(13, 24)),
        "technology": list(range(24, 39)),
    }
    titles = {p.number: "".join(getattr(n, "text", "") for n in p.title) for p in practices}
    assert titles[13] == "The Fintel Alliance"
    assert titles[14] == "Project Protect"


def test_89_footnotes_each_referenced_once(book: Book) -> None:
    from pipeline.model import FootnoteRef, walk_inlines

    labels = [n.label for n in book.footnotes]
    assert len(labels) == 89
    assert labels[0] == "i" and labels[-1] == "lxxxix" and "lvi" in labels and "lx" in labels
    cited = []
    for section in book.sections():
        for block in walk_blocks(section.blocks):
            for _loc, run in block_inlines(block):
                cited += [n.label for n in walk_inlines(run) if isinstance(n, FootnoteRef)]
    assert sorted(cited) == sorted(labels)
    # cited in the original's reading order
    assert cited == labels


def test_five_icon_types(book: Book) -> None:
    assert list(book.icons) == ["more-info", "practical-info", "tips", "lessons-learnt", "promising-practice"]
    for icon in book.icons.values():
        assert (ROOT / "themes" / "default" / "icons" / icon.svg).is_file()
        assert icon.description.startswith("This icon")


def test_every_tips_and_lessons_learnt_box_of_the_seed_is_present(book: Book) -> None:
    seed = (SEEDS / "compendium-extract.txt").read_text(encoding="utf-8")
    tips_titles = {t.strip() for t in re.findall(r"^TIPS: (.+)$", seed, re.M)}
    boxes = [box for _s, box in book.boxes()]
    model_tips = {" ".join(words("".join(getattr(n, "text", "") for n in b.title)))
                  for b in boxes if b.kind == "tips"}
    for title in tips_titles:
        assert " ".join(words(title)) in model_tips, f"TIPS box '{title}' missing"
    seed_lessons = len(re.findall(r"^LESSONS LEARNT$", seed, re.M)) - 1  # minus the Icon Table's
    model_lessons = sum(1 for b in boxes if b.kind == "lessons-learnt")
    assert model_lessons >= seed_lessons


def test_tables_are_real_tables(book: Book) -> None:
    tables = {}
    for section in book.sections():
        for block in walk_blocks(section.blocks):
            if isinstance(block, Table):
                tables[block.id] = block
    assert {"tbl-ppp-stakeholders", "tbl-ppp-roles", "tbl-ppp-models", "tbl-benefits-risks"} <= set(tables)
    stakeholders = tables["tbl-ppp-stakeholders"]
    first_col = [" ".join(words("".join(getattr(n, "text", "") for n in row[0].children)))
                 for row in stakeholders.rows]
    assert "national law enforcement agencies" in first_col


def test_special_boxes_are_typed(book: Book) -> None:
    boxes = {box.id: box for _s, box in book.boxes()}
    assert boxes["model-mou"].kind == "practical-info"
    assert boxes["due-diligence-box"].kind == "more-info"
    assert any(b.kind == "more-info" and "case law" in " ".join(words(
        "".join(getattr(n, "text", "") for n in b.title))) for b in boxes.values())


def test_check_finds_no_errors_on_the_real_book(book: Book) -> None:
    findings = run_checks(book)
    errors = [str(f) for f in findings if f.severity == "error"]
    assert errors == []


def source_markdown(book: Book) -> list:  # type: ignore[type-arg]
    """The Markdown files the book is made of (not the editors' README or log)."""
    return [ROOT / f for f in book.files if f.endswith(".md")]


def test_no_presentation_in_the_source(book: Book) -> None:
    assert len(source_markdown(book)) >= 24
    for path in source_markdown(book):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"<[a-zA-Z/][^>]*>", re.sub(r"<https?://[^>]+>", "", text)), path
        assert "style=" not in text and "class=" not in text, path


@pytest.mark.parametrize("phrase", ["see section 1.4", "Promising Practice 15", "see Part 3"])
def test_cross_references_are_links_not_text(book: Book, phrase: str) -> None:
    findings = run_checks(book)
    assert not [f for f in findings if f.code == "xref-plain-text"]
    hay = " ".join(model_text(book))
    # the words survive only as generated labels of links, never as typed text in the source
    for path in source_markdown(book):
        assert phrase.lower() not in path.read_text(encoding="utf-8").lower(), path
    assert hay


def test_check_json_summary(book: Book) -> None:
    import json
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "pipeline.cli", "check", "--format", "json",
                           "--source", str(ROOT / "source")], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    summary = data["summary"]
    assert data["errors"] == 0
    assert summary["promising_practices"] == 38
    assert summary["footnotes"] == 89
    assert summary["parts"] == 4 and summary["sections"] == 14
    assert summary["boxes"]["tips"] >= 30
    assert summary["external_links"] > 60 and summary["internal_links"] > 5


def test_box_ids_are_unique_and_present(book: Book) -> None:
    ids = [box.id for _s, box in book.boxes()]
    assert len(ids) == len(set(ids))
    assert all(isinstance(b, Box) for _s, b in book.boxes())
