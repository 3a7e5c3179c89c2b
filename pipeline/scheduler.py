"""`compendium build`: every artifact of every language, incrementally, in parallel.

What is built: for each language, one artifact per format of the registry
(pipeline/formats/) and unit (one factsheet per sector). A format that needs
another (the EPUB and the factsheets need the print PDF's page map) runs
after it, with what it hands over; the web edition runs after its
language's other editions, which it offers for download.

When it is rebuilt, decided by content hashes in two steps:

1. Inputs. An artifact's input key hashes the files it can depend on: the
   source tree, its language's PO file, the theme, and the pipeline's own
   code. When that key and the output's hash match the last build, nothing
   is loaded at all: a build with nothing changed returns at once.
2. Content. When inputs changed, the worker asks the format for its
   content key (the HTML a layout is made from, hashed with the files the
   layout reads; an EPUB's bytes). If the content is what produced the
   existing output, the layout is skipped: an edit to one paragraph relays
   only the artifacts that print it (a factsheet that does not quote the
   paragraph is left alone).

Independent artifacts build side by side in worker processes (`-j`), each
process loading the book once and keeping its editions. One artifact's
failure is reported with its location and the others still finish.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import re
import signal
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from .errors import PipelineError, shown_file
from .formats import BY_NAME, REGISTRY, Format, Job
from .project import MAX_PAGES, Edition, Project
from .project import file_digest as _file_digest

STATE_FILE = ".build-state.json"


@dataclass(frozen=True)
class Task:
    """One artifact: a format of the registry, in one language (and unit: a factsheet's sector)."""

    lang: str
    kind: str  # a format's name (pipeline/formats/)
    unit: str = ""

    @property
    def format(self) -> Format:
        return BY_NAME[self.kind]

    @property
    def name(self) -> str:
        return self.format.task_name(self.lang, self.unit)

    def outputs(self, project: Project) -> list[Path]:
        return self.format.outputs(project, self.lang, self.unit)


@dataclass
class Outcome:
    task: Task
    status: str  # built | unchanged | failed
    seconds: float = 0.0
    pages: int | None = None
    content_key: str = ""
    error: str = ""
    report: dict[str, Any] | None = None


@dataclass
class BuildResult:
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "failed"]

    @property
    def built(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "built"]


# ------------------------------------------------------------ input keys


def _tree_digest(root: Path, pattern: str = "**/*") -> bytes:
    digest = hashlib.sha256()
    for path in sorted(p for p in root.glob(pattern) if p.is_file() and "__pycache__" not in p.parts):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + _file_digest(path))
    return digest.digest()


def input_keys(project: Project, languages: list[str], source_lang: str) -> dict[str, str]:
    """lang -> a hash of every file that lang's artifacts may read."""
    from importlib.metadata import version

    common = hashlib.sha256()
    common.update(_tree_digest(project.source))
    common.update(_tree_digest(project.theme_dir))
    common.update(_tree_digest(Path(__file__).parent, "**/*.py"))  # the pipeline's own code
    common.update(f"weasyprint {version('weasyprint')}".encode())
    # Environment inputs that change bytes (the timestamp): a changed
    # SOURCE_DATE_EPOCH rebuilds everything, an unchanged one nothing.
    from .timestamps import BYTE_CHANGING_ENVIRONMENT

    for name in BYTE_CHANGING_ENVIRONMENT:
        common.update(f"\0{name}={os.environ.get(name, '').strip()}".encode())
    keys = {}
    for lang in languages:
        digest = common.copy()
        if lang != source_lang:
            po = project.root / "translations" / f"{lang}.po"
            digest.update(_file_digest(po) if po.is_file() else b"no po")
            terms = project.root / "translations" / "terms" / f"{lang}.yml"
            digest.update(_file_digest(terms) if terms.is_file() else b"no terms")
            contexts = project.root / "translations" / "contexts.yml"  # which blocks have a msgctxt
            digest.update(_file_digest(contexts) if contexts.is_file() else b"no contexts")
        keys[lang] = digest.hexdigest()
    return keys


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ------------------------------------------------------------------ state


class State:
    """What the last builds made, from which inputs: build/.build-state.json."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.data: dict[str, Any] = {}
        # What the pipeline wrote itself is still input: another tool, a bad
        # disk or a hand may have changed it. Anything that does not fit is
        # discarded (everything is then rebuilt) with a one-line note.
        self.problem = ""
        try:
            if path.exists():
                self.data = _valid_state(path)
        except (OSError, ValueError) as exc:
            self.problem = f"{path.name} discarded ({exc}): every artifact is checked again"

    def entry(self, task: Task) -> dict[str, Any]:
        return self.data.get(task.name, {})

    def up_to_date(self, task: Task, project: Project, key: str) -> bool:
        entry = self.entry(task)
        if entry.get("inputs") != key:
            return False
        outputs = entry.get("outputs", {})
        for path in task.outputs(project):
            if not path.is_file() or outputs.get(path.name) != sha256_of(path):
                return False
        return True

    def record(self, task: Task, project: Project, key: str, outcome: Outcome) -> None:
        previous = self.entry(task)
        self.data[task.name] = {
            "inputs": key,
            "content": outcome.content_key or previous.get("content", ""),
            "outputs": {p.name: sha256_of(p) for p in task.outputs(project) if p.is_file()},
            "seconds": round(outcome.seconds, 3) if outcome.status == "built" else previous.get("seconds", 0),
            "pages": outcome.pages if outcome.pages is not None else previous.get("pages"),
        }

    def forget(self, task: Task) -> None:
        self.data.pop(task.name, None)

    def save(self) -> None:
        from .files import atomic_path

        with atomic_path(self.path) as tmp:
            tmp.write_text(json.dumps(self.data, indent=1, sort_keys=True), encoding="utf-8")


MAX_STATE_BYTES = 4 * 1024 * 1024  # a state of 36 artifacts is about 20 KB


def _valid_state(path: Path) -> dict[str, Any]:
    """The build state at `path`, or ValueError saying why it does not fit."""
    if not path.is_file():
        raise ValueError("not a file")
    if path.stat().st_size > MAX_STATE_BYTES:
        raise ValueError(f"larger than {MAX_STATE_BYTES // 1048576} MB")
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    hexdigest = re.compile(r"\A[0-9a-f]{64}\Z")
    for name, entry in data.items():
        if not isinstance(entry, dict):
            raise ValueError(f"entry '{name}' is not an object")
        if not isinstance(entry.get("inputs", ""), str) or not isinstance(entry.get("content", ""), str):
            raise ValueError(f"entry '{name}': keys are not text")
        outputs = entry.get("outputs", {})
        if not isinstance(outputs, dict) or not all(
                isinstance(k, str) and isinstance(v, str) and hexdigest.match(v) for k, v in outputs.items()):
            raise ValueError(f"entry '{name}': 'outputs' is not file names with SHA-256 hashes")
        pages = entry.get("pages")
        if pages is not None and not (isinstance(pages, int) and not isinstance(pages, bool)
                                      and 0 <= pages <= MAX_PAGES):
            raise ValueError(f"entry '{name}': 'pages' is not a page count")
        seconds = entry.get("seconds", 0)
        if not isinstance(seconds, int | float) or isinstance(seconds, bool) or not 0 <= seconds < 1e6:
            raise ValueError(f"entry '{name}': 'seconds' is not a duration")
    return data


# ---------------------------------------------------------------- workers

# One process keeps its book and editions: the model is loaded once per
# process, not once per artifact.
_EDITIONS: dict[tuple[str, str], tuple[Edition, Any]] = {}


def _edition(project: Project, lang: str) -> tuple[Edition, Any]:
    from .editions import edition_for
    from .load import load_book

    cache_key = (str(project.root), lang)
    if cache_key not in _EDITIONS:
        book_key = (str(project.root), "\0book")
        if book_key not in _EDITIONS:
            _EDITIONS[book_key] = (load_book(project.source), None)  # type: ignore[assignment]
        # (a translated edition is a translated copy: the source book is never changed)
        _EDITIONS[cache_key] = edition_for(project, lang, book=_EDITIONS[book_key][0])  # type: ignore[arg-type]
    return _EDITIONS[cache_key]


def run_task(project: Project, task: Task, previous_content: str, force: bool,
             needs: dict[str, str] | None = None) -> Outcome:
    """Build one artifact (in a worker process); never raises for the user's errors.

    `needs`: for each format the task's format needs, the content key of its
    files in this build (what the task reads of them must be that)."""
    started = time.perf_counter()
    try:
        return _run(project, task, previous_content, force, started, needs or {})
    except PipelineError as exc:
        return Outcome(task, "failed", time.perf_counter() - started, error=exc.shown())
    except Exception as exc:  # a bug: say where, keep the other artifacts going
        import traceback

        where = traceback.extract_tb(exc.__traceback__)[-1]
        return Outcome(task, "failed", time.perf_counter() - started,
                       error=f"internal error ({type(exc).__name__}: {exc}) at "
                             f"{Path(where.filename).name}:{where.lineno}; please report it")


def _run(project: Project, task: Task, previous: str, force: bool, started: float,
         needs: dict[str, str]) -> Outcome:
    edition, report = _edition(project, task.lang)
    report_dict = report.as_dict() if report is not None else None
    if report is not None:
        from .editions import write_translation_report

        write_translation_report(project, report)

    def done(status: str, key: str, pages: int | None = None) -> Outcome:
        return Outcome(task, status, time.perf_counter() - started, pages, key, report=report_dict)

    fmt = task.format
    inputs = {name: BY_NAME[name].hand_over(project, task.lang, key) for name, key in needs.items()}
    job = Job(project, edition, task.unit, inputs)
    prepared = fmt.prepare(job)
    if prepared.key and not force and prepared.key == previous and fmt.current(job, prepared):
        return done("unchanged", prepared.key)
    rendered = fmt.render(job, prepared)
    written = fmt.write(job, rendered)
    return done("built" if written else "unchanged", prepared.key, rendered.pages)


def _init_worker(parent: int) -> None:
    """Set up a worker process: it dies with the build that started it.

    The mechanism: PR_SET_PDEATHSIG (Linux prctl, through ctypes), so the
    kernel sends SIGKILL to the worker when its parent dies, even by
    `kill -9`; a worker only ever writes temporary `.part` files, which the
    next build removes. Where prctl is missing, the pool's own management
    thread still ends idle workers. A forked worker holds no copy of the build
    lock: filelock closes its descriptor in the child (a lock must never
    outlive the build that took it).
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if sys.platform.startswith("linux"):
        import ctypes

        PR_SET_PDEATHSIG = 1
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


# --------------------------------------------------------------- planning


def plan(project: Project, formats: list[str], languages: list[str]) -> list[Task]:
    """Every artifact of `formats` (and of the formats they need) in every language.

    Per language, formats another format needs come first (the print PDF),
    those that read every other edition last (the web edition), the rest in
    the registry's order.
    """
    wanted = set(formats)
    for name in formats:
        wanted.update(BY_NAME[name].needs)
    needed = {name for fmt in REGISTRY for name in fmt.needs}
    order = sorted((fmt for fmt in REGISTRY if fmt.name in wanted),
                   key=lambda fmt: (fmt.name not in needed, fmt.reads_editions))
    units = {fmt.name: fmt.units(project) for fmt in order}
    return [Task(lang, fmt.name, unit) for lang in languages for fmt in order for unit in units[fmt.name]]


def _depends_on(task: Task, tasks: list[Task]) -> list[Task]:
    """The tasks of `tasks` that `task` must wait for: the formats it needs, in its
    language, and for a format that reads its language's editions, all of them."""
    fmt = task.format
    return [other for other in tasks if other.lang == task.lang and other != task
            and (other.kind in fmt.needs or (fmt.reads_editions and not other.format.reads_editions))]


# The lock: filelock's FileLock on build/.lock (flock on Unix, LockFileEx on
# Windows: released by the system when its holder dies, however it dies),
# with the holder's pid and process start time written into the file. What
# the lock cannot see is a holder that is gone while its descriptor lives on
# in another process (the orphaned workers of a `kill -9`ed build, before
# workers died with their parent): the recorded owner is then dead, and the
# lock is taken over with a note, by replacing the lock file (a new inode
# nobody holds).
LOCK_FILE = ".lock"
_LOCK_POLL = 0.2  # seconds between attempts while another build runs


def _start_time(pid: int) -> str:
    """The process's start time in clock ticks since boot (/proc), '' if unknown."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return ""


def _owner_alive(record: str) -> bool:
    """Whether the process recorded in a lock file ('pid start') still runs."""
    parts = record.split()
    if len(parts) != 2 or not parts[0].isdigit() or len(parts[0]) > 9:
        return True  # unreadable (or being written): assume alive, keep waiting
    if os.name != "posix":
        return True  # (os.kill(pid, 0) would end the process on Windows: no takeover there, only waiting)
    pid = int(parts[0])
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    started = _start_time(pid)
    # a reused pid (another start time) is not the owner; "0" is "not known"
    return not started or parts[1] == "0" or started == parts[1]


class _Replaced(Exception):
    """The lock file was replaced (taken over) between filelock's open and its lock."""


def _record_owner(path: Path) -> Callable[[int], None]:
    """filelock's on_acquired: check the descriptor is still `path`'s file, then write the owner into it."""
    def on_acquired(fd: int) -> None:
        try:
            same = os.fstat(fd).st_ino == path.stat().st_ino
        except FileNotFoundError:
            same = False
        if not same:
            raise _Replaced  # this lock guards nothing: filelock releases it, and we start again
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)  # (not os.pwrite: Unix only)
        os.write(fd, f"{os.getpid()} {_start_time(os.getpid()) or 0}\n".encode())
    return on_acquired


def _read_record(path: Path) -> str:
    try:
        with open(path, "rb") as handle:
            return handle.read(64).decode("ascii", "replace")
    except FileNotFoundError:
        return ""


def _acquire(path: Path, say: Callable[[str], None]) -> FileLock:
    waited = False
    while True:
        if path.is_dir():
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
        if path.exists() and not path.is_file():
            raise PipelineError(f"'{shown_file(path)}' is not a regular file (the build lock): remove it")
        lock = FileLock(path, blocking=False, on_acquired=_record_owner(path))
        try:
            lock.acquire()
        except _Replaced:
            continue
        except Timeout:
            record = _read_record(path)
            if not _owner_alive(record):
                # the owner is gone; what holds the lock is a leftover
                # descriptor: replace the file, under a short second lock so
                # that two builds do not both replace it
                with FileLock(path.with_name(LOCK_FILE + ".takeover")):
                    if _read_record(path) == record:
                        path.unlink(missing_ok=True)
                        say(f"the build that held {path.name} (pid {record.split()[0]}) is gone: "
                            "taking the lock over")
                continue
            if not waited:
                say("another build is running on this tree: waiting for it to finish...")
                waited = True
            time.sleep(_LOCK_POLL)
            continue
        return lock


@contextlib.contextmanager
def build_lock(build_dir: Path, say: Callable[[str], None]) -> Iterator[None]:
    """One build at a time per tree; a second one waits. Leftover temporary files
    of an interrupted build are removed once the lock is held."""
    if build_dir.exists() and not build_dir.is_dir():
        raise PipelineError(f"'{shown_file(build_dir)}' is a file, where the build folder should be: "
                            "move it away or remove it")
    try:
        build_dir.mkdir(parents=True, exist_ok=True)
        lock = _acquire(build_dir / LOCK_FILE, say)
    except OSError as exc:
        where = shown_file(exc.filename) if exc.filename else shown_file(build_dir / LOCK_FILE)
        raise PipelineError(f"cannot use the build folder: '{where}': {exc.strerror or exc}") from None
    try:
        _remove_leftovers(build_dir)
        yield
    finally:
        _remove_leftovers(build_dir)
        with contextlib.suppress(OSError):
            os.truncate(build_dir / LOCK_FILE, 0)  # no owner recorded: nobody holds it
        lock.release()


def _remove_leftovers(build_dir: Path) -> None:
    for leftover in build_dir.rglob(".*.part"):
        with contextlib.suppress(OSError):
            leftover.unlink()


def _raise_on_sigterm() -> Callable[[], None]:
    """SIGTERM stops a build like Ctrl-C does: cleanly, leaving no partial file."""
    def handler(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, handler)
    return lambda: signal.signal(signal.SIGTERM, previous)


def build(project: Project, formats: list[str], languages: list[str], jobs: int, force: bool,
          progress: Any, preflight: Callable[[list[str]], Any] | None = None) -> BuildResult:
    """Build what is out of date; `progress` gets plan, start(task), finish(outcome), note(text).

    `preflight(languages with work)` runs once something needs building and
    before any of it starts (the CLI checks the source and translations
    there); the book it returns is reused by this process.
    """

    restore = _raise_on_sigterm()
    try:
        with build_lock(project.build, progress.note):
            return _build(project, formats, languages, jobs, force, progress, preflight or (lambda langs: None))
    finally:
        restore()


def _build(project: Project, formats: list[str], languages: list[str], jobs: int, force: bool,
           progress: Any, preflight: Callable[[list[str]], Any]) -> BuildResult:
    state = State(project.build / STATE_FILE)
    if state.problem:
        progress.note(state.problem)
    source_lang = project.book_header().language
    keys = input_keys(project, languages, source_lang)
    tasks = plan(project, formats, languages)
    result = BuildResult()
    todo: list[Task] = []
    # --force rebuilds what was asked for and the print PDF it depends on (an
    # EPUB's page list and a factsheet's page references come from its layout:
    # a forced EPUB over a print PDF that is not rebuilt would not be forced).
    def forced(task: Task) -> bool:
        return force

    for task in tasks:
        # A format that reads its language's other editions is rebuilt with them.
        with_editions = task.format.reads_editions and any(t.lang == task.lang for t in todo)
        if not forced(task) and not with_editions and state.up_to_date(task, project, keys[task.lang]):
            result.outcomes.append(Outcome(task, "unchanged", 0.0, state.entry(task).get("pages")))
        else:
            todo.append(task)
    if todo:
        book = preflight(sorted({task.lang for task in todo}))
        if book is not None:
            _EDITIONS[(str(project.root), "\0book")] = (book, None)
    progress.plan(tasks, todo)
    if todo:
        _execute(project, todo, state, keys, jobs, forced, progress, result)
    state.save()
    write_manifest(project, tasks, state)
    return result


def _execute(project: Project, todo: list[Task], state: State, keys: dict[str, str], jobs: int,
             forced: Callable[[Task], bool], progress: Any, result: BuildResult) -> None:
    waiting = list(todo)
    pending: dict[Future[Outcome], Task] = {}
    finished: dict[Task, Outcome] = {}
    def new_executor() -> ProcessPoolExecutor | None:
        return (ProcessPoolExecutor(max_workers=max(1, jobs), initializer=_init_worker,
                                    initargs=(os.getpid(),)) if jobs > 1 else None)

    executor = new_executor()

    def ready(task: Task) -> bool:
        return all(dep in finished for dep in _depends_on(task, todo))

    def needs(task: Task) -> dict[str, str]:
        """The content keys of the needed formats' files: made in this build, or by an earlier one."""
        keys = {}
        for name in task.format.needs:
            dep = Task(task.lang, name)
            keys[name] = finished[dep].content_key if dep in finished else state.entry(dep).get("content", "")
        return keys

    def submit(task: Task) -> None:
        previous = state.entry(task).get("content", "")
        progress.start(task)
        if executor is None:
            outcome = run_task(project, task, previous, forced(task), needs(task))
            complete(task, outcome)
        else:
            pending[executor.submit(run_task, project, task, previous, forced(task), needs(task))] = task

    def complete(task: Task, outcome: Outcome) -> None:
        finished[task] = outcome
        result.outcomes.append(outcome)
        if outcome.status == "failed":
            state.forget(task)
        else:
            state.record(task, project, keys[task.lang], outcome)
        progress.finish(outcome)

    try:
        while waiting or pending:
            for task in [t for t in waiting if ready(t)]:
                waiting.remove(task)
                failed = [dep for dep in _depends_on(task, todo) if dep.kind in task.format.needs
                          and finished[dep].status == "failed"]
                if failed:
                    complete(task, Outcome(task, "failed", error=f"not built: {failed[0].name} failed"))
                    continue
                submit(task)
            if pending:
                done, _ = wait(list(pending), return_when=FIRST_COMPLETED)
                broken = False
                for future in done:
                    task = pending.pop(future)
                    try:
                        outcome = future.result()
                    except BrokenProcessPool:
                        # A worker was killed (kill -9, the kernel's OOM killer):
                        # the pool cannot tell which task it held, so every task
                        # in flight is failed (not retried: a task that kills its
                        # worker would kill the next one too) and the rest of the
                        # build goes on in a new pool.
                        broken = True
                        outcome = Outcome(task, "failed", error="its worker process died (killed, or out of "
                                                               "memory); nothing was written; build again")
                    complete(task, outcome)
                if broken:
                    for future, task in list(pending.items()):
                        pending.pop(future)
                        complete(task, Outcome(task, "failed", error="its worker process died (killed, or out "
                                                                     "of memory); nothing was written; build again"))
                    assert executor is not None
                    executor.shutdown(wait=True, cancel_futures=True)
                    executor = new_executor()
            elif waiting and not any(ready(t) for t in waiting):
                break
    except KeyboardInterrupt:
        if executor is not None:
            for process in list(getattr(executor, "_processes", {}).values()):
                process.terminate()
            executor.shutdown(wait=True, cancel_futures=True)
        state.save()
        raise
    finally:
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)


def write_manifest(project: Project, tasks: list[Task], state: State) -> Path:
    """build/manifest.json: every artifact with its path, language, kind, pages, size, hash and time."""
    from .files import atomic_path

    artifacts = []
    for task in tasks:
        entry = state.entry(task)
        for path in task.format.products(project, task.lang, task.unit):
            if not path.is_file():
                continue
            artifacts.append({
                "path": path.relative_to(project.root).as_posix() if path.is_relative_to(project.root) else str(path),
                "language": task.lang,
                "kind": task.format.kind(task.unit),
                "pages": entry.get("pages"),
                "size": path.stat().st_size,
                "sha256": entry.get("outputs", {}).get(path.name) or sha256_of(path),
                "seconds": entry.get("seconds"),
            })
    artifacts.sort(key=lambda a: (a["language"], a["path"]))
    path = project.manifest()
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps({"artifacts": artifacts}, indent=1), encoding="utf-8")
    return path


# --------------------------------------------------------------- progress


class PlainProgress:
    """One line per event: for CI logs and anything that is not a terminal."""

    def __init__(self, stream: Any = sys.stderr) -> None:
        self.stream = stream
        self.total = 0
        self.done = 0

    def note(self, text: str) -> None:
        print(text, file=self.stream, flush=True)

    def plan(self, tasks: list[Task], todo: list[Task]) -> None:
        self.total = len(todo)
        if not todo:
            self.note(f"all {len(tasks)} artifacts are up to date")
        else:
            self.note(f"{len(todo)} of {len(tasks)} artifacts to check or build")

    def start(self, task: Task) -> None:
        self.note(f"[{self.done}/{self.total}] building {task.name}")

    def finish(self, outcome: Outcome) -> None:
        if outcome.task and self.total:
            self.done += 1
        if outcome.status == "failed":
            self.note(f"[{self.done}/{self.total}] FAILED {outcome.task.name}: {outcome.error}")
        elif outcome.status == "built":
            pages = f", {outcome.pages} pages" if outcome.pages else ""
            self.note(f"[{self.done}/{self.total}] built {outcome.task.name} ({outcome.seconds:.1f} s{pages})")
        else:
            self.note(f"[{self.done}/{self.total}] unchanged {outcome.task.name}")

    def close(self) -> None:
        pass


class LiveProgress(PlainProgress):
    """A live table on a terminal: what is building, done and left, with times."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.live import Live

        super().__init__()
        self.console = Console(stderr=True)
        self.rows: dict[Task, tuple[str, float]] = {}
        self.live = Live(self._table(), console=self.console, refresh_per_second=4, transient=False)
        self.live.start()

    def _table(self) -> Any:
        from rich.table import Table

        table = Table(title=f"compendium build: {self.done}/{self.total} done", expand=False)
        table.add_column("artifact")
        table.add_column("status")
        table.add_column("time", justify="right")
        now = time.perf_counter()
        for task, (status, since) in self.rows.items():
            seconds = now - since if status == "building" else since
            colour = {"building": "yellow", "built": "green", "unchanged": "dim", "FAILED": "red",
                      "waiting": "dim"}.get(status, "")
            table.add_row(task.name, f"[{colour}]{status}[/]", f"{seconds:.1f} s" if status != "waiting" else "")
        return table

    def note(self, text: str) -> None:
        # (plain text: a note may quote "[^ii]" or "[/x]", which rich would take for markup)
        self.console.print(text, markup=False, highlight=False)

    def plan(self, tasks: list[Task], todo: list[Task]) -> None:
        super().plan(tasks, todo)
        self.rows = {task: ("waiting", 0.0) for task in todo}
        self.live.update(self._table())

    def start(self, task: Task) -> None:
        self.rows[task] = ("building", time.perf_counter())
        self.live.update(self._table())

    def finish(self, outcome: Outcome) -> None:
        if outcome.task not in self.rows:
            return
        self.done += 1
        status = {"failed": "FAILED"}.get(outcome.status, outcome.status)
        self.rows[outcome.task] = (status, outcome.seconds)
        self.live.update(self._table())
        if outcome.status == "failed":
            from rich.markup import escape as rich_escape

            self.console.print(f"[red]FAILED[/] {outcome.task.name}: {rich_escape(outcome.error)}", highlight=False)

    def close(self) -> None:
        self.live.stop()


def progress_for(stream: Any) -> PlainProgress:
    return LiveProgress() if stream.isatty() else PlainProgress(stream)


def summary(result: BuildResult) -> dict[str, Any]:
    return {"outcomes": [asdict(o) | {"task": o.task.name} for o in result.outcomes]}
