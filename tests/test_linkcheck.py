"""`compendium links`: the link checker, against HTTP servers the tests start on 127.0.0.1.

Nothing here touches the internet: every address is a local server started
for the test, or a port nobody listens on.
"""

from __future__ import annotations

import json
import re
import shutil
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.errors import SourceError
from pipeline.linkcheck import (
    Cache,
    Checker,
    Options,
    collect_links,
    load_dead_links,
    run_linkcheck,
    text_links,
)
from pipeline.linkcheck.check import RetryPolicy, parse_retry_after
from pipeline.linkcheck.cli import links
from pipeline.linkcheck.collect import CitedLink, url_key
from pipeline.load import load_book
from pipeline.model import Loc

from .conftest import ROOT

# (status, headers, seconds to wait before answering)
Answer = tuple[int, dict[str, str], float]
Route = Callable[[str, int], Answer]  # (method, how many requests this path had before) -> answer


class _App:
    """What the test server answers, and what it saw."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.hits: Counter[str] = Counter()
        self.methods: list[tuple[str, str]] = []
        self.lock = threading.Lock()
        self.in_flight = 0
        self.max_in_flight = 0


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_HEAD(self) -> None:  # noqa: N802
        self._serve("HEAD")

    def do_GET(self) -> None:  # noqa: N802
        self._serve("GET")

    def _serve(self, method: str) -> None:
        app = self.server.app
        with app.lock:
            seen = app.hits[self.path]
            app.hits[self.path] += 1
            app.methods.append((method, self.path))
            app.in_flight += 1
            app.max_in_flight = max(app.max_in_flight, app.in_flight)
        try:
            route = app.routes.get(self.path)
            status, headers, delay = route(method, seen) if route else (404, {}, 0.0)
            if delay:
                time.sleep(delay)
        finally:
            # Counted out before answering: the client may start its next request
            # as soon as it has the answer, and that one must not be counted twice.
            with app.lock:
                app.in_flight -= 1
        try:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", "0")
            self.end_headers()
        except OSError:
            pass  # the client gave up (the timeout test)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.app = _App()


class Site:
    def __init__(self, server: _Server) -> None:
        self.server = server
        self.app = server.app
        self.base = f"http://127.0.0.1:{server.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def route(self, path: str, route: Route) -> str:
        self.app.routes[path] = route
        return self.url(path)

    def answer(self, path: str, status: int, headers: dict[str, str] | None = None, delay: float = 0.0) -> str:
        return self.route(path, lambda method, seen: (status, headers or {}, delay))


@pytest.fixture
def site() -> Iterator[Site]:
    server = _Server()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield Site(server)
    finally:
        server.shutdown()
        server.server_close()


def fast(**kw: object) -> Options:
    """Options for tests: short timeout, tiny backoff, no proxy."""
    base: dict[str, object] = {"timeout": 0.5, "backoff": 0.01, "retries": 3, "proxies": {}}
    base.update(kw)
    return Options(**base)  # type: ignore[arg-type]


def check_one(url: str, **kw: object):  # type: ignore[no-untyped-def]
    return Checker(fast(**kw)).check([url])[url_key(url)]


# --------------------------------------------------------------------------- outcomes


def test_ok(site: Site) -> None:
    result = check_one(site.answer("/fine", 200))
    assert (result.category, result.status, result.method, result.attempts) == (
        "ok",
        200,
        "HEAD",
        1,
    )
    assert not result.failed and not result.moved_to
    assert site.app.methods == [("HEAD", "/fine")]


def test_permanent_redirect_reports_the_new_address(site: Site) -> None:
    new = site.answer("/new", 200)
    old = site.answer("/old", 301, {"Location": "/new"})
    result = check_one(old + "#part-2")
    assert result.category == "redirected"
    assert result.moved_to == new + "#part-2"  # the reader's fragment is kept
    assert result.redirects == [(301, new)]
    assert result.final_url == new and result.status == 200


def test_temporary_redirect_is_ok_without_a_new_address(site: Site) -> None:
    site.answer("/today", 200)
    result = check_one(site.answer("/latest", 302, {"Location": "/today"}))
    assert result.category == "ok" and result.moved_to == ""
    assert result.final_url == site.url("/today")


@pytest.mark.parametrize("status", [404, 410])
def test_broken(site: Site, status: int) -> None:
    result = check_one(site.answer("/gone", status))
    assert (result.category, result.status) == ("broken", status)
    assert result.failed
    # An error answer to HEAD is confirmed with GET (some servers fail HEAD only); never retried.
    assert site.app.methods == [("HEAD", "/gone"), ("GET", "/gone")]


def test_429_honours_retry_after(site: Site) -> None:
    url = site.route(
        "/busy",
        lambda method, seen: (429, {"Retry-After": "1"}, 0.0) if seen == 0 else (200, {}, 0.0),
    )
    started = time.monotonic()
    result = check_one(url, backoff=0.01)
    waited = time.monotonic() - started
    assert result.category == "ok" and result.attempts == 2
    assert waited >= 0.9, "Retry-After: 1 was not honoured (the backoff alone is 0.01 s)"


def test_retry_after_forms_and_cap() -> None:
    now = 1_700_000_000.0
    assert parse_retry_after("120", now) == 120
    assert parse_retry_after(formatdate(now + 30, usegmt=True), now) == pytest.approx(30, abs=1)
    assert parse_retry_after(formatdate(now - 30, usegmt=True), now) == 0  # already past
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after(None, now) is None


def test_retry_policy() -> None:
    """Which answers are asked for again, and the waits: backoff doubled up to its cap, Retry-After first."""
    policy = RetryPolicy(retries=3, backoff=1.0, backoff_max=3.0, retry_after_cap=10.0)
    now = 1_700_000_000.0
    assert [policy.retries_after(s, 0) for s in (200, 301, 404, 429, 500, 503)] == [False] * 3 + [True] * 3
    assert policy.retries_after(503, 2) and not policy.retries_after(503, 3)  # three retries, no more
    assert [policy.delay(n, None, now) for n in range(4)] == [1.0, 2.0, 3.0, 3.0]
    assert policy.delay(0, "7", now) == 7.0  # the server's word over the backoff
    assert policy.delay(0, "3600", now) == 10.0  # capped
    assert policy.delay(2, "soon", now) == 3.0  # not a Retry-After: the backoff
    assert RetryPolicy(0, 1.0, 30.0, 60.0).retries_after(503, 0) is False


def test_long_retry_after_is_capped(site: Site) -> None:
    url = site.route(
        "/slowdown",
        lambda method, seen: (503, {"Retry-After": "3600"}, 0.0) if seen == 0 else (200, {}, 0.0),
    )
    started = time.monotonic()
    result = check_one(url, retry_after_cap=0.2)
    assert result.category == "ok"
    assert 0.15 <= time.monotonic() - started < 2


def test_500_then_200_after_retries(site: Site) -> None:
    url = site.route("/flaky", lambda method, seen: (500, {}, 0.0) if seen < 2 else (200, {}, 0.0))
    result = check_one(url)
    assert result.category == "ok" and result.status == 200
    assert site.app.hits["/flaky"] == 3 and result.attempts == 3


def test_persistent_500_is_a_server_error_after_the_retries(site: Site) -> None:
    result = check_one(site.answer("/down", 500), retries=2)
    assert (result.category, result.status) == ("server-error", 500)
    assert site.app.hits["/down"] == 3  # the first attempt and 2 retries


def test_timeout(site: Site) -> None:
    url = site.answer("/slow", 200, delay=1.5)
    started = time.monotonic()
    result = check_one(url, timeout=0.3)
    assert result.category == "timeout" and result.failed
    assert time.monotonic() - started < 1.2


def test_head_refused_then_get(site: Site) -> None:
    def no_head(method: str, seen: int) -> Answer:
        return (405, {}, 0.0) if method == "HEAD" else (200, {}, 0.0)

    first, second = site.route("/a", no_head), site.route("/b", no_head)
    checker = Checker(fast(connections=1))
    results = checker.check([first])
    assert results[url_key(first)].category == "ok"
    assert results[url_key(first)].method == "GET"
    checker.check([second])
    # Once the host refused HEAD, it is asked with GET straight away.
    assert site.app.methods == [("HEAD", "/a"), ("GET", "/a"), ("GET", "/b")]


def test_refused_connection_is_unreachable() -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    result = check_one(f"http://127.0.0.1:{port}/")
    assert result.category == "unreachable"
    assert "refused" in result.detail


def test_a_configured_proxy_is_used_and_no_proxy_is_honoured() -> None:
    """An address goes through the scheme's proxy (absolute-form request; CONNECT for https),
    unless no_proxy names its host."""
    lines: list[bytes] = []

    class _RecordingServer(_RawServer):
        def _one(self, conn: socket.socket) -> None:
            with conn:
                lines.append(conn.recv(65536).split(b"\r\n")[0])
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")

    proxy = _RecordingServer(lambda conn, stop: None)
    try:
        # .invalid never resolves (RFC 2606): only the proxy can answer for it
        via = "http://through-proxy.invalid/page"
        result = check_one(via, proxies={"http": proxy.url.rstrip("/")})
        assert result.category == "ok", result
        assert lines == [b"HEAD http://through-proxy.invalid/page HTTP/1.1"]
        direct = "http://direct.invalid/page"
        result = check_one(direct, proxies={"http": proxy.url.rstrip("/"), "no": "direct.invalid"})
        assert result.category in ("unreachable", "timeout"), result  # no such host (or no DNS here)
        assert len(lines) == 1  # not through the proxy
        # https goes through a CONNECT tunnel (this proxy then hangs up: no TLS behind it)
        result = check_one("https://tunnel.invalid/page", proxies={"https": proxy.url.rstrip("/")})
        assert result.category == "unreachable", result
        assert lines[1] == b"CONNECT tunnel.invalid:443 HTTP/1.1"
    finally:
        proxy.close()


def test_redirect_loop(site: Site) -> None:
    site.answer("/loop-b", 302, {"Location": "/loop-a"})
    url = site.answer("/loop-a", 301, {"Location": "/loop-b"})
    result = check_one(url)
    assert result.category == "broken"
    assert "loop" in result.detail
    assert site.app.hits["/loop-a"] == 1 and site.app.hits["/loop-b"] == 1


def test_too_many_redirects(site: Site) -> None:
    site.route("/hop", lambda method, seen: (302, {"Location": f"/hop?{seen + 1}"}, 0.0))
    for n in range(1, 10):
        site.answer(f"/hop?{n}", 302, {"Location": f"/hop?{n + 1}"})
    result = check_one(site.url("/hop"), max_redirects=3)
    assert result.category == "broken" and "more than 3 redirects" in result.detail


def test_per_host_bound_is_respected(site: Site) -> None:
    urls = [site.answer(f"/page-{n}", 200, delay=0.1) for n in range(8)]
    results = Checker(fast(per_host=2, connections=8)).check(urls)
    assert all(r.category == "ok" for r in results.values())
    assert site.app.max_in_flight <= 2
    assert site.app.max_in_flight == 2  # and the bound was used, not one at a time


def test_global_bound_is_respected(site: Site) -> None:
    urls = [site.answer(f"/p{n}", 200, delay=0.1) for n in range(6)]
    Checker(fast(per_host=6, connections=3)).check(urls)
    assert site.app.max_in_flight == 3


# --------------------------------------------------------------------------- cache


def test_cache_spares_a_second_run(site: Site, tmp_path: Path) -> None:
    alive = CitedLink(site.answer("/alive", 200), [Loc("source/a.md", 3)])
    dead = CitedLink(site.answer("/dead", 404), [Loc("source/a.md", 4)])
    path = tmp_path / "build" / "linkcheck-cache.json"

    cache = Cache.load(path)
    first = run_linkcheck([alive, dead], options=fast(), cache=cache)
    assert cache.save() == ""
    assert site.app.hits == Counter({"/alive": 1, "/dead": 2})
    assert not any(e.result.cached for e in first.entries)

    second = run_linkcheck([alive, dead], options=fast(), cache=Cache.load(path))
    # The live link comes from the cache; a failure is always checked again.
    assert site.app.hits == Counter({"/alive": 1, "/dead": 4})
    by_url = {e.link.url: e for e in second.entries}
    assert by_url[alive.url].result.cached and by_url[alive.url].category == "ok"
    assert not by_url[dead.url].result.cached and by_url[dead.url].category == "broken"

    # Stale after --max-age; --no-cache checks everything.
    later = Cache.load(path, max_age=60, clock=lambda: time.time() + 120)
    run_linkcheck([alive], options=fast(), cache=later)
    assert site.app.hits["/alive"] == 2
    run_linkcheck([alive], options=fast(), cache=Cache.load(path), use_cache=False)
    assert site.app.hits["/alive"] == 3


def test_a_broken_cache_file_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "linkcheck-cache.json"
    path.write_text("{not json")
    cache = Cache.load(path)
    assert cache.entries == {} and "ignoring" in cache.warning


# --------------------------------------------------------------------------- declared dead


def _source_with_dead_links(tmp_path: Path, body: str) -> Path:
    source = tmp_path / "source"
    source.mkdir()
    (source / "dead-links.yml").write_text(body, encoding="utf-8")
    return source


def test_declared_dead_link_is_reported_as_declared(site: Site, tmp_path: Path) -> None:
    url = site.answer("/lost.pdf", 404)
    source = _source_with_dead_links(
        tmp_path,
        (
            "# known dead\n"
            f"- url: {url}\n"
            "  reason: withdrawn by the publisher in 2022\n"
            "  archived: https://web.archive.org/web/2021/example\n"
        ),
    )
    declared = load_dead_links(source / "dead-links.yml", "source/dead-links.yml")
    report = run_linkcheck([CitedLink(url, [Loc("source/footnotes.md", 9)])], options=fast(), declared=declared)
    [entry] = report.entries
    assert entry.category == "declared-dead" and not entry.failed
    assert report.ok and report.failures == []
    assert "withdrawn" in entry.detail() and "web.archive.org" in entry.detail()
    assert site.app.hits["/lost.pdf"] == 0  # a declared link is not fetched

    result = CliRunner().invoke(links, ["--source", str(source), "--url", url, "--timeout", "0.5"])
    assert result.exit_code == 0, result.output
    assert "declared-dead" in result.stdout


def test_the_shipped_dead_links_file_is_valid() -> None:
    assert load_dead_links(ROOT / "source" / "dead-links.yml") == {}


@pytest.mark.parametrize(
    ("body", "line", "message"),
    [
        ("url: https://x.org/\n", 1, "expected a list"),
        ("- url: https://x.org/\n", 1, "missing key 'reason'"),
        ("- url: ftp://x.org/\n  reason: gone\n", 1, "not an http(s) address"),
        ("- url: https://x.org/\n  reason: gone\n  note: x\n", 3, "unknown key"),
        (
            "- url: https://x.org/a\n  reason: gone\n- url: https://X.org/a\n  reason: again\n",
            3,
            "declared twice",
        ),
    ],
)
def test_dead_links_file_errors_name_the_line(tmp_path: Path, body: str, line: int, message: str) -> None:
    path = _source_with_dead_links(tmp_path, body) / "dead-links.yml"
    with pytest.raises(SourceError) as exc:
        load_dead_links(path, "source/dead-links.yml")
    assert exc.value.loc == Loc("source/dead-links.yml", line)
    assert message in exc.value.message


# --------------------------------------------------------------------------- reports


def _mixed_report(site: Site):  # type: ignore[no-untyped-def]
    site.answer("/new", 200)
    cited = [
        CitedLink(site.answer("/ok", 200), [Loc("source/part-1/1-1.md", 5)]),
        CitedLink(site.answer("/moved", 308, {"Location": "/new"}), [Loc("source/footnotes.md", 2)]),
        CitedLink(site.answer("/missing|x", 404), [Loc("source/footnotes.md", 3), Loc("source/a.md", 7)]),
    ]
    return run_linkcheck(cited, options=fast())


def test_json_report_is_well_formed(site: Site) -> None:
    data = json.loads(_mixed_report(site).to_json())
    assert data["report"] == "compendium links" and data["version"] == 1
    assert data["summary"]["total"] == 3 and data["summary"]["failures"] == 1
    assert data["summary"]["ok"] == 1 and data["summary"]["redirected"] == 1
    by_category = {link["category"]: link for link in data["links"]}
    assert by_category["redirected"]["moved_to"] == site.url("/new")
    assert by_category["broken"]["status"] == 404 and by_category["broken"]["failure"] is True
    assert by_category["broken"]["cited_at"] == ["source/footnotes.md:3", "source/a.md:7"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", data["generated"])


def test_markdown_report_is_well_formed(site: Site) -> None:
    text = _mixed_report(site).to_markdown()
    assert text.startswith("# Link check\n")
    assert "## Failures (1)" in text and "## Moved permanently (1)" in text
    # Every row of every table has as many cells as its header (pipes in URLs are escaped).
    tables: list[list[str]] = []
    current: list[str] = []
    for line in [*text.splitlines(), ""]:
        if line.startswith("|"):
            current.append(line)
        elif current:
            tables.append(current)
            current = []
    assert len(tables) >= 3
    for table in tables:
        widths = {len(re.findall(r"(?<!\\)\|", row)) for row in table}
        assert len(widths) == 1, table
        assert re.fullmatch(r"\|( -{3,}:? \|)+", table[1]), table[1]
    assert f"<{site.url('/missing%7Cx')}>" in text


# --------------------------------------------------------------------------- collecting


@pytest.fixture
def minibook(tmp_path: Path) -> Path:
    """The test book, with a link in a sector's introduction too."""
    source = tmp_path / "minibook"
    shutil.copytree(ROOT / "tests" / "fixtures" / "minibook", source)
    sectors = source / "sectors.yml"
    text = sectors.read_text(encoding="utf-8")
    old = "Collaboration between the public and private sector helps."
    assert old in text
    sectors.write_text(text.replace(old, old + " See <https://WWW.example.org/map#top>."), encoding="utf-8")
    return source


def test_collect_links_dedups_with_every_place(minibook: Path) -> None:
    cited = collect_links(load_book(minibook))
    assert [c.url for c in cited] == [
        "https://www.example.org/map",
        "https://www.unodc.org/documents/data-and-analysis/glotip.html",
    ]
    places = [(p.file, p.line) for p in cited[0].places]
    assert len(places) == 2
    assert places[0] == ("minibook/part-1/1-2.md", 13)
    assert places[1][0] == "minibook/sectors.yml" and places[1][1] > 1
    assert [str(p) for p in cited[1].places] == ["minibook/footnotes.md:1"]


def test_collect_links_takes_extra_sources(minibook: Path) -> None:
    yaml_text = "resources:\n  - see https://factsheet.example.org/guide.pdf, then\n  - https://www.example.org/map\n"
    cited = collect_links(
        load_book(minibook),
        extra_sources=[
            text_links(yaml_text, "source/factsheets/general.yml"),
            [("mailto:someone@example.org", Loc("x", 1))],
        ],
    )
    by_url = {c.url: c for c in cited}
    assert "https://factsheet.example.org/guide.pdf" in by_url  # trailing comma not part of it
    assert Loc("source/factsheets/general.yml", 3) in by_url["https://www.example.org/map"].places
    assert not any(u.startswith("mailto:") for u in by_url)


# --------------------------------------------------------------------------- the command


def test_cli_exit_status(site: Site, tmp_path: Path) -> None:
    source = tmp_path / "source"  # no dead-links.yml: nothing declared
    good, bad = site.answer("/good", 200), site.answer("/bad", 404)
    runner = CliRunner()
    common = ["--source", str(source), "--timeout", "0.5", "--backoff", "0.01"]

    ok = runner.invoke(links, [*common, "--url", good])
    assert ok.exit_code == 0, ok.output
    assert "1 link(s)" in ok.stdout and "no failures" in ok.stdout

    failed = runner.invoke(links, [*common, "--url", good, "--url", bad])
    assert failed.exit_code == 1, failed.output
    assert re.search(r"^broken\s+404\s+" + re.escape(bad), failed.stdout, re.M)
    assert "Traceback" not in failed.output
    assert (tmp_path / "build" / "linkcheck-cache.json").is_file()  # beside the source, not the project's


def test_cli_rechecks_a_reports_failures(site: Site, tmp_path: Path) -> None:
    source = tmp_path / "source"
    good, bad = site.answer("/good", 200), site.answer("/bad", 404)
    report = tmp_path / "out" / "links.json"
    runner = CliRunner()
    common = ["--source", str(source), "--timeout", "0.5", "--no-cache", "-q"]
    first = runner.invoke(links, [*common, "--url", good, "--url", bad, "-o", str(report)])
    assert first.exit_code == 1, first.output
    assert json.loads(report.read_text())["summary"]["broken"] == 1

    hits = site.app.hits.copy()
    again = runner.invoke(links, [*common, "--from", str(report), "--format", "markdown"])
    assert again.exit_code == 1, again.output
    assert "## Failures (1)" in again.stdout
    assert site.app.hits["/good"] == hits["/good"] and site.app.hits["/bad"] > hits["/bad"]

    listing = tmp_path / "urls.txt"
    listing.write_text(f"# to check\n{good}\n\n")
    from_text = runner.invoke(links, [*common, "--from", str(listing), "--format", "json"])
    assert from_text.exit_code == 0, from_text.output
    [entry] = json.loads(from_text.stdout)["links"]
    assert entry["category"] == "ok" and entry["cited_at"][0].endswith("urls.txt:2")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--url", "ftp://example.org/file"], "is not an http(s) address"),
        (["--from", "no-such-file.json"], "no such file"),
        (
            ["--url", "https://example.org/", "--output", "report.txt"],
            "--format json or --format markdown",
        ),
    ],
)
def test_cli_user_errors_are_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    result = CliRunner().invoke(links, ["--source", str(tmp_path / "source"), *args])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr


def test_cli_bad_from_file_names_its_line(tmp_path: Path) -> None:
    listing = tmp_path / "urls.txt"
    listing.write_text("https://example.org/\nnot an address\n")
    result = CliRunner().invoke(links, ["--source", str(tmp_path / "source"), "--from", str(listing)])
    assert result.exit_code == 1
    assert result.stderr.strip().endswith(
        "urls.txt:2: error: 'not an address' is not an http(s) address (one address per line)"
    )


def test_a_declaration_nothing_cites_is_reported(tmp_path: Path) -> None:
    body = "- url: https://old.example.org/report.pdf\n  reason: the site closed in 2022\n"
    path = _source_with_dead_links(tmp_path, body) / "dead-links.yml"
    declared = load_dead_links(path, "source/dead-links.yml")
    report = run_linkcheck([], options=fast(), declared=declared, whole_book=True)
    assert [d.url for d in report.unused_declarations] == ["https://old.example.org/report.pdf"]
    assert "cited nowhere" in report.plain_lines()[0]
    assert json.loads(report.to_json())["unused_declarations"][0]["at"] == "source/dead-links.yml:1"


# --------------------------------------------------------------------------- hostile servers (issue 21)


class _RawServer:
    """A server on 127.0.0.1 that answers every connection with `talk(conn)`, in threads.

    For answers http.server cannot give: a status line a byte at a time,
    header lines without end, a reason phrase with control sequences.
    `stop` ends every connection at once, so a test never outlives its bound.
    """

    def __init__(self, talk: Callable[[socket.socket, threading.Event], None]) -> None:
        self.stop = threading.Event()
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.1)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/"
        self.talk = talk
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    def _one(self, conn: socket.socket) -> None:
        with conn:
            try:
                conn.recv(65536)  # the request
                self.talk(conn, self.stop)
            except OSError:
                pass  # the client gave up: what the deadline is for

    def close(self) -> None:
        self.stop.set()
        self.thread.join(5)
        self.sock.close()


def _drip(data: bytes, every: float) -> Callable[[socket.socket, threading.Event], None]:
    def talk(conn: socket.socket, stop: threading.Event) -> None:
        for byte in data:
            if stop.wait(every):
                return
            conn.sendall(bytes([byte]))
    return talk


def _endless_headers(conn: socket.socket, stop: threading.Event) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\n")
    n = 0
    while not stop.wait(0.1):
        conn.sendall(f"X-Line-{n}: {'a' * 10}\r\n".encode())
        n += 1


@pytest.mark.parametrize("talk", [
    _drip(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 0.25),  # about 10 s in all, each read quick
    _endless_headers,  # header lines for ever, one every 0.1 s
], ids=["status-line-a-byte-at-a-time", "header-lines-without-end"])
def test_a_slow_server_cannot_outlast_the_request_deadline(talk: Callable[[socket.socket, threading.Event], None]
                                                           ) -> None:
    server = _RawServer(talk)
    try:
        started = time.monotonic()
        result = check_one(server.url, timeout=1.0, retries=0)
        elapsed = time.monotonic() - started
    finally:
        server.close()
    assert result.category == "timeout", result
    assert "within 1 s" in result.detail
    # the bound: the request's deadline (1 s), not the server's pace (10 s or never)
    assert elapsed < 6.0, elapsed


def test_the_run_has_a_deadline(site: Site) -> None:
    """Eight links to a host taking 3 s each, one at a time (per_host=1): 24 s
    of requests, cut at the run's 2 s deadline; the rest are reported, not dropped."""
    urls = [site.answer(f"/slow{i}", 200, delay=3.0) for i in range(8)]
    started = time.monotonic()
    results = Checker(fast(timeout=10.0, per_host=1, deadline=2.0)).check(urls)
    elapsed = time.monotonic() - started
    assert len(results) == 8
    assert all(r.category == "timeout" for r in results.values()), [r.detail for r in results.values()]
    assert sum("deadline of 2 s" in r.detail for r in results.values()) >= 6
    assert elapsed < 12.0, elapsed


def test_a_servers_reason_phrase_reaches_the_terminal_without_control_sequences(tmp_path: Path) -> None:
    osc52 = b"\x1b]52;c;Y3VybCBldmlsLmV4YW1wbGUgfCBzaA==\x07"
    server = _RawServer(_drip(b"HTTP/1.1 418 Teapot " + osc52 + b"\x9b2J\r\nContent-Length: 0\r\n\r\n", 0.0))
    try:
        result = CliRunner().invoke(links, ["--source", str(tmp_path / "source"), "--url", server.url,
                                            "--timeout", "2", "--retries", "0"])
    finally:
        server.close()
    assert result.exit_code == 1, result.output
    assert "Teapot" in result.stdout
    assert not re.search(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]", result.output), repr(result.output)
    assert "\\x1b]52" in result.stdout  # shown, escaped: the reader sees what the server sent


def test_from_file_is_bounded(tmp_path: Path) -> None:
    from pipeline.linkcheck.cli import MAX_FROM_BYTES

    big = tmp_path / "links.txt"
    with big.open("wb") as handle:
        handle.truncate(MAX_FROM_BYTES + 1)  # sparse: no 16 MB written
    result = CliRunner().invoke(links, ["--source", str(tmp_path / "source"), "--from", str(big)])
    assert result.exit_code == 1
    assert "at most 16 MB" in result.stderr and "Traceback" not in result.output


def test_a_link_that_cannot_be_fetched_is_said_not_skipped(tmp_path: Path) -> None:
    """`links` over the whole book used to leave out a link with port 99999 without a word."""
    from pipeline.model import Link, Paragraph, Text

    book = load_book(ROOT / "tests" / "fixtures" / "minibook")
    loc = Loc("source/part-1/1-1.md", 21)
    book.front[0].blocks.append(Paragraph([Link("https://www.example.org:99999/x", [Text("x")], loc)], "p", loc))
    skipped: list[tuple[str, Loc | None]] = []
    cited = collect_links(book, skipped=skipped)
    assert "https://www.example.org:99999/x" not in {c.url for c in cited}
    assert skipped == [("https://www.example.org:99999/x", loc)]


def test_a_check_called_inside_a_running_event_loop_still_runs(site: Site) -> None:
    """A host program (or a browser driver a test keeps open) may already run an
    event loop in this thread: the check must not fail on asyncio.run's nesting rule."""
    import asyncio

    async def inside() -> object:
        return check_one(site.answer("/inside", 200))

    # (in a thread of its own: this test's loop must not meet one that another
    # test, such as a browser driver, left running in the main thread)
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        result = pool.submit(asyncio.run, inside()).result()
    assert getattr(result, "category", None) == "ok", result
