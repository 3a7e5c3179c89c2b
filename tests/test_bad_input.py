"""A catalogue of bad inputs: each case breaks the minibook one way and names the
message `compendium check` must give (file, line, words), with no traceback.

The cases live in tests/bad_input/cases.yml; this module only applies them.
Edits operate on a copy of tests/fixtures/minibook (relative paths inside it):

  {file: F, replace: [OLD, NEW]}     OLD must occur in F (else the case is stale)
  {file: F, write: TEXT}             create or overwrite F
  {file: F, write_bytes_hex: HEX}    overwrite F with these bytes
  {file: F, prepend_bytes_hex: HEX}  put these bytes before F's content
  {file: F, append: TEXT}            add TEXT at the end of F
  {file: F, delete: true}            remove F
  {file: F, generate: {bytes: N, line: TEXT}}  F := TEXT repeated to N bytes
                                     (large files are made here, never committed)
  {file: F, line_endings: crlf|cr}   rewrite F's line ends

A case may give `args` (the command line after `compendium`) with `{source}`
standing for the copy's path; the default is `check --source {source}`.
`expect.file` is relative to the source folder; the test looks for it as
`minibook/FILE` (paths are printed relative to the project, the source's parent).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
MINIBOOK = Path(__file__).resolve().parent / "fixtures" / "minibook"
CASES_FILE = Path(__file__).resolve().parent / "bad_input" / "cases.yml"
SOURCE_NAME = "minibook"


def _load_cases() -> list[dict[str, Any]]:
    cases = yaml.safe_load(CASES_FILE.read_text(encoding="utf-8"))
    assert isinstance(cases, list) and cases, "cases.yml must be a list of cases"
    names = [c["name"] for c in cases]
    dupes = sorted({n for n in names if names.count(n) > 1})
    assert not dupes, f"duplicate case names in cases.yml: {dupes}"
    return cases


CASES = _load_cases()


def apply_edit(source: Path, edit: dict[str, Any]) -> None:
    path = source / edit["file"]
    ops = set(edit) - {"file"}
    assert len(ops) == 1, f"one operation per edit, got {sorted(ops)}"
    (op,) = ops
    value = edit[op]
    if op == "delete":
        assert path.exists(), f"cannot delete {edit['file']}: it does not exist"
        path.unlink()
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    if op == "replace":
        old, new = value
        text = path.read_text(encoding="utf-8")
        assert old in text, f"stale case: {old!r} not found in {edit['file']}"
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
    else:
        raise AssertionError(f"unknown edit operation {op!r}")


def run_cli(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), NO_COLOR="1", COLUMNS="200")
    return subprocess.run(
        [sys.executable, "-m", "pipeline.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def make_source(tmp_path: Path) -> Path:
    source = tmp_path / SOURCE_NAME
    shutil.copytree(MINIBOOK, source)
    return source


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


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_bad_input(case: dict[str, Any], tmp_path: Path) -> None:
    source = make_source(tmp_path)
    for edit in case.get("edits", []):
        apply_edit(source, edit)
    args = [
        a.replace("{source}", str(source))
        for a in case.get("args", ["check", "--source", "{source}"])
    ]
    result = run_cli(args, tmp_path)
    output = result.stdout + result.stderr
    expect = case["expect"]

    assert "Traceback" not in output, output
    assert result.returncode == expect["exit"], (
        f"exit {result.returncode}, expected {expect['exit']}:\n{output}"
    )
    message = re.compile(expect["message"])
    lines = [line for line in output.splitlines() if message.search(line)]
    assert lines, f"no line matches /{expect['message']}/:\n{output}"
    if "file" in expect:
        where = f"{SOURCE_NAME}/{expect['file']}"
        if "line" in expect:
            where += f":{expect['line']}:"
        assert any(where in line for line in lines), (
            f"no line with /{expect['message']}/ names {where}:\n{output}"
        )
    # one line per message, short enough to read in a terminal
    for line in lines:
        assert len(line) < 400, f"message too long: {line}"
