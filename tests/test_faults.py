"""Faults: interrupted builds, a failing disk, two builds at once. Nothing is lost, nothing half-written."""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pypdf
import pytest

from pipeline.build import Project
from pipeline.errors import PipelineError
from pipeline.scheduler import PlainProgress
from pipeline.scheduler import build as run_build

from .conftest import ROOT, copy_shipped


def cli(root: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "pipeline.cli", "build", "--project", str(root), *args]


@pytest.fixture(scope="module")
def built(shipped: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real book with its English PDFs built: a copy of the session's shared build."""
    root = copy_shipped(shipped, tmp_path_factory.mktemp("faults") / "p")
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

    monkeypatch.setattr("pipeline.files.os.replace", full_disk)
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
    from pipeline.files import atomic_path

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


# ------------------------------------------------------------------ issue 21
# The same promises on the minibook (a 17-page print edition: seconds, not
# minutes), with a copy of the theme that a case may break (fonts linked).

MINIBOOK = ROOT / "tests" / "fixtures" / "minibook"
EDITIONS = ("compendium.pdf", "compendium-print.pdf", "compendium.epub")


def mini_cli(root: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "pipeline.cli", "build", "--project", str(root), *args]


def run(args: list[str], cwd: Path | None = None, env: dict[str, str] | None = None,
        timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout, cwd=cwd,
                          env=dict(os.environ, **(env or {})))


def copy_mini(built_root: Path, dest: Path) -> Path:
    # the theme's files linked again (a case that breaks one replaces or appends to it: see
    # _own), the rest copied
    shutil.copytree(built_root, dest, ignore=shutil.ignore_patterns("themes"))
    shutil.copytree(built_root / "themes", dest / "themes", copy_function=_link_or_copy)
    for name in ("print.css", "templates/nav.xhtml.j2"):  # the files cases edit: never through a link
        _own(dest / "themes" / "default" / name)
    return dest


def _own(path: Path) -> None:
    data = path.read_bytes()
    path.unlink()
    path.write_bytes(data)


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


@pytest.fixture(scope="module")
def mini(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The minibook as a project with its three editions built."""
    root = tmp_path_factory.mktemp("mini") / "p"
    shutil.copytree(MINIBOOK, root / "source")
    theme = root / "themes" / "default"
    # (hard links where the filesystem allows: the fonts are 35 MB; a symbolic
    # link would be refused by the sealed fetcher, as it should be)
    shutil.copytree(ROOT / "themes" / "default", theme, copy_function=_link_or_copy)
    proc = run(mini_cli(root, "pdf", "print-pdf", "epub", "-j", "1"))
    assert proc.returncode == 0, proc.stderr
    return root


def editions(root: Path) -> dict[str, bytes]:
    return {name: (root / "build" / "en" / name).read_bytes() for name in EDITIONS}


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"stale case: {old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# Each way a build can fail, and the formats it is asked for. After the
# failure every previous edition must be byte-identical (the last good
# edition is sacred) and no temporary file may be left.
FAILURES: dict[str, tuple[Callable[[Path], None], str, tuple[str, ...]]] = {
    # the issue's case: a YAML escape gives the id a trailing newline
    "id-with-trailing-newline": (
        lambda root: _replace(root / "source/part-1/1-1.md", "id: first-section", 'id: "first-section\\n"'),
        "must be lower case letters", ("pdf", "print-pdf", "epub")),
    "id-reserved": (
        lambda root: _replace(root / "source/part-1/1-1.md", "id: first-section", "id: contents"),
        "is reserved", ("pdf", "print-pdf", "epub")),
    # a theme problem WeasyPrint finds while laying out (an SVG whose <image> is refused)
    "theme-svg-image-refused": (
        lambda root: (
            (root / "themes/default/broken.svg").write_text(
                '<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9">'
                '<image href="/etc/hostname" width="9" height="9"/></svg>'),
            (root / "themes/default/print.css").open("a").write(".cover { background: url(broken.svg); }\n"),
        ) and None,
        "theme problem: Failed to render SVG image .*refused|theme problem: Failed to render SVG image .*: \\w+",
        ("pdf", "print-pdf")),
    # a stylesheet rule WeasyPrint ignores is a theme error, found after the layout
    "theme-invalid-css": (
        lambda root: (root / "themes/default/print.css").open("a").write(".cover { colour: red; }\n") and None,
        "theme problem", ("pdf", "print-pdf")),
    # the EPUB's own template is broken
    "epub-template-missing": (
        lambda root: (root / "themes/default/templates/nav.xhtml.j2").unlink(),
        "nav.xhtml.j2", ("epub",)),
    "book-date-out-of-range": (
        lambda root: _replace(root / "source/book.yml", "date: ", "date: 9999-12-31 #"),
        "'date' 9999-12-31 is outside", ("pdf", "print-pdf", "epub")),
}


@pytest.mark.parametrize("case", sorted(FAILURES))
def test_a_failed_build_keeps_the_last_good_edition(mini: Path, tmp_path: Path, case: str) -> None:
    root = copy_mini(mini, tmp_path / "p")
    before = editions(root)
    edit, message, formats = FAILURES[case]
    edit(root)
    proc = run(mini_cli(root, *formats, "--force", "-j", "1"))
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert re.search(message, proc.stderr), proc.stderr
    assert editions(root) == before, "a failed build changed a previous edition"
    assert partial_files(root) == []


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _start_build_and_wait_for_workers(root: Path) -> tuple[subprocess.Popen[str], list[int]]:
    proc = subprocess.Popen(mini_cli(root, "pdf", "print-pdf", "--force", "-j", "2"),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    for line in proc.stderr:
        if "building en/" in line:
            break
    workers: list[int] = []
    for _ in range(100):  # the pool starts its workers as tasks are submitted
        workers = _children(proc.pid)
        if len(workers) >= 2:
            break
        time.sleep(0.05)
    assert workers, "no worker processes seen"
    return proc, workers


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_kill_9_of_the_build_ends_its_workers_and_the_next_build_runs_at_once(mini: Path, tmp_path: Path) -> None:
    root = copy_mini(mini, tmp_path / "p")
    before = editions(root)
    proc, workers = _start_build_and_wait_for_workers(root)
    try:
        proc.kill()
        proc.communicate(timeout=30)
        for _ in range(100):  # bounded: 10 s
            if not any(_alive(pid) for pid in workers):
                break
            time.sleep(0.1)
        assert not any(_alive(pid) for pid in workers), "orphaned workers outlived the build"
    finally:
        for pid in workers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    assert editions(root) == before
    again = run(mini_cli(root, "pdf", "print-pdf"), timeout=120)
    assert again.returncode == 0, again.stderr
    assert "another build is running" not in again.stderr
    assert partial_files(root) == []


def test_kill_9_of_a_worker_is_one_line_per_artifact_and_the_next_build_recovers(mini: Path, tmp_path: Path) -> None:
    root = copy_mini(mini, tmp_path / "p")
    before = editions(root)
    proc, workers = _start_build_and_wait_for_workers(root)
    try:
        os.kill(workers[0], signal.SIGKILL)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 1
    assert "Traceback" not in err + out and "BrokenProcessPool" not in err
    assert re.search(r"^error: en/\S+: its worker process died", err, re.M), err
    # a killed worker wrote nothing in place; what finished before it is whole
    for name, data in editions(root).items():
        assert data == before[name] or data.startswith(b"%PDF")
    again = run(mini_cli(root, "pdf", "print-pdf"), timeout=120)
    assert again.returncode == 0, again.stderr
    assert partial_files(root) == []


def test_a_lock_whose_owner_is_gone_is_taken_over_with_a_note(mini: Path, tmp_path: Path) -> None:
    """A leftover holder of build/.lock (what an orphaned worker of an older
    build was) with a dead owner recorded in the file: taken over, not waited for."""
    root = copy_mini(mini, tmp_path / "p")
    holder = subprocess.Popen([sys.executable, "-c",
                               "import fcntl, os, sys, time\n"
                               "fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)\n"
                               "fcntl.flock(fd, fcntl.LOCK_EX)\n"
                               "os.ftruncate(fd, 0); os.pwrite(fd, b'999999999 1\\n', 0)\n"
                               "print('held', flush=True); time.sleep(120)\n",
                               str(root / "build" / ".lock")], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        proc = run(mini_cli(root, "pdf", "print-pdf"), timeout=120)
    finally:
        holder.kill()
        holder.wait(10)
    assert proc.returncode == 0, proc.stderr
    assert "(pid 999999999) is gone: taking the lock over" in proc.stderr


def test_a_live_lock_is_waited_for(mini: Path, tmp_path: Path) -> None:
    root = copy_mini(mini, tmp_path / "p")
    holder = subprocess.Popen([sys.executable, "-c",
                               "import fcntl, os, sys, time\n"
                               "fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)\n"
                               "fcntl.flock(fd, fcntl.LOCK_EX)\n"
                               "os.ftruncate(fd, 0); os.pwrite(fd, f'{os.getpid()} 0\\n'.encode(), 0)\n"
                               "print('held', flush=True); time.sleep(1.5)\n",
                               str(root / "build" / ".lock")], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        proc = run(mini_cli(root, "pdf", "print-pdf"), timeout=120)
    finally:
        holder.kill()
        holder.wait(10)
    assert proc.returncode == 0, proc.stderr
    assert "another build is running" in proc.stderr and "taking the lock over" not in proc.stderr


@pytest.mark.parametrize("breakage, message", [
    ("build-is-a-file", r"^error: 'build' is a file, where the build folder should be"),
    ("lock-is-a-folder", r"^error: cannot use the build folder: 'build/\.lock': Is a directory"),
])
def test_an_unusable_build_folder_is_one_line(tmp_path: Path, breakage: str, message: str) -> None:
    root = tmp_path / "p"
    shutil.copytree(MINIBOOK, root / "source")
    (root / "themes").symlink_to(ROOT / "themes", target_is_directory=True)
    if breakage == "build-is-a-file":
        (root / "build").write_text("not a folder")
    else:
        (root / "build" / ".lock").mkdir(parents=True)
    proc = run([sys.executable, "-m", "pipeline.cli", "build", "pdf"], cwd=root,
               env={"PYTHONPATH": str(ROOT)})
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert re.search(message, proc.stderr, re.M), proc.stderr


def test_a_read_only_build_folder_is_one_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """(Simulated: the tests may run as root, for whom nothing is read-only.)"""
    project = Project.at(tmp_path, build=tmp_path / "build")
    (tmp_path / "build").mkdir()
    real_open = os.open

    def read_only(path: object, *args: object, **kwargs: object) -> int:
        if str(path).endswith(".lock"):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
        return real_open(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr("pipeline.scheduler.os.open", read_only)
    with pytest.raises(PipelineError, match=r"cannot use the build folder: .*\.lock': Permission denied"):
        run_build(project, ["pdf"], ["en"], jobs=1, force=False, progress=PlainProgress())


def test_source_date_epoch_is_an_input_of_the_build(mini: Path, tmp_path: Path) -> None:
    root = copy_mini(mini, tmp_path / "p")
    first = run(mini_cli(root, "epub"), env={"SOURCE_DATE_EPOCH": "1700000000"})
    assert first.returncode == 0, first.stderr
    epub = root / "build" / "en" / "compendium.epub"
    same = run(mini_cli(root, "epub"), env={"SOURCE_DATE_EPOCH": "1700000000"})
    assert "all 2 artifacts are up to date" in same.stderr
    other = run(mini_cli(root, "epub"), env={"SOURCE_DATE_EPOCH": "1800000000"})
    assert other.returncode == 0, other.stderr
    assert re.search(r"^[1-9]\d* built", other.stdout, re.M), other.stdout
    import zipfile

    opf = next(n for n in zipfile.ZipFile(epub).namelist() if n.endswith(".opf"))
    assert "2027-01-15T08:00:00Z" in zipfile.ZipFile(epub).read(opf).decode()  # 1800000000


@pytest.mark.parametrize("value", ["99999999999999", "-1", "1e9", "12abc", "9" * 5000])
def test_an_out_of_range_source_date_epoch_is_one_message(value: str, tmp_path: Path) -> None:
    root = tmp_path / "p"
    shutil.copytree(MINIBOOK, root / "source")
    (root / "themes").symlink_to(ROOT / "themes", target_is_directory=True)
    for args in (["check", "--source", "source"], ["build", "epub"]):
        proc = run([sys.executable, "-m", "pipeline.cli", *args], cwd=root,
                   env={"PYTHONPATH": str(ROOT), "SOURCE_DATE_EPOCH": value})
        assert proc.returncode == 1, proc.stderr
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: SOURCE_DATE_EPOCH must be"), proc.stderr
        assert len(lines[0]) < 300
        assert not (root / "build" / "en").exists()


@pytest.mark.parametrize("damage", [
    pytest.param(lambda d: d | {"pages": 10**30}, id="pages-10**30"),
    pytest.param(lambda d: d | {"pages": -3}, id="pages-negative"),
    pytest.param(lambda d: d | {"ids": {k: 10**12 for k in d["ids"]}}, id="ids-past-the-end"),
    pytest.param(lambda d: [d], id="not-an-object"),
    pytest.param(lambda d: "[" * 100000, id="nested-100000-deep"),
])
def test_a_damaged_page_map_is_discarded_and_rebuilt(mini: Path, tmp_path: Path,
                                                     damage: Callable[[Any], Any]) -> None:
    import json

    root = copy_mini(mini, tmp_path / "p")
    path = root / "build" / "en" / "pagemap.json"
    pages = json.loads(path.read_text())["pages"]
    damaged = damage(json.loads(path.read_text()))
    path.write_text(damaged if isinstance(damaged, str) else json.dumps(damaged))
    proc = run(mini_cli(root, "epub", "--force"), timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert json.loads(path.read_text())["pages"] == pages  # laid out again, whole


@pytest.mark.parametrize("state", ['[1, 2', '["a list"]', '{"en/pdf": {"pages": 1e300}}',
                                   '{"en/pdf": {"outputs": {"compendium.pdf": 5}}}'])
def test_a_damaged_build_state_is_discarded_with_a_note(mini: Path, tmp_path: Path, state: str) -> None:
    root = copy_mini(mini, tmp_path / "p")
    (root / "build" / ".build-state.json").write_text(state)
    proc = run(mini_cli(root, "epub"), timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert ".build-state.json discarded" in proc.stderr


def test_force_rebuilds_the_print_pdf_an_epub_depends_on(mini: Path, tmp_path: Path) -> None:
    root = copy_mini(mini, tmp_path / "p")
    proc = run(mini_cli(root, "epub", "--force", "-j", "1"), timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert re.search(r"built en/print-pdf \(", proc.stderr), proc.stderr
    assert re.search(r"built en/epub \(", proc.stderr), proc.stderr
