"""A catalogue of bad inputs: each case breaks the minibook one way and names the
message the command line must give (file, line, words), with its exit status
and no traceback.

The cases live in tests/bad_input/cases.yml; this module only applies them.

Layout. By default a case gets a copy of tests/fixtures/minibook as
`TMP/minibook` (paths print as `minibook/...`) and runs
`compendium check --source {source}`. A case that needs a project (PO files,
a theme, another command) gets the project layout instead: `TMP/source` (the
minibook), `TMP/themes` (the repository's themes, linked; `theme: copy` copies
them, without the fonts, so that the case may break them) and
`TMP/translations`. It does when it declares any of:

  languages: [fr, ...]   each language is added to book.yml
                         (`- {code: fr, name: French, status: draft}`), then
                         `compendium i18n extract` and `i18n init fr` write the
                         template and a valid PO file, before the edits.
                         `languages: []` only extracts the template.
  theme: copy            the themes are copied, not linked
  project: true          the layout alone

Edits operate on the copy (`file`: relative to the source folder; `path`:
relative to the project, e.g. translations/fr.po, themes/default/print.css):

  {file: F, replace: [OLD, NEW]}     OLD must occur in F (else the case is stale)
  {file: F, write: TEXT}             create or overwrite F
  {file: F, write_bytes_hex: HEX}    overwrite F with these bytes
  {file: F, prepend_bytes_hex: HEX}  put these bytes before F's content
  {file: F, append: TEXT}            add TEXT at the end of F
  {file: F, delete: true}            remove F
  {file: F, generate: {bytes: N, line: TEXT}}  F := TEXT repeated to N bytes
                                     (large files are made here, never committed)
  {file: F, line_endings: crlf|cr}   rewrite F's line ends
  {path: P, translate: {CTX: TEXT}}  in a PO file, the msgstr of the message
                                     whose context is CTX becomes TEXT
  {path: P, encode: latin-1}         re-encode the (UTF-8) file

A case may give `args` (the command line after `compendium`) with `{source}`
and `{project}` standing for the copy's paths; the default is
`check --source {source}`.

`expect`: exit (the status), message (a regex searched in each output line)
and where the message points: `file` (relative to the source folder, looked
for as `minibook/FILE` or `source/FILE`, since paths print relative to the
project) or `path` (relative to the project, e.g. translations/fr.po); then
the line: `line: N`, `line_of: TEXT` (the first line of that file, after the
edits, holding TEXT; `[TEXT, -1]` for the last) or `entry: CTX` (the first
line of the PO entry whose context is CTX, where gettext tools and the
checks place an entry).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polib
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
MINIBOOK = Path(__file__).resolve().parent / "fixtures" / "minibook"
CASES_FILE = Path(__file__).resolve().parent / "bad_input" / "cases.yml"
SOURCE_NAME = "minibook"
LANGUAGE_NAMES = {"fr": "French", "es": "Spanish", "ar": "Arabic", "ru": "Russian", "zh-Hans": "Chinese"}
CASE_KEYS = {"name", "description", "edits", "args", "expect", "languages", "theme", "project"}


def _load_cases() -> list[dict[str, Any]]:
    cases = yaml.safe_load(CASES_FILE.read_text(encoding="utf-8"))
    assert isinstance(cases, list) and cases, "cases.yml must be a list of cases"
    names = [c["name"] for c in cases]
    dupes = sorted({n for n in names if names.count(n) > 1})
    assert not dupes, f"duplicate case names in cases.yml: {dupes}"
    for case in cases:
        unknown = set(case) - CASE_KEYS
        assert not unknown, f"case {case['name']}: unknown key(s) {sorted(unknown)}"
    return cases


CASES = _load_cases()


def _needs_project(case: dict[str, Any]) -> bool:
    return (
        "languages" in case
        or "theme" in case
        or bool(case.get("project"))
        or any("{project}" in a for a in case.get("args", []))
    )


def apply_edit(source: Path, edit: dict[str, Any]) -> None:
    assert ("file" in edit) != ("path" in edit), f"an edit names a `file` or a `path`: {edit}"
    path = source / edit["file"] if "file" in edit else source.parent / edit["path"]
    shown = edit.get("file") or edit["path"]
    # The themes are a link to the repository's unless the case copies them: never edit through it.
    assert path.parent.resolve().is_relative_to(source.parent.resolve()), (
        f"{shown} is outside the case's project (edit the theme only in a case with `theme: copy`)")
    ops = set(edit) - {"file", "path"}
    assert len(ops) == 1, f"one operation per edit, got {sorted(ops)}"
    (op,) = ops
    value = edit[op]
    if op == "delete":
        assert path.exists(), f"cannot delete {shown}: it does not exist"
        path.unlink()
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    if op == "replace":
        old, new = value
        text = path.read_text(encoding="utf-8")
        assert old in text, f"stale case: {old!r} not found in {shown}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8", newline="")
    elif op == "write":
        path.write_text(value, encoding="utf-8", newline="")
    elif op == "write_bytes_hex":
        path.write_bytes(bytes.fromhex(value))
    elif op == "prepend_bytes_hex":
        path.write_bytes(bytes.fromhex(value) + path.read_bytes())
    elif op == "append":
        with path.open("a", encoding="utf-8", newline="") as f:
            f.write(value)
    elif op == "generate":
        line = value["line"].encode("utf-8")
        size = int(value["bytes"])
        path.write_bytes((line * (size // len(line) + 1))[:size])
    elif op == "line_endings":
        ending = {"crlf": b"\r\n", "cr": b"\r"}[value]
        path.write_bytes(path.read_bytes().replace(b"\n", ending))
    elif op == "translate":
        po = polib.pofile(str(path), wrapwidth=0)
        entries = {entry.msgid: entry for entry in po if not entry.obsolete}
        for block_id, text in value.items():
            english = english_of(source, block_id)
            assert english in entries, f"stale case: no message for '{block_id}' in {shown}"
            entries[english].msgstr = text
        po.save(str(path))
    elif op == "encode":
        # (characters the legacy encoding lacks, such as the theme's en dashes,
        # become '?': the case is about the bytes that encoding gives the rest)
        path.write_bytes(path.read_text(encoding="utf-8").encode(value, errors="replace"))
    else:
        raise AssertionError(f"unknown edit operation {op!r}")


def english_of(source: Path, block_id: str) -> str:
    """The English text (the PO msgid) of a block, named in the cases by its id in the model."""
    from pipeline.i18n.catalog import message_of
    from pipeline.load import load_book
    from pipeline.text_units import book_units, theme_units
    from pipeline.theme import load_theme

    strings = dict(load_theme(ROOT / "themes" / "default").strings)
    units = list(book_units(load_book(source))) + list(theme_units(strings, "themes/default/strings.yml"))
    found = [message_of(unit) for unit in units if unit.ctx == block_id]
    assert found, f"stale case: no block '{block_id}' in the minibook"
    return found[0]


ENV = {"NO_COLOR": "1", "COLUMNS": "200"}


def run_cli(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """`compendium ARGS` as its own process: the real entry point, its exit status and streams."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), **ENV)
    return subprocess.run(
        [sys.executable, "-m", "pipeline.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def run_in_process(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """`compendium ARGS` through click's CliRunner, in this process (no interpreter to start).

    The same command object the entry point runs, with the same environment and working
    folder. An exception the command lets escape is what the entry point would print as a
    traceback: it is put into stderr as one, so the cases' "no traceback" still fails on it.
    """
    from click.testing import CliRunner

    from pipeline.cli import main

    here = Path.cwd()
    os.chdir(cwd)
    try:
        result = CliRunner(env=ENV).invoke(main, args, catch_exceptions=True)
    finally:
        os.chdir(here)
    stderr = result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        assert result.exc_info is not None
        stderr += "Traceback (most recent call last):\n" + "".join(traceback.format_exception(*result.exc_info))
    return subprocess.CompletedProcess(["compendium", *args], result.exit_code, result.stdout, stderr)


def runner_for(args: list[str]) -> Callable[[list[str], Path], subprocess.CompletedProcess[str]]:
    """In process, except `build`: the scheduler's worker processes, their signals and the
    build lock are process boundaries, and its progress writes to the process's own stderr."""
    return run_cli if args and args[0] == "build" else run_in_process


def make_source(tmp_path: Path) -> Path:
    source = tmp_path / SOURCE_NAME
    shutil.copytree(MINIBOOK, source)
    return source


_TEMPLATES: dict[tuple[str, tuple[str, ...] | None], Path] = {}


def make_project(tmp_path: Path, case: dict[str, Any], cache: Path | None = None) -> Path:
    """The project layout: source/, themes/ (linked or copied), translations/; returns the source.

    With `cache` (a folder kept for the session), a layout with the same theme
    mode and languages is made once, there, and copied for each case: the PO
    files depend on the minibook and the theme, never on a case's edits."""
    theme_mode = "copy" if case.get("theme") == "copy" else "link"
    languages = case.get("languages")
    key = (theme_mode, tuple(languages) if languages is not None else None)
    if cache is not None:
        if key not in _TEMPLATES:
            template = cache / f"template-{len(_TEMPLATES)}"
            template.mkdir()
            make_project(template, case)
            _TEMPLATES[key] = template
        shutil.copytree(_TEMPLATES[key], tmp_path, symlinks=True, dirs_exist_ok=True)
        return tmp_path / "source"
    source = tmp_path / "source"
    shutil.copytree(MINIBOOK, source)
    if theme_mode == "copy":
        shutil.copytree(ROOT / "themes", tmp_path / "themes", ignore=shutil.ignore_patterns("*.ttf", "*.otf"))
    else:
        (tmp_path / "themes").symlink_to(ROOT / "themes", target_is_directory=True)
    if languages is None:
        return source
    book = source / "book.yml"
    anchor = "  - {code: en, name: English, status: source}\n"
    text = book.read_text(encoding="utf-8")
    assert anchor in text, "the minibook's book.yml no longer lists English as expected"
    added = "".join(f"  - {{code: {lang}, name: {LANGUAGE_NAMES.get(lang, lang)}, status: draft}}\n"
                    for lang in languages)
    book.write_text(text.replace(anchor, anchor + added), encoding="utf-8")
    for args in [["i18n", "extract"], *(["i18n", "init", lang] for lang in languages)]:
        result = run_in_process([*args, "--project", str(tmp_path)], tmp_path)
        assert result.returncode == 0, f"setting up the case failed: {' '.join(args)}:\n{result.stderr}"
    return source


@pytest.fixture(scope="session")
def project_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("bad-input-projects")


def expected_line(project: Path, target: Path, expect: dict[str, Any]) -> int | None:
    """The line the message must name, from `line`, `line_of` or `entry`."""
    if "line" in expect:
        return int(expect["line"])
    if "line_of" in expect:
        text, occurrence = expect["line_of"] if isinstance(expect["line_of"], list) else (expect["line_of"], 1)
        lines = target.read_bytes().decode("utf-8", errors="replace").split("\n")
        found = [number for number, line in enumerate(lines, start=1) if text in line]
        assert found, f"stale case: {text!r} is not in {target.relative_to(project)}"
        return found[occurrence - 1 if occurrence > 0 else occurrence]
    if "entry" in expect:  # a translation's error names the line of its msgstr
        text = target.read_bytes().decode("utf-8", errors="replace")
        po = polib.pofile(text)
        english = english_of(project / "source", expect["entry"])
        lines = [entry.linenum for entry in po if entry.msgid == english and not entry.obsolete]
        assert lines, f"stale case: no message for '{expect['entry']}' in {target.relative_to(project)}"
        file_lines = text.split("\n")
        return next(n for n in range(lines[0], len(file_lines) + 1) if file_lines[n - 1].startswith("msgstr"))
    return None


def test_minibook_passes(tmp_path: Path) -> None:
    source = make_source(tmp_path)
    result = run_cli(["check", "--source", str(source)], tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "0 error(s), 0 warning(s)" in output
    assert "Traceback" not in output


def test_minibook_json(tmp_path: Path) -> None:
    source = make_source(tmp_path)
    result = run_cli(["check", "--source", str(source), "--format", "json"], tmp_path)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["errors"] == 0 and report["findings"] == []
    assert report["summary"]["promising_practices"] == 1
    assert report["summary"]["footnotes"] == 2
    assert report["summary"]["tables"] == 1


def test_minibook_with_a_translation_passes(tmp_path: Path) -> None:
    """The starting point of the PO cases: a fresh French PO file is no error."""
    source = make_project(tmp_path, {"languages": ["fr"]})
    assert (tmp_path / "translations" / "fr.po").is_file()
    result = run_cli(["check", "--source", str(source)], tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "0 error(s), 0 warning(s)" in output


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_bad_input(case: dict[str, Any], tmp_path: Path, project_cache: Path) -> None:
    source = make_project(tmp_path, case, project_cache) if _needs_project(case) else make_source(tmp_path)
    for edit in case.get("edits", []):
        apply_edit(source, edit)
    args = [
        a.replace("{source}", str(source)).replace("{project}", str(tmp_path))
        for a in case.get("args", ["check", "--source", "{source}"])
    ]
    result = runner_for(args)(args, tmp_path)
    output = result.stdout + result.stderr
    expect = case["expect"]

    assert "Traceback" not in output, output
    assert result.returncode == expect["exit"], (
        f"exit {result.returncode}, expected {expect['exit']}:\n{output}"
    )
    message = re.compile(expect["message"])
    lines = [line for line in output.splitlines() if message.search(line)]
    assert lines, f"no line matches /{expect['message']}/:\n{output}"
    assert not ("file" in expect and "path" in expect), "expect names a `file` or a `path`, not both"
    if "file" in expect or "path" in expect:
        where = f"{source.name}/{expect['file']}" if "file" in expect else expect["path"]
        target = source / expect["file"] if "file" in expect else tmp_path / expect["path"]
        line = expected_line(tmp_path, target, expect)
        if line is not None:
            where += f":{line}:"
        assert any(where in line for line in lines), (
            f"no line with /{expect['message']}/ names {where}:\n{output}"
        )
    else:
        assert not {"line", "line_of", "entry"} & set(expect), "a line needs a `file` or a `path`"
    # one line per message, short enough to read in a terminal
    for line in lines:
        assert len(line) < 400, f"message too long: {line}"
    # nothing from a file reaches the terminal as a control sequence (C0, C1,
    # ESC-introduced: CSI, OSC, DCS...): line ends and tabs only
    raw = re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]", output)
    assert raw is None, f"raw control character {raw.group(0)!r} in the output: {output[:2000]!r}"
