"""`make bench`: the pipeline against Pandoc and against WeasyPrint alone, on this machine.

Not a test: it measures. Each command runs several times in a fresh process;
the table gives the median wall time, the peak memory (max RSS of the process
and the workers it waited for) and the ratios the project targets:

- the English EPUB no slower than Pandoc's EPUB of the same source files;
- every language's EPUB small (its fonts subset): English under 500 kB, Chinese under 3 MB;
- the English screen PDF within 1.15 x WeasyPrint alone on the pipeline's own HTML;
- a `make all` with nothing changed under one second;
- a one-paragraph change rebuilding only the artifacts that print that paragraph;
- peak memory of the English PDF under 1 GiB.

Everything runs in a temporary copy of the project, so the user's build/ is
left alone. Results go to the terminal and to build/bench.json and build/bench.md.
`--only epub` (or pdf, all; repeatable) measures one part.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
GIB = 1024 ** 3
PARTS = ("epub", "pdf", "all")


@dataclass
class Measure:
    name: str
    seconds: list[float] = field(default_factory=list)
    peak_kib: int = 0
    cpu: list[float] = field(default_factory=list)  # user + system seconds, workers included
    note: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.seconds) if self.seconds else float("nan")

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu) if self.cpu else float("nan")


def timed(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, int, str, float]:
    """Run a command; return wall seconds, peak RSS in KiB (os.wait4), its stderr and
    its CPU seconds (user + system; on a shared machine, less noisy than wall time)."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=err)
        _pid, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        err.seek(0)
        stderr = err.read().decode(errors="replace")
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"bench: command failed: {' '.join(cmd)}\n{stderr[-2000:]}")
    return seconds, usage.ru_maxrss, stderr, usage.ru_utime + usage.ru_stime


def measure(name: str, cmd: list[str], cwd: Path, runs: int, before=None, env=None) -> Measure:  # type: ignore[no-untyped-def]
    m = Measure(name)
    for _ in range(runs):
        if before:
            before()
        seconds, peak, _, cpu = timed(cmd, cwd, env)
        m.seconds.append(seconds)
        m.cpu.append(cpu)
        m.peak_kib = max(m.peak_kib, peak)
    print(f"  {name}: median {m.median:.2f} s (CPU {m.cpu_median:.2f} s) over {runs} runs, "
          f"peak {m.peak_kib / 1024:.0f} MiB", flush=True)
    return m


def pandoc_sources(project: Path) -> list[str]:
    """The section files in reading order, as Pandoc would read them, footnotes last."""
    import yaml

    book = yaml.safe_load((project / "source" / "book.yml").read_text())
    contents = book["contents"]
    files = [f for f in contents.get("front", []) if f.endswith(".md")]
    for part in contents["parts"]:
        files += [part["opener"], *part["sections"]]
    files += contents.get("back", []) + [contents["footnotes"]]
    return [str(project / "source" / f) for f in files]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement (median)")
    parser.add_argument("--all-runs", type=int, default=1, help="runs of the full multilingual build")
    parser.add_argument("--only", action="append", choices=PARTS, metavar="PART",
                        help=f"measure only this part ({', '.join(PARTS)}; repeatable); default: all")
    args = parser.parse_args()
    parts = args.only or list(PARTS)
    compendium = str(BIN / "compendium")
    weasyprint = str(BIN / "weasyprint")
    pandoc = shutil.which("pandoc")

    work = Path(tempfile.mkdtemp(prefix="compendium-bench-"))
    project = work / "project"
    for name in ("source", "themes", "translations"):
        shutil.copytree(ROOT / name, project / name)
    env = dict(os.environ, SOURCE_DATE_EPOCH="1638316800")
    results: dict[str, Measure] = {}
    print(f"benchmark in {work} ({os.cpu_count()} cores)", flush=True)

    sizes: dict[str, int] = {}
    if "epub" in parts:
        bench_epub(compendium, pandoc, project, work, env, args.runs, results, sizes)
    if "pdf" in parts:
        bench_pdf(compendium, weasyprint, pandoc, project, work, env, args.runs, results)
    if "all" in parts:
        bench_all(compendium, project, env, args.runs, args.all_runs, results)
    report(results, sizes, work)
    shutil.rmtree(work, ignore_errors=True)
    return 0


def bench_epub(compendium: str, pandoc: str | None, project: Path, work: Path, env: dict[str, str], runs: int,
               results: dict[str, Measure], sizes: dict[str, int]) -> None:
    print("EPUB", flush=True)
    # Every language's print PDF first (the EPUBs' page lists need their page
    # maps), then every EPUB once, for the sizes.
    subprocess.run([compendium, "build", "epub", "--all-languages", "--project", str(project)], env=env,
                   check=True, capture_output=True)
    for epub in sorted((project / "build").glob("*/compendium.epub")):
        sizes[epub.parent.name] = epub.stat().st_size
    print("  sizes: " + ", ".join(f"{lang} {size / 1000:.0f} kB" for lang, size in sizes.items()), flush=True)
    results["epub"] = measure("pipeline EPUB", [compendium, "build", "epub", "--lang", "en", "--force",
                                                "-j", "1", "--project", str(project)], project, runs,
                              env=env)
    if pandoc:
        results["pandoc-epub"] = measure("Pandoc EPUB", [pandoc, "-f", "markdown", "-o", str(work / "pandoc.epub"),
                                                         "--metadata", "title=Compendium",
                                                         *pandoc_sources(project)], project, runs)
        sizes["pandoc (en)"] = (work / "pandoc.epub").stat().st_size


def bench_pdf(compendium: str, weasyprint: str, pandoc: str | None, project: Path, work: Path,
              env: dict[str, str], runs: int, results: dict[str, Measure]) -> None:
    print("Screen PDF", flush=True)
    results["pdf"] = measure("pipeline screen PDF", [compendium, "build", "pdf", "--lang", "en", "--force",
                                                     "-j", "1", "--project", str(project)], project, runs,
                             env=env)
    html = project / "themes" / "default" / "bench-book.html"
    subprocess.run([str(BIN / "python"), "-c", (
        "import sys; from pathlib import Path; from pipeline.build import Project;"
        "from pipeline.editions import edition_for; from pipeline.render.pdf import book_html;"
        "p = Project.at(Path(sys.argv[1])); e, _ = edition_for(p);"
        "Path(sys.argv[2]).write_text(book_html(e.book, e.theme, 'screen', e.strings), encoding='utf-8')"
    ), str(project), str(html)], check=True, env=env, cwd=ROOT)
    results["weasyprint"] = measure("WeasyPrint alone, pipeline's HTML",
                                    [weasyprint, "--pdf-variant", "pdf/ua-1", "--pdf-tags", str(html),
                                     str(work / "alone.pdf")], project, runs)
    html.unlink()
    if pandoc:
        pandoc_html = work / "pandoc.html"
        script = (f"{pandoc} -f markdown -s --metadata title=Compendium -o {pandoc_html} "
                  + " ".join(pandoc_sources(project)) + f" && {weasyprint} {pandoc_html} {work / 'pandoc.pdf'}")
        results["pandoc-pdf"] = measure("Pandoc HTML + WeasyPrint", ["bash", "-c", script], project, runs)



def bench_all(compendium: str, project: Path, env: dict[str, str], runs: int, all_runs: int,
              results: dict[str, Measure]) -> None:
    print("make all (every language)", flush=True)
    build_dir = project / "build"
    results["all-clean"] = measure("build --all-languages, from clean",
                                   [compendium, "build", "--all-languages", "--project", str(project)],
                                   project, all_runs, before=lambda: shutil.rmtree(build_dir, ignore_errors=True),
                                   env=env)
    results["all-nochange"] = measure("build --all-languages, nothing changed",
                                      [compendium, "build", "--all-languages", "--project", str(project)],
                                      project, runs, env=env)
    section = project / "source" / "part-2" / "2-1.md"
    original = section.read_text()
    edits = iter(["retail, farmworking", "retail, agriculture"] * 10)

    def edit() -> None:
        section.write_text(original.replace("retail, agriculture", next(edits), 1))

    m = Measure("build --all-languages, one paragraph edited")
    rebuilt: set[str] = set()
    for _ in range(runs):
        edit()
        seconds, peak, stderr, cpu = timed([compendium, "build", "--all-languages", "--project", str(project)],
                                      project, env)
        m.seconds.append(seconds)
        m.peak_kib = max(m.peak_kib, peak)
        m.cpu.append(cpu)
        rebuilt |= set(re.findall(r"\] built (\S+)", stderr))
    m.note = "rebuilt: " + ", ".join(sorted(rebuilt))
    print(f"  {m.name}: median {m.median:.2f} s; {m.note}", flush=True)
    results["all-edit"] = m


def report(results: dict[str, Measure], sizes: dict[str, int], work: Path) -> None:
    def ratio(a: str, b: str) -> str:
        if a in results and b in results:
            return f"{results[a].median / results[b].median:.2f}"
        return "n/a"

    def cpu_ratio(a: str, b: str) -> str:
        if a in results and b in results:
            return f"{results[a].cpu_median / results[b].cpu_median:.2f}"
        return "n/a"

    rows = [(m.name, f"{m.median:.2f}", f"{m.cpu_median:.2f}", f"{m.peak_kib / 1024:.0f}", m.note)
            for m in results.values()]
    ours = [m for key, m in results.items() if not key.startswith(("pandoc", "weasyprint"))]
    targets = [
        ("EPUB: pipeline / Pandoc (target <= 1.00)", ratio("epub", "pandoc-epub")),
        ("EPUB: pipeline / Pandoc, CPU time", cpu_ratio("epub", "pandoc-epub")),
        ("screen PDF: pipeline / WeasyPrint alone (target <= 1.15)", ratio("pdf", "weasyprint")),
        ("screen PDF: pipeline / Pandoc + WeasyPrint", ratio("pdf", "pandoc-pdf")),
    ]
    if "all-nochange" in results:
        targets.append(("no-change build, seconds (target < 1)", f"{results['all-nochange'].median:.2f}"))
    if ours:
        targets.append(("peak memory of any pipeline build, MiB (target < 1024)",
                        f"{max(m.peak_kib for m in ours) / 1024:.0f}"))
    goal = {"en": " (target < 500)", "zh-Hans": " (target < 3000)"}
    targets += [(f"EPUB size, {lang}, kB{goal.get(lang, '')}", f"{size / 1000:.0f}") for lang, size in sizes.items()]
    lines = ["| measurement | median s | CPU s | peak MiB | note |", "| --- | ---: | ---: | ---: | --- |"]
    lines += [f"| {a} | {b} | {c} | {d} | {e} |" for a, b, c, d, e in rows]
    lines += ["", "| target | value |", "| --- | ---: |"] + [f"| {a} | {b} |" for a, b in targets]
    text = "\n".join(lines)
    print("\n" + text)
    out = ROOT / "build"
    out.mkdir(exist_ok=True)
    (out / "bench.md").write_text(text + "\n", encoding="utf-8")
    (out / "bench.json").write_text(json.dumps(
        {k: {"median": m.median, "runs": m.seconds, "cpu": m.cpu, "peak_mib": round(m.peak_kib / 1024), "note": m.note}
         for k, m in results.items()} | {"epub_bytes": sizes, "cores": os.cpu_count()}, indent=1), encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
