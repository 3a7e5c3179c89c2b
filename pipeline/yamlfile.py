"""Safe YAML reading with locations: no object construction, no duplicate keys.

PyYAML's safe loader already refuses tags that build objects; it silently
keeps the last of two equal keys, which hides an editor's mistake, so this
loader refuses duplicates too.
"""

from __future__ import annotations

from typing import Any

import yaml

from .errors import SourceError
from .model import Loc


class _StrictLoader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"duplicate key '{key}' (first given on line {seen[key] + 1})",
                key_node.start_mark,
            )
        seen[key] = key_node.start_mark.line
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping
)


def parse_yaml(text: str, file: str, first_line: int = 1) -> Any:
    """Parse YAML text that starts at `first_line` of `file`; errors name the line."""
    try:
        return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = first_line + (mark.line if mark else 0)
        problem = exc.problem or "invalid YAML"
        if exc.context and "duplicate key" not in problem:
            problem = f"{exc.context}: {problem}"
        raise SourceError(f"invalid YAML: {problem}", Loc(file, line)) from None
    except yaml.YAMLError as exc:
        raise SourceError(f"invalid YAML: {exc}", Loc(file, first_line)) from None
