"""YAML parsing that remembers where every value came from, so errors can point at a line."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

PathKey = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    """One finding about a file; ``line`` is 1-based, ``path`` in the form ``results[2].text.kk``."""

    file: str
    line: int
    path: str
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{self.file}:{self.line}: {self.path}: {prefix}{self.message}"


def format_path(path: PathKey) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(document)"


@dataclass
class SourceMap:
    """Line of every key and list item in a YAML document."""

    file: str
    lines: dict[PathKey, int] = field(default_factory=dict)

    def line_of(self, path: PathKey) -> int:
        """Line of ``path`` or of its nearest ancestor present in the file (for missing keys)."""
        for end in range(len(path), 0, -1):
            if path[:end] in self.lines:
                return self.lines[path[:end]]
        return 1

    def problem(self, path: PathKey, message: str, severity: str = "error") -> Problem:
        return Problem(self.file, self.line_of(path), format_path(path), message, severity)


@dataclass
class ParsedYaml:
    data: Any
    source: SourceMap
    problems: list[Problem]


class _Loader(yaml.SafeLoader):
    """Safe loader that leaves dates as text: pydantic parses them and reports bad ones by path."""


_Loader.add_constructor("tag:yaml.org,2002:timestamp", yaml.SafeLoader.construct_scalar)


def parse_yaml(text: str, file: str) -> ParsedYaml:
    """Parse ``text``; syntax errors and duplicate keys come back as problems, never exceptions."""
    source = SourceMap(file)
    problems: list[Problem] = []
    loader = None
    try:
        loader = _Loader(text)  # the reader already refuses control characters here
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        return ParsedYaml(None, source, [Problem(file, line, "(yaml)", f"invalid YAML: {exc.problem}")])
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        return ParsedYaml(None, source, [Problem(file, line, "(yaml)",
                                                 f"invalid YAML: character #x{exc.character:04x} is not allowed")])
    except (yaml.YAMLError, ValueError, TypeError) as exc:
        return ParsedYaml(None, source, [Problem(file, 1, "(yaml)", f"invalid YAML: {exc}")])
    finally:
        if loader is not None:
            loader.dispose()
    if node is not None:
        _walk(node, (), source, problems)
    return ParsedYaml(data, source, problems)


def _walk(node: yaml.Node, path: PathKey, source: SourceMap, problems: list[Problem]) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            line = key_node.start_mark.line + 1
            if key in seen:
                problems.append(
                    Problem(source.file, line, format_path(path + (key,)),
                            f"duplicate key (first defined on line {seen[key]})")
                )
                continue
            seen[key] = line
            source.lines[path + (key,)] = line
            _walk(value_node, path + (key,), source, problems)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            source.lines[path + (index,)] = item.start_mark.line + 1
            _walk(item, path + (index,), source, problems)


def read_text(path: Path) -> str:
    return path.read_text(encoding="utf-8-sig")
