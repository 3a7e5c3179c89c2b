"""`compendium serve`: a live preview of the web edition for editors and translators.

Builds one language's web edition into build/web/, serves build/web/ on
127.0.0.1 (a free port unless one is given), watches source/, themes/ and
translations/ and rebuilds when a file changes. Only the pages whose bytes
changed are rewritten (see render/web.py). Open pages reload themselves: every
HTML response gets a small script that listens to /__compendium/events
(server-sent events). When the source does not check, the error is printed
in the terminal and shown in the browser, with its file:line, instead of the
page; the server keeps running and the page comes back when the source is
fixed. Ctrl-C (or SIGTERM) stops it and releases the port.

Nothing here reaches the network: the server binds to the loopback address.
"""

from __future__ import annotations

import contextlib
import json
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html import escape
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from .errors import PipelineError
from .project import Project

EVENTS = "/__compendium/events"
STATUS = "/__compendium/status"
WATCHED = ("source", "themes", "translations")
POLL_SECONDS = 0.4

# Injected before </body> of every HTML response (never written to build/web/).
# It knows the build it was served from: any other build announced reloads the page.
RELOAD_SCRIPT = """<script>
(function () {
  var generation = "%(generation)d";
  function listen() {
    var events = new EventSource("%(events)s");
    events.onmessage = function (event) {
      if (event.data !== generation) location.reload();
    };
    events.onerror = function () { events.close(); setTimeout(listen, 1000); };
  }
  listen();
})();
</script>
"""


@dataclass
class PreviewState:
    """What the last build gave: a generation number that changes on every rebuild, and the errors."""

    generation: int = 0
    errors: list[str] = field(default_factory=list)
    stopping: threading.Event = field(default_factory=threading.Event)
    changed: threading.Condition = field(default_factory=threading.Condition)

    def publish(self, errors: list[str]) -> None:
        with self.changed:
            self.generation += 1
            self.errors = errors
            self.changed.notify_all()


def snapshot(roots: list[Path]) -> dict[str, tuple[int, int]]:
    """Every watched file's (mtime, size): compared between polls to see what changed."""
    seen: dict[str, tuple[int, int]] = {}
    for root in roots:
        if not root.is_dir():
            continue
        for path in root.rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts and not path.name.startswith(".#"):
                with contextlib.suppress(FileNotFoundError):
                    stat = path.stat()
                    seen[str(path)] = (stat.st_mtime_ns, stat.st_size)
    return seen


def rebuild(project: Project, lang: str | None, say: Callable[[str], None]) -> list[str]:
    """Check the source, then write the web edition of `lang`; the errors as `file:line: message` lines."""
    from .checks import run_checks
    from .editions import edition_for
    from .formats import BY_NAME
    from .formats.web import Web, build_web
    from .load import load_book
    from .scheduler import build_lock

    started = time.perf_counter()
    try:
        book = load_book(project.source)
        findings = run_checks(book)
        if lang and lang != book.meta.language:  # the translation's own checks, as `compendium build` runs them
            from .checks.translations import translation_findings
            from .theme import load_theme

            strings = load_theme(project.theme_dir).strings
            findings += translation_findings(project.root, book, strings, "themes/default/strings.yml", [lang])
        errors = [str(f) for f in findings if f.severity == "error"]
        if errors:
            return errors
        edition, _report = edition_for(project, lang, book=book)
        with build_lock(project.build, say):
            site = BY_NAME["web"]
            assert isinstance(site, Web)
            written = build_web(site, project, edition)
    except PipelineError as exc:
        return [str(exc)]
    except Exception as exc:  # noqa: BLE001 - a preview must outlive a pipeline bug; say where it is
        import traceback

        where = traceback.extract_tb(exc.__traceback__)[-1]
        return [f"internal error ({type(exc).__name__}: {exc}) at {Path(where.filename).name}:{where.lineno}; "
                "please report it"]
    pages = [rel for rel in written.written if rel.endswith(".html")]
    say(f"rebuilt {edition.lang} in {time.perf_counter() - started:.1f} s: "
        f"{len(pages)} page(s) rewritten" + (f" ({', '.join(pages[:4])}{'...' if len(pages) > 4 else ''})"
                                             if pages else ""))
    return []


def error_page(errors: list[str]) -> bytes:
    items = "".join(f"<li><code>{escape(e)}</code></li>" for e in errors)
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        "<title>Build error | compendium serve</title>"
        "<style>body{font:1rem/1.5 sans-serif;margin:2rem;color:#1f2933}"
        "h1{color:#8a1c1c}code{white-space:pre-wrap;font-size:1rem}</style></head><body>"
        "<main><h1>The preview could not be built</h1>"
        f"<ul class=\"build-errors\">{items}</ul>"
        "<p>Fix the file and save: this page reloads by itself.</p></main></body></html>\n"
    ).encode()


def _handler(root: Path, state: PreviewState, lang: str) -> type[SimpleHTTPRequestHandler]:
    class Handler(SimpleHTTPRequestHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(root), **kwargs)

        def log_message(self, format: str, *args: Any) -> None:  # quiet: the terminal shows builds
            pass

        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            path = self.path.split("?", 1)[0]
            if path == EVENTS:
                return self._events()
            if path == STATUS:
                return self._send(HTTPStatus.OK, "application/json",
                                  json.dumps({"generation": state.generation, "errors": state.errors}).encode())
            if path == "/":
                self.send_response(HTTPStatus.FOUND)
                self.send_header("Location", f"/{lang}/index.html")
                self.end_headers()
                return None
            if state.errors and (path.endswith(".html") or path.endswith("/")):
                return self._send(HTTPStatus.INTERNAL_SERVER_ERROR, "text/html; charset=utf-8",
                                  self._inject(error_page(state.errors)))
            if path.endswith(".html"):
                file = Path(self.translate_path(path))
                if file.is_file():
                    return self._send(HTTPStatus.OK, "text/html; charset=utf-8", self._inject(file.read_bytes()))
            return super().do_GET()

        def _inject(self, html: bytes) -> bytes:
            script = (RELOAD_SCRIPT % {"generation": state.generation, "events": EVENTS}).encode()
            at = html.rfind(b"</body>")
            return html[:at] + script + html[at:] if at >= 0 else html + script

        def _send(self, status: HTTPStatus, ctype: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def end_headers(self) -> None:
            self.send_header("Cache-Control", "no-store")  # a preview: always the current file
            super().end_headers()

        def _events(self) -> None:
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            sent = -1
            try:
                while not state.stopping.is_set():
                    with state.changed:
                        if state.generation == sent:
                            state.changed.wait(timeout=10)
                        generation = state.generation
                    if generation != sent:
                        self.wfile.write(f"data: {generation}\n\n".encode())
                        sent = generation
                    else:
                        self.wfile.write(b": keep-alive\n\n")
                    self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                pass

    return Handler


@contextlib.contextmanager
def _stop_on_signals() -> Iterator[None]:
    """Ctrl-C and SIGTERM stop the preview cleanly (also when started in the background,
    where a shell leaves SIGINT ignored)."""
    def handler(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def serve(project: Project, lang: str | None, port: int, say: Callable[[str], None] = print) -> None:
    """Build, serve and watch until Ctrl-C."""
    state = PreviewState()
    roots = [project.source, project.theme_dir, project.root / "translations"]
    say("building the preview...")
    errors = rebuild(project, lang, say)
    for line in errors:
        say(line)
    state.publish(errors)
    chosen = lang or project.book_header().language
    site = project.build / "web"
    site.mkdir(parents=True, exist_ok=True)
    server = ThreadingHTTPServer(("127.0.0.1", port), _handler(site, state, chosen))
    server.daemon_threads = True
    server.block_on_close = False  # Ctrl-C must not wait for open event streams
    say(f"serving http://127.0.0.1:{server.server_address[1]}/{chosen}/index.html "
        f"(watching {', '.join(_shown(project, r) for r in roots)}; Ctrl-C stops)")
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
    thread.start()
    try:
        with _stop_on_signals():
            before = snapshot(roots)
            while True:
                time.sleep(POLL_SECONDS)
                now = snapshot(roots)
                if now == before:
                    continue
                # let an editor finish writing (several files saved at once)
                time.sleep(POLL_SECONDS)
                before = snapshot(roots)
                errors = rebuild(project, lang, say)
                for line in errors:
                    say(line)
                state.publish(errors)
    except KeyboardInterrupt:
        say("stopping...")
    finally:
        state.stopping.set()
        with state.changed:
            state.changed.notify_all()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
    say("stopped")


def _shown(project: Project, path: Path) -> str:
    try:
        return path.relative_to(project.root).as_posix() + "/"
    except ValueError:
        return str(path)


def main_for_cli(project: Project, lang: str | None, port: int) -> None:
    def say(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    serve(project, lang, port, say)
