"""Reading an admin's YAML file: plain values, the line of every path, every mistake named.

One reader for fields.yaml and policy.yaml, so both refuse the same things the same way:
a missing file, a directory in its place, bytes that are not UTF-8, a file too large to be
a configuration, YAML that does not parse, duplicate keys (PyYAML would silently keep the
last one), keys that YAML 1.1 reads as booleans or numbers, and alias bombs (a few lines
that expand into billions of nodes).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from syncd.config.problem import Problem

__all__ = ["MAX_BYTES", "MAX_NODES", "YamlDocument", "join_path", "read_yaml"]

#: A mappings file is a few hundred lines; anything this large is a mistake, not a policy.
MAX_BYTES: Final = 1_000_000
#: Nodes built after alias expansion; a real policy has a few thousand.
MAX_NODES: Final = 200_000

# libyaml's parser when PyYAML was built with it (the same nodes and marks, faster).
_LOADER: Final = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def join_path(path: str, key: object) -> str:
    """``path.key``, or ``path["key"]`` when the key is not a plain word (spaces, dashes)."""
    text = str(key)
    if _PLAIN_KEY.fullmatch(text):
        return f"{path}.{text}" if path else text
    return f"{path}[{json.dumps(text)}]"


@dataclass
class YamlDocument:
    """A parsed file (``data`` None when it could not be read) and where each path is."""

    file: str
    data: object = None
    lines: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def add(self, path: str, message: str, *, line: int | None = None) -> None:
        found = line if line is not None else self.line_of(path)
        self.problems.append(Problem(self.file, path, message, found))

    def line_of(self, path: str) -> int | None:
        """The line of ``path``, or of its nearest parent the file spells out."""
        if path in self.lines:
            return self.lines[path]
        probe = path
        while probe:
            if probe in self.lines:
                return self.lines[probe]
            cut = max(probe.rfind("."), probe.rfind("["))
            probe = probe[:cut] if cut > 0 else ""
        return None


class _TooLarge(Exception):
    pass


def read_yaml(directory: Path, name: str) -> YamlDocument:
    """Read ``directory/name``; problems say what is wrong and where, never a traceback."""
    doc = YamlDocument(name)
    path = directory / name
    if not directory.is_dir():
        doc.add("", f"the mappings folder {directory} does not exist")
        return doc
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        doc.add("", f"not found in {directory}")
        return doc
    except IsADirectoryError:
        doc.add("", "is a directory, not a file")
        return doc
    except OSError as exc:
        doc.add("", f"cannot be read: {exc.strerror or exc}")
        return doc
    if len(raw) > MAX_BYTES:
        doc.add("", f"is {len(raw):,} bytes; a mappings file is at most {MAX_BYTES:,}")
        return doc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        doc.add("", f"is not UTF-8 text (byte {exc.start + 1}); save it as UTF-8", line=line)
        return doc
    doc.data = _parse(doc, text)
    return doc


def _parse(doc: YamlDocument, text: str) -> object:
    try:
        try:
            root = yaml.compose(text, Loader=_LOADER)
        except yaml.YAMLError:
            # PyYAML's own parser words its messages better ("not allowed here"): read again.
            root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = exc.problem or exc.context or "cannot be parsed"
        if exc.context and exc.context_mark and exc.problem:
            what += f" ({exc.context} on line {exc.context_mark.line + 1})"
        doc.add("", f"not valid YAML: {what}", line=mark.line + 1 if mark else None)
        return None
    except yaml.YAMLError as exc:
        doc.add("", f"not valid YAML: {exc}")
        return None
    if root is None:
        doc.add("", "the file is empty")
        return None
    builder = _Builder(doc)
    try:
        return builder.build(root, "")
    except _TooLarge:
        doc.problems.clear()
        doc.add(
            "",
            f"expands to more than {MAX_NODES:,} values (YAML aliases that multiply, "
            "an 'alias bomb'?); write the values out",
        )
        return None


class _Builder:
    def __init__(self, doc: YamlDocument) -> None:
        self.doc = doc
        self.constructor = SafeConstructor()
        self.nodes = 0

    def build(self, node: Node, path: str) -> object:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise _TooLarge
        self.doc.lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, MappingNode):
            return self._mapping(node, path)
        if isinstance(node, SequenceNode):
            return [self.build(item, f"{path}[{i}]") for i, item in enumerate(node.value)]
        return self._scalar(node, path)

    def _mapping(self, node: MappingNode, path: str) -> dict[str, object]:
        out: dict[str, object] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if not isinstance(key_node, ScalarNode):
                self.doc.add(path, "a key must be a plain value, not a list or mapping", line=line)
                continue
            key = self._scalar(key_node, path)
            key_path = join_path(path, key_node.value)
            if not isinstance(key, str):
                # YAML 1.1 reads yes/no/on/off/true/false as booleans and digits as numbers.
                self.doc.add(
                    key_path,
                    f"key is read as {type_name(key)}; put it in quotes to make it text",
                    line=line,
                )
                continue
            if key in out:
                # PyYAML silently keeps the last of two equal keys: an entry would vanish.
                first = self.doc.lines.get(key_path)
                self.doc.add(key_path, f"duplicate key (first written on line {first})", line=line)
                continue
            self.doc.lines[key_path] = line
            out[key] = self.build(value_node, key_path)
        return out

    def _scalar(self, node: Node, path: str) -> object:
        try:
            return self.constructor.construct_object(node)
        except yaml.YAMLError as exc:
            self.doc.add(path, f"unsupported YAML value: {exc}", line=node.start_mark.line + 1)
            return None


def type_name(value: object) -> str:
    """How a value reads to an admin: ``a boolean (true)``, ``a list``..."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, int | float):
        return f"a number ({value})"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, Mapping):
        return "a mapping"
    return f"{type(value).__name__} {value!r}"
