"""One schema for the YAML files that declare the book: source/book.yml and
source/factsheets/<sector>.yml.

Every key of these files is declared here once: its type, whether it is
required, and what it should be, in the words a message gives the editor.
`validate` walks a parsed file against its shape and stops at the first
thing that does not fit, with one located message naming the file, the line,
the key and what was expected:

    source/book.yml:12: book.yml: 'languages' should be a list of languages
    ({code, name, status}), got text 'en'

Unknown keys are errors, as everywhere else in the source (a misspelt key
would otherwise be silently ignored). What the schema cannot know -- a file
that does not exist, an id listed twice, a date outside the range a PDF can
carry -- is the loaders' business (load.py, factsheets.py), on values whose
types the schema has already made sure of.
"""

from __future__ import annotations

import datetime
import re
import reprlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .errors import SourceError
from .markdown import ID_RE
from .yamlfile import Where

Kind = type | tuple[type, ...]

_REPR = reprlib.Repr()
_REPR.maxstring = _REPR.maxother = 40
_REPR.maxlist = _REPR.maxdict = 4
_REPR.maxlevel = 2


def short(value: Any) -> str:
    """A value as it may appear in a one-line message, however large it is."""
    return " ".join(_REPR.repr(value).split())


def describe(value: Any) -> str:
    """What a value is, for "got ..." in a message: its YAML type in words, and the value."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return f"text {short(value)}"
    if isinstance(value, datetime.date):
        return f"the date {value.isoformat()}"
    if isinstance(value, list):
        return f"a list {short(value)}"
    if isinstance(value, dict):
        return f"a mapping {short(value)}"
    return short(value)


@dataclass(frozen=True)
class Value:
    """What one value must be: a YAML type, and optionally a further test,
    its list items, or the keys of a mapping (declared, or free keys such as
    language codes whose values all have one shape)."""

    kind: Kind
    expected: str  # in a message: "'key' should be {expected}, got ..."
    test: Callable[[Any], bool] | None = None
    items: Value | None = None  # each item of a list
    shape: Shape | None = None  # a mapping with declared keys
    free_keys: Value | None = None  # a mapping whose keys are names (language codes): each key
    free_values: Value | None = None  # ... and each value

    def fits(self, value: Any) -> bool:
        # (YAML's true/false are Python ints: never a number here)
        if isinstance(value, bool) and not _allows_bool(self.kind):
            return False
        if not isinstance(value, self.kind):
            return False
        return self.test is None or self.test(value)


def _allows_bool(kind: Kind) -> bool:
    return bool in (kind if isinstance(kind, tuple) else (kind,))


@dataclass(frozen=True)
class Key:
    value: Value
    required: bool = False


@dataclass(frozen=True)
class Shape:
    """A mapping's keys. `what` names it in messages ("book.yml", "language");
    `name_key` is the key whose value, when it is text, names one instance
    ("language 'fr'")."""

    what: str
    keys: dict[str, Key] = field(default_factory=dict)
    name_key: str = ""

    def expected(self) -> str:
        return ", ".join(self.keys)


def _prefix(what: str) -> str:
    return f"{what}: " if what else ""


def validate(data: Any, shape: Shape, where: Where, *path: str | int, what: str | None = None) -> None:
    """Check `data` (the mapping at `path` of a file) against `shape`; raise
    SourceError at the first key that does not fit."""
    what = shape.what if what is None else what
    if not isinstance(data, dict):
        raise SourceError(f"{_prefix(what)}expected a mapping ({shape.expected()}), got {describe(data)}",
                          where(*path))
    name = data.get(shape.name_key) if shape.name_key else None
    if isinstance(name, str) and name:
        what = f"{what} '{name}'"
    unknown = sorted(set(data) - set(shape.keys), key=str)  # (a key YAML reads as a number stays one: its line)
    if unknown:
        raise SourceError(f"{_prefix(what)}unknown key(s) {', '.join(map(str, unknown))} "
                          f"(expected {shape.expected()})", where(*path, unknown[0]))
    for key, declared in shape.keys.items():
        if key not in data:
            if declared.required:
                raise SourceError(f"{_prefix(what)}missing key '{key}' ({declared.value.expected})", where(*path))
            continue
        _validate_value(data[key], declared.value, where, (*path, key), what, key)


def _validate_value(value: Any, declared: Value, where: Where, path: tuple[str | int, ...], what: str,
                    key: str) -> None:
    if not declared.fits(value):
        raise SourceError(f"{_prefix(what)}'{key}' should be {declared.expected}, got {describe(value)}",
                          where(*path))
    if declared.items is not None:
        for n, item in enumerate(value):
            if declared.items.shape is not None:
                validate(item, declared.items.shape, where, *path, n)
            elif not declared.items.fits(item):
                raise SourceError(f"{_prefix(what)}'{key}' should be {declared.expected}; "
                                  f"item {n + 1} is {describe(item)}", where(*path, n))
    if declared.shape is not None:
        validate(value, declared.shape, where, *path)
    for name, item in value.items() if declared.free_keys is not None else ():
        if not declared.free_keys.fits(name):
            raise SourceError(f"{_prefix(what)}'{key}' should be {declared.expected}; "
                              f"{describe(name)} is not {declared.free_keys.expected}", where(*path, name))
        assert declared.free_values is not None and declared.free_values.shape is not None
        validate(item, declared.free_values.shape, where, *path, name, what=f"{key} '{name}'")


# -- the values the files are made of -----------------------------------------------

BCP47_PATTERN = re.compile(r"^[a-z]{2,3}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?$")
LANGUAGE_STATUSES = ("source", "draft", "reviewed")


def _matches(pattern: re.Pattern[str]) -> Callable[[Any], bool]:
    return lambda value: bool(pattern.match(value))


def _iso_date(value: Any) -> bool:
    # (an unquoted date is a date to YAML; a date and time is not a date)
    if isinstance(value, datetime.date):
        return not isinstance(value, datetime.datetime)
    return re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) is not None


TEXT = Value(str, "text")
FILE = Value(str, "a file name (relative to the source folder)", lambda value: bool(value))
FILES = Value(list, "a list of file names", items=FILE)
AN_ID = Value(str, "an id (lower case letters, digits and hyphens)", _matches(ID_RE))
IDS = Value(list, "a list of ids (lower case letters, digits and hyphens)", items=AN_ID)
LANGUAGE_CODE = Value(str, "a BCP 47 language tag like 'fr', 'zh-Hans' or 'es-419'", _matches(BCP47_PATTERN))


# -- source/book.yml ----------------------------------------------------------------

LANGUAGE = Shape("language", {
    "code": Key(LANGUAGE_CODE, required=True),
    "name": Key(Value(str, "the language's name in English, like 'French'"), required=True),
    "status": Key(Value(str, " or ".join((", ".join(LANGUAGE_STATUSES[:-1]), LANGUAGE_STATUSES[-1])),
                        lambda value: value in LANGUAGE_STATUSES), required=True),
}, name_key="code")

PART = Shape("part", {
    "opener": Key(FILE, required=True),
    "sections": Key(FILES),
}, name_key="opener")

CONTENTS = Shape("book.yml contents", {
    "front": Key(Value(list, "a list of file names (and 'icon-table')", items=FILE)),
    "parts": Key(Value(list, "a list of parts ({opener: FILE, sections: [FILE, ...]})",
                       items=Value(dict, "a part", shape=PART)), required=True),
    "back": Key(FILES),
    "footnotes": Key(FILE),
})

BOOK = Shape("book.yml", {
    "title": Key(TEXT, required=True),
    "subtitle": Key(TEXT, required=True),
    "publisher": Key(TEXT, required=True),
    "publisher_unit": Key(TEXT),
    "address": Key(TEXT),
    "publication_url": Key(TEXT),
    "author": Key(TEXT),
    "subject": Key(TEXT),
    "keywords": Key(Value(list, "a list of words", items=TEXT)),
    "year": Key(Value(int, "a whole number"), required=True),
    "rights": Key(TEXT),
    "date": Key(Value((str, datetime.date), "YYYY-MM-DD", _iso_date), required=True),
    "language": Key(Value(str, "a BCP 47 language tag like 'en'", _matches(BCP47_PATTERN)), required=True),
    "languages": Key(Value(list, "a list of languages ({code, name, status})",
                           items=Value(dict, "a language", shape=LANGUAGE)), required=True),
    "about": Key(FILE),
    "contents": Key(Value(dict, "a mapping (front, parts, back, footnotes)", shape=CONTENTS), required=True),
})


# -- source/factsheets/<sector>.yml -------------------------------------------------

MAX_BUDGET = 16

PRACTICE = Shape("practice", {
    "id": Key(Value(str, "a practice's id like 'pp-fintel-alliance'", _matches(ID_RE)), required=True),
    "summary": Key(Value(str, "one or two sentences of text", lambda value: bool(value.strip())),
                   required=True),
}, name_key="id")

FACTSHEET_LANGUAGE = Shape("languages", {
    "boxes": Key(IDS),
})

FACTSHEET = Shape("factsheet file", {
    "budget": Key(Value(int, f"a number of pages from 1 to {MAX_BUDGET}", lambda value: 1 <= value <= MAX_BUDGET),
                  required=True),
    "boxes": Key(IDS),
    "practices": Key(Value(list, "a list of {id, summary}", items=Value(dict, "a practice", shape=PRACTICE))),
    "resources": Key(Value(str, "a section's id like 'recommended-resources-2'", _matches(ID_RE))),
    "languages": Key(Value(dict, "a mapping of language codes to {boxes: [...]}, a shorter selection for "
                           "that language", free_keys=LANGUAGE_CODE,
                           free_values=Value(dict, "{boxes: [...]}", shape=FACTSHEET_LANGUAGE))),
})
