"""The EPUB cover's cache (build/.cache/covers/): it returns exactly what drawing
would, and any input of the drawing (title, draft label, fonts) misses it."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

import pipeline.project
from pipeline.build import Edition, Project
from pipeline.editions import edition_for
from pipeline.render import epub
from pipeline.render.epub import cached_cover_png, cover_png

from .conftest import ROOT


@pytest.fixture(scope="module")
def english() -> Edition:
    return edition_for(Project.at(ROOT), "en")[0]


def _no_drawing(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(spec: object) -> bytes:
        raise AssertionError("the cover was drawn again")

    monkeypatch.setattr(epub, "draw_cover", refuse)


def test_cached_cover_is_the_drawn_cover_and_is_reused(english: Edition, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    first = cached_cover_png(english, tmp_path)
    assert first == cover_png(english)
    assert len(list((tmp_path / "covers").iterdir())) == 1
    _no_drawing(monkeypatch)
    assert cached_cover_png(english, tmp_path) == first


def test_a_changed_title_or_draft_label_draws_again(english: Edition, tmp_path: Path) -> None:
    before = cached_cover_png(english, tmp_path)
    meta = dataclasses.replace(english.book.meta, title="A Different Title")
    retitled = dataclasses.replace(english, book=dataclasses.replace(english.book, meta=meta))
    after = cached_cover_png(retitled, tmp_path)
    assert after != before and after == cover_png(retitled)
    # the language's previous cover is removed, not left to pile up
    assert len(list((tmp_path / "covers").iterdir())) == 1
    draft = dataclasses.replace(retitled, draft=True)
    assert cached_cover_png(draft, tmp_path) == cover_png(draft) != after


def test_a_changed_font_misses_the_cache(english: Edition, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cached_cover_png(english, tmp_path)
    real = pipeline.project.file_digest

    def other_bold(path: Path) -> bytes:
        return b"another font" if path.name == "NotoSans-Bold.ttf" else real(path)

    monkeypatch.setattr(pipeline.project, "file_digest", other_bold)
    drawn: list[object] = []
    draw = epub.draw_cover
    monkeypatch.setattr(epub, "draw_cover", lambda spec: drawn.append(spec) or draw(spec))
    cached_cover_png(english, tmp_path)
    assert len(drawn) == 1


def test_a_damaged_cache_file_is_drawn_again(english: Edition, tmp_path: Path) -> None:
    good = cached_cover_png(english, tmp_path)
    (cached,) = (tmp_path / "covers").iterdir()
    cached.write_bytes(good[: len(good) // 2])  # as if cut short
    assert cached_cover_png(english, tmp_path) == good
    assert cached.read_bytes() == good
