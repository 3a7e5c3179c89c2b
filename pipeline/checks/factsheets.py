"""Factsheets name what they print by id: every id must exist and belong to the sector.

A box belongs to the sectors of the section it stands in; a promising
practice to its `sector` attribute. A factsheet prints tips and lessons
learnt only (the practices have their own list), each id once.
"""

from __future__ import annotations

from ..errors import Finding
from ..model import Book, Box, Factsheet, ListBlock, Section, plain_text, walk_blocks

BOX_KINDS = ("tips", "lessons-learnt")
# A summary is one or two sentences; longer text belongs in the Compendium.
SUMMARY_MAX_CHARS = 420


def check(book: Book) -> list[Finding]:
    """The factsheets the loader put on the book (the `run_checks` module interface)."""
    return check_factsheets(book, book.factsheets)


def check_factsheets(book: Book, factsheets: dict[str, Factsheet]) -> list[Finding]:
    out: list[Finding] = []
    boxes: dict[str, tuple[Section, Box]] = {box.id: (section, box) for section, box in book.boxes()}
    sections = {section.id: section for section in book.sections()}
    known = ", ".join(s.id for s in book.sectors.values() if s.factsheet) or "none"

    for sid, sheet in factsheets.items():
        sector = book.sectors.get(sid)
        if sector is None:
            out.append(Finding("error", "factsheet-sector",
                               f"factsheet for unknown sector '{sid}' (the file's name is the "
                               f"sector's id; sectors with a factsheet: {known})", sheet.loc))
            continue
        if not sector.factsheet:
            out.append(Finding("error", "factsheet-sector",
                               f"sector '{sid}' has factsheet: false in sectors.yml, but this "
                               "file declares a factsheet for it", sheet.loc))

        lists = [sheet.boxes, *sheet.boxes_by_language.values()]
        for lang in sheet.boxes_by_language:
            if lang not in {language.code for language in book.meta.languages}:
                out.append(Finding("warning", "factsheet-language",
                                   f"languages: '{lang}' is not a language of book.yml", sheet.loc))
        for refs in lists:
            seen: dict[str, int] = {}
            for ref in refs:
                if ref.id in seen:
                    out.append(Finding("error", "factsheet-duplicate",
                                       f"box '{ref.id}' is listed twice (also line {seen[ref.id]})", ref.loc))
                    continue
                seen[ref.id] = ref.loc.line
                found = boxes.get(ref.id)
                if found is None:
                    out.append(Finding("error", "factsheet-unknown-id",
                                       f"no box with id '{ref.id}' in the book", ref.loc))
                    continue
                section, box = found
                if box.kind not in BOX_KINDS:
                    what = "a promising practice (list it under practices)" \
                        if box.kind == "promising-practice" else f"a '{box.kind}' box"
                    out.append(Finding("error", "factsheet-box-kind",
                                       f"box '{ref.id}' is {what}; a factsheet's boxes are tips "
                                       "and lessons learnt", ref.loc))
                elif sid not in section.sectors:
                    out.append(Finding("error", "factsheet-other-sector",
                                       f"box '{ref.id}' belongs to {_sectors(section.sectors)} "
                                       f"(section {section.number or section.id}), not to '{sid}'",
                                       ref.loc))

        seen = {}
        for practice in sheet.practices:
            if practice.id in seen:
                out.append(Finding("error", "factsheet-duplicate",
                                   f"practice '{practice.id}' is listed twice (also line "
                                   f"{seen[practice.id]})", practice.loc))
                continue
            seen[practice.id] = practice.loc.line
            found = boxes.get(practice.id)
            if found is None:
                out.append(Finding("error", "factsheet-unknown-id",
                                   f"no promising practice with id '{practice.id}' in the book",
                                   practice.loc))
                continue
            box = found[1]
            if box.kind != "promising-practice":
                out.append(Finding("error", "factsheet-box-kind",
                                   f"'{practice.id}' is a '{box.kind}' box, not a promising "
                                   "practice (list it under boxes)", practice.loc))
            elif box.sector != sid:
                out.append(Finding("error", "factsheet-other-sector",
                                   f"practice '{practice.id}' (Promising Practice {box.number}) "
                                   f"belongs to sector '{box.sector}', not to '{sid}'", practice.loc))
            length = len(plain_text(practice.summary))
            if length > SUMMARY_MAX_CHARS:
                out.append(Finding("warning", "factsheet-summary-long",
                                   f"summary of '{practice.id}' is {length} characters; a factsheet "
                                   f"summary is one or two sentences (at most {SUMMARY_MAX_CHARS})",
                                   practice.loc))

        ref = sheet.resources
        if ref is not None:
            section = sections.get(ref.id)
            if section is None:
                out.append(Finding("error", "factsheet-unknown-id",
                                   f"no section with id '{ref.id}' (resources names the section "
                                   "whose list is printed)", ref.loc))
            elif sid not in section.sectors:
                out.append(Finding("error", "factsheet-other-sector",
                                   f"section '{ref.id}' belongs to {_sectors(section.sectors)}, "
                                   f"not to '{sid}'", ref.loc))
            elif not any(isinstance(b, ListBlock) for b in walk_blocks(section.blocks)):
                out.append(Finding("error", "factsheet-resources",
                                   f"section '{ref.id}' has no list of resources", ref.loc))
    return out


def _sectors(ids: list[str]) -> str:
    return "sector " + ", ".join(f"'{s}'" for s in ids) if len(ids) == 1 else \
        "sectors " + ", ".join(f"'{s}'" for s in ids)
