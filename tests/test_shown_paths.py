"""Paths in messages are shown relative to the folder the command was run from (issue 21),
so that a terminal or an editor opens them: never the absolute paths the code works with."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.linkcheck.cli import links
from pipeline.render.fetcher import RefusedResource, SealedFetcher

from .conftest import ROOT


def test_link_check_messages_name_files_from_the_working_folder(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "source").mkdir()
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "linkcheck-cache.json").write_text("{broken", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    # --source and --from given absolute, as a script would: the messages still say build/..., links.txt
    source, listed = str(tmp_path / "source"), str(tmp_path / "links.txt")
    result = CliRunner().invoke(links, ["--source", source, "--from", listed])
    assert result.exit_code == 1
    assert result.stderr == "error: --from 'links.txt': no such file\n"
    (tmp_path / "links.txt").write_text("\nhttp://127.0.0.1:1/nothing-listens-here\n", encoding="utf-8")
    result = CliRunner().invoke(links, ["--source", source, "--from", listed, "--retries", "0", "--timeout", "2"])
    assert result.exit_code == 1  # (the address is unreachable)
    assert "warning: ignoring the link-check cache build/linkcheck-cache.json: " in result.stderr
    assert "links.txt:2" in result.stdout
    assert str(tmp_path) not in result.output


def test_link_check_locations_open_from_another_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run from the project's parent: --from files and source/dead-links.yml are named p/..."""
    project = tmp_path / "p"
    (project / "source").mkdir(parents=True)
    (project / "links.txt").write_text("https://www.example.org/a\nnot an address\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(links, ["--source", "p/source", "--from", "p/links.txt"])
    assert result.exit_code == 1
    assert result.stderr.startswith("p/links.txt:2: error: 'not an address' is not an http(s) address"), result.stderr
    # the whole book (which records the project's folder), with a broken dead-links.yml: refused
    # before any request
    shutil.rmtree(project / "source")
    shutil.copytree(ROOT / "tests" / "fixtures" / "minibook", project / "source")
    (project / "source" / "dead-links.yml").write_text("- url: ftp://example.org/x\n  reason: gone\n",
                                                       encoding="utf-8")
    result = CliRunner().invoke(links, ["--source", "p/source"])
    assert result.exit_code == 1
    assert result.stderr.startswith("p/source/dead-links.yml:1: error: dead link: 'ftp://example.org/x'"), \
        result.stderr


def test_the_renderers_fetcher_names_files_from_the_working_folder(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    theme = tmp_path / "themes" / "default"
    theme.mkdir(parents=True)
    (tmp_path / "secret.txt").write_text("x", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    fetcher = SealedFetcher([theme])
    with pytest.raises(RefusedResource) as missing:
        fetcher.fetch((theme / "fonts" / "gone.otf").as_uri())
    assert str(missing.value) == "missing file 'themes/default/fonts/gone.otf' (asked for by a template or stylesheet)"
    with pytest.raises(RefusedResource) as outside:
        fetcher.fetch((tmp_path / "secret.txt").as_uri())
    assert str(outside.value) == ("refused to read 'secret.txt': only files under themes/default "
                                  "may be used in rendering")
