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

This module only reads the files: anything it cannot make sense of is a
SourceError naming the file and line. Whether the ids exist and belong to the
sector is `checks/factsheets.py`'s business, so that `compendium check`
reports every wrong id at once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .errors import SourceError
from .files import project_path, read_source
from .markdown import ID_RE, parse_inline, refuse_footnotes
from .model import Book, Factsheet, FactsheetPractice, FactsheetRef, Loc
from .yamlfile import parse_yaml_located

FOLDER = "factsheets"
KEYS = ("budget", "boxes", "practices", "resources", "languages")
MAX_BUDGET = 16
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

    def at(*keys: str | int) -> Loc:
        while keys and keys not in lines:
            keys = keys[:-1]
        return Loc(rel, lines.get(keys, 1))

    if not isinstance(data, dict):
        raise SourceError("a factsheet file is a mapping: budget, boxes, practices, resources",
                          Loc(rel, 1))
    unknown = sorted(map(str, set(data) - set(KEYS)))
    if unknown:
        raise SourceError(f"unknown key(s) {', '.join(unknown)} (expected {', '.join(KEYS)})",
                          at(unknown[0]))

    if "budget" not in data:
        raise SourceError("missing key 'budget' (the number of pages the factsheet may take, e.g. 4)",
                          Loc(rel, 1))
    budget = data["budget"]
    if not isinstance(budget, int) or isinstance(budget, bool) or not 1 <= budget <= MAX_BUDGET:
        raise SourceError(f"'budget' should be a number of pages from 1 to {MAX_BUDGET}, "
                          f"got {_short(budget)}", at("budget"))

    boxes = [FactsheetRef(box_id, loc) for box_id, loc in _ids(data, "boxes", at)]

    practices: list[FactsheetPractice] = []
    entries = data.get("practices", [])
    if not isinstance(entries, list):
        raise SourceError("'practices' should be a list of {id, summary}", at("practices"))
    for n, entry in enumerate(entries):
        loc = at("practices", n)
        if not isinstance(entry, dict):
            raise SourceError("each practice is a mapping {id: pp-..., summary: ...}", loc)
        extra = sorted(map(str, set(entry) - {"id", "summary"}))
        if extra:
            raise SourceError(f"practice: unknown key(s) {', '.join(extra)} (expected id, summary)",
                              at("practices", n, extra[0]))
        pid = entry.get("id")
        if not isinstance(pid, str) or not ID_RE.match(pid):
            raise SourceError(f"practice: 'id' should be a practice's id like 'pp-fintel-alliance', "
                              f"got {_short(pid)}", at("practices", n, "id"))
        summary = entry.get("summary")
        if not isinstance(summary, str) or not summary.strip():
            raise SourceError(f"practice '{pid}': 'summary' should be one or two sentences of text",
                              at("practices", n, "summary") if "summary" in entry else loc)
        summary_loc = _value_loc(at("practices", n, "summary"), raw_lines)
        summary_inlines = parse_inline(" ".join(summary.split()), summary_loc)
        refuse_footnotes(summary_inlines, f"the summary of '{pid}'")
        practices.append(FactsheetPractice(pid, summary_inlines, loc, f"factsheet.{sector}.{pid}.summary"))

    resources = None
    if "resources" in data:
        value = data["resources"]
        if not isinstance(value, str) or not ID_RE.match(value):
            raise SourceError(f"'resources' should be a section's id like 'recommended-resources-2', "
                              f"got {_short(value)}", at("resources"))
        resources = FactsheetRef(value, at("resources"))

    by_language: dict[str, list[FactsheetRef]] = {}
    languages = data.get("languages", {})
    if not isinstance(languages, dict):
        raise SourceError("'languages' should map language codes to {boxes: [...]}", at("languages"))
    for lang, override in languages.items():
        if not isinstance(override, dict) or set(override) - {"boxes"}:
            raise SourceError(f"languages: '{lang}' should be {{boxes: [ids...]}}, a shorter selection "
                              "for that language", at("languages", str(lang)))
        refs = _ids(override, "boxes", lambda *keys, lang=lang: at("languages", lang, *keys))
        by_language[str(lang)] = [FactsheetRef(box_id, loc) for box_id, loc in refs]

    return Factsheet(sector, budget, boxes, practices, Loc(rel, 1), at("budget"), resources, by_language)


def _ids(data: dict, key: str, at: Any) -> list[tuple[str, Loc]]:
    values = data.get(key, [])
    if not isinstance(values, list):
        raise SourceError(f"'{key}' should be a list of ids", at(key))
    out = []
    for n, value in enumerate(values):
        if not isinstance(value, str) or not ID_RE.match(value):
            raise SourceError(f"'{key}' should list ids (lower case letters, digits, hyphens), "
                              f"found {_short(value)}", at(key, n))
        out.append((value, at(key, n)))
    return out


def _value_loc(key_loc: Loc, raw_lines: list[str]) -> Loc:
    """Where a value's text starts: the line after the key for a block scalar (`summary: >-`)."""
    line = raw_lines[key_loc.line - 1] if 0 < key_loc.line <= len(raw_lines) else ""
    after = line.split(":", 1)[1].strip() if ":" in line else ""
    return Loc(key_loc.file, key_loc.line + 1) if after[:1] in (">", "|") else key_loc


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
