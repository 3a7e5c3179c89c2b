"""The format registry: every output the build can make, in one place.

The scheduler plans and runs artifacts, `compendium build` lists and accepts
format names, and the manifest describes files, all from this tuple. A new
format is one module in this package (a `Format`: see base.py), its
templates and stylesheet in the theme, and one line here.
"""

from __future__ import annotations

from .base import Format, Job, Prepared, Rendered
from .epub import Epub
from .factsheets import Factsheets
from .pdf import PrintPdf, ScreenPdf
from .web import Web

# In the order `--help` lists them and the web edition offers their downloads.
_EDITIONS: tuple[Format, ...] = (ScreenPdf(), PrintPdf(), Epub(), Factsheets())
REGISTRY: tuple[Format, ...] = (*_EDITIONS, Web(offers=_EDITIONS))

BY_NAME: dict[str, Format] = {fmt.name: fmt for fmt in REGISTRY}


def names() -> list[str]:
    return [fmt.name for fmt in REGISTRY]


def default_names() -> list[str]:
    """What `compendium build` makes when no format is named."""
    return [fmt.name for fmt in REGISTRY if fmt.default]


__all__ = ["BY_NAME", "REGISTRY", "Format", "Job", "Prepared", "Rendered", "default_names", "names"]
