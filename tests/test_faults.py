"""Faults: interrupted builds, a failing disk, two builds at once. Nothing is lost, nothing half-written."""

from __future__ import annotations

import errno
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pypdf
import pytest

from pipeline.build import Project
from pipeline.errors import PipelineError
from pipeline.scheduler import PlainProgress
from pipeline.scheduler import build as run_build

from .conftest import ROOT

EN = "  - {code: en, name: English, status: source}\n"


def copy_project(dest: Path) -> Path:
    for name in ("source", "themes", "translations"):
        shutil.copytree(ROOT / name, dest / name)
    book = dest / "source" / "book.yml"
    book.write_text(re.sub(r"languages:\n(  - .*\n)+", f"languages:\n{EN}", book.read_text()))
    return dest


def cli(root: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "pipeline.cli", "build", "--project", str(root), *args]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_project(tmp_path_factory.mktemp("faults") / "p")
    proc = subprocess.run(cli(root, "pdf", "print-pdf"), capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return root


def partial_files(root: Path) -> list[Path]:
    return [p for p in (root / "build").rglob("*") if p.name.endswith(".part")]


def interrupt_mid_render(root: Path, sig: int, jobs: str) -> subprocess.CompletedProcess[str]:
    """Start a forced build, wait until a layout is under way, then send `sig`."""
    proc = subprocess.Popen(cli(root, "pdf", "print-pdf", "--force", "-j", jobs),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    for line in proc.stderr:
        if "building en/" in line:
            break
    time.sleep(2.0)  # inside WeasyPrint's layout of a ~100-page book (it takes about 5 s)
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=120)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


@pytest.mark.parametrize("sig, jobs", [(signal.SIGINT, "1"), (signal.SIGTERM, "1"), (signal.SIGTERM, "2")])
def test_interrupted_build_keeps_earlier_artifacts_and_leaves_no_partial_file(
        built: Path, tmp_path: Path, sig: int, jobs: str) -> None:
    root = tmp_path / "p"
    shutil.copytree(built, root)
    before = {p.name: p.read_bytes() for p in (root / "build" / "en").glob("*.pdf")}
    proc = interrupt_mid_render(root, sig, jobs)
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    assert partial_files(root) == []
    after = {p.name: p.read_bytes() for p in (root / "build" / "en").glob("*.pdf")}
    assert after == before  # every earlier artifact intact
    # and the next build recovers without a clean
    again = subprocess.run(cli(root, "pdf", "print-pdf"), capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    assert len(pypdf.PdfReader(str(root / "build/en/compendium.pdf")).pages) > 50


def test_a_killed_build_leaves_a_part_file_that_the_next_build_removes(built: Path, tmp_path: Path) -> None:
    root = tmp_path / "p"
    shutil.copytree(built, root)
    leftover = root / "build" / "en" / ".compendium.pdf.abc123.part"
    leftover.write_bytes(b"%PDF-1.6 half a file")  # what a SIGKILL mid-write leaves
    proc = subprocess.run(cli(root, "pdf"), capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert not leftover.exists()


def test_a_failing_disk_write_is_one_message_and_keeps_the_previous_file(
        built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "p"
    shutil.copytree(built, root)
    target = root / "build" / "en" / "compendium.pdf"
    before = target.read_bytes()

    real_replace = os.replace

    def full_disk(src: object, dst: object) -> None:
        if str(dst).endswith(".pdf"):  # the disk fills up as the PDF is put in place
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_replace(src, dst)  # type: ignore[arg-type]

    monkeypatch.setattr("pipeline.render.atomic.os.replace", full_disk)
    project = Project.at(root)
    progress = PlainProgress()
    result = run_build(project, ["pdf"], ["en"], jobs=1, force=True, progress=progress)
    assert [o.status for o in result.outcomes] == ["failed"]
    error = result.outcomes[0].error
    assert "cannot write" in error and "compendium.pdf" in error and "No space left on device" in error
    assert "internal error" not in error
    assert target.read_bytes() == before
    assert partial_files(root) == []


def test_atomic_write_reports_an_unwritable_folder(tmp_path: Path) -> None:
    from pipeline.render.atomic import atomic_path

    blocker = tmp_path / "build"
    blocker.write_text("a file where a folder should be")
    with pytest.raises(PipelineError, match="cannot write"), atomic_path(blocker / "en" / "x.pdf") as tmp:
        tmp.write_text("never")


def test_two_builds_at_once_do_not_corrupt_each_other(built: Path, tmp_path: Path) -> None:
    root = tmp_path / "p"
    shutil.copytree(built, root)
    first = subprocess.Popen(cli(root, "pdf", "--force"), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(0.5)
    second = subprocess.Popen(cli(root, "pdf", "--force"), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out1, err1 = first.communicate(timeout=180)
    out2, err2 = second.communicate(timeout=180)
    assert first.returncode == 0, err1
    assert second.returncode == 0, err2
    assert "another build is running" in err1 + err2
    reader = pypdf.PdfReader(str(root / "build" / "en" / "compendium.pdf"))
    assert len(reader.pages) > 50
    assert partial_files(root) == []
