"""`compendium serve` on the small fixture book: it serves, follows edits, shows errors, stops cleanly.

Every wait is bounded (a deadline, polling over HTTP); the server binds to
127.0.0.1 on a free port and is always stopped.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import ROOT
from .test_web import copy_project

DEADLINE = 30.0  # seconds: far above a rebuild of the minibook (about 0.5 s)


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8")


def until(condition, what: str) -> None:  # type: ignore[no-untyped-def]
    end = time.monotonic() + DEADLINE
    while time.monotonic() < end:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"not within {DEADLINE:.0f} s: {what}")


class Preview:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.log = root / "serve.log"
        self.handle = open(self.log, "w")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "pipeline.cli", "serve", "--project", str(root)],
            stdout=self.handle, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONPATH": str(ROOT)})
        self.url = ""
        until(self._started, "the server prints its address")

    def _started(self) -> bool:
        match = re.search(r"serving (http://127\.0\.0\.1:(\d+)/)", self.log.read_text())
        if match:
            self.url, self.port = match.group(1), int(match.group(2))
        assert self.process.poll() is None, self.log.read_text()
        return bool(match)

    def output(self) -> str:
        return self.log.read_text()

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=DEADLINE)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                raise AssertionError("Ctrl-C did not stop the server") from None
        self.handle.close()
        return self.process.returncode


@pytest.fixture
def preview(tmp_path: Path) -> Iterator[Preview]:
    root = copy_project(tmp_path / "p", ["en"], source=ROOT / "tests" / "fixtures" / "minibook")
    server = Preview(root)
    try:
        yield server
    finally:
        server.stop()


def test_serve_follows_an_edit_shows_an_error_and_stops_cleanly(preview: Preview) -> None:
    page = f"{preview.url}en/first-section.html"
    status, text = fetch(page)
    assert status == 200 and "An opening paragraph with a footnote." in text
    assert "/__compendium/events" in text  # the live-reload script is served, not built
    assert "__compendium" not in (preview.root / "build" / "web" / "en" / "first-section.html").read_text()

    # an edit: the page's text changes over HTTP
    md = preview.root / "source" / "part-1" / "1-1.md"
    original = md.read_text(encoding="utf-8")
    md.write_text(original.replace("An opening paragraph", "A freshly edited paragraph"), encoding="utf-8")
    until(lambda: "A freshly edited paragraph" in fetch(page)[1], "the edit is served")
    until(lambda: re.search(r"rebuilt en .*: 1 page\(s\) rewritten \(en/first-section\.html\)", preview.output()),
          "the terminal says which page was rewritten")

    # a broken box: the page shows the error with its file:line, and so does the terminal
    md.write_text(original.replace("::: tips {#tips-working-together", "::: no-such-box {#tips-working-together"),
                  encoding="utf-8")
    until(lambda: fetch(page)[0] == 500, "the error page")
    status, text = fetch(page)
    assert "source/part-1/1-1.md:" in text and "no-such-box" in text
    until(lambda: re.search(r"source/part-1/1-1\.md:\d+: .*no-such-box", preview.output()), "the error in the terminal")
    assert preview.process.poll() is None  # still serving

    # fixed: the page comes back
    md.write_text(original, encoding="utf-8")
    until(lambda: fetch(page)[0] == 200, "the page after the fix")

    # Ctrl-C: a clean stop, the port released
    assert preview.stop() == 0
    assert "stopped" in preview.output() and "Traceback" not in preview.output()
    with socket.socket() as probe:
        # (SO_REUSEADDR: closed connections may linger in TIME_WAIT; a listener would still refuse the bind)
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("127.0.0.1", preview.port))


def test_the_event_stream_announces_a_rebuild(preview: Preview) -> None:
    with urllib.request.urlopen(f"{preview.url}__compendium/events", timeout=DEADLINE) as events:
        first = events.readline().decode()
        assert first.startswith("data: ")
        events.readline()
        md = preview.root / "source" / "back" / "conclusion.md"
        md.write_text(md.read_text(encoding="utf-8") + "\nOne more sentence.\n", encoding="utf-8")
        while True:  # bounded by the urlopen timeout
            line = events.readline().decode()
            if line.startswith("data: "):
                assert line != first
                break


def test_serve_refuses_an_unknown_language(tmp_path: Path) -> None:
    root = copy_project(tmp_path / "p", ["en"], source=ROOT / "tests" / "fixtures" / "minibook")
    proc = subprocess.run([sys.executable, "-m", "pipeline.cli", "serve", "--project", str(root), "--lang", "xx"],
                          capture_output=True, text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 1
    assert "unknown language 'xx'" in proc.stderr and "Traceback" not in proc.stderr


def test_an_open_page_reloads_itself_after_an_edit(preview: Preview) -> None:
    from .test_web import shared_browser

    context = shared_browser().new_context()
    try:
        tab = context.new_page()
        with tab.expect_request("**/__compendium/events", timeout=DEADLINE * 1000):
            tab.goto(f"{preview.url}en/second-section.html")
        heading = tab.locator("main article h1")
        before = heading.inner_text()
        md = preview.root / "source" / "part-1" / "1-2.md"
        md.write_text(re.sub(r"^title: .*$", "title: A Retitled Section", md.read_text(encoding="utf-8"),
                             count=1, flags=re.M), encoding="utf-8")
        tab.wait_for_function("() => document.querySelector('main article h1').textContent"
                              ".includes('A Retitled Section')", timeout=DEADLINE * 1000)
        assert heading.inner_text() != before
    finally:
        context.close()
