"""Safe YAML reading with locations: no object construction, no duplicate keys.

PyYAML's safe loader already refuses tags that build objects; it silently
keeps the last of two equal keys, which hides an editor's mistake, so this
loader refuses duplicates too. It also refuses anchors and aliases (`&x`,
`*x`): the source has no use for them, and nine nested aliases are enough to
make a few lines of YAML expand to a billion values.

`parse_yaml_located` also returns the line of every key and list item, by
path (`("contents", "parts", 0, "sections", 1)`), so that a message about a
value names the line it stands on.
"""

from __future__ import annotations

from typing import Any

import yaml

from .errors import SourceError
from .model import Loc

Path = tuple[str | int, ...]


class _DuplicateKey(yaml.constructor.ConstructorError):
    def __init__(self, key: Any, first_line: int, mark: yaml.Mark) -> None:
        super().__init__(None, None, f"duplicate key '{key}'", mark)
        self.key = key
        self.first_line = first_line  # 0-based, in the parsed text


class _StrictLoader(yaml.SafeLoader):
    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent) or getattr(self.peek_event(), "anchor", None):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None,
                "anchors and aliases (&name, *name) are not allowed; write the value out",
                event.start_mark,
            )
        return super().compose_node(parent, index)


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                "a key must be a plain value, not a list or mapping",
                key_node.start_mark,
            ) from None
        if key in seen:
            raise _DuplicateKey(key, seen[key], key_node.start_mark)
        seen[key] = key_node.start_mark.line
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping
)


def _node_lines(node: yaml.Node | None, first_line: int) -> dict[Path, int]:
    """The 1-based line of every key and list item under `node`, by path."""
    lines: dict[Path, int] = {}
    if node is None:
        return lines

    def walk(node: yaml.Node, path: Path) -> None:
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    continue
                key = key_node.value
                sub = (*path, int(key) if key.isdigit() and key_node.tag.endswith(":int") else key)
                lines.setdefault(sub, first_line + key_node.start_mark.line)
                walk(value_node, sub)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                lines[(*path, i)] = first_line + item.start_mark.line
                walk(item, (*path, i))

    lines[()] = first_line + node.start_mark.line
    walk(node, ())
    return lines


class Where:
    """The place of a value in a YAML file, by path: `where("contents", "parts", 0)`.

    A path that does not exist (a missing key) falls back to its nearest
    parent, so a message about a missing key names the mapping that lacks it.
    """

    def __init__(self, file: str, lines: dict[Path, int]) -> None:
        self.file = file
        self.lines = lines

    def __call__(self, *path: str | int) -> Loc:
        while path and path not in self.lines:
            path = path[:-1]
        return Loc(self.file, self.lines.get(path, 1))


def _bad_timestamp_line(loader: _StrictLoader, node: yaml.Node | None) -> int:
    """The (0-based) line of the first date-like scalar YAML cannot make a date of."""
    todo = [node] if node is not None else []
    while todo:
        current = todo.pop(0)
        if isinstance(current, yaml.ScalarNode) and current.tag.endswith(":timestamp"):
            try:
                loader.construct_yaml_timestamp(current)
            except ValueError:
                return current.start_mark.line
        elif isinstance(current, yaml.MappingNode):
            todo.extend(item for pair in current.value for item in pair)
        elif isinstance(current, yaml.SequenceNode):
            todo.extend(current.value)
    return 0


def parse_yaml_located(text: str, file: str, first_line: int = 1) -> tuple[Any, dict[Path, int]]:
    """Parse YAML text that starts at `first_line` of `file`: (data, line of each path)."""
    loader = _StrictLoader(text)
    node: yaml.Node | None = None
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
        lines = _node_lines(node, first_line)
    except _DuplicateKey as exc:
        line = first_line + exc.problem_mark.line
        raise SourceError(
            f"invalid YAML: duplicate key '{exc.key}' "
            f"(first given on line {first_line + exc.first_line})",
            Loc(file, line),
        ) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = first_line + (mark.line if mark else 0)
        problem = " ".join((exc.problem or "invalid YAML").split())
        if exc.context:
            problem = f"{' '.join(exc.context.split())}: {problem}"
        raise SourceError(f"invalid YAML: {problem}", Loc(file, line)) from None
    except yaml.YAMLError as exc:
        raise SourceError(
            f"invalid YAML: {' '.join(str(exc).split())}", Loc(file, first_line)
        ) from None
    except RecursionError:
        raise SourceError("invalid YAML: nested too deeply", Loc(file, first_line)) from None
    except ValueError as exc:
        # an unquoted value that looks like a date but is none (2021-02-30)
        line = first_line + _bad_timestamp_line(loader, node)
        raise SourceError(f"invalid YAML: {exc} (a date is written YYYY-MM-DD)", Loc(file, line)) from None
    finally:
        loader.dispose()
    return data, lines


def parse_yaml(text: str, file: str, first_line: int = 1) -> Any:
    """Parse YAML text that starts at `first_line` of `file`; errors name the line."""
    return parse_yaml_located(text, file, first_line)[0]
