"""`compendium build`: incremental, parallel, isolated failures, a manifest that tells the truth."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

from .conftest import ROOT, copy_shipped


def run(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pipeline.cli", "build", "--project", str(root), *args],
                          capture_output=True, text=True)


def built(proc: subprocess.CompletedProcess[str]) -> set[str]:
    """The artifacts a build actually laid out (its progress lines say 'built NAME')."""
    return set(re.findall(r"\] built (\S+)", proc.stderr))


I18NBOOK = ROOT / "tests" / "fixtures" / "i18nbook"
EN_FR = "  - {code: en, name: English, status: source}\n  - {code: fr, name: French, status: draft}\n"


@pytest.fixture(scope="module")
def project(shipped: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """English and French with every artifact built: a copy of the session's shared build
    with book.yml cut down to the two languages, then `build --all-languages` on it."""
    root = copy_shipped(shipped, tmp_path_factory.mktemp("build") / "p")
    book = root / "source" / "book.yml"
    book.write_text(re.sub(r"languages:\n(  - .*\n)+", f"languages:\n{EN_FR}", book.read_text()))
    proc = run(root, "--all-languages", "-j", "2")
    assert proc.returncode == 0, proc.stderr
    return root


def test_first_build_makes_every_artifact_of_every_language(shipped: Path) -> None:
    """The session's shared build is a first build by `compendium build` of every language."""
    languages = re.findall(r"  - \{code: ([\w-]+),", (shipped / "source" / "book.yml").read_text())
    assert len(languages) >= 6, languages
    for lang in languages:
        out = shipped / "build" / lang
        names = ["compendium-print.pdf", "compendium.epub", "factsheet-financial.pdf",
                 "factsheet-supply-chains.pdf", "factsheet-technology.pdf"]
        if lang in ("en", "fr"):  # the screen edition is built for these two only
            names.append("compendium.pdf")
        for name in names:
            assert (out / name).is_file(), out / name
    assert not list((shipped / "build").rglob(".*.part"))


def test_manifest_lists_every_artifact_with_a_hash_that_matches(project: Path) -> None:
    manifest = json.loads((project / "build" / "manifest.json").read_text())
    artifacts = manifest["artifacts"]
    assert len(artifacts) == 12
    for entry in artifacts:
        path = project / entry["path"]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"]
        assert entry["size"] == path.stat().st_size
        assert entry["language"] in ("en", "fr")
        assert entry["seconds"] is not None and entry["seconds"] > 0
        if path.suffix == ".pdf":
            assert entry["pages"] and entry["pages"] > 1
    kinds = {a["kind"] for a in artifacts}
    assert {"pdf", "print-pdf", "epub", "factsheet-financial"} <= kinds


def test_the_format_registry_describes_the_manifest(project: Path) -> None:
    """The registry is the one list of formats: its files for every language are the
    manifest's, kind for kind, and `build --help` and the format argument come from it."""
    from click.testing import CliRunner

    from pipeline.cli import main
    from pipeline.formats import REGISTRY, default_names
    from pipeline.project import Project

    proj = Project.at(project)
    expected = {(p.relative_to(project).as_posix(), fmt.kind(unit))
                for lang in ("en", "fr") for fmt in REGISTRY if fmt.name in default_names()
                for unit in fmt.units(proj) for p in fmt.products(proj, lang, unit)}
    manifest = json.loads((project / "build" / "manifest.json").read_text())
    assert {(a["path"], a["kind"]) for a in manifest["artifacts"]} == expected
    assert default_names() == ["pdf", "print-pdf", "epub", "factsheets"]
    shown = CliRunner().invoke(main, ["build", "--help"]).output
    for fmt in REGISTRY:
        assert re.search(rf"^\s+{re.escape(fmt.name)}\s+{re.escape(fmt.shows)}\s+", shown, re.M), shown
    refused = CliRunner().invoke(main, ["build", "html"])
    assert refused.exit_code == 2 and all(fmt.name in refused.output for fmt in REGISTRY)


def test_the_plan_puts_needed_formats_first_and_the_web_edition_last() -> None:
    from pipeline.project import Project
    from pipeline.scheduler import _depends_on, plan

    proj = Project.at(ROOT)
    tasks = plan(proj, ["web", "factsheets"], ["en", "fr"])
    assert [t.name for t in tasks] == [
        f"{lang}/{name}" for lang in ("en", "fr")
        for name in ("print-pdf", "factsheet-financial", "factsheet-supply-chains", "factsheet-technology", "web")]
    web, financial = tasks[4], tasks[1]
    assert _depends_on(financial, tasks) == [tasks[0]]  # the page map, in its own language only
    assert _depends_on(web, tasks) == tasks[:4]
    assert [t.name for t in plan(proj, ["pdf"], ["en"])] == ["en/pdf"]


def test_second_build_renders_nothing(project: Path) -> None:
    before = {p: p.stat().st_mtime_ns for p in (project / "build").rglob("*.pdf")}
    proc = run(project, "--all-languages")
    assert proc.returncode == 0, proc.stderr
    assert "all 12 artifacts are up to date" in proc.stderr
    assert built(proc) == set()
    assert {p: p.stat().st_mtime_ns for p in (project / "build").rglob("*.pdf")} == before


def test_touching_the_french_po_rebuilds_only_french_artifacts(project: Path, tmp_path: Path) -> None:
    root = tmp_path / "p"
    shutil.copytree(project, root)
    po = polib.pofile(str(root / "translations" / "fr.po"))
    entry = next(e for e in po if e.msgstr and any(f == "source/front/introduction.md" for f, _ in e.occurrences))
    entry.msgstr = entry.msgstr.replace("traite", "traite", 1) + " "
    po.save()
    proc = run(root, "--all-languages")
    assert proc.returncode == 0, proc.stderr
    rebuilt = built(proc)
    assert rebuilt and all(name.startswith("fr/") for name in rebuilt), rebuilt
    assert "fr/pdf" in rebuilt


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The i18n fixture book (a few pages) with the real theme, its English PDFs built."""
    root = tmp_path_factory.mktemp("small") / "p"
    for name in ("source", "translations"):
        shutil.copytree(I18NBOOK / name, root / name)
    shutil.copytree(ROOT / "themes", root / "themes")
    proc = run(root, "--lang", "en", "pdf", "print-pdf")
    assert proc.returncode == 0, proc.stderr
    assert built(proc) == {"en/pdf", "en/print-pdf"}, proc.stderr
    return root


def test_touching_the_theme_rebuilds_everything(small: Path, tmp_path: Path) -> None:
    # (what the theme is applied to does not matter here: a small book)
    root = tmp_path / "p"
    shutil.copytree(small, root)
    css = root / "themes" / "default" / "print.css"
    assert "--link: #0b5cad;" in css.read_text()
    css.write_text(css.read_text().replace("--link: #0b5cad;", "--link: #0b5cae;"))
    proc = run(root, "--lang", "en", "pdf", "print-pdf")
    assert proc.returncode == 0, proc.stderr
    assert built(proc) == {"en/pdf", "en/print-pdf"}


def test_one_paragraph_change_rebuilds_only_the_artifacts_that_print_it(project: Path, tmp_path: Path) -> None:
    root = tmp_path / "p"
    shutil.copytree(project, root)
    section = root / "source" / "part-2" / "2-1.md"
    text = section.read_text()
    # a word for one of the same length: the pages do not move
    assert "retail, agriculture" in text
    section.write_text(text.replace("retail, agriculture", "retail, farmworking", 1))
    proc = run(root, "--lang", "en")
    assert proc.returncode == 0, proc.stderr
    assert built(proc) == {"en/pdf", "en/print-pdf", "en/epub"}, proc.stderr


def test_parallel_build_gives_the_same_bytes_as_a_serial_build(shipped: Path, tmp_path: Path) -> None:
    # the session's shared build is the parallel one (-j 2); this one is serial, from scratch
    serial = tmp_path / "serial"
    for name in ("source", "themes", "translations"):
        shutil.copytree(ROOT / name, serial / name)
    proc = run(serial, "pdf", "factsheets", "-j", "1")
    assert proc.returncode == 0, proc.stderr
    names = sorted(p.name for p in (serial / "build" / "en").glob("*.pdf"))
    assert len(names) == 5
    for name in names:
        assert (serial / "build/en" / name).read_bytes() == (shipped / "build/en" / name).read_bytes(), name


def test_one_failing_artifact_does_not_stop_the_others(project: Path, tmp_path: Path) -> None:
    root = tmp_path / "p"
    shutil.copytree(project, root, ignore=shutil.ignore_patterns("build"))
    sheet = root / "source" / "factsheets" / "technology.yml"
    sheet.write_text(sheet.read_text().replace("budget: 4", "budget: 2"))
    proc = run(root, "--lang", "en", "-j", "2")
    assert proc.returncode == 1
    assert "factsheet-technology" in proc.stderr and "budget 2" in proc.stderr
    assert "source/factsheets/technology.yml" in proc.stderr  # the location of the problem
    assert "Traceback" not in proc.stderr
    rebuilt = built(proc)
    assert {"en/pdf", "en/print-pdf", "en/epub", "en/factsheet-financial", "en/factsheet-supply-chains"} <= rebuilt
    assert not (root / "build" / "en" / "factsheet-technology.pdf").exists()


def test_unknown_language_is_refused_before_any_work(project: Path) -> None:
    proc = run(project, "--lang", "xx")
    assert proc.returncode == 1
    assert "unknown language 'xx'" in proc.stderr and "Traceback" not in proc.stderr
