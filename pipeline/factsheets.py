"""What each sector's factsheet includes: source/factsheets/<sector>.yml.

A factsheet is declared, not coded. Its file names the sector (by its own
name), the page budget, the tips and lessons-learnt boxes and the promising
practices to print (by id), the one- or two-sentence summary of each
practice (source text, inline Markdown, translated like any other) and the
section whose list is printed as the recommended resources:

    budget: 4
    boxes: [tips-sc-local-partners, ll-sc-procurement]
    practices:
      - id: pp-truckers-against-trafficking
        summary: >-
          Truckers Against Trafficking educates and mobilises ...
    resources: recommended-resources-2

The keys and their types are declared in schema.py (FACTSHEET). This
module only reads the files: anything it cannot make sense of is a
SourceError naming the file and line. Whether the ids exist and belong to the
sector is `checks/factsheets.py`'s business, so that `compendium check`
reports every wrong id at once.
"""

from __future__ import annotations

from pathlib import Path

from .errors import SourceError
from .files import project_path, read_source
from .markdown import parse_inline, refuse_footnotes
from .model import Book, Factsheet, FactsheetPractice, FactsheetRef, Loc
from .schema import FACTSHEET, validate
from .yamlfile import Where, parse_yaml_located

FOLDER = "factsheets"
MAX_FILE_BYTES = 256 * 1024


def load_factsheets(source_dir: Path, book: Book) -> dict[str, Factsheet]:
    """Every source/factsheets/*.yml, by sector id (the file's name), in name order.

    `book` is the book the files refer to; reading them needs nothing from it
    (whether their ids exist is `checks/factsheets.py`'s business).
    """
    source_dir = Path(source_dir).resolve()
    folder = source_dir / FOLDER
    if not folder.is_dir():
        return {}
    sheets: dict[str, Factsheet] = {}
    for path in sorted(folder.iterdir()):
        if path.suffix == ".yaml":
            raise SourceError("factsheet files end in '.yml'; rename it", Loc(project_path(path, source_dir.parent), 1))
        if path.suffix != ".yml" or not path.is_file():
            continue
        sheet = _load_one(path, source_dir, book)
        sheets[sheet.sector] = sheet
    return sheets


def _load_one(path: Path, source_dir: Path, book: Book) -> Factsheet:
    rel = project_path(path, source_dir.parent)
    sector = path.stem
    text = read_source(path, rel, MAX_FILE_BYTES, "a factsheet file")
    data, lines = parse_yaml_located(text, rel)
    raw_lines = text.split("\n")
    at = Where(rel, lines)
    # Every key's type, and whether it may be there at all, before anything is read.
    validate(data, FACTSHEET, at)

    boxes = [FactsheetRef(box_id, at("boxes", n)) for n, box_id in enumerate(data.get("boxes", []))]

    practices: list[FactsheetPractice] = []
    for n, entry in enumerate(data.get("practices", [])):
        pid = entry["id"]
        summary_loc = _value_loc(at("practices", n, "summary"), raw_lines)
        summary_inlines = parse_inline(" ".join(entry["summary"].split()), summary_loc)
        refuse_footnotes(summary_inlines, f"the summary of '{pid}'")
        practices.append(FactsheetPractice(pid, summary_inlines, at("practices", n),
                                           f"factsheet.{sector}.{pid}.summary"))

    resources = FactsheetRef(data["resources"], at("resources")) if "resources" in data else None

    by_language: dict[str, list[FactsheetRef]] = {
        lang: [FactsheetRef(box_id, at("languages", lang, "boxes", n))
               for n, box_id in enumerate(override.get("boxes", []))]
        for lang, override in data.get("languages", {}).items()
    }

    return Factsheet(sector, data["budget"], boxes, practices, Loc(rel, 1), at("budget"), resources, by_language)


def _value_loc(key_loc: Loc, raw_lines: list[str]) -> Loc:
    """Where a value's text starts: the line after the key for a block scalar (`summary: >-`)."""
    line = raw_lines[key_loc.line - 1] if 0 < key_loc.line <= len(raw_lines) else ""
    after = line.split(":", 1)[1].strip() if ":" in line else ""
    return Loc(key_loc.file, key_loc.line + 1) if after[:1] in (">", "|") else key_loc
