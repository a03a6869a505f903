"""YAML parsing that remembers where every value came from, so errors can point at a line."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.cyaml import CParser

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


# Limits that keep a hostile file cheap to refuse. The bundled logframes are ~100 KB (0.12 s to check),
# about 3,400 YAML events and 7 levels deep, and use no aliases. The pure-Python parser reads the
# densest YAML at ~0.12 MB/s, so the size limit also bounds the worst case: 2 MB in ~16 s.
MAX_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 64
MAX_ALIAS_NODES = 100_000  # nodes that aliases add when expanded, counted without expanding them


class FileTooLarge(ValueError):
    """The file is over :data:`MAX_BYTES`: refused before it is read whole."""

    def __init__(self) -> None:
        super().__init__(f"the file is larger than {MAX_BYTES // 2**20} MB ({MAX_BYTES:,} bytes), "
                         "the limit for a logframe file")


class _Refused(Exception):
    """A limit was exceeded while composing; carries the line and path to report."""

    def __init__(self, event: yaml.Event, path: PathKey, message: str):
        super().__init__(message)
        self.line = event.start_mark.line + 1
        self.path = path


@dataclass
class _Frame:
    """An open collection: where the composer is inside it, and the size and height of what it holds."""

    anchor: str | None
    mapping: bool
    part: str | int | None = None  # the current key (mapping) or index (sequence)
    at_key: bool = True  # mapping only: the next node is a key
    nodes: int = 1
    height: int = 1


class _Limits:
    """Enforces the depth and alias limits event by event, so a hostile file is refused before it is
    composed, constructed or walked. Aliases share nodes in the composed graph, so what an alias
    would expand to is the size recorded for its anchor, never an expansion. Mixed into a loader
    ahead of its parser."""

    def __init__(self, stream: str):
        super().__init__(stream)
        self._start()

    def _start(self) -> None:
        self._frames: list[_Frame] = []
        self._anchors: dict[str, tuple[int, int]] = {}  # anchor: (nodes, height) once its node is complete
        self._aliased = 0

    def get_event(self) -> yaml.Event:
        event = super().get_event()
        if isinstance(event, yaml.CollectionStartEvent):
            if len(self._frames) >= MAX_DEPTH:
                raise _Refused(event, self._path(), f"nested more than {MAX_DEPTH} levels deep")
            self._frames.append(_Frame(event.anchor, isinstance(event, yaml.MappingStartEvent),
                                       part=None if isinstance(event, yaml.MappingStartEvent) else 0))
        elif isinstance(event, yaml.CollectionEndEvent):
            frame = self._frames.pop()
            self._complete(frame.anchor, frame.nodes, frame.height, None)
        elif isinstance(event, yaml.AliasEvent):
            self._alias(event)
        elif isinstance(event, yaml.ScalarEvent):
            self._complete(event.anchor, 1, 0, event.value)
        return event

    def _alias(self, event: yaml.AliasEvent) -> None:
        if any(frame.anchor == event.anchor for frame in self._frames):
            raise _Refused(event, self._path(), f"alias *{event.anchor} refers to a node that contains it")
        nodes, height = self._anchors.get(event.anchor, (1, 0))  # an undefined alias: the composer says so
        if len(self._frames) + height > MAX_DEPTH:
            raise _Refused(event, self._path(), f"alias *{event.anchor} nests more than {MAX_DEPTH} levels deep")
        self._aliased += nodes
        if self._aliased > MAX_ALIAS_NODES:
            raise _Refused(event, self._path(),
                           f"aliases expand to more than {MAX_ALIAS_NODES:,} nodes (*{event.anchor} alone "
                           f"to {nodes:,})")
        self._complete(None, nodes, height, None)

    def _complete(self, anchor: str | None, nodes: int, height: int, scalar: str | None) -> None:
        """A node ended: remember its anchor's size and move the enclosing collection on."""
        if anchor is not None:
            self._anchors[anchor] = (nodes, height)
        if not self._frames:
            return
        parent = self._frames[-1]
        parent.nodes += nodes
        parent.height = max(parent.height, height + 1)
        if not parent.mapping:
            parent.part += 1
        elif parent.at_key:
            parent.part, parent.at_key = scalar if scalar is not None else "?", False
        else:
            parent.at_key = True

    def _path(self) -> PathKey:
        parts: list[str | int] = []
        for frame in self._frames:
            if frame.mapping and frame.at_key:
                break
            parts.append(frame.part)
        return tuple(parts)


class _Loader(_Limits, yaml.SafeLoader):
    """The line-aware loader: pure-Python PyYAML, whose marks and messages every problem report uses.
    Dates stay text (pydantic parses them and reports bad ones by path)."""


_Loader.add_constructor("tag:yaml.org,2002:timestamp", yaml.SafeLoader.construct_scalar)


class _FastLoader(_Limits, yaml.composer.Composer, CParser, yaml.constructor.SafeConstructor,
                  yaml.resolver.Resolver):
    """libyaml's parser under the same limits (about four times faster in all): its events go through
    :class:`_Limits` and the Python composer, so the limits hold as they do line by line. Its
    messages and positions differ from PyYAML's, so a file with any problem is read again with
    :class:`_Loader` before anything is reported."""

    def __init__(self, stream: str):
        CParser.__init__(self, stream)
        yaml.composer.Composer.__init__(self)
        yaml.constructor.SafeConstructor.__init__(self)
        yaml.resolver.Resolver.__init__(self)
        self._start()


_FastLoader.add_constructor("tag:yaml.org,2002:timestamp", yaml.SafeLoader.construct_scalar)


def _too_large(text: str) -> bool:
    return len(text) > MAX_BYTES or len(text.encode("utf-8")) > MAX_BYTES


def parse_yaml(text: str, file: str, *, fast: bool = False) -> ParsedYaml:
    """Parse ``text``; syntax errors, duplicate keys and exceeded limits come back as problems, never
    exceptions. ``fast`` parses with libyaml: the same limits, but its problems are only good for
    saying that there are some (read the file again without ``fast`` to report them)."""
    source = SourceMap(file)
    problems: list[Problem] = []
    if _too_large(text):
        return ParsedYaml(None, source, [Problem(file, 1, "(file)", str(FileTooLarge()))])
    loader = None
    try:
        loader = (_FastLoader if fast else _Loader)(text)  # the reader already refuses control characters here
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except _Refused as exc:
        return ParsedYaml(None, source, [Problem(file, exc.line, format_path(exc.path), str(exc))])
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
    """The file's text, reading no more than the size limit (a 100 MB file or a device is not read whole)."""
    with path.open("rb") as handle:
        data = handle.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise FileTooLarge()
    return data.decode("utf-8-sig")
