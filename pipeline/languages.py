"""What the pipeline knows about a language: one module, every caller.

A language is a BCP 47 code from book.yml (`fr`, `ar`, `zh-Hans`). Its
direction and script come from CLDR through Babel, so adding a language
needs no code here; its quotation marks are the theme's (`quotes:` in
theme.yml) and only looked up here; its gettext plural rule is the one table
Babel cannot give in gettext's syntax.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from babel import Locale, UnknownLocaleError
from babel.core import get_global

from .errors import PipelineError


@functools.lru_cache(maxsize=256)
def locale_of(lang: str) -> Locale | None:
    """Babel's locale for a BCP 47 code, or None for a code CLDR does not know."""
    try:
        return Locale.parse(lang.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return None


# -- direction ---------------------------------------------------------------


def direction(lang: str) -> str:
    """'rtl' or 'ltr', from CLDR's character order (an unknown code is 'ltr')."""
    locale = locale_of(lang)
    return "rtl" if locale is not None and locale.character_order == "right-to-left" else "ltr"


def is_right_to_left(lang: str) -> bool:
    return direction(lang) == "rtl"


# Characters of the right-to-left scripts (Hebrew, Arabic, Syriac, Thaana,
# N'Ko... and the Hebrew and Arabic presentation forms): text holding one is
# laid out right to left whatever its declared language.
RIGHT_TO_LEFT_CHARACTERS = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]")


# -- script and fonts ----------------------------------------------------------


def script(lang: str) -> str:
    """The ISO 15924 script a language is written in (`Latn`, `Arab`, `Hans`...),
    as the code says or CLDR's likely subtags give it; `Latn` when unknown."""
    locale = locale_of(lang)
    if locale is None:
        return "Latn"
    if locale.script:
        return str(locale.script)
    likely = get_global("likely_subtags").get(locale.language, "")
    parts = likely.split("_")
    return parts[1] if len(parts) > 2 else "Latn"


# The scripts the theme's Latin family (Noto Sans: Latin, Cyrillic, Greek)
# does not cover, and the font family that does.
SCRIPT_FAMILY = {"Arab": "arabic", "Hans": "cjk", "Hant": "cjk", "Jpan": "cjk", "Kore": "cjk"}


def font_families(lang: str) -> list[str]:
    """The font families an edition in `lang` embeds, the one that sets its text first.

    Every edition embeds the Latin/Cyrillic family: it sets Latin-script
    languages and Russian, and the names, addresses and digits that appear in
    every translation. A language in another script adds only its own family
    (Arabic: Noto Naskh Arabic; Chinese: Noto Sans CJK SC); the English EPUB
    never carries the 33 MB CJK font.
    """
    family = SCRIPT_FAMILY.get(script(lang))
    return [family, "latin"] if family else ["latin"]


# -- quotation marks -------------------------------------------------------------


@dataclass(frozen=True)
class Quotes:
    """A language's quotation marks (declared in the theme's theme.yml)."""

    open: str
    close: str
    inner_open: str
    inner_close: str
    apostrophe: str = "\u2019"


# When the theme declares nothing for a language: English marks.
DEFAULT_QUOTES = Quotes("\u201c", "\u201d", "\u2018", "\u2019")


def quotes_for(lang: str, declared: dict[str, list[str]] | None) -> Quotes:
    """The theme's quotes for `lang` (`zh-Hans` falls back to `zh`), else English ones."""
    declared = declared or {}
    marks = declared.get(lang) or declared.get(lang.split("-")[0])
    return Quotes(*marks) if marks else DEFAULT_QUOTES


# -- plural forms ------------------------------------------------------------------


# gettext's Plural-Forms for the UN languages (Babel knows the rules but not this syntax).
_PLURALS = {
    "en": "nplurals=2; plural=(n != 1);",
    "fr": "nplurals=2; plural=(n > 1);",
    "es": "nplurals=2; plural=(n != 1);",
    "ru": "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);",
    "ar": "nplurals=6; plural=(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : n%100>=11 ? 4 : 5);",
    "zh": "nplurals=1; plural=0;",
}


def plural_forms(lang: str) -> str:
    """The PO header's Plural-Forms for `lang`; one message for a code CLDR does not know."""
    locale = locale_of(lang)
    if locale is None:
        raise PipelineError(f"unknown language '{lang}' (expected a code like fr, ar, zh-Hans)")
    return _PLURALS.get(locale.language, "nplurals=2; plural=(n != 1);")


# -- names -------------------------------------------------------------------------


def display_name(lang: str, in_lang: str, default: str = "") -> str:
    """The language's name as written in `in_lang` (CLDR), or `default`."""
    locale = locale_of(lang)
    return (locale.get_display_name(in_lang.replace("-", "_")) if locale is not None else None) or default
