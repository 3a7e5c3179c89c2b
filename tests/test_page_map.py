"""The print edition's page map (build/<lang>/pagemap.json) is keyed by what its
pages are made from: a date is on no page, so another SOURCE_DATE_EPOCH does
not lay the print edition out again for the EPUB's page list or the
factsheets' page references. On the minibook: one layout."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from pipeline.build import Project, english_edition, ensure_page_map, layout_key, page_map_key

from .conftest import ROOT

MINIBOOK = Path(__file__).resolve().parent / "fixtures" / "minibook"
DECEMBER, JANUARY = "1638316800", "1640995200"  # 2021-12-01 and 2022-01-01, 00:00 UTC


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)  # the fonts are 35 MB
    except OSError:
        shutil.copy2(src, dst)


@pytest.fixture
def project(tmp_path: Path) -> Project:
    root = tmp_path / "p"
    shutil.copytree(MINIBOOK, root / "source")
    shutil.copytree(ROOT / "themes" / "default", root / "themes" / "default", copy_function=_link_or_copy)
    return Project.at(root)


def test_another_date_does_not_lay_the_print_edition_out_again(project: Project,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", DECEMBER)
    made: list[str] = []
    first = ensure_page_map(project, english_edition(project), made.append)
    assert made and "missing" in made[0]  # the first time, it is laid out
    pdf = project.out_dir("en") / "compendium-print.pdf"
    stamp, december_key = pdf.stat().st_mtime_ns, layout_key(project, english_edition(project))
    saved = json.loads((project.out_dir("en") / "pagemap.json").read_text(encoding="utf-8"))
    assert saved["key"] == first.key and saved["pdf_key"] == december_key

    monkeypatch.setenv("SOURCE_DATE_EPOCH", JANUARY)
    edition = english_edition(project)
    assert layout_key(project, edition) != december_key  # the PDF itself does depend on the date...
    assert page_map_key(project, edition) == first.key  # ... its pages do not
    again: list[str] = []
    second = ensure_page_map(project, edition, again.append)
    assert again == [] and pdf.stat().st_mtime_ns == stamp
    assert second.ids == first.ids and second.key == first.key


def test_a_change_to_the_pages_lays_it_out_again(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", DECEMBER)
    first = ensure_page_map(project, english_edition(project))
    print_css = project.theme_dir / "print.css"
    text = print_css.read_text(encoding="utf-8")
    print_css.unlink()  # (a hard link to the repository's: never written through)
    print_css.write_text(text + "\n/* another rule */\n", encoding="utf-8")
    made: list[str] = []
    second = ensure_page_map(project, english_edition(project), made.append)
    assert any("out of date" in message for message in made), made
    assert second.key != first.key
