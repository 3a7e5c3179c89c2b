"""The engine: fetch addresses concurrently and politely, and say what became of each.

Each address is fetched with HEAD first; a server that refuses HEAD (405,
501) or answers it with an error (403, 404, 400...: some do, for HEAD only) is
asked again with GET, whose body is never read. Redirects are followed
hop by hop (a loop, or more than `max_redirects` hops, is broken); where a
chain of permanent redirects (301, 308) starts, the address it ends at is
reported so that the source can be updated. 429 and 5xx are retried with
exponential backoff, honouring Retry-After (seconds or an HTTP date) up to a
cap.

Politeness: at most `connections` requests are in flight in all, and at most
`per_host` to any one host (host and port), redirects included; backoff
waits hold no slot.

The requests are made with httpx (its asyncio client, one per run); each
whole exchange (connecting, sending, the status line and every header) has
the `timeout` as its deadline, and the run as a whole has `deadline`. When to
retry and how long to wait is the small RetryPolicy below. Proxies come from
the environment (http_proxy, https_proxy, no_proxy) unless given.
"""

from __future__ import annotations

import asyncio
import email.utils
import errno
import json
import os
import socket
import ssl
import time
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from .. import __version__
from ..errors import shown_file, terminal_safe
from .collect import is_checkable, url_key

CATEGORIES = (
    "ok",
    "redirected",
    "broken",
    "server-error",
    "timeout",
    "unreachable",
    "declared-dead",
)
# What makes `compendium links` exit 1 (unless the link is declared dead).
FAILURES = frozenset({"broken", "server-error", "timeout", "unreachable"})
# Only links found alive are remembered: a failure is always checked again.
CACHEABLE = frozenset({"ok", "redirected"})
PERMANENT = frozenset({301, 308})
HEAD_REFUSED = frozenset({405, 501})

USER_AGENT = f"Mozilla/5.0 (compatible; compendium-linkcheck/{__version__})"
DEFAULT_MAX_AGE = 7 * 24 * 3600.0
_LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})


@dataclass
class Options:
    """How to check. Times are in seconds."""

    timeout: float = 10.0  # per request: the whole exchange (connect, send, status line, headers)
    deadline: float | None = 900.0  # for the whole run; links not checked by then are timeouts
    connections: int = 16  # requests in flight, in all
    per_host: int = 2  # requests in flight to one host
    retries: int = 3  # further attempts after a 429 or 5xx
    backoff: float = 1.0  # first wait before a retry; doubled each time
    backoff_max: float = 30.0
    retry_after_cap: float = 60.0  # a longer Retry-After is waited this long
    max_redirects: int = 10
    user_agent: str = USER_AGENT
    # scheme -> proxy URL; None: from the environment (http_proxy, https_proxy, no_proxy).
    proxies: dict[str, str] | None = None

    def __post_init__(self) -> None:
        if self.timeout <= 0 or self.connections < 1 or self.per_host < 1:
            raise ValueError("timeout, connections and per_host must be positive")
        if self.deadline is not None and self.deadline <= 0:
            raise ValueError("the deadline must be positive")
        if self.retries < 0 or self.backoff < 0 or self.max_redirects < 0:
            raise ValueError("retries, backoff and max_redirects may not be negative")

    @property
    def retry_policy(self) -> RetryPolicy:
        return RetryPolicy(self.retries, self.backoff, self.backoff_max, self.retry_after_cap)


@dataclass(frozen=True)
class RetryPolicy:
    """When an answer is asked for again, and how long to wait first.

    A 429 or a 5xx is retried `retries` times; the wait is what the server's
    Retry-After says (capped at `retry_after_cap`), else `backoff` doubled at
    each retry up to `backoff_max`. Other answers are final.
    """

    retries: int
    backoff: float
    backoff_max: float
    retry_after_cap: float

    def retries_after(self, status: int, retries_made: int) -> bool:
        return (status == 429 or status >= 500) and retries_made < self.retries

    def delay(self, retries_made: int, retry_after: str | None, now: float) -> float:
        wait = parse_retry_after(retry_after, now)
        if wait is not None:
            return min(wait, self.retry_after_cap)
        return min(self.backoff * 2**retries_made, self.backoff_max)


@dataclass
class Result:
    """What became of one address."""

    url: str
    category: str
    status: int | None = None  # the last HTTP status received
    detail: str = ""
    final_url: str = ""  # where the redirects ended
    moved_to: str = ""  # where a permanent redirect points: the address to write instead
    redirects: list[tuple[int, str]] = field(default_factory=list)
    method: str = ""  # of the last request: HEAD or GET
    attempts: int = 0  # requests made for this address
    elapsed: float = 0.0
    checked_at: float = 0.0  # seconds since the epoch
    cached: bool = False

    @property
    def failed(self) -> bool:
        return self.category in FAILURES

    def to_dict(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "category": self.category,
            "status": self.status,
            "detail": self.detail,
            "final_url": self.final_url,
            "moved_to": self.moved_to,
            "redirects": [{"status": s, "url": u} for s, u in self.redirects],
            "method": self.method,
            "attempts": self.attempts,
            "elapsed": round(self.elapsed, 3),
            "checked_at": self.checked_at,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Result:
        category = data["category"]
        if category not in CATEGORIES:
            raise ValueError(f"unknown category {category!r}")
        status = data.get("status")
        return cls(
            url=str(data["url"]),
            category=category,
            status=int(status) if status is not None else None,
            detail=str(data.get("detail", "")),
            final_url=str(data.get("final_url", "")),
            moved_to=str(data.get("moved_to", "")),
            redirects=[(int(r["status"]), str(r["url"])) for r in data.get("redirects", [])],
            method=str(data.get("method", "")),
            attempts=int(data.get("attempts", 0)),
            elapsed=float(data.get("elapsed", 0.0)),
            checked_at=float(data["checked_at"]),
        )


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a Retry-After header: delay-seconds or an HTTP date."""
    if value is None:
        return None
    value = value.strip()
    # ASCII digits only: str.isdigit() also accepts '²' or '४', which float() refuses
    if value.isascii() and value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - now)


# --------------------------------------------------------------------------
# One request
# --------------------------------------------------------------------------


@dataclass
class _Answer:
    status: int
    reason: str
    location: str | None
    retry_after: str | None


@dataclass
class _Failure:
    category: str  # timeout | unreachable
    detail: str


MAX_LOCATION = 8192  # longer Location headers are cut (and then fail as addresses)
_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/pdf;q=0.9,*/*;q=0.8",
    "Accept-Language": "en",
    "Accept-Encoding": "identity",
}


def _proxy_mounts(proxies: dict[str, str], context: ssl.SSLContext) -> dict[str, httpx.AsyncBaseTransport | None]:
    """httpx mounts for `proxies` (scheme -> proxy URL, and "no": hosts that go direct).

    Loopback is never proxied (the tests' servers, a local mirror). A mount of
    None sends matching addresses direct, past the scheme's proxy.
    """
    mounts: dict[str, httpx.AsyncBaseTransport | None] = {}
    for scheme in ("http", "https"):
        proxy = proxies.get(scheme)
        if proxy:
            proxy = proxy if "://" in proxy else f"http://{proxy}"
            mounts[f"{scheme}://"] = httpx.AsyncHTTPTransport(proxy=proxy, verify=context)
    if not mounts:
        return mounts
    direct = [host.strip() for host in proxies.get("no", "").split(",") if host.strip()]
    if "*" in direct:
        return {}
    for host in [*sorted(_LOOPBACK), *direct]:
        host = host.lstrip(".")
        if ":" in host and not host.startswith("["):  # an IPv6 address
            mounts[f"all://[{host}]"] = None
        else:
            mounts[f"all://{host}"] = None
            mounts[f"all://*.{host}"] = None
    return mounts


async def _request(client: httpx.AsyncClient, method: str, url: str) -> _Answer:
    """One request: the status line and headers; the body of a GET is never read."""
    request = client.build_request(method, url, headers=_HEADERS)
    response = await client.send(request, stream=True, follow_redirects=False)
    try:
        location = response.headers.get("Location")
        return _Answer(
            response.status_code,
            # what a server says is shown to the user: printable and short
            terminal_safe(response.reason_phrase or "", 100),
            location[:MAX_LOCATION] if location is not None else None,
            (response.headers.get("Retry-After") or "")[:100] or None,
        )
    finally:
        await response.aclose()


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """`exc` and what it was raised from: httpx wraps the socket's or TLS's own error."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _failure_of(exc: BaseException, timeout: float) -> _Failure:
    """What a failed request means, in words an editor can act on."""
    if isinstance(exc, TimeoutError | httpx.TimeoutException):
        return _Failure("timeout", f"no complete answer within {timeout:g} s")
    for cause in _causes(exc):
        if isinstance(cause, ssl.SSLCertVerificationError):
            return _Failure("unreachable", f"TLS: {cause.verify_message or cause.reason or cause}")
        if isinstance(cause, ssl.SSLError):
            return _Failure("unreachable", f"TLS: {cause.reason or cause}")
        if isinstance(cause, socket.gaierror):
            return _Failure("unreachable", f"DNS: host not found ({cause.strerror or cause})")
        if isinstance(cause, ConnectionRefusedError) or getattr(cause, "errno", None) == errno.ECONNREFUSED:
            return _Failure("unreachable", "connection refused")
        if isinstance(cause, ConnectionResetError | BrokenPipeError):
            return _Failure("unreachable", "connection reset by the server")
        if isinstance(cause, UnicodeError):
            return _Failure("unreachable", "invalid host name")
    if isinstance(exc, httpx.RemoteProtocolError):
        if "without sending a response" in str(exc) or "Server disconnected" in str(exc):
            return _Failure("unreachable", "the server closed the connection without answering")
        # h11's words quote the offending line (escaped): the editor sees what the server sent
        return _Failure("unreachable", f"not a valid HTTP answer ({terminal_safe(str(exc), 200)})")
    if isinstance(exc, httpx.ProxyError):
        return _Failure("unreachable", f"proxy: {terminal_safe(str(exc), 200)}")
    if isinstance(exc, httpx.InvalidURL | httpx.UnsupportedProtocol | ValueError):
        return _Failure("unreachable", f"invalid address: {terminal_safe(str(exc), 200)}")
    for cause in _causes(exc):
        if isinstance(cause, OSError) and (cause.strerror or str(cause)):
            return _Failure("unreachable", terminal_safe(cause.strerror or str(cause), 200))
    return _Failure("unreachable", terminal_safe(f"{type(exc).__name__}: {exc}", 200))


def _host_key(url: str) -> str:
    parts = urlsplit(url)
    https = parts.scheme.lower() == "https"
    return f"{(parts.hostname or '').lower()}:{parts.port or (443 if https else 80)}"


def _without_fragment(url: str) -> str:
    return url.partition("#")[0]


_REASONS = {
    401: "access denied (the site may refuse robots: open it in a browser)",
    403: "access denied (the site may refuse robots: open it in a browser)",
    404: "not found",
    410: "gone: removed for good",
}


def _categorise(answer: _Answer, attempts: int) -> tuple[str, str]:
    status = answer.status
    reason = answer.reason or httpx.codes.get_reason_phrase(status)
    if 200 <= status < 300:
        return "ok", ""
    if 300 <= status < 400:
        return "broken", f"HTTP {status} {reason}: a redirect without a Location"
    if status == 429:
        return "server-error", f"still rate limited (HTTP 429) after {attempts} attempt(s)"
    if 400 <= status < 500:
        return "broken", _REASONS.get(status, f"HTTP {status} {reason}".strip())
    return "server-error", f"HTTP {status} {reason}".strip() + f" after {attempts} attempt(s)"


# --------------------------------------------------------------------------
# The checker
# --------------------------------------------------------------------------


class Checker:
    """Checks addresses; `check(urls)` returns a Result for each, by url_key."""

    def __init__(
        self, options: Options | None = None, *, clock: Callable[[], float] = time.time
    ) -> None:
        self.options = options or Options()
        self.clock = clock
        self._proxies = (
            self.options.proxies
            if self.options.proxies is not None
            else urllib.request.getproxies()
        )
        # the system's trust store, as browsers on the machine use (httpx's default is certifi's);
        # made once: a TLS context costs 0.3 s
        self._context = ssl.create_default_context()
        self._get_only: set[str] = set()  # hosts that refused HEAD

    def check(
        self, urls: Iterable[str], on_result: Callable[[Result], None] | None = None
    ) -> dict[str, Result]:
        """Check every address (once per url_key); `on_result` is called as each is done."""
        unique: dict[str, str] = {}
        for url in urls:
            unique.setdefault(url_key(url), url)
        if not unique:
            return {}
        try:
            asyncio.get_running_loop()
        except RuntimeError:  # the usual case: no event loop in this thread
            return asyncio.run(self._check_all(unique, on_result))
        # Called from a thread that already runs an event loop (a host program,
        # a test with a browser driver open): asyncio.run refuses to nest, so
        # the check runs its own loop in a thread of its own.
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(asyncio.run, self._check_all(unique, on_result)).result()

    async def _check_all(
        self, unique: dict[str, str], on_result: Callable[[Result], None] | None
    ) -> dict[str, Result]:
        self._run_ends = (time.monotonic() + self.options.deadline) if self.options.deadline else None
        self._slots = asyncio.Semaphore(self.options.connections)
        self._host_slots: dict[str, asyncio.Semaphore] = {}
        client = httpx.AsyncClient(
            verify=self._context,
            trust_env=False,  # proxies are ours to choose (self._proxies); nothing else from the environment
            mounts=_proxy_mounts(self._proxies, self._context),
            headers={"User-Agent": self.options.user_agent},
            timeout=httpx.Timeout(self.options.timeout),
            limits=httpx.Limits(max_connections=self.options.connections),
        )
        async with client:
            self._client = client

            async def one(key: str, url: str) -> tuple[str, Result]:
                result = await self._check_one(url)
                if on_result is not None:
                    on_result(result)
                return key, result

            done = await asyncio.gather(*(one(k, u) for k, u in unique.items()))
        return dict(done)

    async def _check_one(self, url: str) -> Result:
        started = time.monotonic()
        checked_at = self.clock()
        result = await self._follow(url)
        result.elapsed = time.monotonic() - started
        result.checked_at = checked_at
        return result

    async def _follow(self, url: str) -> Result:
        """Fetch `url` and its redirects, hop by hop."""
        current = _without_fragment(url)
        chain = [url]
        seen = {url_key(current)}
        hops: list[tuple[int, str]] = []
        attempts = 0
        while True:
            answer, method, n = await self._fetch(current)
            attempts += n
            common: dict[str, Any] = {
                "final_url": current,
                "redirects": hops,
                "method": method,
                "attempts": attempts,
            }
            if isinstance(answer, _Failure):
                return Result(url, answer.category, detail=answer.detail, **common)
            status = answer.status
            if not (300 <= status < 400 and status != 304 and answer.location):
                break
            target = urljoin(current, answer.location.strip())
            hops.append((status, target))
            chain.append(target)
            if not is_checkable(target):
                return Result(
                    url,
                    "broken",
                    status,
                    f"redirected to '{target}', which cannot be fetched",
                    **common,
                )
            key = url_key(target)
            if key in seen:
                return Result(
                    url, "broken", status, "redirect loop: " + " -> ".join(chain), **common
                )
            if len(hops) > self.options.max_redirects:
                return Result(
                    url,
                    "broken",
                    status,
                    f"more than {self.options.max_redirects} redirects",
                    **common,
                )
            seen.add(key)
            current = _without_fragment(target)
        category, detail = _categorise(answer, attempts)
        moved_to = ""
        for code, target in hops:  # the chain of permanent redirects the link starts with
            if code not in PERMANENT:
                break
            moved_to = target
        fragment = url.partition("#")[2]
        if moved_to and fragment and "#" not in moved_to:
            moved_to = f"{moved_to}#{fragment}"
        if moved_to and category == "ok":
            category, detail = "redirected", f"moved permanently to {moved_to}"
        elif moved_to:
            detail = f"{detail} (after a permanent redirect to {moved_to})"
        return Result(url, category, status, detail, moved_to=moved_to, **common)

    async def _fetch(self, url: str) -> tuple[_Answer | _Failure, str, int]:
        """One hop: HEAD (or GET), retried on 429/5xx. Returns (answer, method, requests made)."""
        host = _host_key(url)
        method = "GET" if host in self._get_only else "HEAD"
        policy = self.options.retry_policy
        retry = requests = 0
        while True:
            requests += 1
            answer = await self._send(method, url, host)
            if isinstance(answer, _Failure):
                return answer, method, requests
            status = answer.status
            if method == "HEAD" and (
                status in HEAD_REFUSED or 400 <= status < 500 and status != 429
            ):
                # HEAD refused, or answered with an error some servers give HEAD only: ask with GET.
                if status in HEAD_REFUSED:
                    self._get_only.add(host)
                method = "GET"
                continue
            if policy.retries_after(status, retry):
                await asyncio.sleep(policy.delay(retry, answer.retry_after, self.clock()))
                retry += 1
                if status >= 500:
                    method = "GET"  # a HEAD-only fault must not hide a live page
                continue
            return answer, method, requests

    async def _send(self, method: str, url: str, host: str) -> _Answer | _Failure:
        slot = self._host_slots.get(host)
        if slot is None:
            slot = self._host_slots[host] = asyncio.Semaphore(self.options.per_host)
        # The host's slot first: a request waiting for its host holds no global slot.
        async with slot, self._slots:
            if self._run_ends is not None and time.monotonic() >= self._run_ends:
                return _Failure("timeout", f"not checked: the run's deadline of {self.options.deadline:g} s passed")
            # The request's deadline covers the whole exchange: httpx's own
            # timeouts bound each read, and a server sending its header a byte
            # a second never trips them. Never past the end of the run.
            limit = self.options.timeout
            if self._run_ends is not None:
                limit = min(limit, max(0.1, self._run_ends - time.monotonic()))
            try:
                return await asyncio.wait_for(_request(self._client, method, url), limit)
            except Exception as exc:  # noqa: BLE001 - every failure is a result, never a crash
                return _failure_of(exc, self.options.timeout)


def check_urls(
    urls: Iterable[str],
    options: Options | None = None,
    on_result: Callable[[Result], None] | None = None,
) -> dict[str, Result]:
    """Check addresses with a fresh Checker: a Result for each, by url_key."""
    return Checker(options).check(urls, on_result)


# --------------------------------------------------------------------------
# The cache
# --------------------------------------------------------------------------


MAX_CACHE_BYTES = 64 * 1024 * 1024  # a cache of every link of every edition is under 1 MB


class Cache:
    """Results of earlier runs (build/linkcheck-cache.json), by url_key.

    Only links found alive (ok, redirected) are remembered, and for at most
    `max_age` seconds: a failure is checked again on every run.
    """

    VERSION = 1

    def __init__(
        self, path: Path, max_age: float = DEFAULT_MAX_AGE, clock: Callable[[], float] = time.time
    ) -> None:
        self.path = path
        self.max_age = max_age
        self.clock = clock
        self.entries: dict[str, dict[str, Any]] = {}
        self.warning = ""

    @classmethod
    def load(
        cls, path: Path, max_age: float = DEFAULT_MAX_AGE, clock: Callable[[], float] = time.time
    ) -> Cache:
        """The cache at `path`; an unreadable one is ignored (with a warning), not fatal."""
        cache = cls(path, max_age, clock)
        if not path.exists():
            return cache
        try:
            # read back from build/, so untrusted: bounded before it is read
            if path.stat().st_size > MAX_CACHE_BYTES:
                raise ValueError(f"larger than {MAX_CACHE_BYTES // 1048576} MB")
            data = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(data, dict) or data.get("version") != cls.VERSION:
                raise ValueError("not a link-check cache of this version")
            entries = data.get("results", {})
            if not isinstance(entries, dict):
                raise ValueError("'results' is not a mapping")
            cache.entries = {k: v for k, v in entries.items() if isinstance(v, dict)}
        except (OSError, ValueError, RecursionError) as exc:
            cache.warning = f"ignoring the link-check cache {shown_file(path)}: {terminal_safe(str(exc), 200)}"
        return cache

    def get(self, url: str) -> Result | None:
        """The remembered result for `url` if it is fresh enough, else None."""
        data = self.entries.get(url_key(url))
        if data is None:
            return None
        try:
            result = Result.from_dict(data)
        except (KeyError, TypeError, ValueError):
            return None
        age = self.clock() - result.checked_at
        if result.category not in CACHEABLE or not 0 <= age <= self.max_age:
            return None
        result.url = url
        result.cached = True
        return result

    def put(self, result: Result) -> None:
        key = url_key(result.url)
        if result.category in CACHEABLE and not result.cached:
            self.entries[key] = result.to_dict()
        elif result.category not in CACHEABLE:
            self.entries.pop(key, None)  # a link that died forgets it was alive

    def save(self) -> str:
        """Write the cache; returns a warning, or '' if written.

        Entries older than the default age limit (or a longer --max-age) are
        dropped; a run with a shorter --max-age keeps what a default run can use.
        """
        now = self.clock()
        keep = max(self.max_age, DEFAULT_MAX_AGE)
        fresh = {
            k: v
            for k, v in self.entries.items()
            if isinstance(v.get("checked_at"), int | float) and 0 <= now - v["checked_at"] <= keep
        }
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_text(
                json.dumps(
                    {"version": self.VERSION, "results": fresh},
                    indent=1,
                    sort_keys=True,
                    ensure_ascii=False,
                )
                + "\n",
                encoding="utf-8",
            )
            os.replace(tmp, self.path)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            return f"could not write the link-check cache {shown_file(self.path)}: {exc.strerror or exc}"
        return ""
