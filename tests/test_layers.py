"""The package's layers flow one way (issue 18).

Every module of `pipeline/` is parsed (ast, nothing is imported) and each of
its imports of another pipeline module becomes an edge -- top-level, inside a
function, or under `if TYPE_CHECKING` alike: a deferred import is still a
dependency. The layers, from the top:

    command -> build -> formats -> editions -> stages (checks, i18n, render, verify)
            -> transforms -> load -> low utilities -> model

A module may import its own layer or any layer below it; nothing imports
upwards, and no set of modules imports itself round a loop (within a layer
too). A new module must be given a layer here before it passes.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

from .conftest import ROOT

PACKAGE = ROOT / "pipeline"

# Top first. A name stands for that module and, when it is a package, every
# module under it; the longest matching name decides (so `pipeline.i18n.cli`
# is a command although `pipeline.i18n` is a stage).
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("command", ("pipeline.cli", "pipeline.cliutil", "pipeline.serve", "pipeline.summary",
                 "pipeline.i18n.cli", "pipeline.linkcheck.cli", "pipeline.a11y.cli")),
    ("build", ("pipeline.build", "pipeline.scheduler")),
    # The format registry: one module per output, read by the build.
    ("formats", ("pipeline.formats",)),
    ("editions", ("pipeline.editions",)),
    # Siblings: a check may use the i18n catalogue, a renderer a check's
    # helper; loops among them are still refused.
    ("stages", ("pipeline.checks", "pipeline.i18n", "pipeline.render", "pipeline.a11y",
                "pipeline.linkcheck", "pipeline.proof")),
    ("transforms", ("pipeline.transforms",)),
    # (with the project's types -- Project, Edition, Artifact, PageMap -- that
    # the stages above take as values)
    ("load", ("pipeline.load", "pipeline.markdown", "pipeline.yamlfile", "pipeline.schema", "pipeline.factsheets",
              "pipeline.theme", "pipeline.project", "pipeline.text_units")),
    # What every stage may use: files (reading sources, atomic writes),
    # timestamps, language facts, a tagged PDF's ParentTree (read by the
    # renderer and the accessibility check). (The model's translatable units, text_units,
    # sit with load: they locate YAML fields through the YAML reader.)
    ("utilities", ("pipeline.files", "pipeline.timestamps", "pipeline.languages", "pipeline.pdf_tree")),
    ("model", ("pipeline", "pipeline.model", "pipeline.errors")),
]

# Edges that break the layering on purpose: none. (Kept as a named, empty
# set so that an exception, if one is ever needed, is written down here with
# its reason; an entry whose edge no longer exists fails the test.)
ALLOWED_UNTIL_THE_FORMAT_REGISTRY: frozenset[tuple[str, str]] = frozenset()


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path, modules: set[str]) -> set[str]:
    """The pipeline modules `path` imports (relative imports resolved)."""
    name = module_name(path)
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                # (a relative import that climbs out of the package fails at
                # run time, and would hide an edge here: refuse it)
                assert node.level <= len(package), f"{path}:{node.lineno}: relative import beyond the package"
                base = package[: len(package) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            # `from . import x` imports the module x when there is one
            targets = [f"{module}.{alias.name}" if f"{module}.{alias.name}" in modules else module
                       for alias in node.names]
        for target in targets:
            while target not in modules and "." in target:
                target = target.rsplit(".", 1)[0]
            if target in modules and target != name:
                found.add(target)
    return found


def import_graph() -> dict[str, set[str]]:
    paths = sorted(PACKAGE.rglob("*.py"))
    modules = {module_name(path) for path in paths}
    return {module_name(path): imports_of(path, modules) for path in paths}


def layer_of(module: str) -> int | None:
    best: tuple[int, int] | None = None  # (length of the matching name, layer)
    for index, (_, names) in enumerate(LAYERS):
        for name in names:
            if (module == name or module.startswith(name + ".")) and (best is None or len(name) > best[0]):
                best = (len(name), index)
    return None if best is None else best[1]


def upward_edges(graph: dict[str, set[str]]) -> set[tuple[str, str]]:
    out = set()
    for module, targets in graph.items():
        for target in targets:
            low, high = layer_of(module), layer_of(target)
            if low is not None and high is not None and high < low:
                out.add((module, target))
    return out


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The import loops: every strongly connected set of two or more modules (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def without(graph: dict[str, set[str]], edges: Iterable[tuple[str, str]]) -> dict[str, set[str]]:
    removed = set(edges)
    return {module: {t for t in targets if (module, t) not in removed} for module, targets in graph.items()}


def test_every_module_has_a_layer() -> None:
    unplaced = sorted(module for module in import_graph() if layer_of(module) is None)
    assert not unplaced, f"give these modules a layer in tests/test_layers.py: {unplaced}"


def test_nothing_imports_upwards() -> None:
    graph = without(import_graph(), ALLOWED_UNTIL_THE_FORMAT_REGISTRY)
    upward = sorted(upward_edges(graph))
    shown = [f"{a} ({LAYERS[layer_of(a) or 0][0]}) imports {b} ({LAYERS[layer_of(b) or 0][0]})" for a, b in upward]
    assert not upward, "imports against the layers:\n" + "\n".join(shown)


def test_no_import_loops() -> None:
    loops = cycles(without(import_graph(), ALLOWED_UNTIL_THE_FORMAT_REGISTRY))
    assert not loops, "import loops:\n" + "\n".join(" <-> ".join(loop) for loop in loops)


def test_the_allowance_only_holds_edges_that_still_exist() -> None:
    graph = import_graph()
    stale = sorted((a, b) for a, b in ALLOWED_UNTIL_THE_FORMAT_REGISTRY if b not in graph.get(a, set()))
    assert not stale, f"these edges are gone: remove them from ALLOWED_UNTIL_THE_FORMAT_REGISTRY: {stale}"


def test_the_checker_sees_a_loop_and_an_upward_import() -> None:
    """The rules above catch what they claim to, on a made-up graph."""
    graph = {
        "pipeline.model": {"pipeline.load"},  # upward: model -> load
        "pipeline.load": {"pipeline.model"},  # ... and so a loop
        "pipeline.checks.a": {"pipeline.checks.b"},
        "pipeline.checks.b": {"pipeline.checks.a"},  # a loop within one layer
        "pipeline.i18n.cli": {"pipeline.build"},  # a command may import the build
    }
    assert upward_edges(graph) == {("pipeline.model", "pipeline.load")}
    assert sorted(cycles(graph)) == [["pipeline.checks.a", "pipeline.checks.b"], ["pipeline.load", "pipeline.model"]]


def test_relative_and_deferred_imports_are_resolved() -> None:
    """`from .x import`, `from ..x import` and imports inside functions all count."""
    modules = {module_name(path) for path in PACKAGE.rglob("*.py")}
    pdf = imports_of(PACKAGE / "render" / "pdf.py", modules)
    assert {"pipeline.render.html", "pipeline.model", "pipeline"} <= pdf  # `.html`, `..model`, `from .. import`
    assert "pipeline.render.fetcher" in pdf  # imported inside a function
