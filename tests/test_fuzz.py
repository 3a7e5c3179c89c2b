"""Property-based tests: whatever comes in ends in a model or in a clear error.

A bounded run is part of `make test`; `make fuzz` runs the same properties
much longer (HYPOTHESIS_PROFILE=fuzz).
"""

from __future__ import annotations

import functools
import os
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.checks import run_checks
from pipeline.errors import PipelineError, SourceError
from pipeline.i18n.catalog import read_po
from pipeline.i18n.inline import to_markdown
from pipeline.load import load_book
from pipeline.markdown import BlockContext, parse_blocks, parse_inline
from pipeline.model import Book, Loc

from .conftest import ROOT

settings.register_profile("default", max_examples=60, deadline=None,
                          suppress_health_check=[HealthCheck.function_scoped_fixture])
# `make fuzz`: batches of fresh random examples (no example database, so no batch
# replays the last), repeated by `budgeted` until the run's time is spent.
settings.register_profile("fuzz", max_examples=50, deadline=None, database=None,
                          suppress_health_check=[HealthCheck.function_scoped_fixture])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
FUZZ = os.environ.get("HYPOTHESIS_PROFILE", "default") == "fuzz"
# The whole `make fuzz` run, in seconds, shared equally by the properties marked @budgeted below.
FUZZ_SECONDS = float(os.environ.get("FUZZ_SECONDS", "300"))
BUDGETED: list[str] = []  # their names (filled as the module loads)
# Examples each property ran in this session (fuzz profile only): the figures `make fuzz` prints.
EXAMPLES_RUN: dict[str, int] = {}


def budgeted(test: Callable[..., None]) -> Callable[..., None]:
    """In the fuzz profile, run a Hypothesis property batch after batch for its share of FUZZ_SECONDS.

    Hypothesis has no time budget of its own (only a number of examples), and
    the cost of an example differs by orders of magnitude between properties;
    a budget in seconds is what `make fuzz` promises. Outside the fuzz profile
    the test is returned as it is.
    """
    BUDGETED.append(test.__name__)
    if not FUZZ:
        return test
    name = test.__name__
    inner = test.hypothesis.inner_test  # type: ignore[attr-defined]

    @functools.wraps(inner)
    def counted(*args: Any, **kwargs: Any) -> None:
        EXAMPLES_RUN[name] = EXAMPLES_RUN.get(name, 0) + 1
        inner(*args, **kwargs)

    # Hypothesis's documented hook for wrapping the function it calls once per example.
    test.hypothesis.inner_test = counted  # type: ignore[attr-defined]

    @functools.wraps(test)
    def run_until_spent(*args: Any, **kwargs: Any) -> None:
        stop = time.monotonic() + FUZZ_SECONDS / len(BUDGETED)
        while time.monotonic() < stop:
            test(*args, **kwargs)

    return run_until_spent


@pytest.fixture(scope="module", autouse=True)
def fuzz_figures(request: pytest.FixtureRequest) -> Iterator[None]:
    """After a fuzz run, print how many examples each property ran."""
    yield
    if FUZZ:
        plugins = request.config.pluginmanager
        reporter = plugins.getplugin("terminalreporter")
        with plugins.getplugin("capturemanager").global_and_fixture_disabled():
            reporter.write_line("")
            for name, count in sorted(EXAMPLES_RUN.items()):
                reporter.write_line(f"fuzz: {count:>7} examples  {name}")
            reporter.write_line(f"fuzz: {sum(EXAMPLES_RUN.values()):>7} examples in all")

MINIBOOK = ROOT / "tests" / "fixtures" / "minibook"
ICONS = ("more-info", "practical-info", "tips", "lessons-learnt", "promising-practice")

# Markdown-ish text: the characters that make syntax, plus ordinary words.
SYNTAX = st.sampled_from([
    ":::", "::::", " tips", " {#a-b}", ' {#x title="T"}', "{", "}", "#", "## ", "### ", "- ", "1. ", "* ", "**",
    "_", "[", "]", "(", ")", "[^i]", "[^x]", "(#a)", "(https://example.org/x)", "<https://a.org>", "<b>",
    "</b>", "<script>", "|", " | ", "---", "\n", "\n\n", "\t", "    ", "`", "\\", "Table: Cap {#tbl-x}",
    "words", "see section 1.4", "é", "\u202e", "\x00", "\ufeff",
])
MARKDOWN = st.lists(st.one_of(SYNTAX, st.text(max_size=8)), max_size=40).map("".join)


def _ctx() -> BlockContext:
    return BlockContext("fuzz.md", 1, "fuzz", lambda name: name in ICONS, ", ".join(ICONS))


@budgeted
@given(MARKDOWN)
def test_markdown_parses_to_blocks_or_a_clear_error(text: str) -> None:
    try:
        parse_blocks(text, _ctx())
    except SourceError as exc:
        assert exc.loc is not None and exc.loc.file == "fuzz.md"
        assert "\n" not in exc.message


@budgeted
@given(MARKDOWN)
def test_inline_markdown_round_trips(text: str) -> None:
    """The normalised message of any text is stable: writing it, reading it and writing it again gives it back."""
    try:
        nodes = parse_inline(text, Loc("fuzz.md", 1))
    except SourceError:
        return
    message = to_markdown(nodes)
    assert to_markdown(parse_inline(message, Loc("fuzz.md", 1))) == message


@budgeted
@given(body=MARKDOWN, front=st.sampled_from([
    "id: sec-a\ntitle: A\nsectors: [general]\n",
    "id: sec-a\ntitle: A\nsectors: general\n",
    "id: sec-a\ntitle: [A]\nsectors: [general]\n",
    "id: 'sec a'\ntitle: A\nsectors: [general]\n",
    "id: sec-a\n\ttitle: A\n",
    "id: sec-a\nid: sec-b\ntitle: A\nsectors: [general]\n",
    "!!python/object:os.system\n",
    "a: &x [*x]\n",
    "",
]))
def test_loader_gives_a_model_or_a_clear_error(tmp_path_factory: pytest.TempPathFactory, body: str, front: str) -> None:
    root = tmp_path_factory.mktemp("fuzz")
    shutil.copytree(MINIBOOK, root / "source")
    section = sorted((root / "source").rglob("*.md"))[-1]
    section.write_text(f"---\n{front}---\n{body}\n", encoding="utf-8")
    try:
        load_book(root / "source")
    except SourceError as exc:
        assert exc.loc is not None
        assert exc.loc.file.startswith("source/"), exc.loc


PO_PIECES = st.sampled_from([
    'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n',
    'msgctxt "a"\n', 'msgid "x"\n', 'msgstr "y"\n', 'msgstr ""\n', '"continued"\n', '#, fuzzy\n', '#~ msgid "old"\n',
    '#| msgid "prev"\n', 'msgid "unterminated\n', '"\\x"\n', "\n", 'msgid_plural "xs"\n', 'msgstr[0] "a"\n',
    '"Content-Type: text/plain; charset=latin-1\\n"\n', "\ufeff", "\xff",
])


@budgeted
@given(st.lists(st.one_of(PO_PIECES, st.text(max_size=6)), max_size=30).map("".join))
def test_po_import_gives_a_catalog_or_a_clear_error(tmp_path_factory: pytest.TempPathFactory, text: str) -> None:
    path = tmp_path_factory.mktemp("po") / "xx.po"
    path.write_bytes(text.encode("utf-8", errors="surrogatepass"))
    try:
        read_po(path)
    except PipelineError as exc:
        assert exc.loc is not None and exc.loc.file == str(path)
        assert "\n" not in exc.message


def test_the_minibook_itself_loads() -> None:
    assert load_book(MINIBOOK).parts


def test_the_loader_property_edits_a_file_of_a_clean_book(tmp_path: Path) -> None:
    """What the loader property starts from is sound, so an error it meets comes from what it wrote.

    The minibook has no findings; the file the property rewrites (the last Markdown
    file) is one the model is made from; written back in the property's own form
    (`---` front matter `---` body) it gives the same parts and sections, and a change
    to its front matter reaches the model.
    """
    original = load_book(MINIBOOK)
    assert run_checks(original) == []
    shutil.copytree(MINIBOOK, tmp_path / "source")
    section = sorted((tmp_path / "source").rglob("*.md"))[-1]
    _, front, body = section.read_text(encoding="utf-8").split("---\n", 2)
    section.write_text(f"---\n{front}---\n{body}\n", encoding="utf-8")
    again = load_book(tmp_path / "source")

    def outline(book: Book) -> list[tuple[str, str, list[str]]]:
        return [(part.id, part.title, [s.id for s in part.sections]) for part in book.parts]

    assert outline(again) == outline(original)
    title = next(line for line in front.splitlines() if line.startswith("title: "))
    section.write_text(f"---\n{front.replace(title, 'title: Fuzzed Title')}---\n{body}\n", encoding="utf-8")
    assert "Fuzzed Title" in [title for _, title, _ in outline(load_book(tmp_path / "source"))]


# -- the link checker's response parsing: whatever a server sends ------------

# A server's answer built from the pieces that make HTTP, and noise.
HTTP_PIECES = st.sampled_from([
    b"HTTP/1.1 ", b"HTTP/1.0 ", b"HTTP/2 ", b"200", b"301", b"404", b"429", b"503", b"999", b"-1", b" OK",
    b"\r\n", b"\n", b"\r\n\r\n", b"Location: ", b"Retry-After: ", b"Content-Length: ", b"Transfer-Encoding: chunked",
    b"http://127.0.0.1:1/x", b"https://", b"javascript:alert(1)", b"Mon, 01 Jan 2024 00:00:00 GMT", b"99999999999",
    b"\x1b]52;c;eA==\x07", b"\x9b2J", b"\x00", b"\xff\xfe", b": ", b"X" * 70000,
])
RESPONSE = st.lists(st.one_of(HTTP_PIECES, st.binary(max_size=16)), max_size=30).map(b"".join)


class _OneAnswerServer:
    """127.0.0.1: every connection gets `self.answer`, then is closed."""

    def __init__(self) -> None:
        import socket
        import threading

        self.answer = b""
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.1)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/x"
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            with conn:
                try:
                    conn.settimeout(2)
                    conn.recv(65536)
                    conn.sendall(self.answer)
                except OSError:
                    pass


@pytest.fixture(scope="module")
def one_answer_server():  # type: ignore[no-untyped-def]
    server = _OneAnswerServer()
    yield server
    server.stop.set()
    server.thread.join(5)
    server.sock.close()


# (each example is a request over loopback: a short run in `make test`, the long one in `make fuzz`)
@budgeted
@settings(max_examples=25 if not FUZZ else 50)
@given(answer=RESPONSE)
def test_any_server_answer_is_a_result_with_printable_words(one_answer_server, answer: bytes) -> None:  # type: ignore[no-untyped-def]
    import re

    from pipeline.linkcheck.check import CATEGORIES, Checker, Options
    from pipeline.linkcheck.collect import url_key

    one_answer_server.answer = answer
    if not hasattr(one_answer_server, "checker"):  # one checker: its TLS context costs 0.3 s to make
        one_answer_server.checker = Checker(Options(timeout=2.0, retries=1, backoff=0.0, retry_after_cap=0.0,
                                                    max_redirects=2, proxies={}))
    result = one_answer_server.checker.check([one_answer_server.url])[url_key(one_answer_server.url)]
    assert result.category in CATEGORIES
    assert not re.search(r"[\x00-\x1f\x7f-\x9f]", result.detail), repr(result.detail)


@budgeted
@given(value=st.one_of(st.none(), st.text(max_size=60)))
def test_retry_after_is_a_wait_or_nothing(value: str | None) -> None:
    from pipeline.linkcheck.check import parse_retry_after

    wait = parse_retry_after(value, 1_700_000_000.0)
    assert wait is None or wait >= 0
