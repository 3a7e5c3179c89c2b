"""Shared fixtures: the real book, loaded once; the real PDFs, built once per session."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pypdf
import pytest

from pipeline.build import Project, build_pdf, english_edition
from pipeline.load import load_book
from pipeline.model import Book

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT.parent / "shared" / "seeds"


@pytest.fixture(scope="session")
def book() -> Book:
    return load_book(ROOT / "source")


@pytest.fixture(scope="session")
def built_pdfs(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """Build both PDF editions of the real book into a temporary build folder."""
    build_dir = tmp_path_factory.mktemp("build")
    project = Project.at(ROOT, build=build_dir)
    os.environ.pop("SOURCE_DATE_EPOCH", None)
    edition = english_edition(project)
    build_pdf(project, edition, "screen")
    build_pdf(project, edition, "print")
    return project


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
def editions(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every language's print PDF, EPUB and factsheets, built once per session into a copy of the project."""
    root = tmp_path_factory.mktemp("shipped") / "p"
    for name in ("source", "themes", "translations"):
        shutil.copytree(ROOT / name, root / name)
    proc = subprocess.run([sys.executable, "-m", "pipeline.cli", "build", "--project", str(root), "--all-languages",
                           "print-pdf", "epub", "factsheets", "-j", "2"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return root


def pytest_configure(config: pytest.Config) -> None:
    # Tests that open every language's whole built book (the session's one build of all editions):
    # `-m "not whole_book"` leaves them out.
    config.addinivalue_line("markers", "whole_book: opens every language's built book (one shared build)")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test that uses the session's build of all editions is a whole_book test."""
    for item in items:
        if "editions" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.whole_book)
