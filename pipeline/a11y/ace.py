"""DAISY Ace on an EPUB: its findings, as ours.

Ace (npm `@daisy/ace`) runs axe-core and EPUB-specific rules in a headless
Chromium. The project installs it with `make a11y` (or `make test`) into
`.vendor/` with Debian's chromium, never downloading a browser of its own
(`scripts/tools.sh`). It is optional for a build; `compendium a11y` says when
it is missing instead of passing silently.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..errors import PipelineError
from .findings import Finding

# Ace's whole run (Chromium start, every document) on the largest edition
# takes about half a minute here; a run past this is a hang.
ACE_TIMEOUT_S = 300


def find_ace(project_root: Path) -> Path | None:
    """The Ace command installed for the project, or one on PATH."""
    local = project_root / ".vendor" / "node_modules" / ".bin" / "ace-puppeteer"
    if local.is_file():
        return local
    found = shutil.which("ace-puppeteer")
    return Path(found) if found else None


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def run_ace(ace: Path, epub: Path, shown: str) -> list[Finding]:
    """Every assertion Ace fails on `epub`, one Finding each."""
    chromium = find_chromium()
    if chromium is None:
        raise PipelineError("DAISY Ace needs Chromium (Debian package `chromium`): run `make a11y` to install it")
    env = dict(os.environ, PUPPETEER_EXECUTABLE_PATH=chromium, PUPPETEER_SKIP_DOWNLOAD="1")
    with tempfile.TemporaryDirectory(prefix="ace-") as out:
        try:
            done = subprocess.run(
                [str(ace), "--silent", "--subdir", "--outdir", out, str(epub)],
                env=env, capture_output=True, text=True, timeout=ACE_TIMEOUT_S, check=False,
            )
        except subprocess.TimeoutExpired:
            raise PipelineError(f"{shown}: DAISY Ace did not finish within {ACE_TIMEOUT_S} s") from None
        reports = list(Path(out).glob("**/report.json"))
        if not reports:
            last = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
            raise PipelineError(f"{shown}: DAISY Ace wrote no report (exit {done.returncode}): {last[0][:200]}")
        report = json.loads(reports[0].read_text(encoding="utf-8"))
    return list(findings_of(report, shown))


def findings_of(report: dict, shown: str):  # type: ignore[no-untyped-def]
    for document in report.get("assertions", []):
        url = document.get("earl:testSubject", {}).get("url", "?")
        for assertion in document.get("assertions", []):
            test = assertion.get("earl:test", {})
            result = assertion.get("earl:result", {})
            pointer = ", ".join(result.get("earl:pointer", {}).get("css", [])[:2])
            where = f"{url} {pointer}".strip()
            yield Finding(shown, f"ace {test.get('dct:title', '?')}", where,
                          " ".join(str(result.get("dct:description", "")).split())[:300],
                          test.get("earl:impact", "serious"))
