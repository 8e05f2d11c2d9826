"""Safe YAML reading that remembers where each value came from.

Staff edit these files by hand, so every error must name file and line; duplicate keys (which
PyYAML silently overwrites) and anchors/aliases (a classic "billion laughs" bomb) are rejected.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

MAX_FILE_BYTES = 2_000_000


class YamlError(Exception):
    """A YAML file that cannot be read: `file`, `line` (1-based; 0 for the whole file) and
    `message`; as text, "file:line: message"."""

    def __init__(self, file: str, line: int, message: str) -> None:
        super().__init__(f"{file}:{line}: {message}" if line else f"{file}: {message}")
        self.file = file
        self.line = line
        self.message = message


class LineDict(dict[str, Any]):
    """A mapping that knows the line of itself and of each of its keys (1-based)."""

    line: int = 0
    key_lines: dict[str, int]


class LineList(list[Any]):
    """A sequence that knows its line and the line of each of its items (1-based)."""

    line: int = 0
    item_lines: list[int]


# libyaml's C parser when PyYAML has it (about ten times faster), the pure-Python one otherwise.
_Base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):  # type: ignore[misc, valid-type]
    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._seen_nodes: set[int] = set()

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        # An alias is the same node reached twice; refusing it stops "billion laughs" bombs.
        if id(node) in self._seen_nodes and not isinstance(node, yaml.ScalarNode):
            raise yaml.MarkedYAMLError(
                "while reading",
                None,
                "aliases (*name) and anchors are not allowed",
                node.start_mark,
            )
        self._seen_nodes.add(id(node))
        return super().construct_object(node, deep=deep)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> LineDict:
        result = LineDict()
        result.line = node.start_mark.line + 1
        result.key_lines = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise yaml.MarkedYAMLError(
                    "while reading", None, "merge keys (<<) are not allowed", key_node.start_mark
                )
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, str):
                raise yaml.MarkedYAMLError(
                    "while reading", None, f"key {key!r} must be text", key_node.start_mark
                )
            if key in result:
                raise yaml.MarkedYAMLError(
                    "while reading", None, f"duplicate key {key!r}", key_node.start_mark
                )
            result[key] = self.construct_object(value_node, deep=True)
            result.key_lines[key] = key_node.start_mark.line + 1
        return result

    def construct_sequence(self, node: yaml.SequenceNode, deep: bool = False) -> LineList:
        result = LineList(self.construct_object(child, deep=True) for child in node.value)
        result.line = node.start_mark.line + 1
        result.item_lines = [child.start_mark.line + 1 for child in node.value]
        return result


_Loader.add_constructor("tag:yaml.org,2002:map", _Loader.construct_mapping)
_Loader.add_constructor("tag:yaml.org,2002:seq", _Loader.construct_sequence)


def load_yaml_text(text: str, name: str) -> Any:
    """Parse one YAML document; raise YamlError naming `name` and the line."""
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 0
        raise YamlError(name, line, str(error.problem or error.context)) from None
    except yaml.YAMLError as error:
        raise YamlError(name, 0, str(error)) from None


def load_yaml_file(path: Path) -> Any:
    """Read and parse a YAML file, refusing files too large to be hand-written knowledge."""
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise YamlError(path.name, 1, f"file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise YamlError(path.name, 1, f"not UTF-8 text ({error.reason})") from None
    return load_yaml_text(text, path.name)
