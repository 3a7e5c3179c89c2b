"""Shared fixtures: the real book, loaded once; the real PDFs, built once per session."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pypdf
import pytest

from pipeline.build import Project
from pipeline.load import load_book
from pipeline.model import Book

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT.parent / "shared" / "seeds"


@pytest.fixture(scope="session")
def book() -> Book:
    return load_book(ROOT / "source")


@pytest.fixture(scope="session")
def shipped(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real book's editions, built ONCE per session into a copy of the project and shared.

    Every language's print PDF, EPUB and factsheets, and the screen PDF of English and
    French, by the real entry point (`compendium build`), from scratch. Tests read these
    files and must not change them; a test that needs a changed project or another build
    copies this folder (see `copy_shipped`), so the copy's build is up to date and only
    what the test changes is laid out again.
    """
    root = tmp_path_factory.mktemp("shipped") / "p"
    for name in ("source", "themes", "translations"):
        shutil.copytree(ROOT / name, root / name)
    # (no SOURCE_DATE_EPOCH: the artifacts carry the book's date, as the tests' own builds do)
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    for formats in (["print-pdf", "epub", "factsheets", "--all-languages"],
                    ["pdf", "--lang", "en", "--lang", "fr"]):
        proc = subprocess.run([sys.executable, "-m", "pipeline.cli", "build", "--project", str(root), *formats,
                               "-j", "2"], cwd=ROOT, capture_output=True, text=True, env=env)
        assert proc.returncode == 0, proc.stderr[-3000:]
    return root


def copy_shipped(shipped: Path, dest: Path) -> Path:
    """A private copy of the shared project with its build (so the copy's build is up to date)."""
    shutil.copytree(shipped, dest)
    return dest


@pytest.fixture(scope="session")
def built_pdfs(shipped: Path) -> Project:
    """The English screen and print PDFs (and factsheets, EPUB, page map) of the shared build."""
    os.environ.pop("SOURCE_DATE_EPOCH", None)
    return Project.at(shipped)


def embedded_fonts(reader: pypdf.PdfReader) -> set[str]:
    """The names of the fonts a PDF uses; fails if any of them is not embedded."""
    seen = set()
    for page in reader.pages:
        fonts = (page.get("/Resources") or {}).get("/Font") or {}
        for font in fonts.values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            face = descendants[0].get_object() if descendants else font
            descriptor = face["/FontDescriptor"].get_object()
            assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), font["/BaseFont"]
            seen.add(str(font["/BaseFont"]).split("+")[-1])
    return seen


@pytest.fixture(scope="session")
def editions(shipped: Path) -> Path:
    """Every language's print PDF, EPUB and factsheets: the session's one shared build."""
    return shipped


def pytest_configure(config: pytest.Config) -> None:
    # Tests that read or copy the session's one build of the real editions (`shipped`):
    # `-m "not whole_book"` leaves them out, and that build with them.
    config.addinivalue_line("markers", "whole_book: uses the session's one shared build of the real editions")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test that uses the session's shared build is a whole_book test."""
    for item in items:
        if "shipped" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.whole_book)


def pdf_pages(pdf: Path) -> list[str]:
    """Each page's text as pdftotext gives it, page by page."""
    count = len(pypdf.PdfReader(str(pdf)).pages)
    pages = []
    for number in range(1, count + 1):
        proc = subprocess.run(["pdftotext", "-f", str(number), "-l", str(number), str(pdf), "-"],
                              capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
        pages.append(proc.stdout)
    return pages
